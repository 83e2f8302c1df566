package credential

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/sceau/sceau/qrcode"
)

// signedForms are one credential in every form, as an issuer hands them out.
type signedForms struct {
	cred          *Credential
	jwt, qr, sd   Signed
	presentation  string
	bundle        []byte
	bundleNoSDJWT []byte
}

func signForms(t testing.TB) *signedForms {
	t.Helper()
	key := generateKey(t, ES256)
	holder, holderPub := holderJWK(t)
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	f := &signedForms{cred: c}
	var err error
	if f.jwt, err = SignJWT(c, key); err != nil {
		t.Fatal(err)
	}
	if f.qr, err = SignQR(c, key); err != nil {
		t.Fatal(err)
	}
	if f.sd, err = SignSDJWT(c, key, holderPub); err != nil {
		t.Fatal(err)
	}
	f.presentation = present(t, f.sd.Text, holder, Presentation{Disclose: []string{"mention"}, Nonce: "n", Audience: "https://employer.example"})
	b := Bundle{ID: c.ID, Type: c.Type, Issuer: IssuerURI(c.IssuerID), VCJWT: f.jwt.Text, QR: f.qr.Text,
		Anchor: Anchor{Batch: "b1", Root: strings.Repeat("ab", 32), Proof: []string{}}}
	f.bundleNoSDJWT = b.MarshalIndented()
	b.SDJWT = f.sd.Text
	f.bundle = b.MarshalIndented()
	return f
}

// pngOf returns text's QR code as a PNG image.
func pngOf(t testing.TB, text string) []byte {
	t.Helper()
	data, err := qrcode.EncodePNG(text)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeRecognisesEveryKind(t *testing.T) {
	f := signForms(t)
	cases := []struct {
		name    string
		input   []byte
		label   string
		forms   []string // form names
		digests []string
	}{
		{"bundle", f.bundle, "bundle", []string{"vc+jwt", "SC1", "SD-JWT"}, []string{f.jwt.Digest, f.qr.Digest, f.sd.Digest}},
		{"bundle without sd_jwt", f.bundleNoSDJWT, "bundle", []string{"vc+jwt", "SC1"}, []string{f.jwt.Digest, f.qr.Digest}},
		{"vc+jwt", []byte(f.jwt.Text), "vc+jwt", []string{"vc+jwt"}, []string{f.jwt.Digest}},
		{"SC1 text with white space", []byte("  " + f.qr.Text + "\n"), "sc1", []string{"SC1"}, []string{f.qr.Digest}},
		{"SD-JWT as issued", []byte(f.sd.Text), "dc+sd-jwt", []string{"SD-JWT"}, []string{f.sd.Digest}},
		{"SD-JWT presentation", []byte(f.presentation), "dc+sd-jwt", []string{"SD-JWT"}, []string{f.sd.Digest}},
		{"PNG of the SC1 text", pngOf(t, f.qr.Text), "sc1 (QR image)", []string{"SC1"}, []string{f.qr.Digest}},
		{"PNG of the vc+jwt", pngOf(t, f.jwt.Text), "vc+jwt (QR image)", []string{"vc+jwt"}, []string{f.jwt.Digest}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decode(t.Context(), tc.input)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Label() != tc.label {
				t.Errorf("Label = %q, want %q", d.Label(), tc.label)
			}
			var names []string
			for _, form := range d.Forms {
				names = append(names, form.Name())
				if form.Envelope().ID != f.cred.ID {
					t.Errorf("the %s form carries credential %s, want %s", form.Name(), form.Envelope().ID, f.cred.ID)
				}
			}
			if !slices.Equal(names, tc.forms) {
				t.Errorf("forms %q, want %q", names, tc.forms)
			}
			if !slices.Equal(d.Digests(), tc.digests) {
				t.Errorf("digests %q, want those the signers gave %q", d.Digests(), tc.digests)
			}
			if c := d.Credential(); c.ID != f.cred.ID || c.Type != f.cred.Type || c.IssuerID != f.cred.IssuerID || !c.ValidFrom.Equal(f.cred.ValidFrom) {
				t.Errorf("credential %s %s %s %s, want %s %s %s %s", c.ID, c.Type, c.IssuerID, c.ValidFrom, f.cred.ID, f.cred.Type, f.cred.IssuerID, f.cred.ValidFrom)
			}
			if lone := d.Presentation() != nil; lone != (d.Kind == KindSDJWT) {
				t.Errorf("Presentation() is set: %v, want it only for an SD-JWT on its own", lone)
			}
			if (d.Bundle != nil) != (d.Kind == KindBundle) || d.Bundle != nil && d.Bundle.Anchor.Batch != "b1" {
				t.Errorf("Bundle = %+v for a %s", d.Bundle, d.Kind)
			}
		})
	}
}

func TestDecodedFormsVerifyWithTheIssuerKeyOnly(t *testing.T) {
	key := generateKey(t, EdDSA)
	other := generateKey(t, EdDSA)
	c := newCredential(t, samplePix(), "gip-pix")
	jwt, _ := SignJWT(c, key)
	qr, _ := SignQR(c, key)
	sd, _ := SignSDJWT(c, key, nil)
	bundle := Bundle{ID: c.ID, Type: c.Type, Issuer: IssuerURI(c.IssuerID), VCJWT: jwt.Text, QR: qr.Text, SDJWT: sd.Text,
		Anchor: Anchor{Batch: "b1", Root: strings.Repeat("ab", 32)}}
	d, err := Decode(t.Context(), bundle.MarshalIndented())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Forms {
		if !f.NamesKey(key.KID()) || f.NamesKey(other.KID()) {
			t.Errorf("%s: NamesKey is not true for the signing key only (key id %s)", f.Name(), f.KeyID())
		}
		if f.SignatureAlgorithm() != EdDSA {
			t.Errorf("%s: algorithm %s, want EdDSA", f.Name(), f.SignatureAlgorithm())
		}
		if err := f.Verify(key.Public()); err != nil {
			t.Errorf("%s: Verify with the issuer's key: %v", f.Name(), err)
		}
		if err := f.Verify(other.Public()); err == nil {
			t.Errorf("%s: verifies with another key", f.Name())
		}
	}
	if got, want := d.Forms[1].KeyID(), hex.EncodeToString(key.ShortKID()); got != want {
		t.Errorf("SC1 key id %q, want the short kid in hex %q", got, want)
	}
	if sd := d.Forms[2].Envelope(); sd.Subject != nil || sd.ID != c.ID || !sd.ValidUntil.Equal(c.ValidUntil) {
		t.Errorf("the SD-JWT's envelope %+v, want the credential's id and validity without a subject", sd)
	}
}

func TestDecodeRejections(t *testing.T) {
	f := signForms(t)
	otherCred := newCredential(t, samplePix(), "ac-versailles")
	otherKey := generateKey(t, ES256)
	otherJWT, _ := SignJWT(otherCred, otherKey)
	otherSD, _ := SignSDJWT(otherCred, otherKey, nil)
	bundleWith := func(edit func(b *Bundle)) []byte {
		var b Bundle
		if err := json.Unmarshal(f.bundle, &b); err != nil {
			t.Fatal(err)
		}
		edit(&b)
		return b.MarshalIndented()
	}
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	cases := []struct {
		name  string
		ctx   context.Context
		input []byte
		label string
		is    error
		want  string
	}{
		{"empty", t.Context(), nil, "", ErrUnrecognized, "neither a bundle"},
		{"prose", t.Context(), []byte("Léa Martin, bac mention bien"), "", ErrUnrecognized, "neither a bundle"},
		{"too large", t.Context(), make([]byte, MaxInputSize+1), "", nil, "more than the"},
		{"QR image of other text", t.Context(), pngOf(t, "https://example.org"), "QR image", ErrUnrecognized, "neither a bundle"},
		{"QR image holding JSON", t.Context(), pngOf(t, `{"id":"urn:uuid:3f2a910c-5e77-4012-8abc-0123456789ab"}`), "QR image", ErrUnrecognized, "neither a bundle"},
		{"image without a QR code", t.Context(), blankPNG(t), "QR image", qrcode.ErrNoQRCode, "no readable QR code"},
		{"image, canceled", canceled, pngOf(t, f.qr.Text), "QR image", context.Canceled, "canceled"},
		{"PDF that is not one", t.Context(), []byte("%PDF-1.7\ngarbage"), "PDF certificate", qrcode.ErrMalformedPDF, "malformed PDF"},
		{"broken vc+jwt", t.Context(), []byte("a.b.c"), "vc+jwt", nil, "vc+jwt header"},
		{"broken SC1", t.Context(), []byte("SC1:!!"), "sc1", nil, "base45"},
		{"broken SD-JWT", t.Context(), []byte("a.b.c~d~"), "dc+sd-jwt", nil, "dc+sd-jwt"},
		{"broken bundle", t.Context(), []byte(`{"id":1}`), "bundle", nil, "bundle"},
		{"bundle whose forms differ", t.Context(), bundleWith(func(b *Bundle) { b.VCJWT = otherJWT.Text }), "bundle",
			nil, "its vc_jwt and qr forms describe different credentials (they differ in type, validUntil, credentialSubject)"},
		{"bundle naming another type", t.Context(), bundleWith(func(b *Bundle) { b.Type = "PixCertification" }), "bundle",
			nil, "bundle: type PixCertification is not the credential's type Diploma"},
		{"bundle whose sd_jwt is a presentation", t.Context(), bundleWith(func(b *Bundle) { b.SDJWT = f.presentation }), "bundle",
			nil, "bundle sd_jwt: it is a presentation"},
		{"bundle whose sd_jwt is another credential's", t.Context(), bundleWith(func(b *Bundle) { b.SDJWT = otherSD.Text }), "bundle",
			nil, "its vc_jwt and sd_jwt forms describe different credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decode(tc.ctx, tc.input)
			if err == nil {
				t.Fatalf("Decode gave %d forms, want an error", len(d.Forms))
			}
			if d == nil || d.Label() != tc.label || d.Forms != nil {
				t.Fatalf("Decode = %+v, want label %q and no forms", d, tc.label)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %q", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// blankPNG returns a white PNG image.
func blankPNG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	white := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range white.Pix {
		white.Pix[i] = 0xff
	}
	if err := png.Encode(&buf, white); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
