package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/wallet"
)

// The student of the wallet tests (fictitious).
const (
	walletStudentID      = "070123456AB"
	walletGivenName      = "Hélène"
	walletFamilyName     = "Lefèvre"
	walletBirthDate      = "2007-03-14"
	testWalletPassphrase = "une phrase de passe assez longue"
)

// walletWorld is a ledger with an accredited exam office, and a student's
// wallet, in temporary folders.
type walletWorld struct {
	t      *testing.T
	tmp    string
	home   string
	wallet string
}

// run runs sceau with --home and --wallet set; it returns the exit code
// and both outputs.
func (w *walletWorld) run(args ...string) (code int, stdout, stderr string) {
	w.t.Helper()
	return w.runIn(w.wallet, args...)
}

// runIn runs sceau with the wallet folder dir.
func (w *walletWorld) runIn(dir string, args ...string) (code int, stdout, stderr string) {
	w.t.Helper()
	var out, errOut bytes.Buffer
	full := append([]string{"sceau", "--home", w.home, "--wallet", dir}, args...)
	code = Run(context.Background(), full, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// ok runs sceau and fails the test unless it exits 0.
func (w *walletWorld) ok(args ...string) string {
	w.t.Helper()
	code, out, errOut := w.run(args...)
	if code != 0 {
		w.t.Fatalf("sceau %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func newWalletWorld(t *testing.T) *walletWorld {
	t.Setenv(wallet.PassphraseEnv, testWalletPassphrase)
	tmp := t.TempDir()
	w := &walletWorld{t: t, tmp: tmp, home: filepath.Join(tmp, "home"), wallet: filepath.Join(tmp, "wallet")}
	w.ok("ledger", "init")
	w.ok("issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens")
	w.ok("issuer", "accredit", "--id", "examoffice", "--types", "Diploma,PixCertification")
	return w
}

// initWallet creates the wallet in dir and returns its holder JWK.
func (w *walletWorld) initWallet(dir string) string {
	w.t.Helper()
	if code, out, errOut := w.runIn(dir, "wallet", "init", "--scrypt-work-factor", "10"); code != 0 {
		w.t.Fatalf("wallet init: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := w.runIn(dir, "wallet", "holder-key")
	if code != 0 {
		w.t.Fatalf("wallet holder-key: exit %d\n%s", code, errOut)
	}
	return strings.TrimSpace(out)
}

// issue issues one credential of typ for the student, bound to holderJWK,
// and returns the path of its bundle.
func (w *walletWorld) issue(typ, name, holderJWK string) string {
	w.t.Helper()
	return w.issueDiploma(typ, name, holderJWK, "Baccalauréat général")
}

// issueDiploma is issue with the title of a Diploma: the register refuses
// the same student's same diploma twice.
func (w *walletWorld) issueDiploma(typ, name, holderJWK, title string) string {
	w.t.Helper()
	header := []string{"student_id", "given_name", "family_name", "birth_date"}
	row := []string{walletStudentID, walletGivenName, walletFamilyName, walletBirthDate}
	switch typ {
	case "Diploma":
		header = append(header, "diploma", "eqf_level", "awarded_on", "mention", "speciality")
		row = append(row, title, "4", "2025-07-04", "tres_bien", "Mathématiques|Physique-chimie")
	default:
		header = append(header, "certification_center", "certified_on", "pix_score",
			"c1_1", "c1_2", "c1_3", "c2_1", "c2_2", "c2_3", "c2_4", "c3_1", "c3_2", "c3_3", "c3_4", "c4_1", "c4_2", "c4_3", "c5_1", "c5_2")
		row = append(row, "Lycée Victor-Hugo de Besançon", "2025-05-20", "512", "4", "3", "3", "5", "4", "4", "3", "5", "3", "4", "2", "3", "4", "3", "3", "2")
	}
	header = append(header, "holder_jwk")
	row = append(row, holderJWK)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(header)
	cw.Write(row)
	cw.Flush()
	input := filepath.Join(w.tmp, name+".csv")
	if err := os.WriteFile(input, buf.Bytes(), 0o600); err != nil {
		w.t.Fatal(err)
	}
	out := filepath.Join(w.tmp, "out-"+name)
	w.ok("issue", "--issuer", "examoffice", "--type", typ, "--input", input, "--out", out)
	// The student's credential, out of the batch file.
	exported := filepath.Join(w.tmp, "exported-"+name)
	w.ok("export", "--student", walletStudentID, "--out", exported, out)
	bundles, _ := filepath.Glob(filepath.Join(exported, "*.json"))
	if len(bundles) != 1 {
		w.t.Fatalf("export wrote %v, want one bundle", bundles)
	}
	return bundles[0]
}

// importBundle imports a bundle into the wallet and returns the id.
func (w *walletWorld) importBundle(dir, bundle string) string {
	w.t.Helper()
	code, out, errOut := w.runIn(dir, "wallet", "import", bundle)
	if code != 0 || !strings.HasPrefix(out, "imported urn:uuid:") {
		w.t.Fatalf("wallet import: exit %d\n%s%s", code, out, errOut)
	}
	return strings.Fields(out)[1]
}

// verifyJSON runs sceau verify --json and returns the exit code and result.
func (w *walletWorld) verifyJSON(args ...string) (int, *verifier.Result) {
	w.t.Helper()
	code, out, errOut := w.run(append([]string{"verify", "--json"}, args...)...)
	var res verifier.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		w.t.Fatalf("verify --json: exit %d, output %q %s: %v", code, out, errOut, err)
	}
	return code, &res
}

// claimNames returns the names of a result's claims.
func claimNames(t *testing.T, r *verifier.Result) []string {
	t.Helper()
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(r.Claims, &claims); err != nil {
		t.Fatalf("claims %s: %v", r.Claims, err)
	}
	names := make([]string, 0, len(claims))
	for n := range claims {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// personal lists what must never be found in clear in the wallet.
var personal = []string{walletStudentID, walletGivenName, walletFamilyName, walletBirthDate, "Helene", "Lefevre"}

// grepTree fails the test if a file under root (or root itself, a file)
// holds any of needles.
func grepTree(t *testing.T, root string, needles []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) || strings.Contains(path, n) {
				t.Errorf("%s holds %q in clear", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("nothing to search in %s", root)
	}
}

func TestWalletAcceptance(t *testing.T) {
	w := newWalletWorld(t)
	holder := w.initWallet(w.wallet)
	if strings.Contains(holder, `"d"`) || !strings.Contains(holder, `"kty":"EC"`) {
		t.Fatalf("holder-key printed %s, want a public P-256 JWK", holder)
	}
	diplomaBundle := w.issue("Diploma", "diplomas", holder)
	pixBundle := w.issue("PixCertification", "pix", holder)
	diplomaID := w.importBundle(w.wallet, diplomaBundle)
	pixID := w.importBundle(w.wallet, pixBundle)

	list := w.ok("wallet", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[0], "STATUS") {
		t.Fatalf("wallet list:\n%s\nwant a header and two lines", list)
	}
	// Title, issuer (its name on the ledger), date issued and status.
	for _, want := range []struct{ id, title string }{{diplomaID, "Baccalauréat général"}, {pixID, "Certification Pix"}} {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, want.id) })
		if i < 0 || !strings.Contains(lines[i], want.title) || !strings.Contains(lines[i], "Office des examens") ||
			!strings.Contains(lines[i], time.Now().UTC().Format(time.DateOnly)) || !strings.HasSuffix(lines[i], "valid") {
			t.Errorf("wallet list has no line for %s %s:\n%s", want.title, want.id, list)
		}
	}
	show := w.ok("wallet", "show", diplomaID)
	for _, want := range []string{"VALID", "active", walletFamilyName, walletBirthDate, "tres_bien"} {
		if !strings.Contains(show, want) {
			t.Errorf("wallet show does not show %q:\n%s", want, show)
		}
	}

	t.Run("present the mention, verify with the same nonce and audience", func(t *testing.T) {
		pres := filepath.Join(w.tmp, "diploma-presentation.txt")
		w.ok("wallet", "present", "--disclose", "mention,diploma,type", "--nonce", "n-4f2a", "--audience", "https://rh.example", "--out", pres, diplomaID)
		code, res := w.verifyJSON("--nonce", "n-4f2a", "--audience", "https://rh.example", pres)
		if code != 0 || res.Verdict != verifier.Valid {
			t.Fatalf("verify: exit %d, verdict %s: %+v", code, res.Verdict, res.Checks)
		}
		if got := claimNames(t, res); !slices.Equal(got, []string{"diploma", "eqf_level", "mention"}) {
			t.Errorf("claims shown %v, want exactly the mention and the visible title", got)
		}
		_, text, _ := w.run("verify", "--nonce", "n-4f2a", "--audience", "https://rh.example", pres)
		for _, hidden := range personal {
			if strings.Contains(text, hidden) {
				t.Errorf("verify shows the undisclosed %q:\n%s", hidden, text)
			}
		}
		for _, tc := range [][]string{
			{"--nonce", "n-other", "--audience", "https://rh.example"},
			{"--nonce", "n-4f2a", "--audience", "https://other.example"},
		} {
			code, out, _ := w.run(append(append([]string{"verify"}, tc...), pres)...)
			if code != ExitInvalid || !strings.Contains(out, "INVALID") || !strings.Contains(out, "holder_binding") {
				t.Errorf("verify %v: exit %d, want 1 (invalid):\n%s", tc, code, out)
			}
		}
	})

	t.Run("present the Pix score and two competences as a QR code", func(t *testing.T) {
		png := filepath.Join(w.tmp, "pix-presentation.png")
		code, out, errOut := w.run("wallet", "present", "--disclose", "pix_score", "--disclose", "c2_1,c3_4", "--nonce", "n-77", "--audience", "https://fac.example", "--qr", png, pixID)
		if code != 0 || !strings.Contains(out, "~") || !strings.Contains(errOut, "pix_score, c2_1, c3_4") {
			t.Fatalf("present --qr: exit %d\n%s%s", code, out, errOut)
		}
		code, res := w.verifyJSON("--nonce", "n-77", "--audience", "https://fac.example", png)
		if code != 0 || res.Input != "dc+sd-jwt (QR image)" {
			t.Fatalf("verify of the QR: exit %d, input %q: %+v", code, res.Input, res.Checks)
		}
		if got := claimNames(t, res); !slices.Equal(got, []string{"competences", "pix_score"}) {
			t.Errorf("claims %v", got)
		}
		var claims struct {
			Competences []struct{ ID string } `json:"competences"`
		}
		json.Unmarshal(res.Claims, &claims)
		if len(claims.Competences) != 2 || claims.Competences[0].ID != "2.1" || claims.Competences[1].ID != "3.4" {
			t.Errorf("competences shown %s, want 2.1 and 3.4 only", res.Claims)
		}
	})

	t.Run("a presentation signed with another holder key", func(t *testing.T) {
		thief := filepath.Join(w.tmp, "other-wallet")
		otherHolder := w.initWallet(thief)
		otherID := w.importBundle(thief, w.issueDiploma("Diploma", "other-diplomas", otherHolder, "Baccalauréat technologique"))
		code, theirs, errOut := w.runIn(thief, "wallet", "present", "--disclose", "mention", "--nonce", "n-9", "--audience", "https://rh.example", otherID)
		if code != 0 {
			t.Fatalf("present: %s", errOut)
		}
		code, mine, _ := w.run("wallet", "present", "--disclose", "mention", "--nonce", "n-9", "--audience", "https://rh.example", diplomaID)
		if code != 0 {
			t.Fatal("present failed")
		}
		mine, theirs = strings.TrimSpace(mine), strings.TrimSpace(theirs)
		forged := mine[:strings.LastIndex(mine, "~")+1] + theirs[strings.LastIndex(theirs, "~")+1:]
		path := filepath.Join(w.tmp, "forged.txt")
		if err := os.WriteFile(path, []byte(forged), 0o600); err != nil {
			t.Fatal(err)
		}
		code, res := w.verifyJSON("--nonce", "n-9", "--audience", "https://rh.example", path)
		if code != ExitInvalid || res.Verdict != verifier.Invalid || res.Check(verifier.CheckHolderBinding).OK {
			t.Errorf("verify: exit %d, verdict %s, holder_binding %+v: want invalid", code, res.Verdict, res.Check(verifier.CheckHolderBinding))
		}
		// That wallet cannot import a credential bound to this one.
		code, _, errOut = w.runIn(thief, "wallet", "import", diplomaBundle)
		if code == 0 || !strings.Contains(errOut, "not this wallet's") {
			t.Errorf("import of a credential bound to another wallet: exit %d %s", code, errOut)
		}
	})

	t.Run("disclosing a claim that does not exist", func(t *testing.T) {
		code, _, errOut := w.run("wallet", "present", "--disclose", "shoe_size", "--nonce", "n", "--audience", "a", diplomaID)
		if code != ExitUsage || !strings.Contains(errOut, `"shoe_size"`) || !strings.Contains(errOut, "birth_date") || !strings.Contains(errOut, "mention") {
			t.Errorf("exit %d, %s: want a usage error listing the claims", code, errOut)
		}
	})

	backup := filepath.Join(w.tmp, "backup.age")
	w.ok("wallet", "export", "--out", backup)

	t.Run("no personal data in clear in the wallet nor in the backup", func(t *testing.T) {
		grepTree(t, w.wallet, personal)
		grepTree(t, backup, personal)
	})

	t.Run("export, delete, restore", func(t *testing.T) {
		w.ok("wallet", "delete", diplomaID)
		if list := w.ok("wallet", "list"); strings.Contains(list, diplomaID) {
			t.Fatalf("deleted credential still listed:\n%s", list)
		}
		before := treeContent(t, w.wallet)
		t.Setenv(wallet.PassphraseEnv, "not the passphrase")
		code, out, errOut := w.run("wallet", "restore", backup)
		if code == 0 || !strings.Contains(errOut, "wrong passphrase") || !strings.Contains(errOut, "nothing was changed") {
			t.Errorf("restore with a wrong passphrase: exit %d\n%s%s", code, out, errOut)
		}
		if after := treeContent(t, w.wallet); !equalTrees(before, after) {
			t.Errorf("a refused restore changed the wallet")
		}
		t.Setenv(wallet.PassphraseEnv, testWalletPassphrase)
		out = w.ok("wallet", "restore", backup)
		if !strings.Contains(out, "restored 1 credential(s); 1 already in the wallet") {
			t.Errorf("restore said:\n%s", out)
		}
		if list := w.ok("wallet", "list"); !strings.Contains(list, diplomaID) || strings.Count(list, "\n") != 3 {
			t.Errorf("after restore:\n%s", list)
		}
		pres := filepath.Join(w.tmp, "after-restore.txt")
		w.ok("wallet", "present", "--disclose", "mention", "--nonce", "n-r", "--audience", "a", "--out", pres, diplomaID)
		if code, res := w.verifyJSON("--nonce", "n-r", "--audience", "a", pres); code != 0 {
			t.Errorf("a restored credential's presentation: %s %+v", res.Verdict, res.Checks)
		}
	})

	t.Run("a revoked credential: shown as such, not imported again", func(t *testing.T) {
		w.ok("revoke", "--issuer", "examoffice", "--reason", "fraud", pixBundle)
		show := w.ok("wallet", "show", pixID)
		if !strings.Contains(show, "INVALID") || !strings.Contains(show, "revoked") {
			t.Errorf("wallet show of a revoked credential:\n%s", show)
		}
		w.ok("wallet", "delete", pixID)
		code, out, errOut := w.run("wallet", "import", pixBundle)
		if code != ExitInvalid || !strings.Contains(errOut, "revoked") || !strings.Contains(errOut, "not imported") {
			t.Errorf("import of a revoked credential: exit %d\n%s%s", code, out, errOut)
		}
	})
}

func TestWalletUsage(t *testing.T) {
	w := newWalletWorld(t)
	t.Setenv(wallet.PassphraseEnv, "")
	code, _, errOut := w.run("wallet", "init")
	if code != ExitUsage || !strings.Contains(errOut, wallet.PassphraseEnv) {
		t.Errorf("init without a passphrase: exit %d %s", code, errOut)
	}
	t.Setenv(wallet.PassphraseEnv, testWalletPassphrase)
	code, _, errOut = w.run("wallet", "list")
	if code == 0 || !strings.Contains(errOut, "sceau wallet init") {
		t.Errorf("list without a wallet: exit %d %s", code, errOut)
	}
	w.initWallet(w.wallet)
	if code, _, errOut = w.run("wallet", "init"); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Errorf("a second init: exit %d %s", code, errOut)
	}
	if code, _, errOut = w.run("wallet", "present", "--nonce", "n", "urn:uuid:00000000-0000-4000-8000-000000000000"); code != ExitUsage {
		t.Errorf("present without --audience: exit %d %s", code, errOut)
	}
	if code, _, errOut = w.run("wallet", "show", "urn:uuid:00000000-0000-4000-8000-000000000000"); code == 0 || !strings.Contains(errOut, "no such credential") {
		t.Errorf("show of an unknown id: exit %d %s", code, errOut)
	}
	t.Setenv(wallet.PassphraseEnv, "wrong")
	if code, _, errOut = w.run("wallet", "list"); code == 0 || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("list with a wrong passphrase: exit %d %s", code, errOut)
	}
}

func treeContent(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
