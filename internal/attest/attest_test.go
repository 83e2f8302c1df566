package attest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// thumbprintOf computes the expected signer id independently of the package.
func thumbprintOf(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

// rawES256 signs header and payload by hand, to build statements Sign never makes.
func rawES256(t testing.TB, key *ecdsa.PrivateKey, header map[string]any, payload string) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func publicJWK(t testing.TB, pub crypto.PublicKey) map[string]any {
	t.Helper()
	raw, err := (&jose.JSONWebKey{Key: pub}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignVerifyRoundTrip(t *testing.T) {
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"ES256": newP256(t), "EdDSA": edKey} {
		t.Run(name, func(t *testing.T) {
			want := Registration{Resource: strings.Repeat("ab", 32), Title: "Fractions en 6e", License: "CC-BY-4.0",
				DerivedFrom: []string{strings.Repeat("cd", 32)}, IssuedAt: 1780000000}
			compact, err := Sign(key, TypeRegistration, want)
			if err != nil {
				t.Fatal(err)
			}
			var got Registration
			signer, err := Verify(compact, TypeRegistration, &got)
			if err != nil {
				t.Fatal(err)
			}
			if signer != thumbprintOf(t, key.Public()) {
				t.Errorf("signer %s, want the key's thumbprint %s", signer, thumbprintOf(t, key.Public()))
			}
			if err := got.Mismatch(&want); err != nil || got.IssuedAt != want.IssuedAt {
				t.Errorf("decoded %+v, want %+v (%v)", got, want, err)
			}
			if d := Digest(compact); len(d) != 64 || d != Digest(compact) {
				t.Errorf("digest %q", d)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	key := newP256(t)
	other := newP256(t)
	good, err := Sign(key, TypeEndorsement, Endorsement{Resource: strings.Repeat("ab", 32), Role: "inspector", IssuedAt: 1})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	forgedPayload := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"resource":"`+strings.Repeat("ef", 32)+`","role":"inspector","iat":1}`)) + "." + parts[2]
	jwk := publicJWK(t, &key.PublicKey)
	header := func(extra map[string]any) map[string]any {
		h := map[string]any{"alg": "ES256", "typ": TypeEndorsement, "jwk": jwk}
		for k, v := range extra {
			if v == nil {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
		return h
	}
	payload := `{"resource":"` + strings.Repeat("ab", 32) + `","role":"inspector","iat":1}`
	privateJWK := publicJWK(t, &key.PublicKey)
	privateJWK["d"] = base64.RawURLEncoding.EncodeToString(mustBytes(t, key))
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)

	tests := []struct {
		name, compact, typ, want string
	}{
		{"another statement type", good, TypeRegistration, "typ"},
		{"payload changed after signing", forgedPayload, TypeEndorsement, "does not verify"},
		{"signed by a key other than the header's", rawES256(t, other, header(nil), payload), TypeEndorsement, "does not verify"},
		{"kid member", rawES256(t, key, header(map[string]any{"kid": "k1"}), payload), TypeEndorsement, `"kid"`},
		{"x5c member", rawES256(t, key, header(map[string]any{"x5c": []string{"MII"}}), payload), TypeEndorsement, `"x5c"`},
		{"crit member", rawES256(t, key, header(map[string]any{"crit": []string{"b64"}}), payload), TypeEndorsement, `"crit"`},
		{"no jwk", rawES256(t, key, header(map[string]any{"jwk": nil}), payload), TypeEndorsement, "jwk"},
		{"private jwk", rawES256(t, key, header(map[string]any{"jwk": privateJWK}), payload), TypeEndorsement, `"d"`},
		{"P-384 jwk", rawES256(t, key, header(map[string]any{"jwk": publicJWK(t, &p384.PublicKey)}), payload), TypeEndorsement, "P-256"},
		{"alg that does not fit the key", rawES256(t, key, header(map[string]any{"alg": "EdDSA"}), payload), TypeEndorsement, "alg"},
		{"alg none", rawES256(t, key, header(map[string]any{"alg": "none"}), payload), TypeEndorsement, "alg"},
		{"unknown payload member", rawES256(t, key, header(nil), `{"resource":"x","role":"inspector","iat":1,"name":"Jeanne"}`), TypeEndorsement, "unknown field"},
		{"trailing payload data", rawES256(t, key, header(nil), payload+`{}`), TypeEndorsement, "after the JSON object"},
		{"two parts", parts[0] + "." + parts[1], TypeEndorsement, "3 dot-separated parts"},
		{"oversized", strings.Repeat("a", MaxSize+1), TypeEndorsement, "limit"},
		{"header not base64url", "!!." + parts[1] + "." + parts[2], TypeEndorsement, "base64url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e Endorsement
			_, err := Verify(tc.compact, tc.typ, &e)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	// The hand-made signer is sound: the same header and payload verify.
	var e Endorsement
	if _, err := Verify(rawES256(t, key, header(nil), payload), TypeEndorsement, &e); err != nil {
		t.Fatalf("control statement refused: %v", err)
	}
}

func TestCheckFresh(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		at   time.Time
		want string
	}{
		{now, ""},
		{now.Add(MaxSkew), ""},
		{now.Add(MaxSkew + time.Second), "after the transaction time"},
		{now.Add(-MaxAge), ""},
		{now.Add(-MaxAge - time.Second), "sign a new one"},
	}
	for _, tc := range tests {
		err := CheckFresh(TypeRegistration, tc.at.Unix(), now)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("signed at %s: err = %v, want %q", tc.at, err, tc.want)
		}
	}
}

func TestRegistrationMismatchNamesTheField(t *testing.T) {
	base := Registration{Resource: "r", Title: "t", License: "CC0-1.0", DerivedFrom: []string{"a"}, IssuedAt: 5}
	tests := []struct {
		change func(*Registration)
		want   string
	}{
		{func(r *Registration) { r.IssuedAt = 9 }, ""},
		{func(r *Registration) { r.Resource = "x" }, "resource"},
		{func(r *Registration) { r.Title = "x" }, "title"},
		{func(r *Registration) { r.License = "MIT" }, "license"},
		{func(r *Registration) { r.Previous = "p" }, "previous"},
		{func(r *Registration) { r.Attribution = "a" }, "attribution"},
		{func(r *Registration) { r.DerivedFrom = nil }, "derivedFrom"},
	}
	for _, tc := range tests {
		got := base
		got.DerivedFrom = append([]string(nil), base.DerivedFrom...)
		tc.change(&got)
		err := got.Mismatch(&base)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

// FuzzVerify feeds arbitrary statements to Verify: it must never panic,
// and what it accepts must verify again with the same signer.
func FuzzVerify(f *testing.F) {
	key := newP256(f)
	good, err := Sign(key, TypeEndorsement, Endorsement{Resource: strings.Repeat("ab", 32), Role: "inspector", IssuedAt: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, compact string) {
		var e Endorsement
		signer, err := Verify(compact, TypeEndorsement, &e)
		if err != nil {
			return
		}
		var again Endorsement
		signer2, err := Verify(compact, TypeEndorsement, &again)
		if err != nil || signer2 != signer || again != e {
			t.Fatalf("accepted once, then %v (%s vs %s)", err, signer, signer2)
		}
	})
}

// mustBytes returns the private scalar of key, as a JWK's "d" holds it.
func mustBytes(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	d, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
