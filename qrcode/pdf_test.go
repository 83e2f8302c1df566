package qrcode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/goregular"
)

// qrPicture returns text's QR code as an image, as EncodePNG draws it (and
// a certificate prints it).
func qrPicture(t testing.TB, text string) image.Image {
	t.Helper()
	data, err := EncodePNG(text)
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

// testPDF returns an A4 PDF with one page per entry of pages, each with a
// line of text and its images one under the other.
func testPDF(t testing.TB, pages ...[]image.Image) []byte {
	t.Helper()
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	if err := pdf.AddTTFFontData("sans", goregular.TTF); err != nil {
		t.Fatal(err)
	}
	for _, images := range pages {
		pdf.AddPage()
		if err := pdf.SetFont("sans", "", 12); err != nil {
			t.Fatal(err)
		}
		pdf.SetXY(20, 20)
		if err := pdf.Cell(nil, "Page de test"); err != nil {
			t.Fatal(err)
		}
		for j, img := range images {
			if err := pdf.ImageFrom(img, 20, 40+float64(j)*60, &gopdf.Rect{W: 50, H: 50}); err != nil {
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

func TestDecodePDFFindsTheFirstImageHoldingAQRCode(t *testing.T) {
	blank := plainPicture(300, 200, 0xee)
	pdf := testPDF(t,
		[]image.Image{blank},
		[]image.Image{plainPicture(64, 64, 0x80), qrPicture(t, "SC1:ON THE SECOND PAGE")},
		[]image.Image{qrPicture(t, "SC1:ON THE THIRD PAGE")},
	)
	got, err := DecodePDF(t.Context(), pdf, PDFLimits{})
	if err != nil {
		t.Fatalf("DecodePDF: %v", err)
	}
	if got != "SC1:ON THE SECOND PAGE" {
		t.Errorf("DecodePDF = %q, want the QR code of the second page", got)
	}
}

func TestDecodePDFErrors(t *testing.T) {
	withQR := testPDF(t, []image.Image{qrPicture(t, sc1Text())})
	canceled, cancel := context.WithCancel(t.Context())
	cancel()

	cases := []struct {
		name   string
		ctx    context.Context
		pdf    []byte
		limits PDFLimits
		is     error  // the error DecodePDF wraps, if any
		want   string // what its message says
	}{
		{"PDF larger than MaxPDFBytes", t.Context(), withQR, PDFLimits{MaxPDFBytes: 1000}, ErrPDFLimit, "more than 1000"},
		{"more pages than MaxPages", t.Context(), testPDF(t, nil, nil, nil), PDFLimits{MaxPages: 2}, ErrPDFLimit, "3 pages, more than 2"},
		{"more images than MaxImages", t.Context(),
			testPDF(t, []image.Image{plainPicture(10, 10, 0), plainPicture(10, 10, 0xff)}, []image.Image{plainPicture(20, 10, 0x40)}),
			PDFLimits{MaxImages: 2}, ErrPDFLimit, "more than 2 images"},
		{"image larger than MaxImagePixels", t.Context(), withQR, PDFLimits{MaxImagePixels: 100_000}, ErrPDFLimit, "pixels, more than 100000"},
		{"not a PDF", t.Context(), []byte("SC1:NOT A PDF"), PDFLimits{}, ErrMalformedPDF, "malformed PDF"},
		{"empty input", t.Context(), nil, PDFLimits{}, ErrMalformedPDF, "malformed PDF"},
		{"PDF header then garbage", t.Context(), append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("garbage "), 100)...), PDFLimits{}, ErrMalformedPDF, "malformed PDF"},
		{"no images", t.Context(), testPDF(t, nil), PDFLimits{}, ErrNoQRCodeInPDF, "it has no images"},
		{"images without a QR code", t.Context(),
			testPDF(t, []image.Image{plainPicture(200, 200, 0xff), plainPicture(120, 80, 0x20)}),
			PDFLimits{}, ErrNoQRCodeInPDF, "none of its 2 images holds one"},
		{"negative limit", t.Context(), withQR, PDFLimits{MaxPages: -1}, nil, "must not be negative"},
		{"canceled context", canceled, withQR, PDFLimits{}, context.Canceled, "canceled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text, err := DecodePDF(tc.ctx, tc.pdf, tc.limits)
			if err == nil {
				t.Fatalf("DecodePDF = %q, want an error", text)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("DecodePDF error %q does not wrap %q", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodePDF error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestDecodePDFOfATruncatedPDF(t *testing.T) {
	text := sc1Text()
	pdf := testPDF(t, []image.Image{qrPicture(t, text)})
	// Whatever pdfcpu can recover from a cut file, DecodePDF either reads
	// the right text or fails with one of its errors.
	for _, n := range []int{len(pdf) / 4, len(pdf) / 2, len(pdf) - 200} {
		got, err := DecodePDF(t.Context(), pdf[:n], PDFLimits{})
		switch {
		case err == nil && got != text:
			t.Errorf("first %d bytes: DecodePDF = %q, want %q or an error", n, got, text)
		case err != nil && !errors.Is(err, ErrMalformedPDF) && !errors.Is(err, ErrNoQRCodeInPDF):
			t.Errorf("first %d bytes: DecodePDF error %q wraps neither ErrMalformedPDF nor ErrNoQRCodeInPDF", n, err)
		}
	}
}

// TestDecodePDFReadsAQRCodeWithColours checks a QR code drawn as an RGB
// image, as other PDF producers embed them, not only 1-bit ones.
func TestDecodePDFReadsAQRCodeWithColours(t *testing.T) {
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
	got, err := DecodePDF(t.Context(), testPDF(t, []image.Image{rgb}), PDFLimits{})
	if err != nil || got != "SC1:IN COLOUR" {
		t.Errorf("DecodePDF = %q, %v; want %q", got, err, "SC1:IN COLOUR")
	}
}

// TestDecodePDFConcurrently is run with -race: a verifier reads uploads in
// parallel.
func TestDecodePDFConcurrently(t *testing.T) {
	const n = 4
	pdfs := make([][]byte, n)
	for i := range pdfs {
		pdfs[i] = testPDF(t, []image.Image{qrPicture(t, fmt.Sprintf("SC1:PDF %d", i))})
	}
	errs := make(chan error, n)
	for i, pdf := range pdfs {
		go func() {
			want := fmt.Sprintf("SC1:PDF %d", i)
			got, err := DecodePDF(t.Context(), pdf, PDFLimits{})
			if err == nil && got != want {
				err = fmt.Errorf("DecodePDF = %q, want %q", got, want)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// fuzzLimits keeps each fuzz input cheap.
var fuzzLimits = PDFLimits{MaxPDFBytes: 1 << 20, MaxPages: 3, MaxImages: 4, MaxImagePixels: 1 << 20}

func FuzzDecodePDF(f *testing.F) {
	pdf := testPDF(f, []image.Image{qrPicture(f, sc1Text())})
	f.Add(pdf)
	f.Add(pdf[:len(pdf)/2])
	f.Add(testPDF(f, []image.Image{qrPicture(f, "SC1:FUZZ")}))
	f.Add(testPDF(f, nil, []image.Image{plainPicture(8, 8, 0x7f)}))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := DecodePDF(context.Background(), data, fuzzLimits)
		if err != nil && !errors.Is(err, ErrPDFLimit) && !errors.Is(err, ErrMalformedPDF) && !errors.Is(err, ErrNoQRCodeInPDF) {
			t.Errorf("DecodePDF error %q wraps none of ErrPDFLimit, ErrMalformedPDF, ErrNoQRCodeInPDF", err)
		}
	})
}
