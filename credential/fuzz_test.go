package credential

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// checkDecoded asserts what every successful decoding guarantees: a
// credential that encodes to JSON and reads back the same.
func checkDecoded(t *testing.T, c *Credential) {
	t.Helper()
	data, err := c.MarshalJSON()
	if err != nil {
		t.Fatalf("a decoded credential does not encode: %v", err)
	}
	again, err := ParseJSON(data)
	if err != nil {
		t.Fatalf("a decoded credential does not read back: %v\n%s", err, data)
	}
	if data2, _ := again.MarshalJSON(); !bytes.Equal(data, data2) {
		t.Fatalf("a decoded credential changes on a round trip:\n%s\n%s", data, data2)
	}
}

func FuzzParseQR(f *testing.F) {
	key := generateKey(f, ES256)
	for _, c := range []*Credential{newCredential(f, samplePix(), "gip-pix"), newCredential(f, sampleDiploma(), "ac-versailles")} {
		signed, err := SignQR(c, key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(signed.Text)
	}
	d := sampleDiploma()
	d.Session = strings.Repeat("juin ", 30)
	zipped, err := SignQR(newCredential(f, d, "ac-versailles"), key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(zipped.Text)
	f.Add("SC1:")
	f.Add("SC1:6BF")
	f.Add("HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH")
	f.Fuzz(func(t *testing.T, text string) {
		q, err := ParseQR(text)
		if err != nil {
			return
		}
		checkDecoded(t, q.Credential)
		if len(q.KID) != ShortKIDSize {
			t.Fatalf("kid of %d bytes accepted", len(q.KID))
		}
		_ = q.Verify(key.Public())
	})
}

func FuzzParseCOSE(f *testing.F) {
	key := generateKey(f, EdDSA)
	for _, c := range []*Credential{newCredential(f, samplePix(), "gip-pix"), newCredential(f, sampleBTS(), "ac-lille")} {
		sign1, err := signCOSE(c, key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sign1)
	}
	f.Add([]byte{0xD2, 0x84, 0x40, 0xA0, 0x40, 0x40})
	f.Add([]byte{0xD2, 0x84, 0x43, 0xA1, 0x01, 0x26, 0xA0, 0xF6, 0x40})
	f.Fuzz(func(t *testing.T, sign1 []byte) {
		q, err := ParseCOSE(sign1)
		if err != nil {
			return
		}
		checkDecoded(t, q.Credential)
		_ = q.Verify(key.Public())
	})
}

func FuzzParseJWT(f *testing.F) {
	key := generateKey(f, ES256)
	for _, c := range []*Credential{newCredential(f, samplePix(), "gip-pix"), newCredential(f, sampleDiploma(), "ac-versailles")} {
		signed, err := SignJWT(c, key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(signed.Text)
	}
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, compact string) {
		j, err := ParseJWT(compact)
		if err != nil {
			return
		}
		checkDecoded(t, j.Credential)
		if j.Algorithm != ES256 && j.Algorithm != EdDSA {
			t.Fatalf("alg %q accepted", j.Algorithm)
		}
		_ = j.Verify(key.Public())
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add(mustJSON(f, newCredential(f, samplePix(), "gip-pix")))
	f.Add(mustJSON(f, newCredential(f, sampleDiploma(), "ac-versailles")))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseJSON(data)
		if err != nil {
			return
		}
		checkDecoded(t, c)
	})
}

func FuzzParseBundle(f *testing.F) {
	f.Add([]byte(`{"id":"urn:uuid:3f2a910c-5e77-4012-8abc-0123456789ab","type":"Diploma","issuer":"urn:sceau:issuer:ac-versailles",` +
		`"vc_jwt":"a.b.c","qr":"SC1:00","anchor":{"batch":"b1","root":"` + strings.Repeat("ab", 32) + `","index":0,"proof":[]}}`))
	f.Add([]byte(`{"id":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		if b.VCJWT == "" || b.QR == "" || len(b.Anchor.Root) != 64 {
			t.Fatalf("incomplete bundle accepted: %+v", b)
		}
	})
}

func FuzzParsePublicJWK(f *testing.F) {
	for _, alg := range []Algorithm{ES256, EdDSA} {
		jwk, err := generateKey(f, alg).PublicJWK()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(jwk)
	}
	f.Add([]byte(`{"kty":"oct","k":"AAAA"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := ParsePublicJWK(data)
		if err != nil {
			return
		}
		if len(pub.ShortKID()) != ShortKIDSize {
			t.Fatalf("key %q has no short kid", pub.KID())
		}
	})
}

func FuzzDecode(f *testing.F) {
	forms := signForms(f)
	f.Add([]byte(forms.jwt.Text))
	f.Add([]byte(forms.qr.Text))
	f.Add([]byte(forms.sd.Text))
	f.Add([]byte(forms.presentation))
	f.Add(forms.bundle)
	f.Add(forms.bundleNoSDJWT)
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Add([]byte("a.b.c"))
	f.Add([]byte("a.b.c~d~"))
	f.Fuzz(func(t *testing.T, input []byte) {
		d, err := Decode(context.Background(), input)
		if d == nil {
			t.Fatalf("Decode returned no Decoded (error %v)", err)
		}
		if err != nil {
			if d.Forms != nil {
				t.Fatalf("Decode failed (%v) but gave forms", err)
			}
			return
		}
		if len(d.Forms) == 0 || d.Credential() == nil || d.Kind == "" {
			t.Fatalf("decoded input without a credential: %+v", d)
		}
		if d.Bundle != nil && (len(d.Forms) < 2 || len(d.Forms) > 3) {
			t.Fatalf("bundle decoded with %d forms", len(d.Forms))
		}
		for _, form := range d.Forms {
			if form.Envelope().ID != d.Credential().ID {
				t.Fatalf("the %s form describes credential %s, the input %s", form.Name(), form.Envelope().ID, d.Credential().ID)
			}
			if len(form.Digest()) != 64 {
				t.Fatalf("the %s form's digest %q is not a hex SHA-256", form.Name(), form.Digest())
			}
		}
		if s := d.Presentation(); s != nil {
			if s.Credential.ID != d.Credential().ID {
				t.Fatalf("the SD-JWT's credential and its envelope differ")
			}
			if _, err := s.Credential.SubjectJSON(); err != nil {
				t.Fatalf("the claims of a decoded SD-JWT do not encode: %v", err)
			}
		} else if d.Bundle == nil {
			checkDecoded(t, d.Credential())
		}
	})
}
