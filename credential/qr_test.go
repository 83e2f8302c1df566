package credential

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"strings"
	"testing"

	base45 "github.com/adrianrudnik/base45-go"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/sceau/sceau/schemas"
)

func TestQRRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{ES256, EdDSA} {
		for _, record := range []schemas.Record{sampleDiploma(), sampleBTS(), samplePix()} {
			t.Run(string(alg)+"/"+record.CredentialType(), func(t *testing.T) {
				key := generateKey(t, alg)
				c := newCredential(t, record, "ac-versailles")
				signed, err := SignQR(c, key)
				if err != nil {
					t.Fatalf("SignQR: %v", err)
				}
				q, err := ParseQR(signed.Text)
				if err != nil {
					t.Fatalf("ParseQR: %v", err)
				}
				if !bytes.Equal(q.KID, key.ShortKID()) || q.Algorithm != alg {
					t.Errorf("kid/alg = %x/%s, want %x/%s", q.KID, q.Algorithm, key.ShortKID(), alg)
				}
				if got, want := mustJSON(t, q.Credential), mustJSON(t, c); !bytes.Equal(got, want) {
					t.Errorf("decoding does not rebuild the credential:\n got %s\nwant %s", got, want)
				}
				if err := q.Verify(key.Public()); err != nil {
					t.Errorf("Verify: %v", err)
				}
				if q.Digest() != DigestCOSE(q.COSE) || signed.Digest != q.Digest() {
					t.Errorf("digest read back %s, signed %s; want DigestCOSE of the COSE_Sign1 %s", q.Digest(), signed.Digest, DigestCOSE(q.COSE))
				}
			})
		}
	}
}

func TestQRSameCredentialAsJWT(t *testing.T) {
	key := generateKey(t, ES256)
	c := newCredential(t, samplePix(), "gip-pix")
	signedCompact, _ := SignJWT(c, key)
	compact := signedCompact.Text
	signedText, _ := SignQR(c, key)
	text := signedText.Text
	j, err := ParseJWT(compact)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQR(text)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustJSON(t, j.Credential), mustJSON(t, q.Credential)) {
		t.Error("the vc+jwt and SC1 forms decode to different credentials")
	}
}

// TestQRSizeBudget keeps the QR code scannable from a printed page: a Pix
// certification with every competence must fit in 450 characters.
func TestQRSizeBudget(t *testing.T) {
	const budget = 450
	for _, alg := range []Algorithm{ES256, EdDSA} {
		key := generateKey(t, alg)
		for _, tc := range []struct {
			name   string
			record schemas.Record
		}{{"PixCertification", samplePix()}, {"Diploma (bac)", sampleDiploma()}, {"Diploma (BTS)", sampleBTS()}} {
			c := newCredential(t, tc.record, "ac-montpellier")
			signedText, err := SignQR(c, key)
			if err != nil {
				t.Fatal(err)
			}
			text := signedText.Text
			q, err := ParseQR(text)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s %-18s SC1 text %3d characters, COSE_Sign1 %3d bytes", alg, tc.name, len(text), len(q.COSE))
			if len(text) > budget {
				t.Errorf("%s %s: SC1 text has %d characters, over the %d budget", alg, tc.name, len(text), budget)
			}
		}
	}
}

func TestQRUsesZlibOnlyWhenShorter(t *testing.T) {
	key := generateKey(t, ES256)
	c := newCredential(t, samplePix(), "gip-pix")
	sign1, err := signCOSE(c, key)
	if err != nil {
		t.Fatal(err)
	}
	body, err := compressIfShorter(sign1)
	if err != nil {
		t.Fatal(err)
	}
	switch body[0] {
	case markerZlib:
		if len(body) >= len(sign1) {
			t.Errorf("zlib body of %d bytes is not shorter than the %d-byte COSE_Sign1", len(body), len(sign1))
		}
	case markerCOSE:
		if len(sign1) <= minCompressSize {
			break // not worth trying
		}
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		zw.Write(sign1)
		zw.Close()
		if buf.Len() < len(sign1) {
			t.Errorf("raw body kept although zlib would save %d bytes", len(sign1)-buf.Len())
		}
	default:
		t.Fatalf("body starts with 0x%02X", body[0])
	}
	// A highly compressible credential is compressed, and still decodes.
	d := sampleDiploma()
	d.Session = strings.Repeat("session ", 20) + "juin"
	c = newCredential(t, d, "ac-versailles")
	signedText, err := SignQR(c, key)
	if err != nil {
		t.Fatal(err)
	}
	text := signedText.Text
	body, _ = base45.Decode([]byte(strings.TrimPrefix(text, QRPrefix)))
	if body[0] != markerZlib {
		t.Errorf("a repetitive credential was not compressed (first byte 0x%02X)", body[0])
	}
	q, err := ParseQR(text)
	if err != nil {
		t.Fatalf("ParseQR of a zlib body: %v", err)
	}
	if err := q.Verify(key.Public()); err != nil {
		t.Fatal(err)
	}
}

func TestQRTamperingIsDetected(t *testing.T) {
	key := generateKey(t, ES256)
	signedText, err := SignQR(newCredential(t, samplePix(), "gip-pix"), key)
	if err != nil {
		t.Fatal(err)
	}
	text := signedText.Text
	alphabet := string(base45.Alphabet)
	for i := len(QRPrefix); i < len(text); i++ {
		tampered := flipChar(text, i, alphabet)
		q, err := ParseQR(tampered)
		if err != nil {
			continue
		}
		if err := q.Verify(key.Public()); err == nil {
			t.Fatalf("changing character %d left a valid signature", i)
		}
	}
}

func TestQRVerifyWithWrongKey(t *testing.T) {
	key := generateKey(t, ES256)
	signedText, _ := SignQR(newCredential(t, sampleDiploma(), "ac-versailles"), key)
	text := signedText.Text
	q, err := ParseQR(text)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Verify(generateKey(t, ES256).Public()); err == nil || !strings.Contains(err.Error(), "kid") {
		t.Errorf("Verify with another key = %v, want a kid mismatch", err)
	}
}

// rawSign1 signs payload with key under the given headers, without any of
// SignQR's checks, to build hostile inputs.
func rawSign1(t *testing.T, key *Key, protected cose.ProtectedHeader, unprotected cose.UnprotectedHeader, payload []byte) []byte {
	t.Helper()
	signer, err := cose.NewSigner(cose.AlgorithmES256, key.signer)
	if err != nil {
		t.Fatal(err)
	}
	msg := &cose.Sign1Message{Headers: cose.Headers{Protected: protected, Unprotected: unprotected}, Payload: payload}
	external := []byte(nil)
	if _, err := protected.Algorithm(); err != nil {
		external = []byte{0} // go-cose insists on alg unless external data is given
	}
	if err := msg.Sign(rand.Reader, external, signer); err != nil {
		t.Fatal(err)
	}
	data, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func textOf(body []byte) string { return QRPrefix + string(base45.Encode(body)) }

func mustCBOR(t *testing.T, v any) []byte {
	t.Helper()
	data, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseQRRejects(t *testing.T) {
	key := generateKey(t, ES256)
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	claims, err := encodeClaims(c)
	if err != nil {
		t.Fatal(err)
	}
	goodProtected := func() cose.ProtectedHeader {
		return cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: key.ShortKID()}
	}
	var claimMap map[int64]cbor.RawMessage
	if err := cbor.Unmarshal(claims, &claimMap); err != nil {
		t.Fatal(err)
	}
	withClaim := func(k int64, v any) []byte {
		m := map[int64]any{}
		for key, raw := range claimMap {
			m[key] = raw
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return mustCBOR(t, m)
	}
	var zbomb bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&zbomb, zlib.BestCompression)
	zw.Write([]byte{markerCOSE})
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	deep := []byte{0xD2, 0x84}
	for range 40 {
		deep = append(deep, 0x81)
	}
	deep = append(deep, 0x00)

	tests := []struct {
		name     string
		text     string
		wantText string
	}{
		{"no prefix", "HC1:6BFOXN*TS0BI$ZD", `prefix "SC1:"`},
		{"empty body", QRPrefix, "nothing after the prefix"},
		{"lower-case base45", QRPrefix + "abc", `character 'a' at position 4`},
		{"base45 length", QRPrefix + "ABCD", "not a valid length"},
		{"base45 overflow", QRPrefix + ":::", "larger than"},
		{"too long", QRPrefix + strings.Repeat("0", MaxQRTextSize), "QR code holds"},
		{"unknown body marker", textOf([]byte{0xA0, 0x01}), "first byte 0xA0"},
		{"zlib bomb", textOf(zbomb.Bytes()), "more than 8192 bytes"},
		{"zlib with trailing bytes", textOf(append(zlibOf(t, rawSign1(t, key, goodProtected(), nil, claims)), 0x00)), "after the end of the zlib stream"},
		{"zlib of zlib", textOf(zlibOf(t, zlibOf(t, []byte{0xD2}))), "does not hold a tagged COSE_Sign1"},
		{"untagged COSE_Sign1", textOf(rawSign1(t, key, goodProtected(), nil, claims)[1:]), "first byte 0x84"},
		{"too deep", textOf(deep), "nested level"},
		{"alg only unprotected", textOf(rawSign1(t, key,
			cose.ProtectedHeader{cose.HeaderLabelKeyID: key.ShortKID()},
			cose.UnprotectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256}, claims)), "alg is in the unprotected header"},
		{"kid unprotected", textOf(rawSign1(t, key,
			cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256},
			cose.UnprotectedHeader{cose.HeaderLabelKeyID: key.ShortKID()}, claims)), "kid is in the unprotected header"},
		{"no kid", textOf(rawSign1(t, key, cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256}, nil, claims)), "no kid"},
		{"full kid", textOf(rawSign1(t, key, cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: []byte(key.KID())}, nil, claims)), "kid has 43 bytes"},
		{"crit", textOf(rawSign1(t, key, cose.ProtectedHeader{
			cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: key.ShortKID(),
			cose.HeaderLabelCritical: []any{int64(99)}, int64(99): 1}, nil, claims)), "label 2 crit"},
		{"extra protected labels", textOf(rawSign1(t, key, cose.ProtectedHeader{
			cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: key.ShortKID(),
			cose.HeaderLabelContentType: "text/plain", int64(99): 1}, nil, claims)), "labels 3, 99 are not allowed"},
		{"unknown claim", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(8, "x"))), "claim key 8"},
		{"missing iat", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(claimIssuedAt, nil))), "claim 6 (iat) is missing"},
		{"short cti", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(claimID, []byte{1, 2, 3}))), "claim 7 (cti)"},
		{"bad issuer", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(claimIssuer, "a b"))), "claim 1 (iss)"},
		{"text iat", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(claimIssuedAt, "2025"))), "claims"},
		{"unknown type code", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(claimSubject, map[int64]any{0: 9}))), "unknown type code 9"},
		{"missing subject key", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(claimSubject, map[int64]any{0: 1, 1: "070123456AB"}))), "key 2 (given_name)"},
		{"unknown subject key", textOf(rawSign1(t, key, goodProtected(), nil, withClaim(claimSubject, map[int64]any{0: 1, 42: 1}))), "keys 42 are not part"},
		{"duplicate claim key", textOf(rawSign1(t, key, goodProtected(), nil, duplicateIssuer(claims))), "duplicate map key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQR(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ParseQR error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func zlibOf(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// duplicateIssuer returns the claims map with a second iss entry: the map
// header count goes up by one and the pair is appended.
func duplicateIssuer(claims []byte) []byte {
	out := append([]byte{claims[0] + 1}, claims[1:]...)
	return append(out, 0x01, 0x63, 'e', 'v', 'l')
}
