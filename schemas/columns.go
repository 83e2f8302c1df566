package schemas

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// cellKind says how a CSV cell becomes a JSON value of the subject.
type cellKind int

const (
	// cellText is a string field.
	cellText cellKind = iota
	// cellDate is a date field: ISO (YYYY-MM-DD) or French (DD/MM/YYYY)
	// in the cell, ISO in the subject.
	cellDate
	// cellInteger is an integer field.
	cellInteger
	// cellList is an array of strings, separated by listSeparator in the cell.
	cellList
	// cellCompetenceLevel is the level of one CRCN competence.
	cellCompetenceLevel
	// cellHolderJWK is the holder's public key: not part of the subject.
	cellHolderJWK
)

// listSeparator separates the items of a cellList cell, e.g.
// "Mathématiques|Physique-chimie".
const listSeparator = "|"

// holderJWKColumn is the optional column holding the holder's public JWK.
const holderJWKColumn = "holder_jwk"

// Languages of CSV headers, as CSV templates take them.
const (
	LangFrench  = "fr"
	LangEnglish = "en"
)

// column is one CSV column of a credential type.
type column struct {
	// name is the English header, lower case: the column's name in
	// messages about an English header.
	name string
	// french lists the French headers accepted for the column; the first
	// is the one templates print and messages about a French header use.
	french []string
	// field is the JSON field of the subject the column fills; for a
	// competence level, "competences".
	field    string
	kind     cellKind
	required bool
	// competence is the index in CompetenceFramework of a
	// cellCompetenceLevel column.
	competence int
}

// nameIn returns the column's header in lang (LangFrench or LangEnglish).
func (c column) nameIn(lang string) string {
	if lang == LangFrench && len(c.french) > 0 {
		return c.french[0]
	}
	return c.name
}

func studentColumns() []column {
	return []column{
		{name: "student_id", french: []string{"INE"}, field: "student_id", kind: cellText, required: true},
		{name: "given_name", french: []string{"Prénom"}, field: "given_name", kind: cellText, required: true},
		{name: "family_name", french: []string{"Nom", "Nom de famille"}, field: "family_name", kind: cellText, required: true},
		{name: "birth_date", french: []string{"Date de naissance"}, field: "birth_date", kind: cellDate, required: true},
	}
}

// holderColumn is the optional holder_jwk column of every type.
func holderColumn() column {
	return column{name: holderJWKColumn, french: []string{"Clé du titulaire"}, kind: cellHolderJWK}
}

// diplomaColumns returns the columns of a Diploma CSV, in the order of
// the subject's fields.
func diplomaColumns() []column {
	return append(studentColumns(),
		column{name: "diploma", french: []string{"Diplôme"}, field: "diploma", kind: cellText, required: true},
		column{name: "eqf_level", french: []string{"Niveau CEC", "Niveau CEC (EQF)"}, field: "eqf_level", kind: cellInteger, required: true},
		column{name: "awarded_on", french: []string{"Date d'obtention"}, field: "awarded_on", kind: cellDate, required: true},
		column{name: "mention", french: []string{"Mention"}, field: "mention", kind: cellText},
		column{name: "speciality", french: []string{"Spécialités", "Spécialité"}, field: "specialities", kind: cellList},
		column{name: "rncp", french: []string{"Code RNCP"}, field: "rncp", kind: cellText},
		column{name: "session", french: []string{"Session"}, field: "session", kind: cellText},
		holderColumn(),
	)
}

// pixCertificationColumns returns the columns of a PixCertification CSV,
// in the order of the subject's fields.
func pixCertificationColumns() []column {
	cols := append(studentColumns(),
		column{name: "certification_center", french: []string{"Centre de certification"}, field: "certification_center", kind: cellText, required: true},
		column{name: "certified_on", french: []string{"Date de certification"}, field: "certified_on", kind: cellDate, required: true},
		column{name: "pix_score", french: []string{"Score Pix"}, field: "pix_score", kind: cellInteger, required: true},
	)
	for i, c := range CompetenceFramework {
		cols = append(cols, column{
			name: c.Column, french: []string{"Compétence " + c.ID, c.ID},
			field: "competences", kind: cellCompetenceLevel, required: true, competence: i,
		})
	}
	return append(cols,
		column{name: "verification_code", french: []string{"Code de vérification"}, field: "verification_code", kind: cellText},
		holderColumn(),
	)
}

// maxHeaderNameLen bounds, in bytes, the header cells compared with the
// columns' names: a longer cell is an unknown column.
const maxHeaderNameLen = 100

// headerKey is the form in which header cells are compared with the
// columns' names: without accents, in lower case, every apostrophe ’ as ',
// every run of white space (no-break spaces included) as one space, and
// without leading or trailing space. It returns "" for a cell longer than
// maxHeaderNameLen bytes or that is not valid UTF-8, which matches no
// column.
func headerKey(cell string) string {
	if len(cell) > maxHeaderNameLen || !utf8.ValidString(cell) {
		return ""
	}
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(cell) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // an accent, once decomposed
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == '\u2019' || r == '\u2018' || r == '\u02BC' || r == '\u00B4' || r == '`':
			r = '\''
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// matchColumn returns the index in cols of the column one of whose names
// has the header key key (-1 when none does), and whether that name is
// its English name, one of its French names, or both (as "session").
func matchColumn(cols []column, key string) (index int, english, french bool) {
	if key == "" {
		return -1, false, false
	}
	for i, c := range cols {
		english = headerKey(c.name) == key
		for _, f := range c.french {
			french = french || headerKey(f) == key
		}
		if english || french {
			return i, english, french
		}
	}
	return -1, false, false
}

// columnIndex returns the index in cols of the column a subject field path
// (as in Violation.Field) comes from, or -1 when no column fills it.
func columnIndex(cols []column, field string) int {
	top, rest, _ := strings.Cut(field, ".")
	top, index, indexed := strings.Cut(top, "[")
	if top == "competences" {
		if !indexed {
			return -1
		}
		i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
		if err != nil || i < 0 || i >= len(CompetenceFramework) {
			return -1
		}
		if rest != "" && rest != "level" {
			// id and name are filled from the framework, not from a column.
			return -1
		}
		for j, c := range cols {
			if c.kind == cellCompetenceLevel && c.competence == i {
				return j
			}
		}
		return -1
	}
	for j, c := range cols {
		if c.field != "" && c.field == top {
			return j
		}
	}
	return -1
}

// ClaimLabel returns how people name claim claim of credential type
// credType in lang (LangFrench or LangEnglish), which wallets show next to
// the value: in French the header of its CSV column ("Prénom",
// "Compétence 1.1"), in English its column name in words ("Given name",
// "Competence 1.1", "EQF level"). claim is a subject field or, for a
// competence, its column name; ok is false for a claim the type does not
// have.
func ClaimLabel(credType, claim, lang string) (label string, ok bool) {
	s, err := lookupType(credType)
	if err != nil {
		return "", false
	}
	for _, c := range s.columns {
		if c.name == claim || (c.field == claim && c.kind != cellCompetenceLevel) {
			if lang == LangFrench {
				return c.nameIn(lang), true
			}
			return englishLabel(c), true
		}
	}
	return "", false
}

// englishLabel writes a column's English name in words.
func englishLabel(c column) string {
	if c.kind == cellCompetenceLevel {
		return "Competence " + CompetenceFramework[c.competence].ID
	}
	words := strings.Split(c.name, "_")
	for i, w := range words {
		switch w {
		case "id", "eqf", "rncp", "ine":
			words[i] = strings.ToUpper(w)
		}
	}
	label := strings.Join(words, " ")
	return strings.ToUpper(label[:1]) + label[1:]
}
