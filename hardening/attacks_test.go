package hardening

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	base45 "github.com/adrianrudnik/base45-go"
	"github.com/fxamacker/cbor/v2"
	"github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/verifier"
)

// otherOffice is a second registered, accredited issuer: a legitimate
// issuer, or one whose key an attacker holds.
const otherOffice = "otheroffice"

// attack is one forged credential and how the verifier must reject it.
type attack struct {
	name  string
	input string
	// check is the check that must fail first; words must all appear in
	// its reason (case-insensitively), naming the attack.
	check string
	words []string
}

// TestKnownJOSEAndCOSEAttacksAreRejectedWithANamedReason forges
// credentials the ways attacks on JOSE and COSE go — unsigned tokens, HMAC
// keyed with the issuer's public key, keys carried or pointed to by the
// header, critical extensions, the algorithm left unprotected, keys of
// another issuer, retired or compromised keys — each on a genuine,
// anchored credential's content, and checks that the verifier rejects
// every one with a reason that names what is wrong.
func TestKnownJOSEAndCOSEAttacksAreRejectedWithANamedReason(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addIssuer(otherOffice, "Autre office")
	retiredKID := w.currentKID(examOffice)
	w.mustSceau("issuer", "rotate-key", "--id", examOffice, "--no-passphrase")
	compromisedKID := w.currentKID(examOffice)
	w.mustSceau("issuer", "rotate-key", "--id", examOffice, "--no-passphrase")
	w.mustSceau("issuer", "revoke-key", "--id", examOffice, "--kid", compromisedKID, "--since", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	genuine := w.issue("Diploma", "genuine", sampleDiplomaCSV(nil))[0].bundle

	current := w.issuerKey(examOffice, "")
	currentPriv := ecdsaKey(t, w.keyFile(examOffice, ""))
	other := w.issuerKey(otherOffice, "")
	otherPriv := ecdsaKey(t, w.keyFile(otherOffice, ""))
	attacker, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	attackerJWK := publicJWK(t, &attacker.PublicKey)
	issuerJWK, err := current.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}

	jwtParts := strings.Split(genuine.VCJWT, ".")
	payload := jwtParts[1]
	otherIssuerPayload := b64(replaceIssuer(t, decodeB64(t, payload), otherOffice))
	header := func(alg string, extra map[string]any) map[string]any {
		h := map[string]any{"alg": alg, "kid": current.KID(), "typ": credential.JWTType, "cty": credential.JWTContentType}
		for k, v := range extra {
			if v == nil {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
		return h
	}
	sdParts := strings.SplitN(genuine.SDJWT, "~", 2)
	sdPayload := strings.Split(sdParts[0], ".")[1]
	sdHeader := func(alg string, extra map[string]any) map[string]any {
		h := header(alg, extra)
		h["typ"] = credential.SDJWTType
		delete(h, "cty")
		return h
	}
	sd := func(h map[string]any, sign signFunc) string {
		return compactJWS(t, h, sdPayload, sign) + "~" + sdParts[1]
	}

	cwt := cosePayload(t, genuine.QR)
	shortKID := current.ShortKID()

	attacks := []attack{
		{"vc+jwt alg none", compactJWS(t, header("none", nil), payload, unsigned), verifier.CheckFormat, []string{"none"}},
		{"vc+jwt alg nOnE", compactJWS(t, header("nOnE", nil), payload, unsigned), verifier.CheckFormat, []string{"none"}},
		{"vc+jwt HS256 keyed with the issuer's public JWK", compactJWS(t, header("HS256", nil), payload, hs256(issuerJWK)), verifier.CheckFormat, []string{"HS256"}},
		{"vc+jwt HS256 keyed with the issuer's public point", compactJWS(t, header("HS256", nil), payload, hs256(pointBytes(t, current))), verifier.CheckFormat, []string{"HS256"}},
		{"vc+jwt with the attacker's key as jwk", compactJWS(t, header("ES256", map[string]any{"kid": nil, "jwk": attackerJWK}), payload, es256(attacker)), verifier.CheckFormat, []string{"jwk"}},
		{"vc+jwt with the issuer's kid and the attacker's jwk", compactJWS(t, header("ES256", map[string]any{"jwk": attackerJWK}), payload, es256(attacker)), verifier.CheckFormat, []string{"jwk"}},
		{"vc+jwt with jku", compactJWS(t, header("ES256", map[string]any{"jku": "https://attacker.example/jwks.json"}), payload, es256(attacker)), verifier.CheckFormat, []string{"jku"}},
		{"vc+jwt with x5u", compactJWS(t, header("ES256", map[string]any{"x5u": "https://attacker.example/cert.pem"}), payload, es256(attacker)), verifier.CheckFormat, []string{"x5u"}},
		{"vc+jwt with x5c", compactJWS(t, header("ES256", map[string]any{"x5c": []string{selfSignedCert(t, attacker)}}), payload, es256(attacker)), verifier.CheckFormat, []string{"x5c"}},
		{"vc+jwt with an unknown crit, signed by the issuer", compactJWS(t, header("ES256", map[string]any{"crit": []string{"sceau-ext"}, "sceau-ext": true}), payload, es256(currentPriv)), verifier.CheckFormat, []string{"crit"}},
		{"vc+jwt with crit b64 false (RFC 7797), signed by the issuer", compactJWS(t, header("ES256", map[string]any{"crit": []string{"b64"}, "b64": false}), payload, es256(currentPriv)), verifier.CheckFormat, []string{"crit"}},
		{"vc+jwt signed with another issuer's key, naming it", compactJWS(t, header("ES256", map[string]any{"kid": other.KID()}), payload, es256(otherPriv)), verifier.CheckSignature, []string{"issuer " + examOffice, "no key", other.KID()}},
		{"vc+jwt naming another issuer, signed with the issuer's key", compactJWS(t, header("ES256", nil), otherIssuerPayload, es256(currentPriv)), verifier.CheckSignature, []string{"issuer " + otherOffice, "no key", current.KID()}},
		{"vc+jwt with the issuer's kid, signed by the attacker", compactJWS(t, header("ES256", nil), payload, es256(attacker)), verifier.CheckSignature, []string{"signature does not verify", current.KID()}},
		{"vc+jwt high-S twin of the anchored signature", highSTwin(t, genuine.VCJWT), verifier.CheckAnchor, []string{"not anchored"}},

		{"SD-JWT alg none", sd(sdHeader("none", nil), unsigned), verifier.CheckFormat, []string{"none"}},
		{"SD-JWT HS256 keyed with the issuer's public JWK", sd(sdHeader("HS256", nil), hs256(issuerJWK)), verifier.CheckFormat, []string{"HS256"}},
		{"SD-JWT with the attacker's key as jwk", sd(sdHeader("ES256", map[string]any{"jwk": attackerJWK}), es256(attacker)), verifier.CheckFormat, []string{"jwk"}},
		{"SD-JWT with jku", sd(sdHeader("ES256", map[string]any{"jku": "https://attacker.example/jwks.json"}), es256(attacker)), verifier.CheckFormat, []string{"jku"}},
		{"SD-JWT with x5c", sd(sdHeader("ES256", map[string]any{"x5c": []string{selfSignedCert(t, attacker)}}), es256(attacker)), verifier.CheckFormat, []string{"x5c"}},
		{"SD-JWT with an unknown crit, signed by the issuer", sd(sdHeader("ES256", map[string]any{"crit": []string{"sceau-ext"}, "sceau-ext": true}), es256(currentPriv)), verifier.CheckFormat, []string{"crit"}},
		{"SD-JWT with crit b64 false (RFC 7797), signed by the issuer", sd(sdHeader("ES256", map[string]any{"crit": []string{"b64"}, "b64": false}), es256(currentPriv)), verifier.CheckFormat, []string{"crit"}},
		{"SD-JWT signed with another issuer's key, naming it", sd(sdHeader("ES256", map[string]any{"kid": other.KID()}), es256(otherPriv)), verifier.CheckSignature, []string{"issuer " + examOffice, "no key", other.KID()}},

		{"COSE with alg only in the unprotected header", sc1(t, coseMap{4: shortKID}, coseMap{1: -7}, cwt, currentPriv), verifier.CheckFormat, []string{"alg", "unprotected"}},
		{"COSE with kid in the unprotected header", sc1(t, coseMap{1: -7}, coseMap{4: shortKID}, cwt, currentPriv), verifier.CheckFormat, []string{"kid", "unprotected"}},
		{"COSE with an unknown crit, signed by the issuer", sc1(t, coseMap{1: -7, 2: []any{-70000}, 4: shortKID, -70000: true}, coseMap{}, cwt, currentPriv), verifier.CheckFormat, []string{"crit"}},
		{"COSE with an x5chain", sc1(t, coseMap{1: -7, 4: shortKID, 33: decodeB64Std(t, selfSignedCert(t, attacker))}, coseMap{}, cwt, attacker), verifier.CheckFormat, []string{"33", "not allowed"}},
		{"COSE with HMAC 256/256 keyed with the issuer's public point", sc1MAC(t, coseMap{1: 5, 4: shortKID}, cwt, pointBytes(t, current)), verifier.CheckFormat, []string{"not accepted"}},
		{"COSE signed with another issuer's key, naming it", sc1(t, coseMap{1: -7, 4: other.ShortKID()}, coseMap{}, cwt, otherPriv), verifier.CheckSignature, []string{"issuer " + examOffice, "no key", fmt.Sprintf("%x", other.ShortKID())}},
		{"COSE with the issuer's kid, signed by the attacker", sc1(t, coseMap{1: -7, 4: shortKID}, coseMap{}, cwt, attacker), verifier.CheckSignature, []string{"signature does not verify", current.KID()}},
	}

	l := w.openLedger()
	// Credentials signed with the retired and the compromised key, and
	// anchored by the issuer's ledger identity (as an attacker holding both
	// would): the key's history on the ledger rejects them.
	waitNextSecond(t, l, examOffice)
	retired := signAndAnchor(t, l, w.issuerKey(examOffice, retiredKID), "retired")
	compromised := signAndAnchor(t, l, w.issuerKey(examOffice, compromisedKID), "compromised")
	attacks = append(attacks,
		attack{"vc+jwt signed with a retired key, anchored after its retirement", retired.jwt, verifier.CheckAnchor, []string{"retired", retiredKID}},
		attack{"SC1 signed with a retired key, anchored after its retirement", retired.qr, verifier.CheckAnchor, []string{"retired", retiredKID}},
		attack{"vc+jwt signed with a compromised key", compromised.jwt, verifier.CheckAnchor, []string{"compromised", compromisedKID}},
		attack{"SC1 signed with a compromised key", compromised.qr, verifier.CheckAnchor, []string{"compromised", compromisedKID}},
	)

	v := newVerifier(t, l, verifier.Options{})
	ctx := context.Background()
	verifiers := []struct {
		name   string
		verify func(t *testing.T, input []byte) *verifier.Result
	}{
		{"Verify", func(_ *testing.T, input []byte) *verifier.Result { return v.Verify(ctx, input) }},
		{"POST /v1/verify", verifyService(t, l)},
	}
	if r := v.Verify(ctx, []byte(genuine.VCJWT)); r.Verdict != verifier.Valid {
		t.Fatalf("the genuine credential the attacks start from is not valid:\n%s", describe(r))
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			for _, by := range verifiers {
				r := by.verify(t, []byte(a.input))
				if r.Verdict != verifier.Invalid {
					t.Fatalf("%s: verdict %s, want invalid:\n%s", by.name, r.Verdict, describe(r))
				}
				failed := firstFailure(r)
				if failed.Name != a.check {
					t.Fatalf("%s: check %s failed first (%s), want %s", by.name, failed.Name, failed.Reason, a.check)
				}
				for _, word := range a.words {
					if !strings.Contains(strings.ToLower(failed.Reason), strings.ToLower(word)) {
						t.Errorf("%s: the %s check's reason does not name %q: %s", by.name, a.check, word, failed.Reason)
					}
				}
				// Claims are shown only once a signature verified with a key
				// of the issuer's: then they are what that key signed.
				if len(r.Claims) > 0 && (a.check == verifier.CheckFormat || a.check == verifier.CheckSignature) {
					t.Errorf("%s: a forgery whose signature did not verify shows claims: %s", by.name, r.Claims)
				}
			}
		})
	}
}

// signFunc signs a JWS signing input.
type signFunc func(t *testing.T, input []byte) []byte

// unsigned gives an empty signature.
func unsigned(*testing.T, []byte) []byte { return nil }

// es256 signs with key, as ES256 (r || s, 32 bytes each).
func es256(key *ecdsa.PrivateKey) signFunc {
	return func(t *testing.T, input []byte) []byte {
		t.Helper()
		digest := sha256.Sum256(input)
		r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
}

// hs256 computes an HMAC-SHA256 keyed with secret.
func hs256(secret []byte) signFunc {
	return func(_ *testing.T, input []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(input)
		return m.Sum(nil)
	}
}

// compactJWS returns header.payload.signature, header as JSON.
func compactJWS(t *testing.T, header map[string]any, payload string, sign signFunc) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(h) + "." + payload
	return input + "." + b64(sign(t, []byte(input)))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeB64Std(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replaceIssuer returns the credential JSON with its issuer set to id.
func replaceIssuer(t *testing.T, credentialJSON []byte, id string) []byte {
	t.Helper()
	var c map[string]json.RawMessage
	if err := json.Unmarshal(credentialJSON, &c); err != nil {
		t.Fatal(err)
	}
	var old string
	if err := json.Unmarshal(c["issuer"], &old); err != nil {
		t.Fatal(err)
	}
	oldID, err := credential.ParseIssuerURI(old)
	if err != nil {
		t.Fatal(err)
	}
	c["issuer"], _ = json.Marshal(credential.IssuerURI(id))
	// The status list entries name the issuer's lists: an attacker
	// rewrites them too, so that only the signature tells.
	c["credentialStatus"] = bytes.ReplaceAll(c["credentialStatus"], []byte("/status/"+oldID+"/"), []byte("/status/"+id+"/"))
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ecdsaKey reads a P-256 private key from a private JWK.
func ecdsaKey(t *testing.T, privateJWK []byte) *ecdsa.PrivateKey {
	t.Helper()
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(privateJWK); err != nil {
		t.Fatal(err)
	}
	k, ok := jwk.Key.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("the issuer's key is a %T, want a P-256 key", jwk.Key)
	}
	return k
}

// publicJWK returns pub as a JWK object.
func publicJWK(t *testing.T, pub crypto.PublicKey) map[string]any {
	t.Helper()
	data, err := jose.JSONWebKey{Key: pub}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// pointBytes returns the uncompressed P-256 point of an issuer's key.
func pointBytes(t *testing.T, key *credential.Key) []byte {
	t.Helper()
	jwk, err := key.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	var pub jose.JSONWebKey
	if err := pub.UnmarshalJSON(jwk); err != nil {
		t.Fatal(err)
	}
	ec, ok := pub.Key.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("the issuer's key is a %T, want a P-256 key", pub.Key)
	}
	point, err := ec.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return point
}

// selfSignedCert returns a self-signed certificate of key, base64 DER (as
// x5c carries it).
func selfSignedCert(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Académie de Nulle-Part"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// highSTwin returns the vc+jwt with its ECDSA signature (r, s) replaced by
// (r, n-s): a different signature, as valid as the first, over the same
// content. The ledger anchors the exact token, so the twin is not anchored.
func highSTwin(t *testing.T, compact string) string {
	t.Helper()
	parts := strings.Split(compact, ".")
	sig := decodeB64(t, parts[2])
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	twin := append(sig[:32:32], s.FillBytes(make([]byte, 32))...)
	return parts[0] + "." + parts[1] + "." + b64(twin)
}

// coseMap is a COSE header map.
type coseMap map[int]any

// cosePayload returns the CWT claims of an SC1 text: the genuine content
// that forged COSE messages carry.
func cosePayload(t *testing.T, text string) []byte {
	t.Helper()
	q, err := credential.ParseQR(text)
	if err != nil {
		t.Fatal(err)
	}
	var msg cbor.Tag
	if err := cbor.Unmarshal(q.COSE, &msg); err != nil {
		t.Fatal(err)
	}
	parts, ok := msg.Content.([]any)
	if !ok || len(parts) != 4 {
		t.Fatalf("COSE_Sign1 content is %T", msg.Content)
	}
	payload, ok := parts[2].([]byte)
	if !ok {
		t.Fatalf("COSE_Sign1 payload is %T", parts[2])
	}
	return payload
}

// coseEncode encodes v as deterministic CBOR.
func coseEncode(t *testing.T, v any) []byte {
	t.Helper()
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := em.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sc1 returns an SC1 text holding a COSE_Sign1 (tag 18) with these headers
// over payload, signed ES256 with key.
func sc1(t *testing.T, protected, unprotected coseMap, payload []byte, key *ecdsa.PrivateKey) string {
	t.Helper()
	prot := coseEncode(t, map[int]any(protected))
	toBeSigned := coseEncode(t, []any{"Signature1", prot, []byte{}, payload})
	sig := es256(key)(t, toBeSigned)
	msg := coseEncode(t, cbor.Tag{Number: 18, Content: []any{prot, map[int]any(unprotected), payload, sig}})
	return credential.QRPrefix + string(base45.Encode(msg))
}

// sc1MAC returns an SC1 text holding a COSE_Sign1 whose "signature" is an
// HMAC-SHA256 keyed with secret.
func sc1MAC(t *testing.T, protected coseMap, payload, secret []byte) string {
	t.Helper()
	prot := coseEncode(t, map[int]any(protected))
	toBeSigned := coseEncode(t, []any{"Signature1", prot, []byte{}, payload})
	mac := hs256(secret)(t, toBeSigned)
	msg := coseEncode(t, cbor.Tag{Number: 18, Content: []any{prot, map[int]any{}, payload, mac}})
	return credential.QRPrefix + string(base45.Encode(msg))
}

// forged is a credential signed with a key the test chose, and anchored.
type forged struct{ jwt, qr string }

// signAndAnchor is forgeAndAnchor (time_test.go) in batch "forged-"+batch,
// failing the test when the ledger refuses the anchor.
func signAndAnchor(t *testing.T, l network.Ledger, key *credential.Key, batch string) forged {
	t.Helper()
	f, err := forgeAndAnchor(t, l, key, "forged-"+batch)
	if err != nil {
		t.Fatalf("anchoring the credential signed with the %s key: %v", batch, err)
	}
	return f
}

// waitNextSecond waits, if needed, until the ledger's clock is past the
// second of the issuer's last key change: key history has one-second
// resolution, and a credential anchored within the second its key was
// retired is, by design, not after the retirement.
func waitNextSecond(t *testing.T, l network.Ledger, id string) {
	t.Helper()
	is, err := network.NewContract(l).GetIssuer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	for _, k := range is.Keys {
		for _, s := range []string{k.ValidFrom, k.RetiredAt} {
			if at, err := time.Parse(time.RFC3339, s); err == nil && at.After(last) {
				last = at
			}
		}
	}
	if wait := time.Until(last.Add(time.Second)); wait > 0 {
		time.Sleep(wait)
	}
}
