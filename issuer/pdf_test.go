package issuer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
)

// TestIssueWithPDFPrintsACertificatePerCredential issues with --pdf: each
// credential gets a PDF certificate beside its bundle, whose QR code reads
// back to the bundle's SC1 text.
func TestIssueWithPDFPrintsACertificatePerCredential(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "out")
	if _, err := env.svc.Issue(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, testDiplomas), OutDir: out, PDF: true}); err != nil {
		t.Fatal(err)
	}
	bundles, _ := filepath.Glob(filepath.Join(out, "*.json"))
	pdfs, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
	if len(bundles) != 3 || len(pdfs) != 3 {
		t.Fatalf("out holds %v: want 3 bundles and 3 PDFs", listDir(t, out))
	}
	for _, path := range bundles {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := credential.ParseBundle(data)
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := os.ReadFile(strings.TrimSuffix(path, ".json") + ".pdf")
		if err != nil {
			t.Fatal(err)
		}
		text, err := qrcode.DecodePDF(ctx, pdf, qrcode.PDFLimits{})
		if err != nil || text != b.QR {
			t.Errorf("the certificate of %s reads %q, %v; want its SC1 text", b.ID, text, err)
		}
	}
}
