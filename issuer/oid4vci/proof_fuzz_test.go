package oid4vci

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
)

// FuzzCheckProof feeds key proofs from outside to checkProof: it never
// panics, never accepts more than MaxProofSize bytes, and accepts only
// proofs signed by the key of their jwk header over a nonce it gave.
func FuzzCheckProof(f *testing.F) {
	key, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		f.Fatal(err)
	}
	jwk, _ := key.PublicJWK()
	h, _ := json.Marshal(map[string]any{"alg": "ES256", "typ": ProofType, "jwk": json.RawMessage(jwk)})
	c, _ := json.Marshal(map[string]any{"aud": "https://examens.example", "iat": time.Now().Unix(), "nonce": "n1"})
	good, err := key.SignCompact(h, c)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(strings.Repeat(".", 100))
	f.Fuzz(func(t *testing.T, proof string) {
		s := &Server{url: "https://examens.example", now: time.Now, nonces: map[string]time.Time{"n1": time.Now().Add(time.Minute)}}
		out, perr := s.checkProof(proof, time.Now())
		if perr == nil {
			if len(proof) > MaxProofSize {
				t.Fatalf("a proof of %d bytes was accepted", len(proof))
			}
			if _, err := credential.ParsePublicJWK(out); err != nil {
				t.Fatalf("an accepted proof gave a key that is not a public JWK: %v", err)
			}
			if _, left := s.nonces["n1"]; left {
				t.Fatal("an accepted proof left its nonce usable")
			}
		} else if perr.Code != ErrInvalidProof && perr.Code != ErrInvalidNonce {
			t.Fatalf("error code %q", perr.Code)
		}
	})
}
