package certificate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// Helpers that look at a rendered PDF as a reader would: through pdfcpu,
// and through poppler's pdftotext and pdftoppm when they are installed
// (Debian and Ubuntu: apt-get install poppler-utils).

// openPDF reads, validates and indexes pdf with pdfcpu, configured here
// rather than by model.NewDefaultConfiguration, which reads and writes a
// configuration directory in the user's home.
func openPDF(t *testing.T, pdf []byte) *model.Context {
	t.Helper()
	conf := &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		// Optimizing for image extraction indexes the fonts and images
		// the tests look at.
		Cmd:     model.EXTRACTIMAGES,
		Offline: true,
		Limits:  model.DefaultResourceLimits(),
	}
	doc, err := api.ReadValidateAndOptimize(bytes.NewReader(pdf), conf)
	if err != nil {
		t.Fatalf("pdfcpu cannot read the PDF: %v", err)
	}
	return doc
}

// imageRect is where a page draws an image, in points from the top left
// corner of the page.
type imageRect struct{ x, y, w, h float64 }

// imageDoRE matches an image drawn with its own transformation matrix, as
// gopdf writes it: "w 0 0 h x y cm /Name Do".
var imageDoRE = regexp.MustCompile(`([0-9.]+)\s+0\s+0\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+cm\s*/\S+\s+Do\b`)

// imagePlacements returns where page 1 of doc draws images.
func imagePlacements(t *testing.T, doc *model.Context) []imageRect {
	t.Helper()
	r, err := pdfcpu.ExtractPageContent(doc, 1)
	if err != nil {
		t.Fatalf("page content: %v", err)
	}
	var content bytes.Buffer
	if _, err := content.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	mediaBox, err := doc.PageDims()
	if err != nil {
		t.Fatal(err)
	}
	var rects []imageRect
	for _, m := range imageDoRE.FindAllStringSubmatch(content.String(), -1) {
		v := make([]float64, 4)
		for i := range v {
			if v[i], err = strconv.ParseFloat(m[i+1], 64); err != nil {
				t.Fatal(err)
			}
		}
		// PDF y grows upwards from the bottom of the page.
		rects = append(rects, imageRect{x: v[2], y: mediaBox[0].Height - v[3] - v[1], w: v[0], h: v[1]})
	}
	return rects
}

// tool returns the path of a poppler tool, or skips the test.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (poppler-utils): skipping what it checks", name)
	}
	return path
}

// writeTemp writes pdf into a file of the test's temporary directory.
func writeTemp(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "certificate.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pageText returns the text of the PDF as pdftotext reads it, line by line
// as laid out on the page, with every run of white space (no-break spaces
// included) as one space.
func pageText(t *testing.T, pdf []byte) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), tool(t, "pdftotext"), "-layout", writeTemp(t, pdf), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), "\u00a0", " ")), " ")
}

// word is a word of the page and its box, in points from the top left corner.
type word struct {
	Text string  `xml:",chardata"`
	XMin float64 `xml:"xMin,attr"`
	YMin float64 `xml:"yMin,attr"`
	XMax float64 `xml:"xMax,attr"`
	YMax float64 `xml:"yMax,attr"`
}

// pageWords returns the words of page 1 and their boxes, from pdftotext -bbox.
func pageWords(t *testing.T, pdf []byte) []word {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), tool(t, "pdftotext"), "-bbox", "-f", "1", "-l", "1", writeTemp(t, pdf), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	var doc struct {
		Words []word `xml:"body>doc>page>word"`
	}
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("pdftotext -bbox output: %v", err)
	}
	return doc.Words
}

// rasterize renders page 1 of pdf in gray levels at dpi pixels per inch.
func rasterize(t *testing.T, pdf []byte, dpi int) image.Image {
	t.Helper()
	in := writeTemp(t, pdf)
	prefix := filepath.Join(filepath.Dir(in), "page")
	cmd := exec.CommandContext(t.Context(), tool(t, "pdftoppm"), "-r", strconv.Itoa(dpi), "-gray", "-png", "-singlefile", "-f", "1", "-l", "1", in, prefix)
	// pdftoppm complains on its standard error about what it cannot
	// draw, a font it cannot load for instance, and draws the rest.
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decoding the page image: %v", err)
	}
	return img
}

// embeddedFonts returns, for each font of doc, whether it is embedded.
func embeddedFonts(t *testing.T, doc *model.Context) map[string]bool {
	t.Helper()
	fonts := map[string]bool{}
	for objNr, f := range doc.Optimize.FontObjects {
		embedded, err := pdffont.Embedded(doc.XRefTable, f.FontDict, objNr)
		if err != nil {
			t.Fatalf("font %s: %v", f.FontName, err)
		}
		fonts[f.FontName] = embedded
	}
	return fonts
}

func (r imageRect) String() string {
	return fmt.Sprintf("(%.1f, %.1f) %.1f × %.1f pt", r.x, r.y, r.w, r.h)
}
