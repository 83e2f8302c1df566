package schemas

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// A CSV template is the header line an issuer's export must have, in
// French (';'-separated, as French spreadsheets export CSV) or in English
// (','-separated), with every column the type accepts, and optionally an
// example row: a fictitious subject that passes validation.

// exampleCells are the cells of the example row, by English column name;
// dates are ISO, written the French way in a French template. Competence
// levels and holder_jwk are not listed: levels are drawn from the
// competence's index, and the key is left empty.
var exampleCells = map[string]string{
	"student_id":           "0123456789A",
	"given_name":           "Hélène",
	"family_name":          "Lefèvre",
	"birth_date":           "2006-03-14",
	"diploma":              "Baccalauréat général",
	"eqf_level":            "4",
	"awarded_on":           "2024-07-04",
	"mention":              "tres_bien",
	"speciality":           "Mathématiques|Physique-chimie",
	"session":              "juin 2024",
	"certification_center": "Lycée Jean Moulin, Lyon",
	"certified_on":         "2024-05-21",
	"pix_score":            "512",
	"verification_code":    "P-2BCD6789",
}

// WriteCSVTemplate writes the header line of a CSV file of credType
// subjects, with every column the type accepts, in lang (LangFrench:
// French names, ';'-separated; LangEnglish: English names,
// ','-separated), then, when example is set, an example row: a valid,
// fictitious subject (dates DD/MM/YYYY in French, YYYY-MM-DD in English).
func WriteCSVTemplate(w io.Writer, credType, lang string, example bool) error {
	spec, err := lookupType(credType)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	switch lang {
	case LangFrench:
		cw.Comma = ';'
	case LangEnglish:
		cw.Comma = ','
	default:
		return fmt.Errorf("CSV template language %q: want %s or %s", lang, LangFrench, LangEnglish)
	}
	header := make([]string, len(spec.columns))
	row := make([]string, len(spec.columns))
	for i, col := range spec.columns {
		header[i] = col.nameIn(lang)
		row[i] = exampleCells[col.name]
		switch {
		case col.kind == cellCompetenceLevel:
			row[i] = strconv.Itoa(col.competence%6 + 1)
		case col.kind == cellDate && lang == LangFrench:
			row[i] = frenchDate(row[i])
		}
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("writing the CSV template: %w", err)
	}
	if example {
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("writing the CSV template: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing the CSV template: %w", err)
	}
	return nil
}

// frenchDate writes an ISO date DD/MM/YYYY.
func frenchDate(iso string) string {
	if len(iso) != len(dateLayout) {
		return iso
	}
	return iso[8:10] + "/" + iso[5:7] + "/" + iso[0:4]
}
