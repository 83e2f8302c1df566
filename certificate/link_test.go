package certificate

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqrcode "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/sceau/sceau/credential"
)

// TestCertificateWithTheVerifierAddress prints a Pix certification, the
// longest credential, with the verifier's address: the QR code holds the
// link to it, a 150 dpi scan of the page reads it, credential.Decode reads
// the PDF as the same SC1 form, and the page looks like the one printed
// without the address but for the QR code's modules and one line of the
// footer.
func TestCertificateWithTheVerifierAddress(t *testing.T) {
	c, qr := issue(t, samplePix())
	plain, err := Render(c, qr, Options{IssuerName: "Pix"})
	if err != nil {
		t.Fatal(err)
	}
	linked, err := Render(c, qr, Options{IssuerName: "Pix", PublicURL: verifierURL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	link, err := credential.Link(verifierURL, qr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("QR code: SC1 text %d characters, link %d characters (budget %d)", len(qr), len(link), credential.QRBudget)

	// credential.Decode reads the PDF as the SC1 form, digest and all.
	want, err := credential.Decode(t.Context(), []byte(qr))
	if err != nil {
		t.Fatal(err)
	}
	got, err := credential.Decode(t.Context(), linked)
	if err != nil {
		t.Fatalf("credential.Decode of the certificate with a link: %v", err)
	}
	if got.Kind != credential.KindSC1 || got.Carrier != credential.CarrierPDF || got.Text != qr || got.Digests()[0] != want.Digests()[0] {
		t.Errorf("credential.Decode: %s (%s), text %.40q; want the SC1 form of the credential", got.Kind, got.Carrier, got.Text)
	}

	// A 150 dpi scan of the page reads the link.
	const dpi = 150
	page := rasterize(t, linked, dpi)
	bitmap, err := gozxing.NewBinaryBitmapFromImage(page)
	if err != nil {
		t.Fatal(err)
	}
	result, err := zxqrcode.NewQRCodeReader().Decode(bitmap, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code read from the page scanned at %d dpi: %v", dpi, err)
	}
	if result.GetText() != link {
		t.Fatalf("the scanned QR code reads %.60q, want the link %.60q", result.GetText(), link)
	}
	checkQuietZone(t, page, result, link, dpi)

	// The page looks the same but for the QR code and the address's line.
	before := rasterize(t, plain, dpi)
	mmToPx := func(mm float64) int { return int(mm / 25.4 * dpi) }
	qrTop := 297 - margin - qrColumnHeight(1)
	qrArea := image.Rect(mmToPx(pageWidth-margin-qrImageWidth)-1, mmToPx(qrTop)-1, mmToPx(pageWidth-margin)+1, mmToPx(qrTop+qrImageWidth)+1)
	differing, total := pixelsThatDifferOutside(t, before, page, qrArea)
	share := float64(differing) / float64(total)
	t.Logf("outside the QR code, %d of %d pixels differ (%.3f %%)", differing, total, 100*share)
	if share > 0.005 {
		t.Errorf("outside the QR code, %.2f %% of the pixels differ from the certificate without the address, want at most 0.5 %%", 100*share)
	}
	if text := pageText(t, linked); !strings.Contains(text, "Vérifier sur "+verifierURL) {
		t.Errorf("the page does not print the address; it reads:\n%s", text)
	}
}

// pixelsThatDifferOutside counts the pixels of a and b outside area whose
// gray levels differ by more than pixelTolerance.
func pixelsThatDifferOutside(t *testing.T, a, b image.Image, area image.Rectangle) (differing, total int) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("the pages are %v and %v pixels", a.Bounds(), b.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if image.Pt(x, y).In(area) {
				continue
			}
			total++
			ga := int(color.GrayModel.Convert(a.At(x, y)).(color.Gray).Y)
			gb := int(color.GrayModel.Convert(b.At(x, y)).(color.Gray).Y)
			if ga-gb > pixelTolerance || gb-ga > pixelTolerance {
				differing++
			}
		}
	}
	return differing, total
}

// TestRendererRefusesABadPublicURL: a public URL that is not an absolute
// http(s) base URL stops NewRenderer, before any certificate.
func TestRendererRefusesABadPublicURL(t *testing.T) {
	for _, bad := range []string{"verifier.example", "ftp://verifier.example", "https://verifier.example/?q=1", "https://verifier.example/#x"} {
		if _, err := NewRenderer(Options{PublicURL: bad}); err == nil || !strings.Contains(err.Error(), "public URL") {
			t.Errorf("PublicURL %q: err %v, want it refused", bad, err)
		}
	}
}
