package credential

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	base45 "github.com/adrianrudnik/base45-go"
	"github.com/veraison/go-cose"

	"github.com/sceau/sceau/schemas"
)

// encodingVariants returns subjects that exercise every member of the
// encoders: optional members present and absent, text encoding/json
// escapes, text long enough for every CBOR length head, dates before
// 1970 (negative days), negative levels.
func encodingVariants() []schemas.Record {
	bare := sampleDiploma()
	bare.Mention, bare.Specialities, bare.Session = "", nil, ""
	full := sampleDiploma()
	full.RNCP, full.Mention = "RNCP35340", "passable"
	escaped := sampleBTS()
	escaped.Diploma = `BTS "SIO" <option> & \ SLAM` + "\u2028\u2029\t\x01\x7f"
	escaped.GivenName = "Zoë\u00a0Noëlle"
	long := sampleBTS()
	long.Diploma = strings.Repeat("Brevet de technicien supérieur ", 10) // > 255 bytes
	long.Specialities = []string{"", "É", strings.Repeat("x", 24)}
	old := sampleDiploma()
	old.BirthDate, old.AwardedOn = "1901-01-01", "1969-12-31"
	pix := samplePix()
	pixNoCode := samplePix()
	pixNoCode.VerificationCode = ""
	pixLow := samplePix()
	pixLow.PixScore = 0
	for i := range pixLow.Competences {
		pixLow.Competences[i].Level = -1
	}
	pixHigh := samplePix()
	pixHigh.PixScore, pixHigh.CertificationCenter = 1024, strings.Repeat("Centre Pix & <Co> ", 20)
	return []schemas.Record{sampleDiploma(), sampleBTS(), bare, full, escaped, long, old, pix, pixNoCode, pixLow, pixHigh}
}

// referenceCredentialJSON is the credential's JSON as encoding/json
// writes wireCredential: what appendCredentialJSON must write.
func referenceCredentialJSON(t *testing.T, c *Credential) []byte {
	t.Helper()
	subject, err := marshalJSON(c.Subject)
	if err != nil {
		t.Fatal(err)
	}
	schemaURL, err := SchemaURLOf(c.baseOf(), c.Type)
	if err != nil {
		t.Fatal(err)
	}
	w := wireCredential{
		Context:           []string{ContextV2, ContextURLOf(c.baseOf())},
		ID:                c.ID,
		Type:              []string{TypeVerifiableCredential, c.Type},
		Issuer:            c.Issuer(),
		ValidFrom:         formatTime(c.ValidFrom),
		CredentialSubject: subject,
		CredentialSchema:  &wireSchemaEntry{ID: schemaURL, Type: SchemaTypeJSONSchema},
		CredentialStatus:  c.statusEntries(),
	}
	if !c.ValidUntil.IsZero() {
		w.ValidUntil = formatTime(c.ValidUntil)
	}
	data, err := marshalJSON(w)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// referenceClaims is the CWT claims set as the CBOR library writes
// cwtClaims and the compact subjects: what appendClaims must write.
func referenceClaims(t *testing.T, c *Credential) []byte {
	t.Helper()
	em, err := cborEncMode()
	if err != nil {
		t.Fatal(err)
	}
	var compact any
	switch r := c.Subject.(type) {
	case *schemas.Diploma:
		compact, err = compactDiplomaOf(r)
	case *schemas.PixCertification:
		compact, err = compactPixOf(r)
	}
	if err != nil {
		t.Fatal(err)
	}
	subject, err := em.Marshal(compact)
	if err != nil {
		t.Fatal(err)
	}
	id, err := parseID(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	claims := cwtClaims{Issuer: c.IssuerID, IssuedAt: c.ValidFrom.Unix(), ID: id[:], Subject: subject}
	if !c.ValidUntil.IsZero() {
		exp := c.ValidUntil.Unix()
		claims.Expires = &exp
	}
	data, err := em.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestHandEncodersWriteWhatTheReflectiveEncodersWrite(t *testing.T) {
	for i, record := range encodingVariants() {
		c := newCredential(t, record, "ac-versailles")
		if i%2 == 1 {
			// Every other one as a deployment with its public URL issues
			// it: the issuer by its HTTPS identifier, a status list entry.
			idx := 1000 + i
			c.Base, c.IssuerByURL, c.StatusIndex = "https://verification.examens.example", true, &idx
		}
		got, err := c.MarshalJSON()
		if err != nil {
			t.Fatalf("variant %d: MarshalJSON: %v", i, err)
		}
		if want := referenceCredentialJSON(t, c); !bytes.Equal(got, want) {
			t.Errorf("variant %d: JSON\n got %s\nwant %s", i, got, want)
		}
		claims, err := encodeClaims(c)
		if err != nil {
			t.Fatalf("variant %d: encodeClaims: %v", i, err)
		}
		if want := referenceClaims(t, c); !bytes.Equal(claims, want) {
			t.Errorf("variant %d: CWT claims\n got %x\nwant %x", i, claims, want)
		}
		back, err := decodeClaims(claims)
		if err != nil {
			t.Fatalf("variant %d: decodeClaims: %v", i, err)
		}
		if diff := c.Differences(back); len(diff) > 0 {
			t.Errorf("variant %d: the CWT decodes to another credential: %v", i, diff)
		}
	}
}

func TestCBORHeadsAreShortest(t *testing.T) {
	em, err := cborEncMode()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{0, 1, 23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, -1, -24, -25, -256, -257, -65537, -1 << 40} {
		want, err := em.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := cborInt(nil, v); !bytes.Equal(got, want) {
			t.Errorf("cborInt(%d) = %x, want %x", v, got, want)
		}
	}
	for _, n := range []int{0, 23, 24, 255, 256, 70000} {
		s := strings.Repeat("x", n)
		want, err := em.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := cborString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("cborString of %d bytes = %x…, want %x…", n, got[:min(len(got), 6)], want[:min(len(want), 6)])
		}
	}
}

// goCOSESign1 is signCOSE as go-cose makes it, the reference: the same
// bytes but for the signature, which is random.
func goCOSESign1(t *testing.T, c *Credential, key *Key) *cose.Sign1Message {
	t.Helper()
	payload, err := encodeClaims(c)
	if err != nil {
		t.Fatal(err)
	}
	alg, err := coseAlgorithm(key.Algorithm())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := cose.NewSigner(alg, key.signer)
	if err != nil {
		t.Fatal(err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(alg)
	msg.Headers.Protected[cose.HeaderLabelKeyID] = key.ShortKID()
	msg.Payload = payload
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestSignCOSEWritesWhatGoCOSEWrites(t *testing.T) {
	for _, alg := range []Algorithm{ES256, EdDSA} {
		key, err := GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		for i, record := range encodingVariants() {
			c := newCredential(t, record, "ac-versailles")
			got, err := signCOSE(c, key)
			if err != nil {
				t.Fatalf("%s, variant %d: %v", alg, i, err)
			}
			ref := goCOSESign1(t, c, key)
			// The reference with signCOSE's signature must be signCOSE's bytes.
			var mine cose.Sign1Message
			if err := mine.UnmarshalCBOR(got); err != nil {
				t.Fatalf("%s, variant %d: go-cose cannot read signCOSE's message: %v", alg, i, err)
			}
			ref.Signature = mine.Signature
			want, err := ref.MarshalCBOR()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, variant %d:\n got %x\nwant %x", alg, i, got, want)
			}
			coseAlg, _ := coseAlgorithm(alg)
			verifier, err := cose.NewVerifier(coseAlg, key.Public().key)
			if err != nil {
				t.Fatal(err)
			}
			if err := mine.Verify(nil, verifier); err != nil {
				t.Errorf("%s, variant %d: go-cose does not verify signCOSE's signature: %v", alg, i, err)
			}
		}
	}
}

func TestSDClaimRanksFitTheirSlots(t *testing.T) {
	if len(sdClaimRanks) > maxSDClaims {
		t.Fatalf("%d SD-JWT claim names, more than maxSDClaims (%d)", len(sdClaimRanks), maxSDClaims)
	}
}

func TestAppendBase45IsTheLibrarysBase45(t *testing.T) {
	data := make([]byte, 600)
	for i := range data {
		data[i] = byte(i*131 + i/7)
	}
	for n := range len(data) {
		want := base45.Encode(data[:n])
		if got := appendBase45([]byte("x"), data[:n]); string(got) != "x"+string(want) {
			t.Fatalf("%d bytes: got %s, want %s", n, got[1:], want)
		}
	}
	if got := appendBase45(nil, []byte("AB")); string(got) != "BB8" {
		t.Errorf(`base45("AB") = %s, want BB8 (RFC 9285 section 4.3)`, got)
	}
}
