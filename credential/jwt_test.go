package credential

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/sceau/sceau/schemas"
)

func TestJWTRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{ES256, EdDSA} {
		for _, record := range []schemas.Record{sampleDiploma(), samplePix()} {
			t.Run(string(alg)+"/"+record.CredentialType(), func(t *testing.T) {
				key := generateKey(t, alg)
				c := newCredential(t, record, "ac-versailles")
				signedCompact, err := SignJWT(c, key)
				if err != nil {
					t.Fatalf("SignJWT: %v", err)
				}
				compact := signedCompact.Text
				j, err := ParseJWT(compact)
				if err != nil {
					t.Fatalf("ParseJWT: %v", err)
				}
				if j.KID != key.KID() || j.Algorithm != alg {
					t.Errorf("header kid/alg = %s/%s, want %s/%s", j.KID, j.Algorithm, key.KID(), alg)
				}
				if !bytes.Equal(mustJSON(t, j.Credential), mustJSON(t, c)) {
					t.Errorf("the payload does not rebuild the credential")
				}
				if err := j.Verify(key.Public()); err != nil {
					t.Errorf("Verify: %v", err)
				}
				if j.Digest() != DigestJWS(compact) || len(j.Digest()) != 64 || j.Digest() != signedCompact.Digest {
					t.Errorf("Digest = %q, signed with digest %q", j.Digest(), signedCompact.Digest)
				}
			})
		}
	}
}

func TestJWTHeader(t *testing.T) {
	key := generateKey(t, ES256)
	signedCompact, err := SignJWT(newCredential(t, sampleDiploma(), "ac-versailles"), key)
	if err != nil {
		t.Fatal(err)
	}
	compact := signedCompact.Text
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(compact, ".")[0])
	want := `{"alg":"ES256","cty":"vc","kid":"` + key.KID() + `","typ":"vc+jwt"}`
	if string(header) != want {
		t.Errorf("header = %s, want %s", header, want)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(compact, ".")[1])
	if !strings.HasPrefix(string(payload), `{"@context":["https://www.w3.org/ns/credentials/v2"`) {
		t.Errorf("payload is not the credential itself: %.80s", payload)
	}
}

// withHeader returns compact with its protected header replaced.
func withHeader(compact, header string) string {
	parts := strings.Split(compact, ".")
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(header))
	return strings.Join(parts, ".")
}

func TestParseJWTRejectsHeaders(t *testing.T) {
	key := generateKey(t, ES256)
	signedCompact, err := SignJWT(newCredential(t, sampleDiploma(), "ac-versailles"), key)
	if err != nil {
		t.Fatal(err)
	}
	compact := signedCompact.Text
	kid := key.KID()
	jwk, _ := key.PublicJWK()
	tests := []struct {
		name     string
		header   string
		wantText string
	}{
		{"alg none", `{"alg":"none","kid":"` + kid + `","typ":"vc+jwt"}`, `alg "none"`},
		{"alg HS256", `{"alg":"HS256","kid":"` + kid + `","typ":"vc+jwt"}`, "HMAC"},
		{"alg RS256", `{"alg":"RS256","kid":"` + kid + `","typ":"vc+jwt"}`, `alg "RS256"`},
		{"embedded jwk", `{"alg":"ES256","jwk":` + string(jwk) + `,"kid":"` + kid + `","typ":"vc+jwt"}`, `"jwk" is not allowed`},
		{"jku", `{"alg":"ES256","jku":"https://evil.example/keys","kid":"` + kid + `","typ":"vc+jwt"}`, `"jku" is not allowed`},
		{"x5u", `{"alg":"ES256","x5u":"https://evil.example/cert","kid":"` + kid + `","typ":"vc+jwt"}`, `"x5u" is not allowed`},
		{"x5c", `{"alg":"ES256","x5c":["MIIB"],"kid":"` + kid + `","typ":"vc+jwt"}`, `"x5c" is not allowed`},
		{"crit", `{"alg":"ES256","crit":["exp"],"kid":"` + kid + `","typ":"vc+jwt"}`, `"crit"`},
		{"typ JWT", `{"alg":"ES256","kid":"` + kid + `","typ":"JWT"}`, `typ "JWT"`},
		{"crit with an unknown member", `{"alg":"ES256","b64":false,"crit":["b64"],"kid":"` + kid + `","typ":"vc+jwt"}`, `"crit"`},
		{"cty other", `{"alg":"ES256","cty":"json","kid":"` + kid + `","typ":"vc+jwt"}`, `cty "json"`},
		{"kid missing", `{"alg":"ES256","typ":"vc+jwt"}`, `"kid" is missing`},
		{"kid not a thumbprint", `{"alg":"ES256","kid":"key-1","typ":"vc+jwt"}`, "kid"},
		{"duplicate alg", `{"alg":"ES256","alg":"none","kid":"` + kid + `","typ":"vc+jwt"}`, "duplicate"},
		{"alg not a string", `{"alg":-7,"kid":"` + kid + `","typ":"vc+jwt"}`, `"alg": want a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJWT(withHeader(compact, tt.header))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ParseJWT error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func TestParseJWTRejectsShape(t *testing.T) {
	tests := []struct {
		name     string
		compact  string
		wantText string
	}{
		{"empty", "", "3 dot-separated parts"},
		{"two parts", "a.b", "3 dot-separated parts"},
		{"JSON serialization", `{"payload":"x","signatures":[]}`, "3 dot-separated parts"},
		{"header not base64url", "e30=.e30.AA", "base64url"},
		{"too large", strings.Repeat("a", MaxJWTSize+1), "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJWT(tt.compact)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ParseJWT error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

// flipChar returns s with the character at i replaced by another character
// of the same alphabet.
func flipChar(s string, i int, alphabet string) string {
	c := s[i]
	j := (strings.IndexByte(alphabet, c) + 1) % len(alphabet)
	return s[:i] + string(alphabet[j]) + s[i+1:]
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestJWTTamperingIsDetected(t *testing.T) {
	key := generateKey(t, ES256)
	signedCompact, err := SignJWT(newCredential(t, samplePix(), "gip-pix"), key)
	if err != nil {
		t.Fatal(err)
	}
	compact := signedCompact.Text
	parts := strings.Split(compact, ".")
	payloadStart := len(parts[0]) + 1
	signatureStart := payloadStart + len(parts[1]) + 1
	// Change one character in many places of the payload and the signature:
	// each change must fail parsing or verification.
	for i := payloadStart; i < len(compact)-1; i += 7 {
		if i == signatureStart-1 {
			continue
		}
		tampered := flipChar(compact, i, base64URLAlphabet)
		j, err := ParseJWT(tampered)
		if err != nil {
			continue
		}
		if err := j.Verify(key.Public()); err == nil {
			t.Fatalf("changing character %d left a valid signature", i)
		}
	}
}

func TestJWTVerifyWithWrongKey(t *testing.T) {
	key := generateKey(t, ES256)
	signedCompact, err := SignJWT(newCredential(t, sampleDiploma(), "ac-versailles"), key)
	if err != nil {
		t.Fatal(err)
	}
	compact := signedCompact.Text
	j, err := ParseJWT(compact)
	if err != nil {
		t.Fatal(err)
	}
	other := generateKey(t, ES256)
	if err := j.Verify(other.Public()); err == nil || !strings.Contains(err.Error(), "kid") {
		t.Errorf("Verify with another key = %v, want a kid mismatch", err)
	}
	// A forged token naming the key by its kid but signed by another key.
	signedForged, err := SignJWT(newCredential(t, sampleDiploma(), "ac-versailles"), other)
	if err != nil {
		t.Fatal(err)
	}
	forged := signedForged.Text
	forgedHeader, _ := base64.RawURLEncoding.DecodeString(strings.Split(forged, ".")[0])
	forged = withHeader(forged, strings.Replace(string(forgedHeader), other.KID(), key.KID(), 1))
	j, err = ParseJWT(forged)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(key.Public()); err == nil || !strings.Contains(err.Error(), "signature does not verify") {
		t.Errorf("Verify of a forged signature = %v, want a signature failure", err)
	}
	ed := generateKey(t, EdDSA)
	j.KID = ed.KID()
	if err := j.Verify(ed.Public()); err == nil || !strings.Contains(err.Error(), "alg") {
		t.Errorf("Verify with a key of another algorithm = %v, want an alg mismatch", err)
	}
}

// TestParseJWTAcceptsConformingHeaders holds the vc+jwt reader to
// VC-JOSE-COSE and RFC 9864: a header member it does not use is ignored,
// typ is only recommended, and "Ed25519" names the same algorithm as
// "EdDSA"; the signature still has to verify.
func TestParseJWTAcceptsConformingHeaders(t *testing.T) {
	for _, tt := range []struct {
		name   string
		alg    Algorithm
		header string
	}{
		{"unknown member", ES256, `{"alg":"ES256","kid":"%s","typ":"vc+jwt","iss":"someone","zzz":[1,2]}`},
		{"typ missing", ES256, `{"alg":"ES256","kid":"%s"}`},
		{"alg Ed25519", EdDSA, `{"alg":"Ed25519","kid":"%s","typ":"vc+jwt","cty":"vc"}`},
		{"alg EdDSA", EdDSA, `{"alg":"EdDSA","kid":"%s","typ":"vc+jwt"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := generateKey(t, tt.alg)
			payload, err := newCredential(t, sampleDiploma(), "ac-versailles").MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			compact, err := key.SignJWS([]byte(fmt.Sprintf(tt.header, key.KID())), payload)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := ParseJWT(compact)
			if err != nil {
				t.Fatalf("ParseJWT: %v", err)
			}
			if parsed.Algorithm != tt.alg {
				t.Errorf("Algorithm = %s, want %s", parsed.Algorithm, tt.alg)
			}
			if err := parsed.Verify(key.Public()); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// TestParseSDJWTAcceptsConformingHeaders: the SD-JWT VC reader, too,
// ignores header members it does not use and reads "Ed25519" as EdDSA,
// while refusing a key in the header and "crit".
func TestParseSDJWTAcceptsConformingHeaders(t *testing.T) {
	key := generateKey(t, EdDSA)
	signed, err := SignSDJWT(newCredential(t, sampleDiploma(), "ac-versailles"), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	issuerJWT, rest, _ := strings.Cut(signed.Text, "~")
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(issuerJWT, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		header string
		ok     bool
	}{
		{`{"alg":"Ed25519","kid":"%s","typ":"dc+sd-jwt"}`, true},
		{`{"alg":"EdDSA","kid":"%s","typ":"dc+sd-jwt","x-sceau-note":"ignored"}`, true},
		{`{"alg":"EdDSA","kid":"%s","typ":"dc+sd-jwt","jku":"https://evil.example"}`, false},
		{`{"alg":"EdDSA","kid":"%s","typ":"dc+sd-jwt","crit":["x"],"x":1}`, false},
	} {
		compact, err := key.SignJWS([]byte(fmt.Sprintf(tt.header, key.KID())), payload)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseSDJWT(compact + "~" + rest)
		if err == nil {
			err = s.Verify(key.Public())
		}
		if (err == nil) != tt.ok {
			t.Errorf("header %s: error %v, want accepted %v", tt.header, err, tt.ok)
		}
	}
}
