package verifier

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	base45 "github.com/adrianrudnik/base45-go"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
)

var checkOrder = []string{CheckFormat, CheckIssuer, CheckSignature, CheckAccreditation, CheckAnchor, CheckStatus, CheckValidity, CheckSchema}

func TestValidInEveryForm(t *testing.T) {
	e := newEnv(t)
	creds := e.issue(diploma(), diploma())
	is := creds[1] // not the first leaf: the proof is not trivial
	png, err := qrcode.EncodePNG(is.qr)
	if err != nil {
		t.Fatal(err)
	}
	inputs := []struct {
		name, kind string
		input      []byte
	}{
		{"bundle", "bundle", is.bundleJSON(t)},
		{"indented bundle", "bundle", func() []byte { b, _ := json.MarshalIndent(is.bundle, "", "  "); return b }()},
		{"vc+jwt", "vc+jwt", []byte(is.jwt + "\n")},
		{"SC1 text", "sc1", []byte(is.qr)},
		{"QR image", "sc1 (QR image)", png},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			r := e.verify(in.input)
			if r.Verdict != Valid {
				t.Fatalf("verdict %s, want valid:\n%s", r.Verdict, describe(r))
			}
			if r.Input != in.kind {
				t.Errorf("input %q, want %q", r.Input, in.kind)
			}
			if len(r.Checks) != len(checkOrder) {
				t.Fatalf("%d checks, want %d", len(r.Checks), len(checkOrder))
			}
			for i, c := range r.Checks {
				if c.Name != checkOrder[i] || !c.OK || c.Reason == "" {
					t.Errorf("check %d = %+v, want %s passed with a reason", i, c, checkOrder[i])
				}
			}
			if r.ID != is.cred.ID || r.Type != "Diploma" || r.Issuer != "urn:sceau:issuer:ac-versailles" {
				t.Errorf("id/type/issuer = %s/%s/%s", r.ID, r.Type, r.Issuer)
			}
			var claims map[string]any
			if err := json.Unmarshal(r.Claims, &claims); err != nil || claims["family_name"] != "Martin" {
				t.Errorf("claims = %s, want the signed subject", r.Claims)
			}
			if r.ExitCode() != 0 {
				t.Errorf("exit code %d", r.ExitCode())
			}
		})
	}
	if reason := e.verify(is.bundleJSON(t)).Check(CheckAnchor).Reason; !strings.Contains(reason, "Merkle proof") {
		t.Errorf("a bundle's anchor reason does not mention its Merkle proof: %q", reason)
	}
}

func TestResultJSON(t *testing.T) {
	e := newEnv(t)
	is := e.issue(pix(e.issuedAt.AddDate(0, -1, 0)))[0]
	data, err := json.Marshal(e.verify([]byte(is.jwt)))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Verdict string `json:"verdict"`
		Checks  []struct {
			Name   *string `json:"name"`
			OK     *bool   `json:"ok"`
			Reason *string `json:"reason"`
		} `json:"checks"`
		Claims struct {
			Competences []map[string]any `json:"competences"`
		} `json:"claims"`
		ID     string `json:"id"`
		Type   string `json:"type"`
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Verdict != "valid" || doc.Type != "PixCertification" || doc.ID == "" || doc.Issuer == "" {
		t.Errorf("result JSON = %s", data)
	}
	for _, c := range doc.Checks {
		if c.Name == nil || c.OK == nil || c.Reason == nil {
			t.Errorf("check without name, ok or reason in %s", data)
		}
	}
	if len(doc.Claims.Competences) != 16 || doc.Claims.Competences[3]["name"] != "Interagir" {
		t.Errorf("claims do not show the 16 competences: %s", data)
	}
}

// tamperJWTPayload changes one byte of the decoded payload of a vc+jwt.
func tamperJWTPayload(t *testing.T, compact, from, to string) string {
	t.Helper()
	parts := strings.Split(compact, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(payload), from, to, 1)
	if changed == string(payload) || len(changed) != len(payload) {
		t.Fatalf("payload has no %q to change", from)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(changed))
	return strings.Join(parts, ".")
}

// tamperSC1Signature changes one byte of the COSE signature of an SC1
// text that is not compressed.
func tamperSC1Signature(t *testing.T, text string) string {
	t.Helper()
	body, err := base45.Decode([]byte(strings.TrimPrefix(text, credential.QRPrefix)))
	if err != nil || body[0] != 0xD2 {
		t.Fatalf("test SC1 text is compressed or invalid (%v)", err)
	}
	body[len(body)-10] ^= 0x01
	return credential.QRPrefix + string(base45.Encode(body))
}

func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestTamperingIsInvalid(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	jwtParts := strings.Split(is.jwt, ".")
	sigStart := len(jwtParts[0]) + len(jwtParts[1]) + 2
	tamperedBundle := is.bundle
	tamperedBundle.VCJWT = tamperJWTPayload(t, is.jwt, `"Martin"`, `"Martyn"`)
	bundleJSON, _ := json.Marshal(tamperedBundle)
	tests := []struct {
		name      string
		input     string
		wantCheck []string // the first failing check is one of these
	}{
		{"one byte of the vc+jwt payload", tamperJWTPayload(t, is.jwt, `"Martin"`, `"Martyn"`), []string{CheckSignature}},
		{"one character of the vc+jwt payload text", flip(is.jwt, len(jwtParts[0])+40), []string{CheckFormat, CheckSignature}},
		{"one character of the vc+jwt signature", flip(is.jwt, sigStart+10), []string{CheckSignature}},
		{"one byte of the SC1 signature", tamperSC1Signature(t, is.qr), []string{CheckSignature}},
		{"one character of the SC1 text", flip(is.qr, 60), []string{CheckFormat, CheckSignature}},
		{"bundle with a tampered vc+jwt", string(bundleJSON), []string{CheckFormat}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.verify([]byte(tt.input))
			if r.Verdict != Invalid || r.ExitCode() != 1 {
				t.Fatalf("verdict %s, want invalid:\n%s", r.Verdict, describe(r))
			}
			f := failing(r)
			if f == nil || !contains(tt.wantCheck, f.Name) {
				t.Fatalf("first failing check %+v, want one of %v:\n%s", f, tt.wantCheck, describe(r))
			}
			if f.Name == CheckSignature && !strings.Contains(f.Reason, "signature does not verify with key "+e.key.KID()) {
				t.Errorf("signature reason %q does not say which key failed", f.Reason)
			}
			if len(r.Claims) != 0 {
				t.Errorf("claims shown for a tampered credential: %s", r.Claims)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestUnknownIssuer(t *testing.T) {
	e := newEnv(t)
	is := e.sign(diploma(), "ac-inconnue", e.generateKey())
	r := e.verify([]byte(is.jwt))
	if r.Verdict != Invalid {
		t.Fatalf("verdict %s, want invalid", r.Verdict)
	}
	if c := r.Check(CheckIssuer); c.OK || !strings.Contains(c.Reason, "ac-inconnue is not registered") {
		t.Errorf("issuer check = %+v", c)
	}
	if c := r.Check(CheckSignature); !c.Skipped {
		t.Errorf("signature check = %+v, want skipped", c)
	}
	if len(r.Claims) != 0 {
		t.Errorf("claims shown for an unverified credential: %s", r.Claims)
	}
}

func TestUnknownKey(t *testing.T) {
	e := newEnv(t)
	intruder := e.generateKey()
	is := e.sign(diploma(), issuerID, intruder)
	for _, input := range []string{is.jwt, is.qr} {
		r := e.verify([]byte(input))
		if r.Verdict != Invalid {
			t.Fatalf("verdict %s, want invalid", r.Verdict)
		}
		c := r.Check(CheckSignature)
		if c.OK || !strings.Contains(c.Reason, "has no key with kid") {
			t.Errorf("signature check = %+v, want an unknown kid", c)
		}
		if len(r.Claims) != 0 {
			t.Errorf("claims shown for an unverified credential: %s", r.Claims)
		}
	}
}

func TestNotAnchored(t *testing.T) {
	e := newEnv(t)
	is := e.sign(diploma(), issuerID, e.key)
	r := e.verify([]byte(is.qr))
	if r.Verdict != Invalid {
		t.Fatalf("verdict %s, want invalid", r.Verdict)
	}
	if f := failing(r); f.Name != CheckAnchor || !strings.Contains(f.Reason, "not anchored") {
		t.Errorf("first failing check = %+v, want anchor: not anchored", f)
	}
}

func TestRevokedAndSuspended(t *testing.T) {
	e := newEnv(t)
	creds := e.issue(diploma(), diploma())
	if err := e.contract.Revoke(e.ctx, issuerOrg, creds[0].jwtDigest, "fraud"); err != nil {
		t.Fatal(err)
	}
	if err := e.contract.Suspend(e.ctx, issuerOrg, creds[1].jwtDigest, "error"); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tests := []struct {
		name   string
		input  []byte
		reason string
	}{
		{"revoked, SC1 form", []byte(creds[0].qr), "revoked (reason fraud, " + today + ")"},
		{"revoked, bundle", creds[0].bundleJSON(t), "revoked (reason fraud, " + today + ")"},
		{"suspended, vc+jwt", []byte(creds[1].jwt), "suspended (reason error, " + today + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.verify(tt.input)
			if r.Verdict != Invalid {
				t.Fatalf("verdict %s, want invalid", r.Verdict)
			}
			if f := failing(r); f.Name != CheckStatus || f.Reason != tt.reason {
				t.Errorf("first failing check = %+v, want status %q", f, tt.reason)
			}
			if len(r.Claims) == 0 {
				t.Error("the signed claims of a revoked credential are not shown")
			}
		})
	}
}

func TestLedgerUnavailableIsIndeterminate(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	if err := e.ledger.Close(); err != nil {
		t.Fatal(err)
	}
	for _, input := range [][]byte{is.bundleJSON(t), []byte(is.jwt)} {
		r := e.verify(input)
		if r.Verdict != Indeterminate || r.ExitCode() != 3 {
			t.Fatalf("verdict %s (exit %d), want indeterminate (3):\n%s", r.Verdict, r.ExitCode(), describe(r))
		}
		for _, name := range []string{CheckIssuer, CheckSignature, CheckAccreditation, CheckAnchor, CheckStatus} {
			if c := r.Check(name); !c.Skipped || !strings.Contains(c.Reason, "ledger is unavailable") {
				t.Errorf("%s check = %+v, want skipped, ledger unavailable", name, c)
			}
		}
		for _, name := range []string{CheckFormat, CheckValidity, CheckSchema} {
			if c := r.Check(name); !c.OK {
				t.Errorf("%s check = %+v, want passed: it needs no ledger", name, c)
			}
		}
		if len(r.Claims) != 0 {
			t.Errorf("claims shown although the signature could not be checked: %s", r.Claims)
		}
	}
}

func TestExpiredIsInvalidEvenWithoutLedger(t *testing.T) {
	e := newEnv(t)
	is := e.issue(pix(e.issuedAt.AddDate(0, -1, 0)))[0]
	e.now = is.cred.ValidUntil
	r := e.verify([]byte(is.qr))
	if r.Verdict != Invalid {
		t.Fatalf("verdict %s, want invalid", r.Verdict)
	}
	want := "expired on " + is.cred.ValidUntil.Format(time.RFC3339)
	if f := failing(r); f.Name != CheckValidity || f.Reason != want {
		t.Errorf("first failing check = %+v, want validity %q", f, want)
	}
	e.ledger.Close()
	if r := e.verify([]byte(is.qr)); r.Verdict != Invalid {
		t.Errorf("expired credential with the ledger down: verdict %s, want invalid", r.Verdict)
	}
}

func TestBundleProblems(t *testing.T) {
	e := newEnv(t)
	creds := e.issue(diploma(), diploma(), diploma())
	is := creds[1]
	mixed := is.bundle
	mixed.QR = creds[2].qr
	badProof := is.bundle
	badProof.Anchor.Proof = append([]string(nil), is.bundle.Anchor.Proof...)
	badProof.Anchor.Proof[0] = strings.Repeat("0", 64)
	wrongIndex := is.bundle
	wrongIndex.Anchor.Index = 2
	unknownBatch := is.bundle
	unknownBatch.Anchor.Batch = "no-such-batch"
	tests := []struct {
		name   string
		bundle credential.Bundle
		check  string
		reason string
	}{
		{"forms of two credentials", mixed, CheckFormat, "describe different credentials"},
		{"forged proof", badProof, CheckAnchor, "Merkle inclusion proof does not lead to the root"},
		{"wrong leaf index", wrongIndex, CheckAnchor, "leaf index 2"},
		{"unknown batch", unknownBatch, CheckAnchor, "batch no-such-batch is not on the ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _ := json.Marshal(tt.bundle)
			r := e.verify(data)
			if r.Verdict != Invalid {
				t.Fatalf("verdict %s, want invalid:\n%s", r.Verdict, describe(r))
			}
			if f := failing(r); f.Name != tt.check || !strings.Contains(f.Reason, tt.reason) {
				t.Errorf("first failing check = %+v, want %s mentioning %q", f, tt.check, tt.reason)
			}
		})
	}
}

func TestIssuerStanding(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	if err := e.contract.SuspendIssuer(e.ctx, governance, issuerID, "fraud"); err != nil {
		t.Fatal(err)
	}
	r := e.verify([]byte(is.jwt))
	if f := failing(r); r.Verdict != Invalid || f.Name != CheckIssuer || !strings.Contains(f.Reason, "suspended (reason fraud)") {
		t.Errorf("suspended issuer: verdict %s, first failing check %+v", r.Verdict, f)
	}
}

func TestCompromisedKey(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	since := e.issuedAt.Add(-time.Minute).Format(time.RFC3339)
	if err := e.contract.CompromiseIssuerKey(e.ctx, issuerOrg, issuerID, e.key.KID(), since); err != nil {
		t.Fatal(err)
	}
	r := e.verify([]byte(is.jwt))
	if f := failing(r); r.Verdict != Invalid || f.Name != CheckAnchor || !strings.Contains(f.Reason, "compromised") {
		t.Errorf("verdict %s, first failing check %+v, want anchor: key compromised", r.Verdict, f)
	}
}

func TestRotatedKeyKeepsOldCredentialsValid(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	next := e.generateKey()
	jwk, _ := next.PublicJWK()
	if err := e.contract.RotateIssuerKey(e.ctx, issuerOrg, issuerID, string(jwk)); err != nil {
		t.Fatal(err)
	}
	if r := e.verify(is.bundleJSON(t)); r.Verdict != Valid {
		t.Errorf("credential anchored before a rotation: verdict %s, want valid:\n%s", r.Verdict, describe(r))
	}
}

func TestSchemaViolation(t *testing.T) {
	e := newEnv(t)
	d := diploma()
	d.EQFLevel = 9
	is := e.issue(d)[0]
	r := e.verify([]byte(is.jwt))
	if f := failing(r); r.Verdict != Invalid || f.Name != CheckSchema || !strings.Contains(f.Reason, "eqf_level") {
		t.Errorf("verdict %s, first failing check %+v, want schema naming eqf_level", r.Verdict, f)
	}
}

func TestUndecodableInput(t *testing.T) {
	e := newEnv(t)
	blank, _ := qrcode.EncodePNG("just some text")
	tests := []struct {
		name   string
		input  []byte
		reason string
	}{
		{"empty", nil, "neither a bundle"},
		{"prose", []byte("Léa Martin, bac mention bien"), "neither a bundle"},
		{"bad JSON", []byte(`{"id":`), "bundle"},
		{"QR of other text", blank, "neither a bundle"},
		{"image without a QR code", pngWithoutQR(t), "no readable QR code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.verify(tt.input)
			if r.Verdict != Invalid {
				t.Fatalf("verdict %s, want invalid", r.Verdict)
			}
			if c := r.Checks[0]; c.Name != CheckFormat || c.OK || !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("format check = %+v, want a failure mentioning %q", c, tt.reason)
			}
			for _, c := range r.Checks[1:] {
				if !c.Skipped {
					t.Errorf("check %s ran on undecodable input", c.Name)
				}
			}
		})
	}
}

// pngWithoutQR returns a blank PNG image.
func pngWithoutQR(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExitCode(t *testing.T) {
	for v, want := range map[Verdict]int{Valid: 0, Invalid: 1, Indeterminate: 3, "": 1} {
		if got := ExitCode(v); got != want {
			t.Errorf("ExitCode(%q) = %d, want %d", v, got, want)
		}
	}
}
