package record_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/chaincode/record"
)

// referenceParse is the public-JWK rule as the contract applied it before
// package record existed, on go-jose: ParsePublicJWK, written on the
// standard library alone, must accept and refuse what it did and store the
// same bytes.
func referenceParse(raw string) (kid, normal string, err error) {
	if len(raw) > record.MaxJWKSize {
		return "", "", errors.New("too large")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &members); err != nil {
		return "", "", err
	}
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv", "x5c", "x5u", "x5t", "x5t#S256"} {
		if _, ok := members[m]; ok {
			return "", "", fmt.Errorf("member %s", m)
		}
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON([]byte(raw)); err != nil {
		return "", "", err
	}
	var alg string
	switch k := jwk.Key.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", "", errors.New("curve")
		}
		alg = "ES256"
	case ed25519.PublicKey:
		alg = "EdDSA"
	default:
		return "", "", errors.New("type")
	}
	if jwk.Algorithm != "" && jwk.Algorithm != alg {
		return "", "", errors.New("alg")
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return "", "", errors.New("use")
	}
	if ops, ok := members["key_ops"]; ok {
		var list []string
		if err := json.Unmarshal(ops, &list); err != nil || !slices.Contains(list, "verify") || len(list) != 1 {
			return "", "", errors.New("key_ops")
		}
	}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", "", err
	}
	kid = base64.RawURLEncoding.EncodeToString(sum)
	if jwk.KeyID != "" && jwk.KeyID != kid {
		return "", "", errors.New("kid")
	}
	out, err := (&jose.JSONWebKey{Key: jwk.Key, KeyID: kid, Algorithm: jwk.Algorithm, Use: jwk.Use}).MarshalJSON()
	return kid, string(out), err
}

func publicJWK(t testing.TB, key crypto.PublicKey, alg, use string) string {
	t.Helper()
	out, err := (&jose.JSONWebKey{Key: key, Algorithm: alg, Use: use}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func jwkSeeds(t testing.TB) []string {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ed, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecJWK := publicJWK(t, &ec.PublicKey, "", "")
	return []string{
		ecJWK,
		publicJWK(t, &ec.PublicKey, "ES256", "sig"),
		publicJWK(t, ed, "EdDSA", ""),
		publicJWK(t, ed, "", "sig"),
		publicJWK(t, &p384.PublicKey, "", ""),
		publicJWK(t, &ec.PublicKey, "EdDSA", ""),
		publicJWK(t, &ec.PublicKey, "", "enc"),
		strings.Replace(ecJWK, `"kty"`, `"key_ops":["verify"],"kty"`, 1),
		strings.Replace(ecJWK, `"kty"`, `"key_ops":["sign"],"kty"`, 1),
		strings.Replace(ecJWK, `"kty"`, `"kid":"nope","kty"`, 1),
		strings.Replace(ecJWK, `"kty"`, `"x5c":[],"kty"`, 1),
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`,
		`{"kty":"EC","crv":"P-256","x":"","y":""}`,
		`{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`,
		`{"kty":"oct","k":"AAAA"}`,
		`{"kty":"RSA","n":"AQAB","e":"AQAB"}`,
		`[]`, `null`, `{}`,
	}
}

// TestParsePublicJWKAgreesWithGoJose holds ParsePublicJWK to the rule it
// replaces, on keys of every kind the ledger meets.
func TestParsePublicJWKAgreesWithGoJose(t *testing.T) {
	for _, raw := range jwkSeeds(t) {
		checkAgainstReference(t, raw)
	}
}

func checkAgainstReference(t *testing.T, raw string) {
	t.Helper()
	key, err := record.ParsePublicJWK(raw)
	kid, normal, refErr := referenceParse(raw)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("JWK %s: ParsePublicJWK says %v, the go-jose rule %v", raw, err, refErr)
	}
	if err != nil {
		return
	}
	if key.KID != kid || key.JWK != normal {
		t.Fatalf("JWK %s: stored as %s (kid %s), the go-jose rule stores %s (kid %s)", raw, key.JWK, key.KID, normal, kid)
	}
	again, err := record.ParsePublicJWK(key.JWK)
	if err != nil || again != key {
		t.Fatalf("stored JWK %s does not read back: %+v, %v", key.JWK, again, err)
	}
	var members map[string]any
	if err := json.Unmarshal([]byte(key.JWK), &members); err != nil {
		t.Fatalf("stored JWK %q is not JSON: %v", key.JWK, err)
	}
	if m := record.PrivateJWKMember(members); m != "" {
		t.Fatalf("stored JWK %q has the private member %q", key.JWK, m)
	}
}

// FuzzParsePublicJWK feeds arbitrary JWKs to the key parser: it must never
// panic, must agree with the go-jose rule it replaces, and a key it accepts
// is stored public only and reads back to the same kid.
func FuzzParsePublicJWK(f *testing.F) {
	for _, s := range jwkSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkAgainstReference(t, raw)
	})
}
