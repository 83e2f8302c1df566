package provenance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/attest"
	"github.com/sceau/sceau/internal/secret"
)

func noPassphrase(string) string { return "" }

func TestGenerateAndLoadKey(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []credential.Algorithm{credential.ES256, credential.EdDSA} {
		path := filepath.Join(dir, string(alg)+".jwk")
		made, err := GenerateKeyFile(path, alg, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v, %v; want 0600", st.Mode(), err)
		}
		loaded, err := LoadKey(path, secret.Source{EnvVar: AuthorPassphraseEnv, Getenv: noPassphrase})
		if err != nil {
			t.Fatal(err)
		}
		if loaded.ID() != made.ID() {
			t.Errorf("%s: loaded key %s, made %s", alg, loaded.ID(), made.ID())
		}
		// The id is the thumbprint that signed statements carry.
		st2, err := attest.Sign(loaded.Signer(), attest.TypeEndorsement, attest.Endorsement{Resource: sha("r"), Role: "inspector", IssuedAt: 1})
		if err != nil {
			t.Fatal(err)
		}
		var e attest.Endorsement
		if signer, err := attest.Verify(st2, attest.TypeEndorsement, &e); err != nil || signer != made.ID() {
			t.Errorf("%s: statement signed by %s, %v; want %s", alg, signer, err, made.ID())
		}
	}
	if _, err := GenerateKeyFile(filepath.Join(dir, "ES256.jwk"), credential.ES256, "", 0); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("overwriting a key: err = %v", err)
	}
}

func TestEncryptedKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auteur.jwk.age")
	made, err := GenerateKeyFile(path, credential.ES256, "correct horse", 10)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), `"d"`) {
		t.Fatal("the encrypted key file shows its private member")
	}
	env := func(p string) func(string) string { return func(string) string { return p } }
	loaded, err := LoadKey(path, secret.Source{EnvVar: AuthorPassphraseEnv, Getenv: env("correct horse")})
	if err != nil || loaded.ID() != made.ID() {
		t.Fatalf("LoadKey = %v, %v", loaded, err)
	}
	if _, err := LoadKey(path, secret.Source{EnvVar: AuthorPassphraseEnv, Getenv: env("wrong")}); err == nil {
		t.Error("a wrong passphrase opened the key")
	}
	notATerminal, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer notATerminal.Close()
	_, err = LoadKey(path, secret.Source{EnvVar: AuthorPassphraseEnv, Getenv: noPassphrase, Terminal: notATerminal})
	if err == nil || !strings.Contains(err.Error(), AuthorPassphraseEnv) {
		t.Errorf("no passphrase: err = %v, want it to name %s", err, AuthorPassphraseEnv)
	}
}

func TestLoadKeyRefuses(t *testing.T) {
	dir := t.TempDir()
	pub, _ := newKeyJWK(t)
	pubPath := filepath.Join(dir, "public.jwk")
	if err := os.WriteFile(pubPath, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := secret.Source{EnvVar: AuthorPassphraseEnv, Getenv: noPassphrase}
	for path, want := range map[string]string{
		dir:                           "wallet folders",
		pubPath:                       "public key",
		junk:                          "JWK",
		filepath.Join(dir, "missing"): "no such file",
	} {
		if _, err := LoadKey(path, src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadKey(%s): err = %v, want %q", filepath.Base(path), err, want)
		}
	}
}

// newKeyJWK returns a fresh key's public and private JWKs.
func newKeyJWK(t *testing.T) (public, private []byte) {
	t.Helper()
	k, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	public, err = k.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	private, err = k.MarshalPrivateJWK()
	if err != nil {
		t.Fatal(err)
	}
	return public, private
}

func TestReadAttributionFile(t *testing.T) {
	dir := t.TempDir()
	author := newKey(t)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	signed, input, err := ReadAttributionFile(write("a.json", `{"names":["Jeanne Martin"],"school":"Collège Jean Moulin","email":"jeanne@ac-lyon.fr","statement":"Avec mes élèves.\nMerci."}`))
	if err != nil || signed != "" || input == nil || input.Names[0] != "Jeanne Martin" {
		t.Fatalf("JSON attribution: %q, %+v, %v", signed, input, err)
	}
	jws, err := SignAttribution(author, sha("r"), *input, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signed, input, err = ReadAttributionFile(write("a.jws", jws+"\n"))
	if err != nil || signed != jws || input != nil {
		t.Fatalf("signed attribution: %q, %+v, %v", signed, input, err)
	}
	a, signer, err := VerifyAttribution(signed)
	if err != nil || signer != author.ID() || a.Resource != sha("r") || len(a.Nonce) < 16 {
		t.Fatalf("VerifyAttribution = %+v, %s, %v", a, signer, err)
	}
	// Two attributions of the same words differ: the digest cannot be guessed.
	again, _ := SignAttribution(author, sha("r"), AttributionInput{Names: a.Names, School: a.School, Email: a.Email, Statement: a.Statement}, time.Now())
	if attest.Digest(again) == attest.Digest(jws) {
		t.Error("two attributions of the same words have the same digest")
	}

	for name, content := range map[string]string{
		"no name":       `{"names":[]}`,
		"blank name":    `{"names":[" "]}`,
		"bad email":     `{"names":["A"],"email":"Jeanne <j@x.fr>"}`,
		"unknown field": `{"names":["A"],"phone":"06"}`,
		"trailing data": `{"names":["A"]} {}`,
		"control char":  `{"names":["A\u0007"]}`,
	} {
		if _, _, err := ReadAttributionFile(write(name+".json", content)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
