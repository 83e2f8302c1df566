package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/wallet"
)

// TestIssueWithPublicURL: `sceau --public-url URL issue --pdf --png` prints
// the verifier's address on the certificates and puts the credential's
// link to it in their QR codes and QR images; `sceau verify` and `sceau
// wallet import` take the certificate, the link or the plain SC1 text alike.
// Without --public-url, the QR code holds the plain SC1 text, as before.
func TestIssueWithPublicURL(t *testing.T) {
	const publicURL = "https://verification.examens.education.gouv.fr"
	t.Setenv(wallet.PassphraseEnv, testWalletPassphrase)
	home, dir := spineHome(t, "PixCertification")
	input := writeFile(t, filepath.Join(dir, "pix.csv"), spinePix)
	linked, plain := filepath.Join(dir, "linked"), filepath.Join(dir, "plain")
	mustRun(t, home, "--public-url", publicURL+"/", "issue", "--issuer", "examoffice", "--type", "PixCertification",
		"--input", input, "--out", linked, "--pdf", "--png")

	bundles, _ := filepath.Glob(filepath.Join(linked, "*.json"))
	if len(bundles) != 3 {
		t.Fatalf("%d bundles issued, want 3", len(bundles))
	}
	base := strings.TrimSuffix(bundles[0], ".json")
	data, err := os.ReadFile(bundles[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := credential.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.QR, credential.QRPrefix) {
		t.Errorf("the bundle's qr form %.30q is no longer the SC1 text", b.QR)
	}
	pdf, err := os.ReadFile(base + ".pdf")
	if err != nil {
		t.Fatal(err)
	}
	fromPDF, err := qrcode.DecodePDF(context.Background(), pdf, qrcode.PDFLimits{})
	if err != nil {
		t.Fatal(err)
	}
	link, err := credential.Link(publicURL, b.QR)
	if err != nil {
		t.Fatal(err)
	}
	if fromPDF != link {
		t.Errorf("the certificate's QR code holds %.60q, want the link %.60q", fromPDF, link)
	}
	if fromPNG := decodeQRIndependently(t, base+".png"); fromPNG != link {
		t.Errorf("the QR image holds %.60q, want the link", fromPNG)
	}
	t.Logf("link in the QR code: %d characters", len(link))

	linkFile := writeFile(t, filepath.Join(dir, "link.txt"), link+"\n")
	sc1File := writeFile(t, filepath.Join(dir, "sc1.txt"), b.QR)
	for _, path := range []string{base + ".pdf", base + ".png", linkFile, sc1File} {
		if code, out := sceauRun(t, home, "verify", path); code != 0 || !strings.Contains(out, "VALID") {
			t.Errorf("verify %s: exit %d\n%s", filepath.Base(path), code, out)
		}
	}
	for i, path := range []string{linkFile, base + ".pdf"} {
		walletDir := filepath.Join(dir, "wallet"+string(rune('a'+i)))
		if code, out := sceauRun(t, home, "--wallet", walletDir, "wallet", "init", "--scrypt-work-factor", "10"); code != 0 {
			t.Fatalf("wallet init: exit %d\n%s", code, out)
		}
		if code, out := sceauRun(t, home, "--wallet", walletDir, "wallet", "import", path); code != 0 {
			t.Errorf("wallet import %s: exit %d\n%s", filepath.Base(path), code, out)
		}
	}

	// Without --public-url: the plain SC1 text, as before.
	mustRun(t, home, "export", "--all", "--out", plain, "--pdf", linked)
	pdf, err = os.ReadFile(filepath.Join(plain, filepath.Base(base)+".pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if fromPDF, err := qrcode.DecodePDF(context.Background(), pdf, qrcode.PDFLimits{}); err != nil || fromPDF != b.QR {
		t.Errorf("without --public-url the certificate's QR code holds %.40q (%v), want the SC1 text", fromPDF, err)
	}
	// export carries the address too.
	again := filepath.Join(dir, "again")
	mustRun(t, home, "--public-url", publicURL, "export", "--all", "--out", again, "--pdf", linked)
	pdf, err = os.ReadFile(filepath.Join(again, filepath.Base(base)+".pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if fromPDF, err := qrcode.DecodePDF(context.Background(), pdf, qrcode.PDFLimits{}); err != nil || fromPDF != link {
		t.Errorf("export --public-url: the certificate's QR code holds %.40q (%v), want the link", fromPDF, err)
	}
}
