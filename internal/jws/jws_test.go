package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestSignVerifiesWithGoJOSE(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"iss":"https://sceau.example/issuers/examoffice","name":"Élodie"}`)
	for _, tc := range []struct {
		alg    string
		signer crypto.Signer
	}{{ES256, ec}, {EdDSA, ed}} {
		t.Run(tc.alg, func(t *testing.T) {
			// Many signatures, so that an R or S with leading zero bytes
			// (one in 128 for each) is padded at least once in practice.
			for range 300 {
				header := []byte(`{"alg":"` + tc.alg + `","kid":"k1","typ":"vc+jwt"}`)
				compact, err := Sign(tc.signer, tc.alg, header, payload)
				if err != nil {
					t.Fatal(err)
				}
				parsed, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)})
				if err != nil {
					t.Fatalf("go-jose cannot parse %s: %v", compact, err)
				}
				got, err := parsed.Verify(tc.signer.Public())
				if err != nil {
					t.Fatalf("go-jose rejects the signature: %v", err)
				}
				if string(got) != string(payload) {
					t.Fatalf("payload %s, want %s", got, payload)
				}
				h := parsed.Signatures[0].Protected
				if h.KeyID != "k1" || h.Algorithm != tc.alg || h.ExtraHeaders["typ"] != "vc+jwt" {
					t.Fatalf("header %+v", h)
				}
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	header, _ := json.Marshal(map[string]string{"alg": "HS256"})
	for _, tc := range []struct {
		name   string
		signer crypto.Signer
		alg    string
		want   string
	}{
		{"unknown algorithm", ec, "HS256", `algorithm "HS256"`},
		{"malformed DER", badSigner{ec, []byte{0x30, 0x03, 0x02, 0x01}}, ES256, "malformed"},
		{"trailing data", badSigner{ec, []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}}, ES256, "malformed"},
		{"zero R", badSigner{ec, []byte{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01}}, ES256, "out-of-range"},
		{"R too long", badSigner{ec, append([]byte{0x30, 0x26, 0x02, 0x21, 0x01}, append(make([]byte, 32), 0x02, 0x01, 0x01)...)}, ES256, "out-of-range"},
		{"short EdDSA signature", badSigner{ec, make([]byte, 10)}, EdDSA, "10 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sign(tc.signer, tc.alg, header, []byte("{}"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// badSigner returns a fixed signature.
type badSigner struct {
	crypto.Signer
	sig []byte
}

func (b badSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return b.sig, nil }

func TestVerifyAgreesWithGoJOSE(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, ed, _ := ed25519.GenerateKey(rand.Reader)
	payload := []byte(`{"sub":"x"}`)
	for _, tc := range []struct {
		alg    string
		signer crypto.Signer
	}{{ES256, ec}, {EdDSA, ed}} {
		header := []byte(`{"alg":"` + tc.alg + `"}`)
		compact, err := Sign(tc.signer, tc.alg, header, payload)
		if err != nil {
			t.Fatal(err)
		}
		dot := strings.LastIndexByte(compact, '.')
		input := []byte(compact[:dot])
		sig, err := base64.RawURLEncoding.DecodeString(compact[dot+1:])
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(tc.signer.Public(), tc.alg, input, sig); err != nil {
			t.Errorf("%s: a good signature is refused: %v", tc.alg, err)
		}
		flipped := append([]byte(nil), sig...)
		flipped[5] ^= 1
		tamperedInput := append([]byte(nil), input...)
		// A middle character: the last one of a base64url part may have
		// unused bits, which a lenient decoder ignores.
		tamperedInput[len(tamperedInput)/2] ^= 1
		for name, bad := range map[string]struct {
			key   crypto.PublicKey
			alg   string
			input []byte
			sig   []byte
		}{
			"signature changed":  {tc.signer.Public(), tc.alg, input, flipped},
			"input changed":      {tc.signer.Public(), tc.alg, tamperedInput, sig},
			"signature short":    {tc.signer.Public(), tc.alg, input, sig[:63]},
			"signature long":     {tc.signer.Public(), tc.alg, input, append(sig, 0)},
			"another key":        {otherEC.Public(), ES256, input, sig},
			"another algorithm":  {tc.signer.Public(), map[string]string{ES256: EdDSA, EdDSA: ES256}[tc.alg], input, sig},
			"P-384 key":          {p384.Public(), ES256, input, sig},
			"unknown algorithm":  {tc.signer.Public(), "HS256", input, sig},
			"Ed25519 as a value": {edPub, ES256, input, sig},
		} {
			if err := Verify(bad.key, bad.alg, bad.input, bad.sig); err == nil {
				t.Errorf("%s: %s: accepted", tc.alg, name)
			}
			// go-jose agrees, where it can parse the token at all.
			if name == "signature changed" || name == "input changed" {
				forged := string(bad.input) + "." + base64.RawURLEncoding.EncodeToString(bad.sig)
				if parsed, err := jose.ParseSignedCompact(forged, []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA}); err == nil {
					if _, err := parsed.Verify(tc.signer.Public()); err == nil {
						t.Errorf("%s: %s: go-jose accepts what Verify refuses", tc.alg, name)
					}
				}
			}
		}
	}
	// An all-zero ES256 signature (r = s = 0) is refused.
	if err := Verify(ec.Public(), ES256, []byte("a.b"), make([]byte, 64)); err == nil {
		t.Error("a zero signature is accepted")
	}
}

// TestSignDigestIsTheTextsDigest checks that SignDigest's digest is the
// SHA-256 of the compact JWS it returns, appended after other bytes too,
// and that the JWS verifies with go-jose.
func TestSignDigestIsTheTextsDigest(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alg    string
		signer crypto.Signer
	}{{ES256, ec}, {EdDSA, ed}} {
		t.Run(tc.alg, func(t *testing.T) {
			for n := range 100 {
				header := []byte(`{"alg":"` + tc.alg + `","typ":"vc+jwt"}`)
				// Payloads of every length modulo the hash's 64-byte
				// block, so the signing input ends anywhere in a block.
				payload := []byte(`{"n":"` + strings.Repeat("x", n) + `"}`)
				compact, digest, err := SignDigest(tc.signer, tc.alg, header, payload)
				if err != nil {
					t.Fatal(err)
				}
				if want := sha256.Sum256([]byte(compact)); digest != want {
					t.Fatalf("digest %x, want the SHA-256 of the text %x", digest, want)
				}
				parsed, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := parsed.Verify(tc.signer.Public()); err != nil {
					t.Fatalf("go-jose rejects the signature: %v", err)
				}
				out, digest, err := AppendSignDigest([]byte("prefix~"), tc.signer, tc.alg, header, payload)
				if err != nil {
					t.Fatal(err)
				}
				if want := sha256.Sum256(out[len("prefix~"):]); !strings.HasPrefix(string(out), "prefix~") || digest != want {
					t.Fatalf("appended: digest %x, want %x", digest, want)
				}
			}
		})
	}
}
