package credential

import (
	"encoding/json"
	"strings"
	"testing"
)

const validBundle = `{"id":"urn:uuid:3f2a910c-5e77-4012-8abc-0123456789ab","type":"Diploma",` +
	`"issuer":"urn:sceau:issuer:ac-versailles","vc_jwt":"a.b.c","qr":"SC1:00",` +
	`"anchor":{"batch":"2025-07-04-001","root":"` + hash64 + `","index":3,"proof":["` + hash64 + `"]}}`

const hash64 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestParseBundle(t *testing.T) {
	b, err := ParseBundle([]byte(validBundle))
	if err != nil {
		t.Fatalf("ParseBundle: %v", err)
	}
	if b.Type != "Diploma" || b.Anchor.Index != 3 || len(b.Anchor.Proof) != 1 || b.Anchor.Batch != "2025-07-04-001" {
		t.Errorf("bundle = %+v", b)
	}
}

func TestParseBundleRejects(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(string) string
		wantText string
	}{
		{"unknown member", func(s string) string { return strings.Replace(s, `"type"`, `"note":"x","type"`, 1) }, "note"},
		{"duplicate member", func(s string) string { return strings.Replace(s, `"type"`, `"qr":"SC1:11","type"`, 1) }, "duplicate"},
		{"bad id", func(s string) string { return strings.Replace(s, "urn:uuid:", "urn:uid:", 1) }, "id"},
		{"unknown type", func(s string) string { return strings.Replace(s, `"Diploma"`, `"Licence"`, 1) }, `type "Licence"`},
		{"bad issuer", func(s string) string { return strings.Replace(s, "urn:sceau:issuer:", "did:web:", 1) }, "issuer"},
		{"no vc_jwt", func(s string) string { return strings.Replace(s, `"a.b.c"`, `""`, 1) }, "vc_jwt is missing"},
		{"no qr", func(s string) string { return strings.Replace(s, `"SC1:00"`, `""`, 1) }, "qr is missing"},
		{"upper-case root", func(s string) string { return strings.Replace(s, `"root":"9f`, `"root":"9F`, 1) }, "anchor: root"},
		{"short proof hash", func(s string) string { return strings.Replace(s, `"proof":["9f`, `"proof":["`, 1) }, "proof[0]"},
		{"negative index", func(s string) string { return strings.Replace(s, `"index":3`, `"index":-1`, 1) }, "index -1"},
		{"trailing data", func(s string) string { return s + "x" }, "bundle"},
		{"too large", func(s string) string { return s + strings.Repeat(" ", MaxBundleSize) }, "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(validBundle)
			if edited == validBundle {
				t.Fatal("the edit changed nothing")
			}
			_, err := ParseBundle([]byte(edited))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ParseBundle error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func TestMarshalIsWhatEncodingJSONWrites(t *testing.T) {
	full := Bundle{
		ID: "urn:uuid:3f2a910c-5e77-4012-8abc-0123456789ab", Type: "PixCertification",
		Issuer: "https://sceau.example/issuers/pix", VCJWT: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", SDJWT: "eyJ.e30.c2ln~WyJzYWx0Il0~",
		QR:     "SC1:6BF-$%*+./: 0Z",
		Anchor: Anchor{Batch: "pix-0001", Root: strings.Repeat("ab", 32), Index: 41, Proof: []string{strings.Repeat("01", 32), strings.Repeat("fe", 32)}},
	}
	noSD := full
	noSD.SDJWT = ""
	emptyProof := full
	emptyProof.Anchor.Proof = []string{}
	nilProof := full
	nilProof.Anchor.Proof = nil
	escapes := full
	escapes.Type = "a \"quoted\" \\ <tag> & é \u2028 \x01"
	for name, b := range map[string]Bundle{"full": full, "no sd_jwt": noSD, "empty proof": emptyProof, "no proof": nilProof, "escapes": escapes, "zero": {}} {
		want, err := json.MarshalIndent(b, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := b.MarshalIndented(); string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		compact, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.AppendCompact([]byte("x")); string(got) != "x"+string(compact) {
			t.Errorf("%s, compact:\n got %s\nwant x%s", name, got, compact)
		}
	}
}
