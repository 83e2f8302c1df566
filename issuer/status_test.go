package issuer

import (
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// TestDigestsOfEveryForm checks what `sceau revoke PATH` finds in each
// file a student or an employer may hand back: the digests the issuer
// anchored for the forms it holds.
func TestDigestsOfEveryForm(t *testing.T) {
	key, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	record := &schemas.Diploma{
		Student:   schemas.Student{StudentID: "070123456AB", GivenName: "Léa", FamilyName: "Martin", BirthDate: "2007-02-28"},
		Diploma:   "Baccalauréat général",
		EQFLevel:  4,
		AwardedOn: "2025-07-04",
	}
	cred, err := credential.New(record, "examoffice", time.Date(2025, 7, 4, 9, 0, 0, 0, time.UTC), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f, err := secure(cred, key, "")
	if err != nil {
		t.Fatal(err)
	}
	bundle := credential.Bundle{ID: cred.ID, Type: cred.Type, Issuer: f.Issuer, VCJWT: f.VCJWT, QR: f.QR, SDJWT: f.SDJWT,
		Anchor: credential.Anchor{Batch: "b1", Root: strings.Repeat("ab", 32), Proof: []string{}}}
	image, err := qrcode.EncodePNG(f.QR)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"bundle", bundle.MarshalIndented(), f.Digests()},
		{"vc+jwt", []byte(f.VCJWT + "\n"), []string{f.JWTDigest}},
		{"SC1 text", []byte(f.QR), []string{f.QRDigest}},
		{"SD-JWT", []byte(f.SDJWT), []string{f.SDJWTDigest}},
		{"QR image", image, []string{f.QRDigest}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Digests(t.Context(), tc.data)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("Digests = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := Digests(t.Context(), []byte("hello")); err == nil || !strings.Contains(err.Error(), "give the credential file or its hex digest") {
		t.Errorf("Digests of prose: %v, want the advice to give the file or its digest", err)
	}
}
