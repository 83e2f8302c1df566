package verifier

import (
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
)

func FuzzParseInput(f *testing.F) {
	key, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		f.Fatal(err)
	}
	c, err := credential.New(diploma(), issuerID, time.Date(2025, 7, 4, 9, 30, 0, 0, time.UTC), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	signedJWT, _ := credential.SignJWT(c, key)
	jwt := signedJWT.Text
	signedQR, _ := credential.SignQR(c, key)
	qr := signedQR.Text
	bundle, _ := json.Marshal(credential.Bundle{ID: c.ID, Type: c.Type, Issuer: credential.IssuerURI(issuerID), VCJWT: jwt, QR: qr,
		Anchor: credential.Anchor{Batch: "b", Root: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}})
	f.Add([]byte(jwt))
	f.Add([]byte(qr))
	f.Add(bundle)
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("a.b.c"))
	f.Fuzz(func(t *testing.T, input []byte) {
		p, err := parseInput(input)
		if err != nil {
			return
		}
		if len(p.forms) == 0 || p.credential() == nil || p.kind == "" {
			t.Fatalf("decoded input without a credential: %+v", p)
		}
		if p.bundle != nil && (len(p.forms) < 2 || len(p.forms) > 3) {
			t.Fatalf("bundle decoded with %d forms", len(p.forms))
		}
	})
}
