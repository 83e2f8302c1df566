package certificate

import (
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/qrcode"
)

func TestPickupLetterCarriesTheOfferAsQRAndTheCodeApart(t *testing.T) {
	c, _ := issue(t, sampleDiploma())
	offer := "openid-credential-offer://?credential_offer=" + strings.Repeat("%7B%22credential_issuer%22%3A%22https%3A%2F%2Fexamens.example%22", 8)
	for _, tc := range []struct {
		lang Language
		want []string
	}{
		{French, []string{"RETRAIT DE VOTRE ATTESTATION", "Code de retrait", "482913", "À retirer avant le", "6 janvier 2027", "https://examens.example", "n'est pas une attestation"}},
		{English, []string{"PICK UP YOUR DIGITAL CREDENTIAL", "Pickup code", "482913", "Pick up before", "6 January 2027", "not a credential"}},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			r, err := NewRenderer(Options{IssuerName: "Académie de Lyon", Language: tc.lang})
			if err != nil {
				t.Fatal(err)
			}
			pdf, err := r.RenderPickupLetter(PickupLetter{
				Credential: c, OfferURI: offer, TxCode: "482913",
				Expiry: time.Date(2027, 1, 6, 3, 0, 0, 0, time.UTC), CredentialIssuer: "https://examens.example",
			})
			if err != nil {
				t.Fatalf("RenderPickupLetter: %v", err)
			}
			if doc := openPDF(t, pdf); doc.PageCount != 1 {
				t.Errorf("%d pages, want 1", doc.PageCount)
			}
			got, err := qrcode.DecodePDF(t.Context(), pdf, qrcode.PDFLimits{})
			if err != nil || got != offer {
				t.Fatalf("the letter's QR code reads %q, %v; want the offer", got, err)
			}
			text := pageText(t, pdf)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("the letter does not read %q; it reads:\n%s", w, text)
				}
			}
		})
	}
	r, _ := NewRenderer(Options{})
	if _, err := r.RenderPickupLetter(PickupLetter{Credential: c, OfferURI: "https://example.org", TxCode: "1", Expiry: time.Now()}); err == nil {
		t.Error("a letter whose QR code is not an offer was printed")
	}
	if _, err := r.RenderPickupLetter(PickupLetter{Credential: c, OfferURI: offer, Expiry: time.Now()}); err == nil {
		t.Error("a letter without its transaction code was printed")
	}
}
