package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/issuer/oid4vci"
)

// freeLoopbackAddr returns a loopback address with a port free now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startServeAt runs `sceau serve --addr addr` in-process on home until
// the test ends, once it listens.
func startServeAt(t *testing.T, home, addr string) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"sceau", "--home", home, "--log-level", "error", "serve", "--addr", addr}, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("serve printed nothing (exit %d): %s", <-done, stderr.String())
	}
	go func() {
		for lines.Scan() {
		}
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestPickupAcceptance is issue #14's "Done when", from a fresh home:
// issue a batch, `sceau offer`, then `sceau wallet receive` gets a
// credential bound to the wallet's key; the same offer again and a wrong
// code are refused; the wallet presents it with selective disclosure and
// key binding, and `sceau verify` says valid.
func TestPickupAcceptance(t *testing.T) {
	w := newWalletWorld(t)
	holder := w.initWallet(w.wallet)
	input := writeFile(t, filepath.Join(w.tmp, "diplomas.csv"), spineDiplomas)
	out := filepath.Join(w.tmp, "out")
	w.ok("issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out)
	batches, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(batches) != 1 {
		t.Fatalf("%d batch files", len(batches))
	}
	batch := strings.TrimSuffix(filepath.Base(batches[0]), ".jsonl")

	addr := freeLoopbackAddr(t)
	public := "http://" + addr
	mail := filepath.Join(w.tmp, "offers.csv")
	letters := filepath.Join(w.tmp, "letters")
	lines := w.ok("--public-url", public, "offer", "--issuer", "examoffice", "--json", "--batch", batch, "--out", mail, "--pdf", "--letters", letters)
	var offers []oid4vci.Offer
	for _, line := range strings.Split(strings.TrimSpace(lines), "\n") {
		var o oid4vci.Offer
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("offer --json line %q: %v", line, err)
		}
		offers = append(offers, o)
	}
	if len(offers) != 3 || offers[0].StudentID != "070123456AB" || len(offers[0].TxCode) != 6 || !strings.HasPrefix(offers[0].URI, "openid-credential-offer://") {
		t.Fatalf("offers: %+v", offers)
	}
	for _, key := range []string{`"id"`, `"student_id"`, `"uri"`, `"tx_code"`, `"expiry"`} {
		if !strings.Contains(lines, key) {
			t.Errorf("offer --json has no %s key", key)
		}
	}
	f, err := os.Open(mail)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "id,student_id,uri,tx_code,expiry" || rows[1][3] != offers[0].TxCode {
		t.Errorf("offers.csv: %v %v", rows, err)
	}
	pdfs, _ := filepath.Glob(filepath.Join(letters, "*.pdf"))
	if len(pdfs) != 3 {
		t.Errorf("%d pickup letters, want 3", len(pdfs))
	}
	// Zoé imported her bundle from a file before: the pickup replaces it.
	zoe := filepath.Join(w.tmp, "zoe")
	w.ok("export", "--id", offers[2].ID, "--out", zoe, out)
	w.ok("wallet", "import", filepath.Join(zoe, strings.TrimPrefix(offers[2].ID, "urn:uuid:")+".json"))

	stopServe := startServeAt(t, w.home, addr)
	// An offer made by id while the server holds the ledger (not yet the
	// register): it replaces Jérôme's first one.
	w.ok("--public-url", public, "offer", "--issuer", "examoffice", offers[1].ID)
	hel := offers[0]
	if code, _, errOut := w.run("wallet", "receive", "--tx-code", wrongCode(hel.TxCode), hel.URI); code == 0 || !strings.Contains(errOut, "invalid_grant") {
		t.Errorf("a wrong code: exit %d, %s", code, errOut)
	}
	code, got, errOut := w.run("wallet", "receive", "--tx-code", hel.TxCode, hel.URI)
	if code != 0 || !strings.Contains(got, hel.ID) || !strings.Contains(got, "kept as dc+sd-jwt") {
		t.Errorf("wallet receive: exit %d, %s%s", code, got, errOut)
	}
	// The server holds the ledger: the wallet reads it through the server
	// and judges the credential itself.
	if !strings.Contains(errOut, "ledger read through `sceau serve`") {
		t.Errorf("wallet receive while serve holds the ledger says: %s", errOut)
	}
	var holderKey struct {
		KID string `json:"kid"`
	}
	json.Unmarshal([]byte(holder), &holderKey)
	if holderKey.KID != "" && !strings.Contains(got, holderKey.KID) {
		t.Errorf("wallet receive does not name the holder key %s: %s", holderKey.KID, got)
	}
	if code, _, errOut := w.run("wallet", "receive", "--tx-code", hel.TxCode, hel.URI); code == 0 || !strings.Contains(errOut, "invalid_grant") {
		t.Errorf("the same offer again: exit %d, %s", code, errOut)
	}
	// Jérôme's first offer was replaced by the one made by id.
	if code, _, errOut := w.run("wallet", "receive", "--tx-code", offers[1].TxCode, offers[1].URI); code == 0 || !strings.Contains(errOut, "invalid_grant") {
		t.Errorf("a replaced offer: exit %d, %s", code, errOut)
	}

	// Once the server has the register open, offers go through its API.
	if code, _, errOut := w.run("--public-url", public, "offer", "--issuer", "examoffice", offers[2].ID); code == 0 || !strings.Contains(errOut, "POST /v1/offers") {
		t.Errorf("an offer while the server holds the register: exit %d, %s", code, errOut)
	}

	if got := w.ok("wallet", "receive", "--tx-code", offers[2].TxCode, offers[2].URI); !strings.Contains(got, "it replaces the same credential imported earlier as bundle") {
		t.Errorf("receiving a credential imported from a file: %s", got)
	}

	pres := filepath.Join(w.tmp, "p.sd-jwt")
	w.ok("wallet", "present", "--disclose", "mention", "--nonce", "n-42", "--audience", "https://employer.example", "--out", pres, hel.ID)
	// The server is stopped first: `sceau verify` with a nonce and
	// audience then reads the ledger itself.
	stopServe()
	code, res := w.verifyJSON("--nonce", "n-42", "--audience", "https://employer.example", pres)
	if code != 0 || res.Verdict != "valid" {
		t.Fatalf("verify the presentation: exit %d, %+v", code, res)
	}
	bound := false
	for _, c := range res.Checks {
		bound = bound || (c.Name == "holder_binding" && c.OK)
	}
	if !bound {
		t.Errorf("the presentation's key binding was not checked: %+v", res.Checks)
	}
	names := claimNames(t, res)
	if strings.Contains(strings.Join(names, ","), "given_name") || !strings.Contains(strings.Join(names, ","), "mention") {
		t.Errorf("claims shown: %v; want mention and not the name", names)
	}

	// An annulled session: revoking the batch revokes the picked-up form.
	w.ok("revoke", "--issuer", "examoffice", "--reason", "annulled", "--batch", batch)
	if code, res := w.verifyJSON("--nonce", "n-42", "--audience", "https://employer.example", pres); code != 1 || res.Reason != "revoked" {
		t.Errorf("the picked-up credential of a revoked batch: exit %d, %s %s", code, res.Verdict, res.Reason)
	}
}

// wrongCode returns a transaction code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// TestOfferAndReceiveRefuseBadInput: each refusal names what is wrong,
// exits non-zero and writes nothing.
func TestOfferAndReceiveRefuseBadInput(t *testing.T) {
	w := newWalletWorld(t)
	w.initWallet(w.wallet)
	input := writeFile(t, filepath.Join(w.tmp, "diplomas.csv"), spineDiplomas)
	w.ok("issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", filepath.Join(w.tmp, "out"))
	mail := filepath.Join(w.tmp, "offers.csv")
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"nothing to offer", []string{"offer", "--issuer", "examoffice", "--out", mail}, ExitUsage, "--batch"},
		{"both a batch and credentials", []string{"offer", "--issuer", "examoffice", "--batch", "b", "--out", mail, "urn:uuid:3f2a0000-0000-4000-8000-000000000000"}, ExitUsage, "not both"},
		{"an unknown credential", []string{"offer", "--issuer", "examoffice", "--out", mail, "urn:uuid:3f2a0000-0000-4000-8000-000000000000"}, 1, "not in issuer examoffice's register"},
		{"an unknown batch", []string{"offer", "--issuer", "examoffice", "--out", mail, "--batch", "examoffice-nope-0001"}, 1, "batch examoffice-nope-0001"},
		{"a file that is not a bundle", []string{"offer", "--issuer", "examoffice", "--out", mail, input}, 1, "not a bundle"},
		{"a missing file", []string{"offer", "--issuer", "examoffice", "--out", mail, filepath.Join(w.tmp, "nope.json")}, ExitUsage, "neither a credential id nor a file"},
		{"a retention shorter than the window", []string{"offer", "--issuer", "examoffice", "--valid-for", "48h", "--retain", "24h", "--out", mail, "--batch", "b"}, ExitUsage, "--retain"},
		{"letters without --pdf", []string{"offer", "--issuer", "examoffice", "--letters", w.tmp, "--out", mail, "--batch", "b"}, ExitUsage, "--pdf"},
		{"an unknown issuer", []string{"offer", "--issuer", "nobody", "--out", mail, "--batch", "b"}, 1, "nobody"},
		{"receive: not an offer", []string{"wallet", "receive", "--tx-code", "123456", "https://example.org/"}, ExitUsage, "not a credential offer"},
		{"receive: an offer over plain http elsewhere", []string{"wallet", "receive", "--tx-code", "1", "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22http%3A%2F%2Fexamens.example%22%2C%22credential_configuration_ids%22%3A%5B%22x%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%22%7D%7D%7D"}, ExitUsage, "https"},
		{"receive: no tx code", []string{"wallet", "receive", "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fexamens.example%22%2C%22credential_configuration_ids%22%3A%5B%22x%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%22%2C%22tx_code%22%3A%7B%7D%7D%7D%7D"}, ExitUsage, "--tx-code"},
	} {
		code, _, errOut := w.run(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.says) {
			t.Errorf("%s: exit %d, %q; want exit %d saying %q", tc.name, code, errOut, tc.code, tc.says)
		}
		if _, err := os.Stat(mail); err == nil {
			t.Fatalf("%s: offers.csv was written", tc.name)
		}
	}
}
