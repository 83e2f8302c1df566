package credential_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/sceau/sceau/certificate"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
)

// TestDecodeReadsAPrintedCertificate decodes the PDF certificate package
// certificate prints (it imports credential, so the test lives outside the
// package).
func TestDecodeReadsAPrintedCertificate(t *testing.T) {
	record := &schemas.Diploma{
		Student:   schemas.Student{StudentID: "070123456AB", GivenName: "Léa", FamilyName: "Martin", BirthDate: "2007-02-28"},
		Diploma:   "Baccalauréat général",
		EQFLevel:  4,
		AwardedOn: "2025-07-04",
	}
	ids := bytes.NewReader(bytes.Repeat([]byte{0x5a, 0x17, 0xc3, 0x88}, 4))
	c, err := credential.New(record, "examoffice", time.Date(2025, 7, 4, 9, 0, 0, 0, time.UTC), ids)
	if err != nil {
		t.Fatal(err)
	}
	key, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := credential.SignQR(c, key)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := certificate.Render(c, qr.Text, certificate.Options{IssuerName: "Office des examens"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := credential.Decode(t.Context(), pdf)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if d.Label() != "sc1 (PDF certificate)" || d.Text != qr.Text || len(d.Forms) != 1 || d.Forms[0].Digest() != qr.Digest {
		t.Errorf("Decode = %s, text %q, %d forms; want the SC1 form of the certificate's QR code", d.Label(), d.Text, len(d.Forms))
	}
	if err := d.Forms[0].Verify(key.Public()); err != nil {
		t.Errorf("Verify: %v", err)
	}
}
