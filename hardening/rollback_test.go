package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestRollbackAndStateEditsAreNoticedWhereVerdictsAreGiven verifies a
// diploma, keeps a copy of ledger.db, revokes the diploma, then copies the
// old ledger.db back: the rolled-back ledger is self-consistent (`sceau
// ledger verify` passes, as it must), but `sceau verify` and `sceau serve`
// remember the tip they saw and answer indeterminate, never valid. A
// revocation undone by editing the state alone (blocks untouched) makes
// `sceau verify` exit 3 and `sceau serve` refuse to start, while `sceau
// ledger verify` names the key changed.
func TestRollbackAndStateEditsAreNoticedWhereVerdictsAreGiven(t *testing.T) {
	t.Parallel()
	bin := buildSceau(t)
	w := newWorld(t)
	bundle := w.issue("Diploma", "diplomas", sampleDiplomaCSV(nil))[0]
	db := filepath.Join(w.ledgerDir(), "ledger.db")
	if code, out := w.sceau("verify", bundle.path); code != 0 {
		t.Fatalf("the diploma before its revocation: exit %d\n%s", code, out)
	}
	old, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	w.mustSceau("revoke", "--issuer", examOffice, "--reason", "fraud", bundle.path)
	if code, out := w.sceau("verify", bundle.path); code != 1 {
		t.Fatalf("the revoked diploma: exit %d\n%s", code, out)
	}
	revoked, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}

	// The old ledger.db copied back.
	if err := os.WriteFile(db, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := w.sceau("ledger", "verify"); code != 0 {
		t.Logf("ledger verify on the rolled-back copy: exit %d\n%s", code, out)
	}
	code, out := w.sceau("verify", bundle.path)
	if code != 3 || !strings.Contains(out, "rolled back") {
		t.Errorf("the revoked diploma on a rolled-back ledger: exit %d, want 3 saying it was rolled back:\n%s", code, out)
	}
	s := serve(t, bin, w.home)
	body, _ := json.Marshal(map[string]string{"credential": string(bundle.raw)})
	resp, err := http.Post(s.url+"/v1/verify", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(answer), `"verdict": "indeterminate"`) {
		t.Errorf("sceau serve on the rolled-back ledger: %d\n%.1000s", resp.StatusCode, answer)
	}
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()

	// The revocation undone in the state alone.
	if err := os.WriteFile(db, revoked, 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var key []byte
	err = store.Update(func(tx *bolt.Tx) error {
		var value []byte
		key, value = findEntry(t, tx.Bucket(bucketState), []byte(`"status":"revoked"`))
		put(t, tx.Bucket(bucketState), key, bytes.Replace(value, []byte(`"status":"revoked"`), []byte(`"status":"active"`), 1))
		return nil
	})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out := w.sceau("verify", bundle.path); code != 3 {
		t.Errorf("the revoked diploma after an edit of the state: exit %d, want 3:\n%s", code, out)
	}
	// A server that starts anyway is stopped after a while (and fails).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--home", w.home, "serve", "--addr", "127.0.0.1:0")
	out2, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 3 || !strings.Contains(string(out2), "state does not match") {
		t.Errorf("sceau serve on an edited state: %v, want exit 3 saying the state does not match:\n%s", err, out2)
	}
	if code, out := w.sceau("ledger", "verify"); code != 1 || !strings.Contains(out, fmt.Sprintf("%q", key)) {
		t.Errorf("ledger verify after an edit of the state: exit %d, want 1 naming %q:\n%s", code, key, out)
	}
}
