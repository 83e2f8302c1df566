package issuer

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"golang.org/x/text/encoding/charmap"

	"github.com/sceau/sceau/schemas"
)

// CSVDialect is how a spreadsheet saves a CSV export.
type CSVDialect struct {
	// Delimiter is ',' (the default when zero) or ';' (French "CSV, semicolon-separated").
	Delimiter rune
	// Windows1252 encodes the file in Windows-1252 (Excel's plain "CSV")
	// instead of UTF-8.
	Windows1252 bool
	// BOM starts a UTF-8 file with a byte order mark ("CSV UTF-8").
	BOM bool
	// CRLF ends lines with "\r\n", as Windows spreadsheets do.
	CRLF bool
}

// Fictitious names for synthetic exports: no real person's data. Every
// character exists in Windows-1252.
var (
	syntheticGivenNames = []string{
		"Hélène", "Jérôme", "Zoé", "Anaïs", "François", "Noémie", "Benoît", "Maëlle", "Loïc", "Chloé",
		"Léa", "Inès", "Théo", "Gaëlle", "Jean-Noël", "Célestine", "Raphaël", "Agnès", "Mélodie", "Joël",
	}
	syntheticFamilyNames = []string{
		"Lefèvre", "N'Diaye", "Martin", "Béranger", "Dupré", "Ménard", "Lemaître", "Gonçalves", "Périer", "Boëldieu",
		"Mercier", "Côté", "Thébault", "Fournier", "Lœuillet", "Hervé", "Éluard", "Garçon", "Rivière", "Chrétien",
	}
	syntheticCentres = []string{
		"Lycée Victor-Hugo, Besançon", "Collège Jules-Ferry", "Université de Franche-Comté", "Lycée Pasteur, Besançon",
		"Centre Pix de l'académie de Besançon", "Lycée Édouard-Belin, Vesoul",
	}
	syntheticDiplomas     = []string{"Baccalauréat général", "Baccalauréat technologique", "Baccalauréat professionnel"}
	syntheticSpecialities = []string{"Mathématiques", "Physique-chimie", "SES", "Histoire-géographie", "Humanités, littérature et philosophie", "NSI"}
)

// verificationAlphabet is the alphabet of Pix verification codes.
const verificationAlphabet = "2346789BCDFGHJKMPQRTVWXY"

// WriteSyntheticCSV writes a CSV export of n valid, fictitious subjects of
// credType (header included) in dialect d, for benchmarks and tests. Row i
// (0-based, at line i+2) has student id SyntheticStudentID(i); the rest is
// drawn from a generator seeded with seed, so equal arguments give equal files.
func WriteSyntheticCSV(w io.Writer, credType string, n int, d CSVDialect, seed uint64) error {
	var header func() []string
	var row func(i int, rng *rand.Rand) []string
	switch credType {
	case schemas.TypePixCertification:
		header, row = pixHeader, pixRow
	case schemas.TypeDiploma:
		header, row = diplomaHeader, diplomaRow
	default:
		return fmt.Errorf("synthetic CSV: credential type %q: want %s or %s", credType, schemas.TypeDiploma, schemas.TypePixCertification)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var out io.Writer = bw
	if d.Windows1252 {
		out = charmap.Windows1252.NewEncoder().Writer(bw)
	} else if d.BOM {
		if _, err := bw.WriteString("\xEF\xBB\xBF"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(out)
	if d.Delimiter != 0 {
		cw.Comma = d.Delimiter
	}
	cw.UseCRLF = d.CRLF
	if err := cw.Write(header()); err != nil {
		return fmt.Errorf("synthetic CSV: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range n {
		if err := cw.Write(row(i, rng)); err != nil {
			return fmt.Errorf("synthetic CSV, row %d: %w", i, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("synthetic CSV: %w", err)
	}
	return bw.Flush()
}

// SyntheticStudentID returns the INE of synthetic row i: unique for i below
// 10^9, 9 digits and 2 capital letters.
func SyntheticStudentID(i int) string {
	return fmt.Sprintf("%09d%c%c", i%1_000_000_000, 'A'+byte(i/26%26), 'A'+byte(i%26))
}

func studentCells(i int, rng *rand.Rand) []string {
	return []string{
		SyntheticStudentID(i),
		syntheticGivenNames[rng.IntN(len(syntheticGivenNames))],
		syntheticFamilyNames[rng.IntN(len(syntheticFamilyNames))],
		fmt.Sprintf("%d-%02d-%02d", 2004+rng.IntN(5), 1+rng.IntN(12), 1+rng.IntN(28)),
	}
}

func pixHeader() []string {
	h := []string{"student_id", "given_name", "family_name", "birth_date", "certification_center", "certified_on", "pix_score"}
	for _, c := range schemas.CompetenceFramework {
		h = append(h, c.Column)
	}
	return append(h, "verification_code")
}

func pixRow(i int, rng *rand.Rand) []string {
	cells := append(studentCells(i, rng),
		syntheticCentres[rng.IntN(len(syntheticCentres))],
		fmt.Sprintf("2025-%02d-%02d", 1+rng.IntN(6), 1+rng.IntN(28)),
		strconv.Itoa(rng.IntN(1025)),
	)
	for range schemas.CompetenceFramework {
		cells = append(cells, strconv.Itoa(rng.IntN(10)-1))
	}
	code := []byte("P-")
	for range 8 {
		code = append(code, verificationAlphabet[rng.IntN(len(verificationAlphabet))])
	}
	return append(cells, string(code))
}

func diplomaHeader() []string {
	return []string{"student_id", "given_name", "family_name", "birth_date", "diploma", "eqf_level", "awarded_on", "mention", "speciality", "session"}
}

func diplomaRow(i int, rng *rand.Rand) []string {
	mention := ""
	if m := rng.IntN(len(schemas.Mentions) + 1); m < len(schemas.Mentions) {
		mention = schemas.Mentions[m]
	}
	first := rng.IntN(len(syntheticSpecialities))
	second := (first + 1 + rng.IntN(len(syntheticSpecialities)-1)) % len(syntheticSpecialities)
	return append(studentCells(i, rng),
		syntheticDiplomas[rng.IntN(len(syntheticDiplomas))],
		"4",
		fmt.Sprintf("2025-07-%02d", 1+rng.IntN(10)),
		mention,
		syntheticSpecialities[first]+"|"+syntheticSpecialities[second],
		"juin 2025",
	)
}
