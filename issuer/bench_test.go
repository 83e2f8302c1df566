package issuer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// newAccreditedService returns a service over a new embedded ledger with
// issuer "examoffice" accredited for types.
func newAccreditedService(tb testing.TB, types ...string) *Service {
	tb.Helper()
	ctx := context.Background()
	home := tb.TempDir()
	l, err := embedded.Init(ctx, org.Home(home).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	svc := NewService(home, l, nil)
	if _, err := svc.Init(ctx, InitOptions{ID: "examoffice", Name: "Office des examens", NoPassphrase: true}); err != nil {
		tb.Fatal(err)
	}
	if len(types) > 0 {
		if err := svc.Contract.AccreditIssuer(ctx, "ministry", "examoffice", credentialTypes(types), ""); err != nil {
			tb.Fatal(err)
		}
	}
	return svc
}

// BenchmarkIssuePixCertification issues b.N synthetic Pix certifications
// end to end (validated, signed in every form, anchored, bundles written,
// no images) and reports credentials/s.
func BenchmarkIssuePixCertification(b *testing.B) {
	svc := newAccreditedService(b, schemas.TypePixCertification)
	input := filepath.Join(b.TempDir(), "pix.csv")
	f, err := os.Create(input)
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteSyntheticCSV(f, schemas.TypePixCertification, b.N, CSVDialect{Delimiter: ';', BOM: true, CRLF: true}, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	sum, err := svc.Issue(context.Background(), IssueOptions{IssuerID: "examoffice", Type: schemas.TypePixCertification, Input: input, OutDir: filepath.Join(b.TempDir(), "out")})
	if err != nil {
		b.Fatal(err)
	}
	if sum.Issued != b.N {
		b.Fatalf("issued %d of %d", sum.Issued, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "credentials/s")
}

// credentialTypes turns credential type names into the ledger's type.
func credentialTypes(names []string) []record.CredentialType {
	types := make([]record.CredentialType, len(names))
	for i, n := range names {
		types[i] = record.CredentialType(n)
	}
	return types
}
