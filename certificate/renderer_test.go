package certificate

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// TestOneRendererPrintsManyCertificatesAtOnce shares one Renderer between
// goroutines, as issuance does: every certificate is the one the Renderer
// prints alone, and reads back with qrcode.DecodePDF to its SC1 text.
func TestOneRendererPrintsManyCertificatesAtOnce(t *testing.T) {
	r, err := NewRenderer(Options{IssuerName: "Académie de Lyon"})
	if err != nil {
		t.Fatal(err)
	}
	names := [][2]string{
		{"Léa-Éloïse", "Martin-Gaëtan"}, {"Françoise", "Lefèvre-Cœur"}, {"Zoé", "Ÿ"},
		{"Łukasz", "Wałęsa"}, {"Αλέξανδρος", "Παπαδόπουλος"}, {"Анна", "Кузнецова"},
	}
	type printed struct {
		c   *credential.Credential
		qr  string
		pdf []byte
	}
	var certificates []printed
	for i, name := range names {
		var record schemas.Record
		if i%2 == 0 {
			d := sampleDiploma()
			d.GivenName, d.FamilyName = name[0], name[1]
			record = d
		} else {
			p := samplePix()
			p.GivenName, p.FamilyName = name[0], name[1]
			record = p
		}
		c, qr := issue(t, record)
		pdf, err := r.Render(c, qr)
		if err != nil {
			t.Fatalf("%s %s: %v", name[0], name[1], err)
		}
		certificates = append(certificates, printed{c, qr, pdf})
	}

	var wg sync.WaitGroup
	errs := make(chan error, 4*len(certificates))
	for range 4 {
		wg.Go(func() {
			for _, want := range certificates {
				pdf, err := r.Render(want.c, want.qr)
				switch {
				case err != nil:
					errs <- err
				case !bytes.Equal(pdf, want.pdf):
					errs <- fmt.Errorf("certificate of %s: printed alongside others, it differs from the one printed alone", want.c.Subject.Holder().GivenName)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for _, want := range certificates {
		text, err := qrcode.DecodePDF(t.Context(), want.pdf, qrcode.PDFLimits{})
		if err != nil || text != want.qr {
			t.Errorf("certificate of %s: qrcode.DecodePDF = %q, %v; want its SC1 text", want.c.Subject.Holder().GivenName, text, err)
		}
		holder := want.c.Subject.Holder()
		if page := pageText(t, want.pdf); !strings.Contains(page, holder.GivenName) {
			t.Errorf("the certificate does not read the given name %q; it reads:\n%s", holder.GivenName, page)
		}
	}
}

// TestFontSubsetsAreWholeTrueTypeFonts reads back the font program a
// certificate embeds: a zlib stream whose checksum holds, of a TrueType
// font whose tables and whole-file checksums hold, that draws the used
// glyphs (and the glyphs they are made of) as the font does and no other.
func TestFontSubsetsAreWholeTrueTypeFonts(t *testing.T) {
	r, err := NewRenderer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Léa-Éloïse MARTIN-GAËTAN, Œ Ÿ ÿ 0123 Łódź", strings.Repeat("x", 3)} {
		for id, e := range r.embedded {
			f := e.font
			used := make([]bool, len(f.glyphs))
			for _, ch := range text {
				used[f.glyph(ch)] = true
			}
			program, rawLength := e.subsetProgram(nil, used, newScratch())
			z, err := zlib.NewReader(bytes.NewReader(program))
			if err != nil {
				t.Fatal(err)
			}
			font, err := io.ReadAll(z) // checks the Adler-32 checksum
			if err != nil {
				t.Fatalf("font %d: inflating its program: %v", id, err)
			}
			if len(font) != rawLength {
				t.Errorf("font %d: the program inflates to %d bytes, Length1 says %d", id, len(font), rawLength)
			}
			if sum := sfntChecksum(font); sum != 0xB1B0AFBA {
				t.Errorf("font %d: the font sums to %#x, want 0xB1B0AFBA", id, sum)
			}
			tables := readTableDirectory(t, font)
			for _, tag := range constantTables {
				if !bytes.Equal(tables[tag], findTable(f, tag)) {
					t.Errorf("font %d: table %q differs from the font's", id, tag)
				}
			}
			head := tables["head"]
			sub := &ttfont{}
			if err := sub.parseGlyphs(tables["loca"], tables["glyf"], len(f.glyphs), int16(u16(head, 50)) != 0); err != nil {
				t.Fatalf("font %d: %v", id, err)
			}
			kept := map[int]bool{0: true}
			for g, u := range used {
				if u {
					kept[g] = true
					for _, c := range f.components[g] {
						kept[int(c)] = true
					}
				}
			}
			for g := range f.glyphs {
				want := f.glyphs[g]
				if !kept[g] {
					want = nil
				}
				if !bytes.Equal(sub.glyphs[g], want) {
					t.Errorf("font %d glyph %d (kept: %t): %d bytes, want %d", id, g, kept[g], len(sub.glyphs[g]), len(want))
				}
			}
		}
	}
}

// readTableDirectory returns the tables of a TrueType font, checking their
// checksums and that the directory is sorted.
func readTableDirectory(t *testing.T, font []byte) map[string][]byte {
	t.Helper()
	tables, err := sfntTables(font)
	if err != nil {
		t.Fatal(err)
	}
	previous := ""
	for i := range int(u16(font, 4)) {
		e := font[12+16*i:]
		tag, checksum := string(e[:4]), binary.BigEndian.Uint32(e[4:])
		if tag <= previous {
			t.Errorf("table %q after %q: the directory is not sorted", tag, previous)
		}
		previous = tag
		data := tables[tag]
		if tag == "head" {
			data = bytes.Clone(data)
			binary.BigEndian.PutUint32(data[8:], 0) // checkSumAdjustment
		}
		if got := sfntChecksum(data); got != checksum {
			t.Errorf("table %q sums to %#x, its directory entry says %#x", tag, got, checksum)
		}
	}
	return tables
}

func findTable(f *ttfont, tag string) []byte {
	for _, t := range f.tables {
		if t.tag == tag {
			return t.data
		}
	}
	return nil
}

// BenchmarkRender prints the Pix certification (16 competences: the
// fullest page) with a Renderer built once, as issuance does, and with the
// reference renderer, and reports how many times faster the Renderer is
// (speedup). "renderer" is Render's whole work; "page" leaves out
// checking the QR text and encoding the QR symbol, which is qrcode's work.
// For the cost on one core: go test -bench Render -cpu 1.
func BenchmarkRender(b *testing.B) {
	c, qr := issue(b, samplePix())
	opts := Options{IssuerName: "Pix"}
	var reference float64 // ns per certificate
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := renderReference(c, qr, opts); err != nil {
				b.Fatal(err)
			}
		}
		reference = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	r, err := NewRenderer(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("renderer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Render(c, qr); err != nil {
				b.Fatal(err)
			}
		}
		if reference > 0 {
			b.ReportMetric(reference/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "speedup")
		}
	})
	b.Run("page", func(b *testing.B) {
		symbol, err := qrcode.Encode(qr)
		if err != nil {
			b.Fatal(err)
		}
		p, err := newPage(c, r.wording, r.issuerName, r.publicURL)
		if err != nil {
			b.Fatal(err)
		}
		s := newScratch()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.render(p, symbol, s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("NewRenderer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewRenderer(opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestEveryStreamOfACertificateInflates inflates every Flate stream of
// certificates, checking each zlib stream's checksum: the font subsets and
// the QR image are spliced from pieces, and their checksums combined.
func TestEveryStreamOfACertificateInflates(t *testing.T) {
	streamRE := regexp.MustCompile(`(?s)<< /Length (\d+)([^>]*(?:<<[^>]*>>[^>]*)*)>>\nstream\n`)
	for _, tc := range renderCases {
		c, qr := issue(t, tc.record())
		pdf, err := Render(c, qr, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		flate := 0
		for _, m := range streamRE.FindAllSubmatchIndex(pdf, -1) {
			length, err := strconv.Atoi(string(pdf[m[2]:m[3]]))
			if err != nil {
				t.Fatal(err)
			}
			data := pdf[m[1] : m[1]+length]
			if !bytes.HasPrefix(pdf[m[1]+length:], []byte("\nendstream")) {
				t.Errorf("%s: a stream of /Length %d is not followed by endstream", tc.name, length)
			}
			if !bytes.Contains(pdf[m[4]:m[5]], []byte("/FlateDecode")) {
				continue
			}
			flate++
			z, err := zlib.NewReader(bytes.NewReader(data))
			if err == nil {
				_, err = io.Copy(io.Discard, z)
			}
			if err != nil {
				t.Errorf("%s: stream %s: %v", tc.name, pdf[m[0]:m[1]], err)
			}
		}
		// The page, the QR image and three font programs.
		if flate != 5 {
			t.Errorf("%s: %d Flate streams, want 5", tc.name, flate)
		}
	}
}

func TestAdler32Combine(t *testing.T) {
	data := make([]byte, 200_000)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	for _, split := range []int{0, 1, 100, 65521, 65522, 131_042, 199_999, 200_000} {
		a, b := data[:split], data[split:]
		got := adler32Combine(adler32.Checksum(a), adler32.Checksum(b), len(b))
		if want := adler32.Checksum(data); got != want {
			t.Errorf("split at %d: %#x, want %#x", split, got, want)
		}
	}
}
