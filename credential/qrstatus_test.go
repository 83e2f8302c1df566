package credential

import (
	"crypto/rand"
	"testing"

	"github.com/adrianrudnik/base45-go"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// TestQRStatusClaimDoesNotFit measures what the IETF Token Status List's
// CWT claim (key 65535, {"status_list": {"idx": n, "uri": list}}) would
// cost the SC1 text of a Pix certification, its largest credential: with
// a list URL as short as a deployment's is likely to be, the text goes
// over the 450-character budget (QR version 15 at level Q), so the SC1
// form carries no status reference. A verifier given only a QR code reads
// the credential's status from the ledger (online), or is indeterminate
// offline; the bundle's vc+jwt and SD-JWT forms carry the reference. If
// this test fails, the claim fits: add it to the CWT.
func TestQRStatusClaimDoesNotFit(t *testing.T) {
	const budget = 450
	const uri = "https://sceau.gouv.fr/status/ac-montpellier/ietf" // 49 characters
	type statusList struct {
		Idx int    `cbor:"idx"`
		URI string `cbor:"uri"`
	}
	type status struct {
		StatusList statusList `cbor:"status_list"`
	}
	type claimsWithStatus struct {
		cwtClaims
		Status status `cbor:"65535,keyasint"`
	}
	for _, alg := range []Algorithm{ES256, EdDSA} {
		key := generateKey(t, alg)
		c := newCredential(t, samplePix(), "ac-montpellier")
		plain, err := SignQR(c, key)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := parseID(c.ID)
		subject, err := appendSubjectCBOR(nil, c.Subject)
		if err != nil {
			t.Fatal(err)
		}
		exp := c.ValidUntil.Unix()
		claims := claimsWithStatus{
			cwtClaims: cwtClaims{Issuer: c.IssuerID, IssuedAt: c.ValidFrom.Unix(), Expires: &exp, ID: id[:], Subject: subject},
			Status:    status{statusList{Idx: 131071, URI: uri}},
		}
		em, err := cborEncMode()
		if err != nil {
			t.Fatal(err)
		}
		payload, err := em.Marshal(claims)
		if err != nil {
			t.Fatal(err)
		}
		coseAlg, _ := coseAlgorithm(alg)
		signer, err := cose.NewSigner(coseAlg, key.signer)
		if err != nil {
			t.Fatal(err)
		}
		msg := cose.NewSign1Message()
		msg.Headers.Protected.SetAlgorithm(coseAlg)
		msg.Headers.Protected[cose.HeaderLabelKeyID] = key.ShortKID()
		msg.Payload = payload
		if err := msg.Sign(rand.Reader, nil, signer); err != nil {
			t.Fatal(err)
		}
		sign1, err := msg.MarshalCBOR()
		if err != nil {
			t.Fatal(err)
		}
		body, err := compressIfShorter(sign1)
		if err != nil {
			t.Fatal(err)
		}
		withStatus := len(QRPrefix) + len(base45.Encode(body))
		t.Logf("%s Pix certification: SC1 %d characters, %d with a status claim naming %s", alg, len(plain.Text), withStatus, uri)
		if withStatus <= budget {
			t.Errorf("%s: with a status claim the SC1 text has %d characters, within the %d budget: add the claim to the CWT", alg, withStatus, budget)
		}
		var back claimsWithStatus
		if err := cbor.Unmarshal(payload, &back); err != nil || back.Status.StatusList.URI != uri {
			t.Fatalf("the measured claim does not read back: %v", err)
		}
	}
}
