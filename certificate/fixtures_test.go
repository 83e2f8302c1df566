package certificate

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
)

// issuedAt is when the test credentials are issued.
var issuedAt = time.Date(2025, 7, 4, 9, 30, 0, 0, time.UTC)

// testIssuer is the ledger id of the test credentials' issuer.
const testIssuer = "academie-lyon"

func sampleDiploma() *schemas.Diploma {
	return &schemas.Diploma{
		Student: schemas.Student{
			StudentID:  "070123456AB",
			GivenName:  "Léa-Éloïse",
			FamilyName: "Martin-Gaëtan",
			BirthDate:  "2007-03-14",
		},
		Diploma:      "Baccalauréat général",
		EQFLevel:     4,
		AwardedOn:    "2025-07-04",
		Mention:      "tres_bien",
		Specialities: []string{"Mathématiques", "Physique-chimie"},
		Session:      "juin 2025",
	}
}

func samplePix() *schemas.PixCertification {
	levels := [16]int{5, 4, 4, 6, 3, 5, 4, 6, 3, 4, 2, 5, 4, 3, -1, 4}
	competences := make([]schemas.Competence, len(schemas.CompetenceFramework))
	for i, def := range schemas.CompetenceFramework {
		competences[i] = schemas.Competence{ID: def.ID, Name: def.Name, Level: levels[i]}
	}
	return &schemas.PixCertification{
		Student: schemas.Student{
			StudentID:  "081234567KL",
			GivenName:  "Françoise",
			FamilyName: "Lefèvre-Cœur",
			BirthDate:  "2006-10-01",
		},
		CertificationCenter: "Lycée Édouard-Herriot, Lyon",
		CertifiedOn:         "2025-03-12",
		PixScore:            612,
		Competences:         competences,
		VerificationCode:    "P-B2C3D4F6",
	}
}

// issue returns a credential of record, issued at issuedAt by testIssuer,
// and its SC1 text signed with a new key.
func issue(t testing.TB, record schemas.Record) (*credential.Credential, string) {
	t.Helper()
	ids := bytes.NewReader(bytes.Repeat([]byte{0x5a, 0x17, 0xc3, 0x88}, 4))
	c, err := credential.New(record, testIssuer, issuedAt, ids)
	if err != nil {
		t.Fatalf("credential.New: %v", err)
	}
	qr, err := credential.SignQR(c, fixedKey(t))
	if err != nil {
		t.Fatalf("SignQR: %v", err)
	}
	return c, qr.Text
}

// fixedKey is an Ed25519 issuer key from a fixed seed: Ed25519 signatures
// are deterministic, so a test's credential, its SC1 text and its QR
// symbol are the same at every run, and a page that scans once scans
// always.
func fixedKey(t testing.TB) *credential.Key {
	t.Helper()
	seed := bytes.Repeat([]byte{0x5c}, ed25519.SeedSize)
	public := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	b64 := base64.RawURLEncoding.EncodeToString
	key, err := credential.ParseKey([]byte(`{"kty":"OKP","crv":"Ed25519","x":"` + b64(public) + `","d":"` + b64(seed) + `"}`))
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return key
}
