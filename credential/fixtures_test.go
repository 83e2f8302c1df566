package credential

import (
	"bytes"
	"testing"
	"time"

	"github.com/sceau/sceau/schemas"
)

// issuedAt is the issuance time of the test credentials.
var issuedAt = time.Date(2025, 7, 4, 9, 30, 0, 0, time.UTC)

// idSource returns a reader of 16 fixed bytes for credential ids.
func idSource() *bytes.Reader {
	return bytes.NewReader([]byte{0x3f, 0x2a, 0x91, 0x0c, 0x5e, 0x77, 0x40, 0x12, 0x8a, 0xbc, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab})
}

func sampleDiploma() *schemas.Diploma {
	return &schemas.Diploma{
		Student: schemas.Student{
			StudentID:  "070123456AB",
			GivenName:  "Léa",
			FamilyName: "Martin-Rousseau",
			BirthDate:  "2007-02-28",
		},
		Diploma:      "Baccalauréat général",
		EQFLevel:     4,
		AwardedOn:    "2025-07-04",
		Mention:      "tres_bien",
		Specialities: []string{"Mathématiques", "Physique-chimie"},
		Session:      "juin 2025",
	}
}

func sampleBTS() *schemas.Diploma {
	return &schemas.Diploma{
		Student: schemas.Student{
			StudentID:  "1234567890A",
			GivenName:  "Karim",
			FamilyName: "Benali",
			BirthDate:  "2003-11-09",
		},
		Diploma:   "BTS Services informatiques aux organisations",
		EQFLevel:  5,
		AwardedOn: "2024-07-05",
		RNCP:      "RNCP35340",
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
			GivenName:  "Marie-Amélie",
			FamilyName: "Dupont-Lefebvre",
			BirthDate:  "2006-03-14",
		},
		CertificationCenter: "Lycée polyvalent Jean Moulin, Montpellier",
		CertifiedOn:         "2025-05-20",
		PixScore:            612,
		Competences:         competences,
		VerificationCode:    "P-B2C3D4F6",
	}
}

// newCredential returns the credential of record issued by issuerID at issuedAt.
func newCredential(t testing.TB, record schemas.Record, issuerID string) *Credential {
	t.Helper()
	c, err := New(record, issuerID, issuedAt, idSource())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func generateKey(t testing.TB, alg Algorithm) *Key {
	t.Helper()
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatalf("GenerateKey(%s): %v", alg, err)
	}
	return k
}

// mustJSON returns the credential's JSON.
func mustJSON(t testing.TB, c *Credential) []byte {
	t.Helper()
	data, err := c.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	return data
}
