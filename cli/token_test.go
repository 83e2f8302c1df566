package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/org"
)

func TestIssuerTokenCreateListRevoke(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	sceauOK(t, home, "ledger", "init")
	sceauOK(t, home, "issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens")
	sceauOK(t, home, "issuer", "init", "--no-passphrase", "--id", "lycee-b", "--name", "Lycée B")

	code, stdout, stderr := sceau(t, home, "issuer", "token", "create", "--id", "examoffice", "--label", "SI scolarité")
	if code != 0 {
		t.Fatalf("token create: exit %d %s", code, stderr)
	}
	token := strings.TrimSpace(stdout)
	if strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(token, "sceau_examoffice_") {
		t.Fatalf("token create printed %q on stdout, want the token alone", stdout)
	}
	if !strings.Contains(stderr, "cannot be shown again") {
		t.Errorf("stderr %q does not say the token is shown once", stderr)
	}
	tokens := &org.Tokens{Home: org.Home(home)}
	if id, err := tokens.Authenticate(token); err != nil || id != "examoffice" {
		t.Fatalf("the printed token authenticates as %q, %v", id, err)
	}
	office, err := org.Home(home).Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile(office.TokensFile())
	if err != nil {
		t.Fatal(err)
	}
	// "sceau_<issuer id>_<token id>_<secret>": the secret is base64url and
	// may itself hold "_", so it is what follows the third "_" after the
	// prefix, not the last.
	secret := strings.SplitN(strings.TrimPrefix(token, "sceau_"), "_", 3)[2]
	if strings.Contains(string(stored), secret) {
		t.Error("the token's secret is stored")
	}

	list := sceauOK(t, home, "issuer", "token", "list", "--id", "examoffice")
	if !strings.Contains(list, "SI scolarité") || !strings.Contains(list, "active") || strings.Contains(list, secret) {
		t.Errorf("token list:\n%s", list)
	}
	var infos []org.TokenInfo
	if err := json.Unmarshal([]byte(sceauOK(t, home, "issuer", "token", "list", "--id", "examoffice", "--json")), &infos); err != nil || len(infos) != 1 || infos[0].Hash != "" {
		t.Fatalf("token list --json: %+v, %v (want one token, no hash)", infos, err)
	}
	if out := sceauOK(t, home, "issuer", "token", "list", "--id", "lycee-b"); !strings.Contains(out, "no API token") {
		t.Errorf("another issuer's list: %s", out)
	}
	if code, _, stderr := sceau(t, home, "issuer", "token", "revoke", "--id", "lycee-b", "--token-id", infos[0].ID); code == 0 || !strings.Contains(stderr, "no token") {
		t.Errorf("revoking A's token as B: exit %d %s", code, stderr)
	}
	sceauOK(t, home, "issuer", "token", "revoke", "--id", "examoffice", "--token-id", infos[0].ID)
	if _, err := tokens.Authenticate(token); err == nil {
		t.Error("a revoked token still authenticates")
	}
	if list := sceauOK(t, home, "issuer", "token", "list", "--id", "examoffice"); !strings.Contains(list, "revoked") {
		t.Errorf("token list after revoke:\n%s", list)
	}
	if code, _, stderr := sceau(t, home, "issuer", "token", "create", "--id", "nobody"); code == 0 || !strings.Contains(stderr, "unknown issuer") {
		t.Errorf("token for an unknown issuer: exit %d %s", code, stderr)
	}
}
