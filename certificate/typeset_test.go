package certificate

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// wrapStrings is how lines were wrapped before texts were made ready once
// (typesetter.wrap): on strings, rune by rune. It is the reference the
// line breaks of certificates must keep.
func wrapStrings(f *ttfont, size float64, text string, width float64) []string {
	runes := []rune(text)
	var lines []string
	line := make([]rune, 0, len(runes))
	lineAdvance := 0
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		advance := f.widths[f.glyph(r)]
		if millimetres(lineAdvance, size)+millimetres(advance, size) > width && len(line) > 0 {
			if space := lastSpace(line); space > 0 {
				lines = append(lines, string(line[:space]))
				i -= len(line) - space
			} else {
				lines = append(lines, string(line))
				i--
			}
			line, lineAdvance = line[:0], 0
			continue
		}
		line = append(line, r)
		lineAdvance += advance
	}
	if len(line) > 0 {
		lines = append(lines, string(line))
	}
	return lines
}

// TestLinesBreakWhereTheyAlwaysHave wraps texts of words, long words,
// runs of spaces, accents and other scripts at many widths: the lines
// typesetter.wrap makes read as those of the string-based wrapping, each
// measured as wide as its glyphs.
func TestLinesBreakWhereTheyAlwaysHave(t *testing.T) {
	r, err := NewRenderer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		frenchWording.notice, englishWording.notice,
		"Sciences de l'ingénieur et mathématiques appliquées aux systèmes embarqués, à la robotique",
		strings.Repeat("Ñ", 100), "a  b   c    d", " leading and trailing spaces ", "x",
		"Αλέξανδρος Παπαδόπουλος Анна Кузнецова Łukasz Wałęsa Françoise Lefèvre-Cœur",
		"https://verification.examens.education.gouv.fr/v#sc1=" + strings.Repeat("0123456789", 30),
	}
	words := []string{"Léa", "MARTIN-GAËTAN", "de", "l'information", "ŸŸŸŸŸŸŸŸŸŸŸŸŸŸ", "à", "—", "2025", ""}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var b strings.Builder
		for range 1 + rng.IntN(30) {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteString(strings.Repeat(" ", rng.IntN(3)))
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		for font := range fontID(fontCount) {
			for _, width := range []float64{0.5, 3, 10, 26, 44.7, 100, 131.5, 174} {
				for _, size := range []float64{7.65, 9.5, 26} {
					ts := newTypesetter(&r.fonts, r.known)
					ts.reset()
					run, err := ts.run("text", text, font)
					if err != nil {
						t.Fatalf("%q: %v", text, err)
					}
					f := r.fonts[font]
					want := wrapStrings(f, size, text, width)
					lines := ts.wrap(text, font, run, size, width)
					var got []string
					for _, line := range lines {
						got = append(got, string(line.chars))
						if advance := f.advance(string(line.chars)); line.advance != advance {
							t.Errorf("%q: line %q measures %d, its glyphs %d", text, string(line.chars), line.advance, advance)
						}
					}
					if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != len(want) {
						t.Fatalf("font %d, %.2f pt, %.1f mm: %q wraps into\n%q\nwant\n%q", font, size, width, text, got, want)
					}
					if again := ts.wrap(text, font, run, size, width); len(again) != len(lines) || (len(lines) > 0 && &again[0] != &lines[0]) {
						t.Errorf("%q: wrapping it again at the same size and width does not give the lines kept", text)
					}
				}
			}
		}
	}
}

// advance returns the width of text in thousandths of an em, glyph by
// glyph: the measure runs must agree with.
func (f *ttfont) advance(text string) int {
	sum := 0
	for _, r := range text {
		sum += f.widths[f.glyph(r)]
	}
	return sum
}

// TestARendererForgetsTheCertificateBefore prints different certificates
// one after the other with one Renderer, whose typesetter keeps texts
// between them, and again after its cache's generations wrap around: each
// certificate is the one a fresh Renderer prints.
func TestARendererForgetsTheCertificateBefore(t *testing.T) {
	opts := Options{IssuerName: "Académie de Lyon", PublicURL: verifierURL}
	var records []schemas.Record
	for _, name := range [][2]string{{"Léa", "Martin"}, {"Zoé", "Ÿ"}, {"Léo", "Martin"}, {"Le\u0301a", "Martin"}, {"Анна", "Кузнецова"}} {
		d := sampleDiploma()
		d.GivenName, d.FamilyName = name[0], name[1]
		p := samplePix()
		p.GivenName, p.FamilyName = name[1], name[0]
		records = append(records, d, p)
	}
	type printed struct {
		c    *credential.Credential
		qr   string
		want []byte
	}
	var all []printed
	for _, record := range records {
		c, qr := issue(t, record)
		want, err := Render(c, qr, opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, printed{c, qr, want})
	}
	r, err := NewRenderer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := newScratch()
	for round := range 3 {
		if round == 2 {
			// The next rendering's generation wraps around to 0.
			s.typesetter(r).generation = math.MaxUint32 - 1
		}
		for i, p := range all {
			page, err := newPage(p.c, r.wording, r.issuerName, r.publicURL)
			if err != nil {
				t.Fatal(err)
			}
			qrText, err := qrContent(p.qr, r.publicURL)
			if err != nil {
				t.Fatal(err)
			}
			symbol, err := qrcode.Encode(qrText)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.render(page, symbol, s)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, p.want) {
				t.Errorf("round %d, certificate %d (%s): printed after others, it differs from the one a fresh Renderer prints", round, i, p.c.Subject.Holder().GivenName)
			}
		}
	}
}
