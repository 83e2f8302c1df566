package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/wallet"
)

// lineOf returns the line of out that starts with id, or "".
func lineOf(out, id string) string {
	lines := strings.Split(out, "\n")
	if i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, id) }); i >= 0 {
		return lines[i]
	}
	return ""
}

func TestWalletListStatuses(t *testing.T) {
	w := newWalletWorld(t)
	holder := w.initWallet(w.wallet)
	titles := []string{"Baccalauréat général", "Brevet de technicien supérieur", "Certificat d'aptitude professionnelle"}
	var bundles, ids []string
	for i, title := range titles {
		b := w.issueDiploma("Diploma", "status"+string(rune('a'+i)), holder, title)
		bundles = append(bundles, b)
		ids = append(ids, w.importBundle(w.wallet, b))
	}
	w.ok("suspend", "--issuer", "examoffice", "--reason", "error", bundles[1])
	w.ok("revoke", "--issuer", "examoffice", "--reason", "fraud", bundles[2])

	for _, tc := range []struct {
		locale string
		header string
		want   []string
	}{
		{"C", "STATUS", []string{"valid", "suspended", "revoked"}},
		{"fr_FR.UTF-8", "STATUT", []string{"valide", "suspendue", "révoquée"}},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			t.Setenv("LC_ALL", tc.locale)
			list := w.ok("wallet", "list")
			if !strings.Contains(list, tc.header) {
				t.Errorf("no %s column:\n%s", tc.header, list)
			}
			for i, id := range ids {
				line := lineOf(list, id)
				if !strings.Contains(line, titles[i]) || !strings.Contains(line, "Office des examens") || !strings.HasSuffix(line, tc.want[i]) {
					t.Errorf("line of %s: %q, want its title, issuer and status %q", titles[i], line, tc.want[i])
				}
			}
		})
	}
	// In French, the revoked credential's verdict says "révoqué".
	t.Setenv("LC_ALL", "fr_FR.UTF-8")
	code, out, _ := w.run("verify", bundles[2])
	if code != ExitInvalid || !strings.Contains(out, "révoqué") || !strings.Contains(out, "NON VALIDE") {
		t.Errorf("LANG=fr verify of a revoked credential: exit %d\n%s", code, out)
	}
	code, out, _ = w.run("wallet", "show", ids[2])
	if !strings.Contains(out, "Révoqué") {
		t.Errorf("LANG=fr wallet show of a revoked credential: exit %d\n%s", code, out)
	}
	t.Setenv("LC_ALL", "C")

	var items []struct {
		ID, Title, Status, Reason string
		IssuerName                string `json:"issuer_name"`
	}
	decodeJSON(t, w.ok("wallet", "list", "--json"), &items)
	byID := map[string]int{}
	for i, it := range items {
		byID[it.ID] = i
	}
	for i, want := range []string{"valid", "suspended", "revoked"} {
		it := items[byID[ids[i]]]
		if len(items) != 3 || it.Status != want || (want != "valid" && it.Reason != want) || it.Title != titles[i] || it.IssuerName != "Office des examens" {
			t.Errorf("wallet list --json: %+v, want %s", it, want)
		}
	}

	// Through a public verifier, a listing sends each credential's SD-JWT
	// without its disclosures: no claim leaves the wallet.
	data, err := os.ReadFile(bundles[0])
	if err != nil {
		t.Fatal(err)
	}
	entry := &wallet.Entry{Form: wallet.FormBundle, Data: string(data)}
	if sd, bare := entry.SDJWT(), withoutClaims(entry); strings.Count(sd, "~") < 5 || strings.Count(bare, "~") != 1 || !strings.HasSuffix(bare, "~") || !strings.HasPrefix(sd, bare) {
		t.Errorf("withoutClaims keeps %d disclosure separators of %d", strings.Count(bare, "~"), strings.Count(sd, "~"))
	}

	// A student with no ledger of her own verifies through a public
	// verifier: --verifier, or the wallet's setting.
	url, stop := startServe(t, w.home)
	defer stop()
	noLedger := filepath.Join(w.tmp, "no-ledger")
	student := func(args ...string) (int, string, string) {
		return w.runIn(w.wallet, append([]string{"--home", noLedger}, args...)...)
	}
	if code, out, errOut := student("wallet", "list"); code != 0 || !strings.HasSuffix(lineOf(out, ids[0]), "unknown (some checks could not run, so this credential is NOT confirmed)") {
		t.Errorf("list with no ledger and no verifier: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := student("wallet", "list", "--verifier", url)
	if code != 0 || !strings.HasSuffix(lineOf(out, ids[0]), "valid") || !strings.HasSuffix(lineOf(out, ids[2]), "revoked") || !strings.Contains(errOut, url) {
		t.Errorf("list --verifier %s: exit %d\n%s%s", url, code, out, errOut)
	}
	if code, out, errOut := student("wallet", "settings", "--verifier", url); code != 0 || !strings.Contains(out, url) {
		t.Fatalf("wallet settings --verifier: exit %d %s%s", code, out, errOut)
	}
	if code, out, _ := student("wallet", "list"); code != 0 || !strings.HasSuffix(lineOf(out, ids[1]), "suspended") {
		t.Errorf("list with the wallet's verifier setting: exit %d\n%s", code, out)
	}
	// Import through it too.
	w.ok("wallet", "delete", ids[0])
	if code, out, errOut := student("wallet", "import", bundles[0]); code != 0 || !strings.Contains(out, "Office des examens") {
		t.Errorf("import through the public verifier: exit %d %s%s", code, out, errOut)
	}
	w.ok("wallet", "delete", ids[2])
	if code, _, errOut := student("wallet", "import", bundles[2]); code != ExitInvalid || !strings.Contains(errOut, "revoked") {
		t.Errorf("import of a revoked credential through the verifier: exit %d %s", code, errOut)
	}
	if code, out, _ := student("wallet", "settings", "--local"); code != 0 || !strings.Contains(out, "ledger of --home") {
		t.Errorf("wallet settings --local: exit %d %s", code, out)
	}
	if code, _, errOut := student("wallet", "settings", "--verifier", "ftp://x"); code != ExitUsage || !strings.Contains(errOut, "http(s) URL") {
		t.Errorf("a verifier that is not an http URL: exit %d %s", code, errOut)
	}
	// While serve holds the home's ledger, the wallet reads it through the server.
	if code, out, errOut := w.run("wallet", "list"); code != 0 || !strings.HasSuffix(lineOf(out, ids[1]), "suspended") || !strings.HasSuffix(lineOf(out, ids[0]), "valid") {
		t.Errorf("list while serve holds the ledger: exit %d\n%s%s", code, out, errOut)
	}
	// A student under a French locale reads why a credential is refused.
	t.Setenv("LC_ALL", "fr_FR.UTF-8")
	code, _, errOut = w.run("wallet", "import", bundles[0])
	if code == 0 || !strings.Contains(errOut, "sceau : ") || !strings.Contains(errOut, "est déjà dans le portefeuille") {
		t.Errorf("LANG=fr import of a credential already there: exit %d %s", code, errOut)
	}
	code, _, errOut = w.run("wallet", "import", bundles[2])
	if code != ExitInvalid || !strings.Contains(errOut, "n'a donc pas été importée") || !strings.Contains(errOut, "révoquée") {
		t.Errorf("LANG=fr import of a revoked credential: exit %d %s", code, errOut)
	}
	stop()
	if code, out, errOut := w.run("reinstate", "--issuer", "examoffice", bundles[1]); code != 0 || !strings.Contains(out, "rétablie") {
		t.Errorf("LANG=fr reinstate: exit %d %s%s", code, out, errOut)
	}
}

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		verdict verifier.Verdict
		reason  verifier.Reason
		key     string
		fr      string
	}{
		{verifier.Valid, "", "valid", "valide"},
		{verifier.Invalid, verifier.ReasonRevoked, "revoked", "révoquée"},
		{verifier.Invalid, verifier.ReasonSuspended, "suspended", "suspendue"},
		{verifier.Invalid, verifier.ReasonExpired, "expired", "expirée"},
		{verifier.Invalid, verifier.ReasonAltered, "invalid", "NON VALIDE : Altéré"},
		{verifier.Indeterminate, verifier.ReasonLedgerUnavailable, "unknown", "inconnu (injoignable)"},
	} {
		summary := map[verifier.Reason]string{verifier.ReasonAltered: "Altéré", verifier.ReasonLedgerUnavailable: "injoignable"}[tc.reason]
		st := statusOf(verifier.French, &verifier.Result{Verdict: tc.verdict, Reason: tc.reason, Summary: summary})
		if st.Key != tc.key || st.Text != tc.fr {
			t.Errorf("%s/%s: %+v, want %s %q", tc.verdict, tc.reason, st, tc.key, tc.fr)
		}
	}
}

func decodeJSON(t *testing.T, text string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), v); err != nil {
		t.Fatalf("not the JSON expected: %v\n%s", err, text)
	}
}
