package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/wallet"
)

// serveAt runs `sceau serve` in-process on addr, with --public-url base,
// until the returned func stops it; it returns once the server answers.
func serveAt(t *testing.T, home, addr, base string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() {
		done <- Run(ctx, []string{"sceau", "--home", home, "--public-url", base, "--log-level", "error", "serve", "--addr", addr, "--republish-every", "1s"},
			strings.NewReader(""), io.Discard, &out)
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(base + "/status/examoffice/ietf")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve published no status list within 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOfflineVerifyAndWalletReadStatusLists: once an online verification
// has cached a credential's status list, `sceau verify --offline` of the
// credential, revoked since, is invalid with a fresh list and
// indeterminate with a list older than --list-max-age; the wallet, without
// a ledger of its own, shows it revoked from the list.
func TestOfflineVerifyAndWalletReadStatusLists(t *testing.T) {
	t.Setenv(wallet.PassphraseEnv, testWalletPassphrase)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr
	tmp := t.TempDir()
	home, walletDir := filepath.Join(tmp, "home"), filepath.Join(tmp, "wallet")
	mustRun(t, home, "ledger", "init")
	mustRun(t, home, "issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens")
	mustRun(t, home, "issuer", "accredit", "--id", "examoffice", "--types", "Diploma")
	csv := filepath.Join(tmp, "d.csv")
	if err := os.WriteFile(csv, []byte(mustRun(t, home, "template", "--type", "Diploma", "--example")), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	mustRun(t, home, "--public-url", base, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", csv, "--out", out, "--bundles")
	bundles, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(bundles) != 1 {
		t.Fatalf("bundles %v", bundles)
	}
	b := bundles[0]
	mustRun(t, home, "--wallet", walletDir, "wallet", "init")
	mustRun(t, home, "--wallet", walletDir, "wallet", "import", b)
	list := strings.Split(strings.TrimSpace(mustRun(t, home, "--wallet", walletDir, "wallet", "list")), "\n")
	if len(list) != 2 {
		t.Fatalf("wallet list: %q, want a header and one credential", list)
	}
	id := strings.Fields(list[1])[0]

	stop := serveAt(t, home, addr, base)
	mustRun(t, home, "--public-url", base, "verify", b) // reads the ledger through the server; caches the registry, the anchoring and the list
	stop()
	mustRun(t, home, "revoke", "--issuer", "examoffice", "--reason", "fraud", b)
	// Offline, the status comes from the list cached before the
	// revocation, younger than --list-max-age: valid as of that list.
	code, text := sceauRun(t, home, "verify", "--offline", b)
	if code != 0 || !strings.Contains(text, "VALID") || !strings.Contains(text, "not revoked as of") {
		t.Fatalf("offline with the list of before the revocation: exit %d, want 0 saying \"not revoked as of\":\n%s", code, text)
	}
	serveAt(t, home, addr, base) // publishes the lists again as it starts
	if code, text := sceauRun(t, home, "--public-url", base, "verify", b); code != 1 {
		t.Fatalf("online, through the server: exit %d, want 1 (revoked):\n%s", code, text)
	}
	code, text = sceauRun(t, home, "verify", "--offline", b)
	if code != 1 || !strings.Contains(text, "INVALID") || !strings.Contains(text, "Revoked") || !strings.Contains(text, "block ") {
		t.Fatalf("offline with a fresh list: exit %d, want 1 revoked:\n%s", code, text)
	}
	time.Sleep(1100 * time.Millisecond)
	code, text = sceauRun(t, home, "verify", "--offline", "--list-max-age", "1s", b)
	if code != 3 || !strings.Contains(text, "INDETERMINATE") {
		t.Fatalf("offline with a list older than --list-max-age: exit %d, want 3 indeterminate:\n%s", code, text)
	}
	code, text = sceauRun(t, home, "--wallet", walletDir, "wallet", "show", id)
	if code != 0 || !strings.Contains(text, "INVALID: Revoked") {
		t.Fatalf("wallet show without its ledger: exit %d, want the credential shown revoked:\n%s", code, text)
	}
}
