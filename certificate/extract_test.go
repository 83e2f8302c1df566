package certificate

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"

	"github.com/signintech/gopdf"

	"github.com/sceau/sceau/qrcode"
)

// qrPicture returns text's QR code as an image, as Render draws it.
func qrPicture(t testing.TB, text string) image.Image {
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

// plainPicture returns a w×h image of one shade of gray.
func plainPicture(w, h int, shade uint8) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	return img
}

// testPDF returns an A4 PDF with one page per entry of pages, each drawing
// its images one under the other, and a line of text.
func testPDF(t testing.TB, pages ...[]image.Image) []byte {
	t.Helper()
	pdf, err := newDocument()
	if err != nil {
		t.Fatal(err)
	}
	for i, images := range pages {
		if i > 0 {
			pdf.AddPage()
		}
		if err := pdf.SetFont(sans, "", 12); err != nil {
			t.Fatal(err)
		}
		pdf.SetXY(margin, margin)
		if err := pdf.Cell(nil, "Page de test"); err != nil {
			t.Fatal(err)
		}
		for j, img := range images {
			if err := pdf.ImageFrom(img, margin, 40+float64(j)*60, &gopdf.Rect{W: 50, H: 50}); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, err := pdf.GetBytesPdfReturnErr()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExtractQRFindsTheFirstImageHoldingAQRCode(t *testing.T) {
	blank := plainPicture(300, 200, 0xee)
	pdf := testPDF(t,
		[]image.Image{blank},
		[]image.Image{plainPicture(64, 64, 0x80), qrPicture(t, "SC1:ON THE SECOND PAGE")},
		[]image.Image{qrPicture(t, "SC1:ON THE THIRD PAGE")},
	)
	got, err := ExtractQR(t.Context(), pdf, ExtractOptions{})
	if err != nil {
		t.Fatalf("ExtractQR: %v", err)
	}
	if got != "SC1:ON THE SECOND PAGE" {
		t.Errorf("ExtractQR = %q, want the QR code of the second page", got)
	}
}

func TestExtractQRErrors(t *testing.T) {
	c, qr := issue(t, sampleDiploma())
	certificate, err := Render(c, qr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(t.Context())
	cancel()

	cases := []struct {
		name string
		ctx  context.Context
		pdf  []byte
		opts ExtractOptions
		is   error  // the error ExtractQR's wraps, if any
		want string // what its message says
	}{
		{"PDF larger than MaxPDFBytes", t.Context(), certificate, ExtractOptions{MaxPDFBytes: 10_000}, ErrLimit, "more than 10000"},
		{"more pages than MaxPages", t.Context(), testPDF(t, nil, nil, nil), ExtractOptions{MaxPages: 2}, ErrLimit, "3 pages, more than 2"},
		{"more images than MaxImages", t.Context(),
			testPDF(t, []image.Image{plainPicture(10, 10, 0), plainPicture(10, 10, 0xff)}, []image.Image{plainPicture(20, 10, 0x40)}),
			ExtractOptions{MaxImages: 2}, ErrLimit, "more than 2 images"},
		{"image larger than MaxImagePixels", t.Context(), certificate, ExtractOptions{MaxImagePixels: 100_000}, ErrLimit, "pixels, more than 100000"},
		{"not a PDF", t.Context(), []byte("SC1:NOT A PDF"), ExtractOptions{}, ErrMalformedPDF, "malformed PDF"},
		{"empty input", t.Context(), nil, ExtractOptions{}, ErrMalformedPDF, "malformed PDF"},
		{"PDF header then garbage", t.Context(), append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("garbage "), 100)...), ExtractOptions{}, ErrMalformedPDF, "malformed PDF"},
		{"no images", t.Context(), testPDF(t, nil), ExtractOptions{}, ErrNoQRCode, "it has no images"},
		{"images without a QR code", t.Context(),
			testPDF(t, []image.Image{plainPicture(200, 200, 0xff), plainPicture(120, 80, 0x20)}),
			ExtractOptions{}, ErrNoQRCode, "none of its 2 images holds one"},
		{"negative limit", t.Context(), certificate, ExtractOptions{MaxPages: -1}, nil, "must not be negative"},
		{"canceled context", canceled, certificate, ExtractOptions{}, context.Canceled, "canceled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text, err := ExtractQR(tc.ctx, tc.pdf, tc.opts)
			if err == nil {
				t.Fatalf("ExtractQR = %q, want an error", text)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("ExtractQR error %q does not wrap %q", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ExtractQR error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestExtractQRFromATruncatedCertificate(t *testing.T) {
	c, qr := issue(t, samplePix())
	certificate, err := Render(c, qr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Whatever pdfcpu can recover from a cut file, ExtractQR either reads
	// the right text or fails with one of its errors.
	for _, n := range []int{len(certificate) / 4, len(certificate) / 2, len(certificate) - 200} {
		text, err := ExtractQR(t.Context(), certificate[:n], ExtractOptions{})
		switch {
		case err == nil && text != qr:
			t.Errorf("first %d bytes: ExtractQR = %q, want %q or an error", n, text, qr)
		case err != nil && !errors.Is(err, ErrMalformedPDF) && !errors.Is(err, ErrNoQRCode):
			t.Errorf("first %d bytes: ExtractQR error %q wraps neither ErrMalformedPDF nor ErrNoQRCode", n, err)
		}
	}
}

// fuzzLimits keeps each fuzz input cheap.
var fuzzLimits = ExtractOptions{MaxPDFBytes: 1 << 20, MaxPages: 3, MaxImages: 4, MaxImagePixels: 1 << 20}

func FuzzExtractQR(f *testing.F) {
	c, qr := issue(f, samplePix())
	certificate, err := Render(c, qr, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(certificate)
	f.Add(certificate[:len(certificate)/2])
	f.Add(testPDF(f, []image.Image{qrPicture(f, "SC1:FUZZ")}))
	f.Add(testPDF(f, nil, []image.Image{plainPicture(8, 8, 0x7f)}))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ExtractQR(context.Background(), data, fuzzLimits)
		if err != nil && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrMalformedPDF) && !errors.Is(err, ErrNoQRCode) {
			t.Errorf("ExtractQR error %q wraps none of ErrLimit, ErrMalformedPDF, ErrNoQRCode", err)
		}
	})
}

// TestExtractQRReadsAQRCodeWithColours checks a QR code drawn as an RGB
// image, as other PDF producers embed them, not only Render's 1-bit ones.
func TestExtractQRReadsAQRCodeWithColours(t *testing.T) {
	src := qrPicture(t, "SC1:IN COLOUR")
	b := src.Bounds()
	rgb := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if l, _, _, _ := src.At(x, y).RGBA(); l < 0x8000 {
				rgb.Set(x, y, color.RGBA{0x00, 0x00, 0x91, 0xff})
			} else {
				rgb.Set(x, y, color.RGBA{0xff, 0xfb, 0xf0, 0xff})
			}
		}
	}
	got, err := ExtractQR(t.Context(), testPDF(t, []image.Image{rgb}), ExtractOptions{})
	if err != nil || got != "SC1:IN COLOUR" {
		t.Errorf("ExtractQR = %q, %v; want %q", got, err, "SC1:IN COLOUR")
	}
}

// TestRenderAndExtractConcurrently is run with -race: a verifier reads
// uploads in parallel, an issuer prints certificates in parallel.
func TestRenderAndExtractConcurrently(t *testing.T) {
	c, qr := issue(t, samplePix())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			pdf, err := Render(c, qr, Options{})
			if err != nil {
				errs <- err
				return
			}
			text, err := ExtractQR(t.Context(), pdf, ExtractOptions{})
			if err != nil {
				errs <- err
				return
			}
			if text != qr {
				errs <- errors.New("ExtractQR read another text than the certificate's QR code")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
