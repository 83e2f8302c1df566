package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/cli"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// longEnv turns on the long versions of the tests: every byte mutated,
// more kills, every bundle verified, more load.
const longEnv = "SCEAU_LONG_TESTS"

// long reports whether the long versions of the tests run.
func long() bool { return os.Getenv(longEnv) == "1" }

// examOffice is the issuer every world registers and accredits.
const examOffice = "examoffice"

// world is a Sceau home, as a user makes it with the command line: an
// embedded ledger, and the exam office registered (its key unencrypted,
// so tests can read it) and accredited for both credential types.
type world struct {
	t    *testing.T
	dir  string // scratch folder, holding home
	home string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, dir: dir, home: filepath.Join(dir, "home")}
	w.mustSceau("ledger", "init")
	w.mustSceau("issuer", "init", "--no-passphrase", "--id", examOffice, "--name", "Office des examens")
	w.mustSceau("issuer", "accredit", "--id", examOffice, "--types", "Diploma,PixCertification")
	return w
}

// cliRuns serialises in-process runs of the command line: urfave/cli v2
// sets fields of package-level flags (cli.HelpFlag) on every run, so two
// runs at once in one process race. Parallel tests take turns for their
// commands, and run everything else at once.
var cliRuns sync.Mutex

// sceau runs the command line in-process on the world's home and returns
// the exit code and everything it printed.
func (w *world) sceau(args ...string) (int, string) {
	w.t.Helper()
	var out bytes.Buffer
	cliRuns.Lock()
	defer cliRuns.Unlock()
	code := cli.Run(context.Background(), append([]string{"sceau", "--home", w.home}, args...), strings.NewReader(""), &out, &out)
	return code, out.String()
}

// mustSceau runs a command that must exit 0 and returns its output.
func (w *world) mustSceau(args ...string) string {
	w.t.Helper()
	code, out := w.sceau(args...)
	if code != 0 {
		w.t.Fatalf("sceau %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// write writes content to name in the scratch folder and returns its path.
func (w *world) write(name string, content []byte) string {
	w.t.Helper()
	path := filepath.Join(w.dir, name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		w.t.Fatal(err)
	}
	return path
}

// issue issues one credential per row of csv with `sceau issue --png` and
// returns the bundles written, in file name order, with their raw bytes.
func (w *world) issue(typ, name, csv string) []issuedBundle {
	w.t.Helper()
	input := w.write(name+".csv", []byte(csv))
	out := filepath.Join(w.dir, "out-"+name)
	w.mustSceau("issue", "--issuer", examOffice, "--type", typ, "--input", input, "--out", out, "--png")
	return readBundles(w.t, out)
}

// issuedBundle is a bundle file as `sceau issue` wrote it.
type issuedBundle struct {
	path   string
	raw    []byte
	bundle credential.Bundle
}

// readBundles reads every bundle of an issuance output folder.
func readBundles(t *testing.T, out string) []issuedBundle {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(out, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	bundles := make([]issuedBundle, 0, len(paths))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var b credential.Bundle
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		bundles = append(bundles, issuedBundle{path: p, raw: raw, bundle: b})
	}
	return bundles
}

// readBatchBundles reads every credential of the batch files of an
// issuance output folder, in file then line order; each path names its
// batch file and line.
func readBatchBundles(t *testing.T, out string) []issuedBundle {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(out, "*"+issuer.BatchFileExt))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	var bundles []issuedBundle
	for _, p := range paths {
		n := 0
		err := issuer.ReadBatchFile(p, func(b *credential.Bundle, line []byte) error {
			n++
			bundles = append(bundles, issuedBundle{path: fmt.Sprintf("%s:%d", p, n), raw: bytes.Clone(line), bundle: *b})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return bundles
}

// ledgerDir is the embedded ledger's folder in the world's home.
func (w *world) ledgerDir() string { return org.Home(w.home).LedgerDir() }

// openLedger opens the world's ledger for the rest of the test: the
// command line cannot use it meanwhile (one process, one opener).
func (w *world) openLedger() *embedded.Ledger {
	w.t.Helper()
	l, err := embedded.Open(context.Background(), w.ledgerDir(), embedded.OpenOptions{})
	if err != nil {
		w.t.Fatalf("opening the ledger: %v", err)
	}
	w.t.Cleanup(func() { l.Close() })
	return l
}

// newVerifier returns a verifier over l with opts (its clock, when opts
// has none, reads the time now).
func newVerifier(t *testing.T, l network.Ledger, opts verifier.Options) *verifier.Verifier {
	t.Helper()
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return verifier.New(network.NewContract(l), validator, opts)
}

// addIssuer registers and accredits another issuer (its key unencrypted).
func (w *world) addIssuer(id, name string) {
	w.t.Helper()
	w.mustSceau("issuer", "init", "--no-passphrase", "--id", id, "--name", name)
	w.mustSceau("issuer", "accredit", "--id", id, "--types", "Diploma,PixCertification")
}

// keyFile reads the private JWK of key kid of issuer id from its folder
// (unencrypted: the world made it with --no-passphrase). kid "" is the
// issuer's current key.
func (w *world) keyFile(id, kid string) []byte {
	w.t.Helper()
	p, err := org.Home(w.home).LoadProfile(id)
	if err != nil {
		w.t.Fatal(err)
	}
	if kid == "" {
		kid = p.CurrentKID
	}
	for _, ref := range p.Keys {
		if ref.KID == kid {
			dir, err := org.Home(w.home).Org(id)
			if err != nil {
				w.t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir.Path(), ref.File))
			if err != nil {
				w.t.Fatal(err)
			}
			return data
		}
	}
	w.t.Fatalf("issuer %s has no key %s", id, kid)
	return nil
}

// verifyService serves the verifier's HTTP API over l on loopback and
// returns a function that verifies an input by POST /v1/verify, for the
// test t it is given.
func verifyService(t *testing.T, l network.Ledger) func(t *testing.T, input []byte) *verifier.Result {
	t.Helper()
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := verifierapi.New(verifierapi.Config{
		Registry:  verifier.NewRegistry(network.NewContract(l), verifier.RegistryOptions{}),
		Validator: validator,
		Audience:  "https://recrutement.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Group(svc.Routes)
	server := httptest.NewServer(r)
	t.Cleanup(server.Close)
	return func(t *testing.T, input []byte) *verifier.Result {
		t.Helper()
		body, err := json.Marshal(map[string]string{"credential": string(input)})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(server.URL+"/v1/verify", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res verifier.Result
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /v1/verify: status %d: %v", resp.StatusCode, err)
		}
		return &res
	}
}

// issuerKey returns key kid of issuer id ("" for its current key).
func (w *world) issuerKey(id, kid string) *credential.Key {
	w.t.Helper()
	key, err := credential.ParseKey(w.keyFile(id, kid))
	if err != nil {
		w.t.Fatal(err)
	}
	return key
}

// currentKID returns the kid of issuer id's current key.
func (w *world) currentKID(id string) string {
	w.t.Helper()
	p, err := org.Home(w.home).LoadProfile(id)
	if err != nil {
		w.t.Fatal(err)
	}
	return p.CurrentKID
}

// bundleOf returns the bundle of the credential about studentID.
func bundleOf(t *testing.T, bundles []issuedBundle, studentID string) issuedBundle {
	t.Helper()
	for _, b := range bundles {
		j, err := credential.ParseJWT(b.bundle.VCJWT)
		if err != nil {
			t.Fatalf("%s: %v", b.path, err)
		}
		if j.Credential.Subject.Holder().StudentID == studentID {
			return b
		}
	}
	t.Fatalf("no bundle is about student %s", studentID)
	return issuedBundle{}
}

// firstFailure returns the first check of r that failed, or nil.
func firstFailure(r *verifier.Result) *verifier.Check {
	for i := range r.Checks {
		if !r.Checks[i].OK && !r.Checks[i].Skipped {
			return &r.Checks[i]
		}
	}
	return nil
}

// describe renders a result for a failure message.
func describe(r *verifier.Result) string {
	data, _ := json.MarshalIndent(r, "", "  ")
	return string(data)
}
