package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// resourceCLI runs sceau commands, `sceau resource` included, in one home.
type resourceCLI struct {
	t    *testing.T
	home string
}

// run runs the command line as Run does, with the resource command added
// to the command tree (the lead registers it in commands()).
func (r *resourceCLI) run(args ...string) (code int, stdout, stderr string) {
	r.t.Helper()
	var out, errOut bytes.Buffer
	app := newApp(strings.NewReader(""), &out, &errOut)
	registered := false
	for _, c := range app.Commands {
		registered = registered || c.Name == "resource"
	}
	if !registered {
		app.Commands = append(app.Commands, resourceCommand())
	}
	err := app.RunContext(context.Background(), append([]string{"sceau", "--home", r.home}, args...))
	code = ExitOK
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
			if ee.err.Error() != "" {
				fmt.Fprintln(&errOut, "sceau:", ee.err)
			}
		} else {
			code = ExitInvalid
			fmt.Fprintln(&errOut, "sceau:", err)
		}
	}
	return code, out.String(), errOut.String()
}

// ok runs a command that must succeed and returns its output.
func (r *resourceCLI) ok(args ...string) string {
	r.t.Helper()
	code, out, errOut := r.run(args...)
	if code != ExitOK {
		r.t.Fatalf("sceau %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

var digestLine = regexp.MustCompile(`^[0-9a-f]{64}$`)

// register runs `resource register` and returns the digest it prints first.
func (r *resourceCLI) register(args ...string) string {
	r.t.Helper()
	out := r.ok(append([]string{"resource", "register"}, args...)...)
	first, _, _ := strings.Cut(out, "\n")
	if !digestLine.MatchString(first) {
		r.t.Fatalf("the first line of register's output is %q, want the digest alone", first)
	}
	return first
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newResourceCLI sets up a home: ledger, platform "edu" accredited for
// OpenResource, and two keys.
func newResourceCLI(t *testing.T) (*resourceCLI, string, string) {
	t.Helper()
	r := &resourceCLI{t: t, home: t.TempDir()}
	r.ok("ledger", "init")
	r.ok("issuer", "init", "--id", "edu", "--name", "Plateforme de ressources", "--no-passphrase")
	r.ok("issuer", "accredit", "--id", "edu", "--types", "OpenResource")
	keys := t.TempDir()
	author, reviewer := filepath.Join(keys, "auteur.jwk"), filepath.Join(keys, "inspecteur.jwk")
	if out := r.ok("resource", "keygen", "--no-passphrase", "--out", author); !strings.Contains(out, "key ") {
		t.Fatalf("keygen: %s", out)
	}
	r.ok("resource", "keygen", "--no-passphrase", "--alg", "EdDSA", "--out", reviewer)
	return r, author, reviewer
}

func TestResourceCommandEndToEnd(t *testing.T) {
	r, author, reviewer := newResourceCLI(t)
	work := t.TempDir()
	folder := filepath.Join(work, "fractions")
	writeFiles(t, folder, map[string]string{
		"cours.md":            "# Les fractions\n",
		"exercices/serie1.md": "1. Simplifier 4/8\n",
		"exercices/serie2.md": "1. Comparer 2/3 et 3/4\n",
	})
	attribution := filepath.Join(work, "attribution.json")
	writeFiles(t, work, map[string]string{"attribution.json": `{"names":["Jeanne Martin"],"school":"College Jean Moulin","email":"jeanne.martin@ac-lyon.fr"}`})

	digest := r.register("--issuer", "edu", "--title", "Les fractions en 6e", "--license", "CC-BY-SA-4.0", "--author-key", author, "--attribution", attribution, folder)

	code, out, _ := r.run("resource", "verify", folder)
	if code != ExitOK || !strings.Contains(out, "REGISTERED "+digest) || !strings.Contains(out, "CC-BY-SA-4.0") || !strings.Contains(out, "Jeanne Martin") {
		t.Fatalf("verify of the registered folder: exit %d\n%s", code, out)
	}

	r.ok("resource", "endorse", "--role", "inspector", "--key", reviewer, digest)
	if out := r.ok("resource", "history", digest); !strings.Contains(out, "as inspector") {
		t.Errorf("history does not show the endorsement:\n%s", out)
	}
	// History credits the authors as verify does: the platform holds the
	// attribution the ledger names.
	if out := r.ok("resource", "history", digest); !strings.Contains(out, "credited      Jeanne Martin (College Jean Moulin)") || strings.Contains(out, "not held") {
		t.Errorf("history does not credit the attribution held:\n%s", out)
	}

	// One byte changed in one file.
	writeFiles(t, folder, map[string]string{"exercices/serie2.md": "1. Comparer 2/3 et 3/5\n"})
	code, out, _ = r.run("resource", "verify", folder)
	if code != ExitInvalid || !strings.Contains(out, "NOT REGISTERED") || !strings.Contains(out, "modified  exercices/serie2.md") || strings.Contains(out, "serie1.md") {
		t.Fatalf("verify of the changed folder: exit %d, want 1 naming exercices/serie2.md only\n%s", code, out)
	}
	if !strings.Contains(out, digest) {
		t.Errorf("verify does not name the closest registered version %s:\n%s", digest, out)
	}

	// A CC-BY derivative of the CC-BY-SA resource is refused, naming it.
	derived := filepath.Join(work, "adaptation.md")
	writeFiles(t, work, map[string]string{"adaptation.md": "adaptation"})
	code, out, errOut := r.run("resource", "register", "--issuer", "edu", "--title", "Adaptation", "--license", "CC-BY-4.0", "--author-key", reviewer, "--derived-from", digest, derived)
	if code != ExitInvalid || !strings.Contains(errOut, digest) || !strings.Contains(errOut, "share-alike") {
		t.Fatalf("CC-BY derivative of CC-BY-SA: exit %d, want 1 naming %s and the rule\n%s%s", code, digest, out, errOut)
	}

	// Three generations: the lineage of the third lists both ancestors.
	second := r.register("--issuer", "edu", "--title", "Adaptation", "--license", "CC-BY-SA-4.0", "--author-key", reviewer, "--derived-from", digest, derived)
	third := filepath.Join(work, "troisieme.md")
	writeFiles(t, work, map[string]string{"troisieme.md": "troisième génération"})
	thirdDigest := r.register("--issuer", "edu", "--title", "Troisième", "--license", "CC-BY-SA-4.0", "--author-key", author, "--derived-from", second, third)
	out = r.ok("resource", "history", thirdDigest)
	ancestors := out[strings.Index(out, "ancestors"):strings.Index(out, "descendants")]
	if !strings.Contains(ancestors, second) || !strings.Contains(ancestors, digest) {
		t.Errorf("history of the third generation does not list both ancestors:\n%s", out)
	}

	// Erasing the attribution leaves no name or e-mail in the ledger.
	if out := r.ok("resource", "erase-attribution", digest); !strings.Contains(out, "erased") {
		t.Errorf("erase-attribution: %s", out)
	}
	dump := filepath.Join(work, "ledger.jsonl")
	r.ok("ledger", "export", "--out", dump)
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), digest) {
		t.Fatal("the export does not hold the resource: the check below would prove nothing")
	}
	for _, personal := range []string{"Jeanne", "Martin", "jeanne.martin@ac-lyon.fr", "Jean Moulin"} {
		if strings.Contains(string(data), personal) {
			t.Errorf("the ledger export contains %q", personal)
		}
	}
	if code, out, _ := r.run("resource", "erase-attribution", digest); code == ExitOK {
		t.Errorf("erasing twice succeeded: %s", out)
	}
	if out := r.ok("resource", "history", digest); !strings.Contains(out, "not held by this platform, or erased") || strings.Contains(out, "Jeanne") {
		t.Errorf("history after the attribution was erased:\n%s", out)
	}
}

func TestResourceCommandUsage(t *testing.T) {
	r, author, _ := newResourceCLI(t)
	file := filepath.Join(t.TempDir(), "cours.md")
	writeFiles(t, filepath.Dir(file), map[string]string{"cours.md": "x"})
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"flag after the digest", []string{"resource", "history", strings.Repeat("ab", 32), "--json"}, ExitUsage},
		{"missing path", []string{"resource", "verify", filepath.Join(t.TempDir(), "absent")}, ExitUsage},
		{"unreadable author key", []string{"resource", "register", "--issuer", "edu", "--title", "T", "--license", "CC0-1.0", "--author-key", filepath.Join(t.TempDir(), "none"), file}, ExitUsage},
		{"author key folder", []string{"resource", "register", "--issuer", "edu", "--title", "T", "--license", "CC0-1.0", "--author-key", t.TempDir(), file}, ExitUsage},
		{"unknown licence", []string{"resource", "register", "--issuer", "edu", "--title", "T", "--license", "WTFPL", "--author-key", author, file}, ExitInvalid},
		{"bad digest", []string{"resource", "history", "ABC"}, ExitUsage},
		{"unknown key algorithm", []string{"resource", "keygen", "--no-passphrase", "--alg", "RS256", "--out", filepath.Join(t.TempDir(), "k")}, ExitUsage},
		{"unregistered file", []string{"resource", "verify", file}, ExitInvalid},
		{"unknown role", []string{"resource", "endorse", "--role", "recteur", "--key", author, strings.Repeat("ab", 32)}, ExitInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, errOut := r.run(tc.args...); code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
		})
	}
	// Without a ledger, verify is indeterminate, never "not registered".
	empty := &resourceCLI{t: t, home: t.TempDir()}
	if code, _, errOut := empty.run("resource", "verify", file); code != ExitIndeterminate {
		t.Errorf("verify without a ledger: exit %d, want %d\n%s", code, ExitIndeterminate, errOut)
	}
}

// TestResourceAuthorsHaveTheirOwnPassphrase: the platform's key and an
// author's key each have their passphrase, and a derivative of a CC BY-SA
// 3.0 resource may carry BY-SA 4.0, as BY-SA 3.0 allows later versions.
func TestResourceAuthorsHaveTheirOwnPassphrase(t *testing.T) {
	t.Setenv("SCEAU_KEY_PASSPHRASE", "la phrase de la plateforme")
	t.Setenv("SCEAU_AUTHOR_PASSPHRASE", "la phrase de Jeanne")
	r := &resourceCLI{t: t, home: t.TempDir()}
	r.ok("ledger", "init")
	r.ok("issuer", "init", "--id", "edu", "--name", "Plateforme de ressources")
	r.ok("issuer", "accredit", "--id", "edu", "--types", "OpenResource")
	keys := t.TempDir()
	jeanne, paul := filepath.Join(keys, "jeanne.jwk"), filepath.Join(keys, "paul.jwk")
	r.ok("resource", "keygen", "--out", jeanne)
	t.Setenv("SCEAU_AUTHOR_PASSPHRASE", "la phrase de Paul")
	r.ok("resource", "keygen", "--out", paul)

	work := t.TempDir()
	writeFiles(t, work, map[string]string{"cours.md": "# Les fractions\n", "adaptation.md": "adaptation", "retour.md": "retour"})
	// Jeanne's passphrase is not the platform's: her key opens with hers.
	t.Setenv("SCEAU_AUTHOR_PASSPHRASE", "la phrase de Jeanne")
	parent := r.register("--issuer", "edu", "--title", "Les fractions", "--license", "CC-BY-SA-3.0", "--author-key", jeanne, filepath.Join(work, "cours.md"))
	// Paul's key does not open with Jeanne's passphrase, and no terminal
	// is there to ask for his: the error says which key and which variable.
	code, _, errOut := r.run("resource", "register", "--issuer", "edu", "--title", "Adaptation", "--license", "CC-BY-SA-4.0", "--author-key", paul, "--derived-from", parent, filepath.Join(work, "adaptation.md"))
	if code != ExitUsage || !strings.Contains(errOut, "paul.jwk") || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("Paul's key with Jeanne's passphrase: exit %d %s", code, errOut)
	}
	// The platform's passphrase does not open an author's key either.
	t.Setenv("SCEAU_AUTHOR_PASSPHRASE", "")
	code, _, errOut = r.run("resource", "register", "--issuer", "edu", "--title", "Adaptation", "--license", "CC-BY-SA-4.0", "--author-key", paul, "--derived-from", parent, filepath.Join(work, "adaptation.md"))
	if code != ExitUsage || !strings.Contains(errOut, "SCEAU_AUTHOR_PASSPHRASE") {
		t.Errorf("an author key with no author passphrase: exit %d %s", code, errOut)
	}
	t.Setenv("SCEAU_AUTHOR_PASSPHRASE", "la phrase de Paul")
	child := r.register("--issuer", "edu", "--title", "Adaptation", "--license", "CC-BY-SA-4.0", "--author-key", paul, "--derived-from", parent, filepath.Join(work, "adaptation.md"))
	// Not the reverse: a BY-SA 4.0 resource's derivative cannot go back to 3.0.
	code, _, errOut = r.run("resource", "register", "--issuer", "edu", "--title", "Retour", "--license", "CC-BY-SA-3.0", "--author-key", paul, "--derived-from", child, filepath.Join(work, "retour.md"))
	if code != ExitInvalid || !strings.Contains(errOut, "share-alike") || !strings.Contains(errOut, child) {
		t.Errorf("a BY-SA 3.0 derivative of a BY-SA 4.0 resource: exit %d %s", code, errOut)
	}
}
