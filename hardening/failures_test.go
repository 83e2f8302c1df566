package hardening

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestACorruptLedgerFailsCleanly truncates ledger.db at several lengths
// (as a copy cut short would be) and runs the commands that open it, as
// processes of their own: each exits 3 with one line naming the file —
// no SIGBUS, no goroutine dump — and `sceau verify` too, not 2.
func TestACorruptLedgerFailsCleanly(t *testing.T) {
	t.Parallel()
	bin := buildSceau(t)
	w := newWorld(t)
	bundles := w.issue("Diploma", "diplomas", sampleDiplomaCSV(nil))
	db := filepath.Join(w.ledgerDir(), "ledger.db")
	pristine, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{10, 4096 + 100, 20_000, 60_000} {
		home := copyLedger(t, w.ledgerDir())
		cut := filepath.Join(home, "ledger", "ledger.db")
		if err := os.WriteFile(cut, pristine[:size], 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"verify", bundles[0].path},
			{"ledger", "info"},
			{"ledger", "verify"},
			{"ledger", "export", "--out", filepath.Join(home, "export.jsonl")},
			{"revoke", "--issuer", examOffice, "--reason", "error", bundles[0].path},
		} {
			code, out := runSceau(t, bin, append([]string{"--home", home}, args...)...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 3 || len(lines) != 1 || !strings.Contains(out, cut) {
				t.Errorf("ledger.db cut at %d bytes: sceau %s: exit %d, want 3 and one line naming %s; got:\n%.600s",
					size, strings.Join(args, " "), code, cut, out)
			}
		}
	}
}

// TestCommandsRefuseIssuerIDsThatArePaths gives every command that takes
// an issuer id one that climbs out of the home ("../../x") or names an
// absolute path: each fails naming the id, and nothing is written outside
// the home (no tokens.json, register or key beside it).
func TestCommandsRefuseIssuerIDsThatArePaths(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The home is w.dir/home: "../../x" from issuers/ is w.dir/x.
	outside := filepath.Join(w.dir, "x")
	if err := os.MkdirAll(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "tokens.json"), []byte(`[{"id":"abc","createdAt":"2026-01-01T00:00:00Z","hash":"00"}]`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	csv := w.write("one.csv", []byte(sampleDiplomaCSV(nil)))
	before := snapshotTree(t, w.dir, w.home)
	for _, id := range []string{"../../x", "../x", "/tmp/x", "x/../../x", "..", "X"} {
		for _, args := range [][]string{
			{"issuer", "token", "revoke", "--id", id, "--token-id", "abc"},
			{"issuer", "token", "create", "--id", id},
			{"issuer", "token", "list", "--id", id},
			{"issuer", "init", "--no-passphrase", "--id", id, "--name", "X"},
			{"issuer", "accredit", "--id", id, "--types", "Diploma"},
			{"issuer", "rotate-key", "--no-passphrase", "--id", id},
			{"issue", "--issuer", id, "--type", "Diploma", "--input", csv, "--out", filepath.Join(w.dir, "out")},
			{"revoke", "--issuer", id, "--reason", "error", strings.Repeat("ab", 32)},
		} {
			code, out := w.sceau(args...)
			if code == 0 || !strings.Contains(out, "invalid") {
				t.Errorf("sceau %s: exit %d, want a refusal of the issuer id; got:\n%.400s", strings.Join(args, " "), code, out)
			}
		}
	}
	after := snapshotTree(t, w.dir, w.home)
	for path, content := range after {
		if before[path] != content {
			t.Errorf("%s was written outside the home", path)
		}
	}
	for path := range before {
		if _, ok := after[path]; !ok {
			t.Errorf("%s was removed outside the home", path)
		}
	}
}

// snapshotTree returns the files under root, except under skip, with
// their content.
func snapshotTree(t *testing.T, root, skip string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == skip && d.IsDir() {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[path] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
