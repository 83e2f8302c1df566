package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
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
