package credential

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestKeyRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{ES256, EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			key := generateKey(t, alg)
			if key.Algorithm() != alg {
				t.Errorf("Algorithm = %s", key.Algorithm())
			}
			private, err := key.MarshalPrivateJWK()
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseKey(private)
			if err != nil {
				t.Fatalf("ParseKey: %v", err)
			}
			if again.KID() != key.KID() {
				t.Errorf("KID after round trip = %q, want %q", again.KID(), key.KID())
			}
			public, err := key.PublicJWK()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(public, []byte(`"d"`)) {
				t.Errorf("public JWK leaks the private key: %s", public)
			}
			pub, err := ParsePublicJWK(public)
			if err != nil {
				t.Fatalf("ParsePublicJWK: %v", err)
			}
			if pub.KID() != key.KID() || pub.Algorithm() != alg {
				t.Errorf("public key = %s %s, want %s %s", pub.KID(), pub.Algorithm(), key.KID(), alg)
			}
			if !bytes.Equal(pub.ShortKID(), key.ShortKID()) || len(key.ShortKID()) != ShortKIDSize {
				t.Errorf("ShortKID = %x, want the 8-byte prefix %x", pub.ShortKID(), key.ShortKID())
			}
		})
	}
}

// TestKIDIsRFC7638Thumbprint recomputes the thumbprint from the JWK members
// as RFC 7638 defines it, independently of go-jose.
func TestKIDIsRFC7638Thumbprint(t *testing.T) {
	for _, alg := range []Algorithm{ES256, EdDSA} {
		key := generateKey(t, alg)
		public, _ := key.PublicJWK()
		var m map[string]string
		if err := json.Unmarshal(public, &m); err != nil {
			t.Fatal(err)
		}
		var canonical string
		switch alg {
		case ES256:
			canonical = fmt.Sprintf(`{"crv":"%s","kty":"%s","x":"%s","y":"%s"}`, m["crv"], m["kty"], m["x"], m["y"])
		case EdDSA:
			canonical = fmt.Sprintf(`{"crv":"%s","kty":"%s","x":"%s"}`, m["crv"], m["kty"], m["x"])
		}
		sum := sha256.Sum256([]byte(canonical))
		want := base64.RawURLEncoding.EncodeToString(sum[:])
		if key.KID() != want {
			t.Errorf("%s KID = %q, want RFC 7638 thumbprint %q", alg, key.KID(), want)
		}
		if !bytes.Equal(key.ShortKID(), sum[:ShortKIDSize]) {
			t.Errorf("%s ShortKID = %x, want %x", alg, key.ShortKID(), sum[:ShortKIDSize])
		}
		if m["kid"] != want || m["alg"] != string(alg) || m["use"] != "sig" {
			t.Errorf("%s public JWK members kid/alg/use = %q/%q/%q", alg, m["kid"], m["alg"], m["use"])
		}
	}
}

func TestParsePublicJWKRejects(t *testing.T) {
	es := generateKey(t, ES256)
	private, _ := es.MarshalPrivateJWK()
	public, _ := es.PublicJWK()
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	tests := []struct {
		name     string
		jwk      string
		wantText string
	}{
		{"private key", string(private), "want a public key"},
		{"symmetric key", `{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQ"}`, "key"},
		{"P-384", jwkOf(t, p384.Public()), "P-256"},
		{"RSA", jwkOf(t, rsaKey.Public()), "want a P-256"},
		{"alg mismatch", strings.Replace(string(public), `"alg":"ES256"`, `"alg":"EdDSA"`, 1), `"alg" is "EdDSA"`},
		{"kid mismatch", strings.Replace(string(public), es.KID(), "AAAA", 1), `"kid"`},
		{"encryption use", strings.Replace(string(public), `"use":"sig"`, `"use":"enc"`, 1), `"use"`},
		{"not JSON", `kty=EC`, "JWK"},
		{"too large", `{"kty":"EC","x":"` + strings.Repeat("A", maxJWKSize) + `"}`, "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePublicJWK([]byte(tt.jwk))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ParsePublicJWK error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func TestParseKeyRejects(t *testing.T) {
	es := generateKey(t, ES256)
	other := generateKey(t, ES256)
	public, _ := es.PublicJWK()
	private, _ := es.MarshalPrivateJWK()
	otherPrivate, _ := other.MarshalPrivateJWK()
	var mixed, otherMembers map[string]any
	_ = json.Unmarshal(private, &mixed)
	_ = json.Unmarshal(otherPrivate, &otherMembers)
	mixed["d"] = otherMembers["d"]
	delete(mixed, "kid")
	mismatched, _ := json.Marshal(mixed)
	tests := []struct {
		name     string
		jwk      []byte
		wantText string
	}{
		{"public key", public, "want a private key"},
		{"d of another key", mismatched, `do not match "d"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKey(tt.jwk)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ParseKey error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func TestGenerateKeyRejectsUnknownAlgorithm(t *testing.T) {
	if _, err := GenerateKey("RS256"); err == nil || !strings.Contains(err.Error(), "RS256") {
		t.Fatalf("GenerateKey(RS256) error = %v", err)
	}
}

func jwkOf(t *testing.T, key any) string {
	t.Helper()
	var raw []byte
	var err error
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		ecdh, err2 := k.ECDH()
		if err2 != nil {
			t.Fatal(err2)
		}
		b := ecdh.Bytes()
		size := (len(b) - 1) / 2
		raw, err = json.Marshal(map[string]string{
			"kty": "EC", "crv": k.Curve.Params().Name,
			"x": base64.RawURLEncoding.EncodeToString(b[1 : 1+size]),
			"y": base64.RawURLEncoding.EncodeToString(b[1+size:]),
		})
	case *rsa.PublicKey:
		raw, err = json.Marshal(map[string]string{
			"kty": "RSA",
			"n":   base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			"e":   "AQAB",
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
