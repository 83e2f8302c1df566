package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
)

const testDiplomas = "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,mention\n" +
	"070123456AB,Hélène,Lefèvre,2007-03-14,Baccalauréat général,4,2025-07-04,tres_bien\n" +
	"081234567CD,Jérôme,N'Diaye,2006-11-02,Baccalauréat général,4,2025-07-04,\n" +
	"092345678EF,Zoé,Martin,2007-01-30,Baccalauréat technologique,4,2025-07-04,bien\n"

// testEnv is a home with an embedded ledger and an accredited issuer.
type testEnv struct {
	home string
	l    *embedded.Ledger
	svc  *Service
}

func newTestEnv(t *testing.T, accredit ...string) *testEnv {
	t.Helper()
	ctx := context.Background()
	home := t.TempDir()
	l, err := embedded.Init(ctx, org.Home(home).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	svc := NewService(home, l, nil)
	if _, err := svc.Init(ctx, InitOptions{ID: "examoffice", Name: "Office des examens", NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	if len(accredit) > 0 {
		if err := svc.Contract.AccreditIssuer(ctx, "ministry", "examoffice", credentialTypes(accredit), ""); err != nil {
			t.Fatal(err)
		}
	}
	return &testEnv{home: home, l: l, svc: svc}
}

func (e *testEnv) writeInput(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestIssueWritesAnchoredBundlesAndImages(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "out")
	sum, err := env.svc.Issue(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, testDiplomas), OutDir: out, PNG: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Issued != 3 || sum.Reused != 0 || len(sum.Batches) != 1 {
		t.Fatalf("summary %+v: want 3 issued in one batch", sum)
	}
	bundles, _ := filepath.Glob(filepath.Join(out, "*.json"))
	pngs, _ := filepath.Glob(filepath.Join(out, "*.png"))
	if len(bundles) != 3 || len(pngs) != 3 {
		t.Fatalf("out holds %v: want 3 bundles and 3 PNGs", listDir(t, out))
	}
	seen := map[int]bool{}
	for _, path := range bundles {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := credential.ParseBundle(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if filepath.Base(path) != BundleFileName(b.ID) || b.Type != "Diploma" || b.Issuer != "urn:sceau:issuer:examoffice" {
			t.Errorf("bundle %s: id %s type %s issuer %s", path, b.ID, b.Type, b.Issuer)
		}
		seen[b.Anchor.Index] = true
		digests, err := Digests(ctx, data)
		if err != nil || len(digests) != 3 {
			t.Fatalf("Digests = %v, %v", digests, err)
		}
		for _, d := range digests {
			st, err := env.svc.Contract.GetStatus(ctx, d)
			if err != nil {
				t.Fatalf("digest %s not anchored: %v", d, err)
			}
			if st.Status != record.StatusActive || st.BatchID != b.Anchor.Batch || st.Index != b.Anchor.Index {
				t.Errorf("status %+v does not match the bundle's anchor %+v", st, b.Anchor)
			}
		}
		batch, err := env.svc.Contract.GetBatch(ctx, b.Anchor.Batch)
		if err != nil || batch.Root != b.Anchor.Root {
			t.Errorf("batch %v root %v, bundle root %s", batch, err, b.Anchor.Root)
		}
	}
	if len(seen) != 3 {
		t.Errorf("anchor indexes %v: want 0, 1, 2", seen)
	}
	manifest, err := os.ReadFile(filepath.Join(out, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(manifest), "\n"); lines != 4 {
		t.Errorf("manifest has %d lines, want header + 3:\n%s", lines, manifest)
	}
	for _, name := range listDir(t, out) {
		if strings.HasPrefix(name, ".") {
			t.Errorf("temporary file %s left in --out", name)
		}
	}

	// Re-running the same input reuses everything: no new batch, same files.
	again, err := env.svc.Issue(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, testDiplomas), OutDir: out, PNG: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Issued != 0 || again.Reused != 3 || again.Batches[0] != sum.Batches[0] {
		t.Errorf("re-run summary %+v: want the 3 credentials reused from batch %s", again, sum.Batches[0])
	}
	if after, _ := filepath.Glob(filepath.Join(out, "*.json")); len(after) != 3 {
		t.Errorf("re-run left %d bundles, want 3", len(after))
	}
}

func TestIssueRefusesBeforeWritingAnything(t *testing.T) {
	badDate := strings.Replace(testDiplomas, "2006-11-02", "2006-13-02", 1) // line 3
	tests := []struct {
		name     string
		accredit []string
		input    string
		want     []string
	}{
		{"not accredited for the type", []string{"PixCertification"}, testDiplomas, []string{"not accredited", "Diploma"}},
		{"not accredited at all", nil, testDiplomas, []string{"pending"}},
		{"bad date on line 3", []string{"Diploma"}, badDate, []string{"line 3", "birth_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, tt.accredit...)
			before, err := env.l.Info(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			_, err = env.svc.Issue(context.Background(), IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, tt.input), OutDir: out, PNG: true})
			if err == nil {
				t.Fatal("Issue succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			after, err := env.l.Info(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if after.Height != before.Height {
				t.Errorf("ledger grew from %d to %d blocks", before.Height, after.Height)
			}
			if names := listDir(t, out); len(names) != 0 {
				t.Errorf("--out holds %v, want nothing", names)
			}
			dir, err := env.svc.Home.Org("examoffice")
			if err != nil {
				t.Fatal(err)
			}
			if jobs := listDir(t, dir.JobsDir()); len(jobs) != 0 {
				t.Errorf("resume state %v written", jobs)
			}
		})
	}
}

func TestIssueSkipInvalidWritesRejects(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	input := strings.Replace(testDiplomas, "2006-11-02", "2006-13-02", 1)
	out := filepath.Join(t.TempDir(), "out")
	sum, err := env.svc.Issue(context.Background(), IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, input), OutDir: out, SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Issued != 2 || sum.Rejected != 1 {
		t.Fatalf("summary %+v: want 2 issued, 1 rejected", sum)
	}
	rejects, err := os.ReadFile(filepath.Join(out, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rejects), "3,birth_date") {
		t.Errorf("rejects.csv does not name line 3 and birth_date:\n%s", rejects)
	}
}

func TestInitRefusesSquattingAndLeavesNothing(t *testing.T) {
	env := newTestEnv(t)
	_, err := env.svc.Init(context.Background(), InitOptions{ID: "examoffice", Name: "again", NoPassphrase: true})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second init: %v", err)
	}
	dir, err := env.svc.Home.Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	if names := listDir(t, filepath.Dir(dir.Path())); len(names) != 1 {
		t.Errorf("issuers folder holds %v", names)
	}
}

func TestEncryptedKeyNeedsThePassphrase(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	l, err := embedded.Init(ctx, org.Home(home).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	env := map[string]string{org.PassphraseEnv: "s3cret passphrase"}
	svc := NewService(home, l, nil)
	svc.Keys.ScryptWorkFactor = 10
	svc.Keys.Passphrase.Getenv = func(k string) string { return env[k] }
	devNull, _ := os.Open(os.DevNull)
	defer devNull.Close()
	svc.Keys.Passphrase.Terminal = devNull
	p, err := svc.Init(ctx, InitOptions{ID: "lycee-hugo", Name: "Lycée Victor-Hugo"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Keys[0].Encrypted {
		t.Fatal("key stored unencrypted")
	}
	dir, err := svc.Home.Org("lycee-hugo")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir.Path(), p.Keys[0].File))
	if strings.Contains(string(raw), `"d"`) {
		t.Error("key file holds the private JWK in clear")
	}
	if _, err := svc.Keys.Open(p, p.CurrentKID); err != nil {
		t.Fatalf("with the passphrase: %v", err)
	}
	env[org.PassphraseEnv] = "wrong"
	if _, err := svc.Keys.Open(p, p.CurrentKID); err == nil {
		t.Error("wrong passphrase accepted")
	}
	delete(env, org.PassphraseEnv)
	if _, err := svc.Keys.Open(p, p.CurrentKID); err == nil || !strings.Contains(err.Error(), org.PassphraseEnv) {
		t.Errorf("no passphrase and no terminal: %v (want an error naming %s)", err, org.PassphraseEnv)
	}
	var reg map[string]any
	jwks, err := svc.JWKS(ctx, "lycee-hugo")
	if err != nil || json.Unmarshal(jwks, &reg) != nil {
		t.Fatalf("JWKS: %s, %v", jwks, err)
	}
}
