package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/internal/jws"
)

// Fixed times of the tests: a credential issued on 1 July 2026, valid a
// year, presented on 10 September 2026.
var (
	issuedAt    = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	expiresAt   = issuedAt.AddDate(1, 0, 0)
	presentedAt = time.Date(2026, 9, 10, 14, 30, 0, 0, time.UTC)
)

const (
	testNonce    = "n-0S6_WzA2Mj"
	testAudience = "https://recrutement.example.fr"
)

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newEd25519(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyOf returns a resolver that knows one issuer key, under kid.
func keyOf(kid string, key crypto.PublicKey) func(KeyRequest) (crypto.PublicKey, error) {
	return func(r KeyRequest) (crypto.PublicKey, error) {
		if r.KeyID != kid {
			return nil, errors.New("unknown kid")
		}
		return key, nil
	}
}

// verifierOptions are what a recruiter's verifier uses.
func verifierOptions(kid string, issuerKey crypto.PublicKey) VerifyOptions {
	return VerifyOptions{
		IssuerKey:    keyOf(kid, issuerKey),
		ExpectedType: TypeVC,
		Nonce:        testNonce,
		Audience:     testAudience,
		Now:          func() time.Time { return presentedAt.Add(30 * time.Second) },
	}
}

// diplomaClaims are a diploma's claims as Sceau would issue them.
func diplomaClaims() map[string]any {
	return map[string]any{
		"iss":          "https://sceau.example.fr/issuers/examoffice",
		"iat":          issuedAt.Unix(),
		"exp":          expiresAt.Unix(),
		"vct":          "https://sceau.example.fr/vct/Diploma",
		"given_name":   "Camille",
		"family_name":  "Martin",
		"birth_date":   "2008-03-14",
		"diploma":      "Baccalauréat général",
		"mention":      "Très bien",
		"specialities": []string{"Mathématiques", "Physique-chimie"},
		"school":       map[string]any{"name": "Lycée du Parc", "city": "Lyon"},
		"pix_score":    512,
		"competences": []map[string]any{
			{"id": "1.1", "level": 5}, {"id": "1.2", "level": 4}, {"id": "1.3", "level": 6},
			{"id": "2.1", "level": 3}, {"id": "2.2", "level": 5}, {"id": "3.1", "level": 2},
		},
	}
}

// diplomaDisclosable hides the personal claims, each competence on its
// own, and the school both whole and member by member.
var diplomaDisclosable = []Path{
	{"given_name"}, {"family_name"}, {"birth_date"}, {"mention"},
	{"specialities", nil}, {"pix_score"}, {"competences", nil},
	{"school"}, {"school", "name"}, {"school", "city"},
}

// issueDiploma issues the diploma bound to holder, signed by issuer.
func issueDiploma(t testing.TB, issuer crypto.Signer, holder crypto.PublicKey) string {
	t.Helper()
	sdjwt, err := Issue(diplomaClaims(), IssueOptions{
		Signer: issuer, KeyID: "examoffice-1", Disclosable: diplomaDisclosable, HolderKey: holder,
	})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return sdjwt
}

// mustDecode decodes a JSON text the way Verify returns claims.
func mustDecode(t testing.TB, text string) any {
	t.Helper()
	v, err := decodeJSON([]byte(text))
	if err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
	return v
}

// craftJWT builds a compact JWS with any header: signed by signer when the
// header's alg is ES256 or EdDSA, else with a dummy signature.
func craftJWT(t testing.TB, signer crypto.Signer, header, payload map[string]any) string {
	t.Helper()
	h, err := encodeJSON(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := encodeJSON(payload)
	if err != nil {
		t.Fatal(err)
	}
	alg, _ := header["alg"].(string)
	if alg != ES256 && alg != EdDSA {
		return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + ".c2lnbmF0dXJl"
	}
	compact, err := jws.Sign(signer, alg, h, p)
	if err != nil {
		t.Fatal(err)
	}
	return compact
}

// splitSDJWT returns the issuer-signed JWT, the disclosures and the
// key-binding JWT of a compact SD-JWT.
func splitSDJWT(s string) (string, []string, string) {
	parts := strings.Split(s, "~")
	return parts[0], parts[1 : len(parts)-1], parts[len(parts)-1]
}

// joinSDJWT is the inverse of splitSDJWT.
func joinSDJWT(jwt string, disclosures []string, kb string) string {
	return strings.Join(append(append([]string{jwt}, disclosures...), kb), "~")
}

func newP384() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) }
