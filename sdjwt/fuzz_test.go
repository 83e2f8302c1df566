package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixedKey returns a P-256 key derived from a constant scalar, so that the
// fuzz targets verify against the same key on every run.
func fixedKey(tb testing.TB, b byte) *ecdsa.PrivateKey {
	tb.Helper()
	d := make([]byte, 32)
	d[31] = b
	d[0] = 0x5c
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// fuzzSeeds are an issued diploma, presentations of it, its flattened JSON
// serialization and a few near misses.
func fuzzSeeds(tb testing.TB) []string {
	issuer, holder := fixedKey(tb, 1), fixedKey(tb, 2)
	issued := issueDiploma(tb, issuer, holder.Public())
	kb := &KeyBindingOptions{Signer: holder, Nonce: testNonce, Audience: testAudience, IssuedAt: presentedAt}
	withKB := must(Present(issued, Select(Path{"mention"}, Path{"school", "city"}, Path{"competences", 2}), kb))
	jwt, disclosures, kbJWT := splitSDJWT(withKB)
	parts := strings.Split(jwt, ".")
	jsonForm := string(must(encodeJSON(map[string]any{
		"protected": parts[0], "payload": parts[1], "signature": parts[2],
		"header": map[string]any{"disclosures": disclosures, "kb_jwt": kbJWT},
	})))
	return []string{
		issued,
		withKB,
		must(Present(issued, nil, nil)),
		jsonForm,
		jwt + "~~",
		jwt,
		"~",
		"e30.e30.~WyJzYWx0IiwgIm5hbWUiLCAidmFsdWUiXQ~",
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if CheckOf(err) == "" {
				t.Fatalf("Parse error without a check: %v", err)
			}
			return
		}
		if strings.Count(p.IssuerJWT(), ".") != 2 {
			t.Fatalf("IssuerJWT %q is not a compact JWS", p.IssuerJWT())
		}
		if !strings.HasPrefix(strings.TrimSpace(s), "{") && !strings.HasPrefix(s, p.IssuerJWT()+"~") {
			t.Fatalf("IssuerJWT is not the start of the input")
		}
		for i, d := range p.Disclosures() {
			if d.Path == nil || d.Digest != digestOf(d.Encoded) {
				t.Fatalf("disclosure %d: path %v, digest %s", i, d.Path, d.Digest)
			}
		}
		assertNoDigests(t, p.claims)
	})
}

func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	issuerKey := fixedKey(f, 1).Public()
	opts := VerifyOptions{
		IssuerKey:  func(KeyRequest) (crypto.PublicKey, error) { return issuerKey, nil },
		KeyBinding: KeyBindingOptional,
		Nonce:      testNonce,
		Audience:   testAudience,
		Now:        func() time.Time { return presentedAt },
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Verify(s, opts)
		if err != nil {
			if CheckOf(err) == "" {
				t.Fatalf("Verify error without a check: %v", err)
			}
			return
		}
		assertNoDigests(t, v.Claims)
		again, err := Verify(s, opts)
		if err != nil || !reflect.DeepEqual(again.Claims, v.Claims) {
			t.Fatalf("a second Verify disagrees: %v", err)
		}
	})
}

// assertNoDigests fails if resolved claims still hold _sd, _sd_alg or
// {"...": digest} elements.
func assertNoDigests(t *testing.T, claims map[string]any) {
	t.Helper()
	if _, ok := claims[sdAlgKey]; ok {
		t.Fatal("claims hold _sd_alg")
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for name, child := range v {
				if name == sdKey || name == arrayDigestKey {
					t.Fatalf("claims hold %q", name)
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(claims)
}

// FuzzResolve fuzzes the JSON inside an SD-JWT rather than its encoding:
// an issuer payload and two disclosures, base64url-encoded into an
// (unsigned) SD-JWT for Parse, so that mutations reach the resolver.
func FuzzResolve(f *testing.F) {
	given := `["c2FsdA", "given_name", "Camille"]`
	element := `["c2FsdA", "Lyon"]`
	f.Add(`{"_sd": ["`+digestOf(b64(given))+`"], "_sd_alg": "sha-256"}`, given, element)
	f.Add(`{"cities": [{"...": "`+digestOf(b64(element))+`"}, "Paris"]}`, element, given)
	f.Add(`{"_sd": ["`+digestOf(b64(given))+`", "`+digestOf(b64(given))+`"]}`, given, "")
	f.Add(`{"school": {"_sd": []}, "given_name": "x"}`, given, `["s", "school", {"_sd": ["a"]}]`)
	f.Fuzz(func(t *testing.T, payload, d1, d2 string) {
		s := "e30." + b64(payload) + ".c2ln~"
		for _, d := range []string{d1, d2} {
			if d != "" {
				s += b64(d) + "~"
			}
		}
		p, err := Parse(s)
		if err != nil {
			if CheckOf(err) == "" {
				t.Fatalf("Parse error without a check: %v", err)
			}
			return
		}
		assertNoDigests(t, p.claims)
		for i, d := range p.Disclosures() {
			if d.Path == nil {
				t.Fatalf("disclosure %d has no path", i+1)
			}
		}
	})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
