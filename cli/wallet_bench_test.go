package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/wallet"
)

// BenchmarkWalletList100 measures `sceau wallet list` on a wallet of 100
// credentials opened with the default scrypt work factor, each credential's
// status refreshed from the embedded ledger: what a student waits for.
// The target is under a second (go test -bench WalletList100 -benchtime 5x ./cli).
func BenchmarkWalletList100(b *testing.B) {
	const n = 100
	tmp := b.TempDir()
	home, dir := filepath.Join(tmp, "home"), filepath.Join(tmp, "wallet")
	b.Setenv(wallet.PassphraseEnv, testWalletPassphrase)
	run := func(args ...string) string {
		var out, errOut bytes.Buffer
		if code := Run(context.Background(), append([]string{"sceau", "--home", home, "--wallet", dir}, args...), strings.NewReader(""), &out, &errOut); code != 0 {
			b.Fatalf("sceau %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String()
	}
	run("ledger", "init")
	run("issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens")
	run("issuer", "accredit", "--id", "examoffice", "--types", "Diploma")
	run("wallet", "init") // the default work factor
	holder := strings.TrimSpace(run("wallet", "holder-key"))

	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"student_id", "given_name", "family_name", "birth_date", "diploma", "eqf_level", "awarded_on", "mention", "holder_jwk"})
	for i := range n {
		cw.Write([]string{fmt.Sprintf("%09dAB", i), "Hélène", "Lefèvre", "2007-03-14", fmt.Sprintf("Diplôme %d", i), "4", "2025-07-04", "", holder})
	}
	cw.Flush()
	input := filepath.Join(tmp, "diplomas.csv")
	if err := os.WriteFile(input, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	run("issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out, "--bundles")
	bundles, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(bundles) != n {
		b.Fatalf("%d bundles issued, want %d", len(bundles), n)
	}

	// Import them all at once: one opening of the wallet, one of the ledger.
	ctx := context.Background()
	w, err := wallet.Open(dir, testWalletPassphrase)
	if err != nil {
		b.Fatal(err)
	}
	l, err := embedded.Open(ctx, org.Home(home).LedgerDir(), embedded.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	validator, err := schemas.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	v := verifier.New(network.NewContract(l), validator, verifier.Options{})
	for _, path := range bundles {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		verify := func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
			decoded, err := credential.Decode(ctx, input)
			return v.VerifyDecoded(ctx, decoded, err, asked)
		}
		if _, err := w.Import(ctx, data, verify); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()

	b.ResetTimer()
	for b.Loop() {
		list := run("wallet", "list")
		if got := strings.Count(list, "\n"); got != n+1 {
			b.Fatalf("wallet list printed %d lines, want %d", got, n+1)
		}
	}
}
