package certificate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
)

// A pickup letter is what an exam office prints for a student to pick a
// credential up into a wallet (OpenID4VCI, `sceau offer --pdf`): the same
// A4 page as a certificate — issuer, title, the student's name — whose QR
// code is the credential offer, with the transaction code printed apart,
// among the details at the top of the page, far from the QR code at the
// bottom, and how to use them. It is not a certificate: its QR code holds
// no credential, and its notice says so.

// PickupLetter is what a pickup letter prints.
type PickupLetter struct {
	// Credential is the credential offered: its title, holder and id are
	// printed.
	Credential *credential.Credential
	// OfferURI is the credential offer (openid-credential-offer://…), the
	// letter's QR code.
	OfferURI string
	// TxCode is the transaction code given with the offer.
	TxCode string
	// Expiry is when the offer can no longer be redeemed.
	Expiry time.Time
	// CredentialIssuer is the URL of the issuer that answers the offer.
	CredentialIssuer string
}

// letterWording is the wording of a pickup letter, in each language.
var letterWording = map[*wording]struct {
	kicker, txCode, pickUpBefore, at, caption, notice string
}{
	&frenchWording: {
		kicker:       "RETRAIT DE VOTRE ATTESTATION NUMÉRIQUE",
		txCode:       "Code de retrait",
		pickUpBefore: "À retirer avant le",
		at:           "Service",
		caption:      "Scannez avec votre portefeuille",
		notice: "Scannez le code QR avec votre portefeuille numérique (une application compatible OpenID4VCI, " +
			"ou « sceau wallet receive »), puis saisissez le code de retrait imprimé plus haut. Le retrait ne " +
			"fonctionne qu'une fois ; après cinq codes erronés, l'offre est close. Ne communiquez ce code à " +
			"personne. Cette lettre n'est pas une attestation : son code QR ne prouve rien.",
	},
	&englishWording: {
		kicker:       "PICK UP YOUR DIGITAL CREDENTIAL",
		txCode:       "Pickup code",
		pickUpBefore: "Pick up before",
		at:           "Service",
		caption:      "Scan with your wallet",
		notice: "Scan the QR code with your digital wallet (an OpenID4VCI wallet app, or `sceau wallet receive`), " +
			"then enter the pickup code printed above. The pickup works once; after five wrong codes the offer " +
			"is closed. Tell nobody this code. This letter is not a credential: its QR code proves nothing.",
	},
}

// RenderPickupLetter prints l as a one-page A4 PDF, in the Renderer's
// language.
func (r *Renderer) RenderPickupLetter(l PickupLetter) ([]byte, error) {
	if l.OfferURI == "" || l.TxCode == "" || l.Expiry.IsZero() {
		return nil, errors.New("pickup letter: the offer URI, its transaction code and its expiry are required")
	}
	if !strings.HasPrefix(l.OfferURI, "openid-credential-offer://") {
		return nil, fmt.Errorf("pickup letter: %q is not a credential offer (openid-credential-offer://…)", truncate(l.OfferURI, 40))
	}
	lw, ok := letterWording[r.wording]
	if !ok {
		return nil, errors.New("pickup letter: no wording in this language")
	}
	w := *r.wording
	w.kicker, w.scanToVerify, w.notice = lw.kicker, lw.caption, lw.notice
	p, err := newPage(l.Credential, &w, r.issuerName, "") // a letter is not a certificate: no "verify at" line
	if err != nil {
		return nil, err
	}
	details := []detail{
		{field: "tx_code", label: lw.txCode, value: l.TxCode, mono: true},
		{field: "expiry", label: lw.pickUpBefore, value: w.day(l.Expiry.UTC())},
	}
	if l.CredentialIssuer != "" {
		details = append(details, detail{field: "credential issuer", label: lw.at, value: l.CredentialIssuer, mono: true})
	}
	p.details = append(details, p.details...)
	p.competences = nil
	symbol, err := qrcode.Encode(l.OfferURI)
	if err != nil {
		return nil, fmt.Errorf("pickup letter: the offer's QR code: %w", err)
	}
	s := r.scratch.Get().(*scratch)
	defer r.scratch.Put(s)
	return r.render(p, symbol, s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
