package verifier

import (
	"bytes"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"github.com/sceau/sceau/certificate"
	"github.com/sceau/sceau/qrcode"
)

// Geometry of a printed certificate.
const (
	a4WidthMM, a4HeightMM = 210.0, 297.0
	// printedQRMM is the printed side of the certificate's QR image, quiet
	// zone included.
	printedQRMM = 46.0
)

func mmToPixels(mm, dpi float64) int { return int(math.Round(mm / 25.4 * dpi)) }

// qrImage renders text as the issuer's QR image.
func qrImage(t *testing.T, text string) image.Image {
	t.Helper()
	data, err := qrcode.EncodePNG(text)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// paper returns a w×h sheet of slightly uneven off-white paper.
func paper(w, h int, rng *rand.Rand) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = uint8(235 + rng.IntN(15))
	}
	return g
}

// place draws src onto dst scaled to side×side pixels, turned by degrees
// around its centre at (cx, cy), with bilinear sampling.
func place(dst draw.Image, src image.Image, side int, degrees float64, cx, cy float64) {
	b := src.Bounds()
	scale := float64(side) / float64(b.Dx())
	rad := degrees * math.Pi / 180
	cos, sin := math.Cos(rad)*scale, math.Sin(rad)*scale
	hw, hh := float64(b.Dx())/2, float64(b.Dy())/2
	m := f64.Aff3{cos, -sin, cx - cos*hw + sin*hh, sin, cos, cy - sin*hw - cos*hh}
	draw.BiLinear.Transform(dst, m, src, b, draw.Over, nil)
}

// degrade adds sensor noise and squeezes the contrast of g between lo
// and hi.
func degrade(g *image.Gray, rng *rand.Rand, noise int, lo, hi uint8) {
	for i, v := range g.Pix {
		n := int(lo) + int(v)*int(hi-lo)/255 + rng.IntN(2*noise+1) - noise
		g.Pix[i] = uint8(min(255, max(0, n)))
	}
}

func encodeJPEG(t *testing.T, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestScanOfThePrintedCertificate verifies an A4 page scanned at 150 dpi:
// the QR code at its printed size (46 mm, 272 pixels), a little askew, on
// uneven paper, saved as JPEG as scanners do.
func TestScanOfThePrintedCertificate(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	rng := rand.New(rand.NewPCG(7, 150))
	const dpi = 150
	page := paper(mmToPixels(a4WidthMM, dpi), mmToPixels(a4HeightMM, dpi), rng)
	side := mmToPixels(printedQRMM, dpi)
	cx := float64(page.Bounds().Dx() - mmToPixels(20+printedQRMM/2, dpi))
	cy := float64(page.Bounds().Dy() - mmToPixels(25+printedQRMM/2, dpi))
	place(page, qrImage(t, is.qr), side, 0.8, cx, cy)
	degrade(page, rng, 6, 20, 250)
	scan := encodeJPEG(t, page, 80)
	r := e.verify(scan)
	if r.Verdict != Valid || r.Input != "sc1 (QR image)" {
		t.Fatalf("150-dpi scan (%d×%d, QR %d px): verdict %s from %q, want valid:\n%s",
			page.Bounds().Dx(), page.Bounds().Dy(), side, r.Verdict, r.Input, describe(r))
	}
}

// TestScanOfTheRenderedPDF prints the real certificate with poppler's
// pdftoppm at 150 dpi, when it is installed, and verifies the page image.
func TestScanOfTheRenderedPDF(t *testing.T) {
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm not installed (apt-get install poppler-utils): the simulated scan test covers the same ground")
	}
	e := newEnv(t)
	is := e.issue(diploma())[0]
	pdf, err := certificate.Render(is.cred, is.qr, certificate.Options{IssuerName: "Académie de Versailles"})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.verify(pdf); r.Verdict != Valid || r.Input != "sc1 (PDF certificate)" {
		t.Fatalf("the PDF itself: verdict %s from %q:\n%s", r.Verdict, r.Input, describe(r))
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "certificate.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "page")
	if msg, err := exec.Command(pdftoppm, "-r", "150", "-gray", "-singlefile", "-png", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, msg)
	}
	data, err := os.ReadFile(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(img.Bounds())
	stddraw.Draw(gray, gray.Bounds(), img, img.Bounds().Min, stddraw.Src)
	degrade(gray, rand.New(rand.NewPCG(3, 4)), 5, 15, 245)
	if r := e.verify(encodeJPEG(t, gray, 80)); r.Verdict != Valid {
		t.Fatalf("150-dpi raster of the PDF (%v): verdict %s:\n%s", img.Bounds(), r.Verdict, describe(r))
	}
}

// TestPhoneShotOfTheQR verifies phone photos of a printed QR code: turned,
// small in a large frame, noisy and dull.
func TestPhoneShotOfTheQR(t *testing.T) {
	e := newEnv(t)
	is := e.issue(pix(e.issuedAt.AddDate(0, -1, 0)))[0]
	qr := qrImage(t, is.qr)
	cases := []struct {
		name        string
		w, h, side  int
		degrees     float64
		noise       int
		lo, hi      uint8
		jpegQuality int
	}{
		{"rotated 23°, noisy, low contrast", 1600, 1200, 600, 23, 12, 70, 190, 75},
		{"shrunk to a corner of a 12-megapixel frame", 4000, 3000, 420, -8, 8, 40, 220, 85},
		{"upside down and dull", 1200, 1200, 700, 181, 10, 90, 180, 70},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(c.w), uint64(c.side)))
			frame := image.NewGray(image.Rect(0, 0, c.w, c.h))
			stddraw.Draw(frame, frame.Bounds(), image.NewUniform(color.Gray{Y: 200}), image.Point{}, stddraw.Src)
			place(frame, qr, c.side, c.degrees, float64(c.w)*0.4, float64(c.h)*0.55)
			degrade(frame, rng, c.noise, c.lo, c.hi)
			r := e.verify(encodeJPEG(t, frame, c.jpegQuality))
			if r.Verdict != Valid || r.Input != "sc1 (QR image)" {
				t.Fatalf("verdict %s from %q, want valid:\n%s", r.Verdict, r.Input, describe(r))
			}
		})
	}
	t.Run("tampered QR photographed", func(t *testing.T) {
		frame := image.NewGray(image.Rect(0, 0, 1200, 900))
		stddraw.Draw(frame, frame.Bounds(), image.NewUniform(color.Gray{Y: 210}), image.Point{}, stddraw.Src)
		place(frame, qrImage(t, tamper(is.qr)), 600, 12, 600, 450)
		r := e.verify(encodeJPEG(t, frame, 85))
		if r.Verdict != Invalid || failing(r) == nil || failing(r).Name == CheckFormat {
			t.Fatalf("verdict %s, want invalid naming a check past decoding:\n%s", r.Verdict, describe(r))
		}
	})
	t.Run("more than 50 megapixels", func(t *testing.T) {
		big := image.NewGray(image.Rect(0, 0, 8200, 6200))
		var buf bytes.Buffer
		if err := png.Encode(&buf, big); err != nil {
			t.Fatal(err)
		}
		r := e.verify(buf.Bytes())
		if r.Verdict != Invalid || failing(r).Name != CheckFormat || !strings.Contains(failing(r).Reason, "megapixels") {
			t.Fatalf("verdict %s, want invalid at format naming the megapixel limit:\n%s", r.Verdict, describe(r))
		}
	})
}
