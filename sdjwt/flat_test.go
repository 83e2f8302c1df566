package sdjwt

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// flatClaims are the claims of a Pix-like credential, as JSON, with those
// a holder chooses to show marked disclosable.
func flatClaims() []Claim {
	return []Claim{
		{Name: "iss", Value: []byte(`"https://sceau.example/issuers/pix"`)},
		{Name: "iat", Value: []byte(`1782896400`)},
		{Name: "vct", Value: []byte(`"https://sceau.example/vct/pix-certification"`)},
		{Name: "given_name", Value: []byte(`"Élodie"`), Disclosable: true},
		{Name: "family_name", Value: []byte(`"N'Diaye"`), Disclosable: true},
		{Name: "pix_score", Value: []byte(`512`), Disclosable: true},
		{Name: "specialities", Value: []byte(`[ "Mathématiques", "NSI" ]`), Disclosable: true},
		{Name: "c1_1", Value: []byte(`4`), Disclosable: true},
		{Name: "school", Value: []byte(`{"city":"Lyon"}`)},
	}
}

// unsigned returns an SD-JWT without the issuer JWT's signature, which is
// randomized: the header, the payload and every disclosure.
func unsigned(t *testing.T, s string) string {
	t.Helper()
	jwt, rest, ok := strings.Cut(s, "~")
	if !ok {
		t.Fatalf("no ~ in %s", s)
	}
	return jwt[:strings.LastIndexByte(jwt, '.')] + "~" + rest
}

func TestIssueClaimsMakesWhatIssueMakes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		holder crypto.PublicKey
		decoys int
	}{
		{"no holder, no decoys", nil, 0},
		{"holder-bound with decoys", newP256(t).Public(), 3},
		{"Ed25519 holder, many decoys", newEd25519(t).Public(), MaxDecoys},
	} {
		t.Run(tc.name, func(t *testing.T) {
			issuer := newP256(t)
			claims := map[string]any{}
			var disclosable []Path
			for _, c := range flatClaims() {
				claims[c.Name] = mustDecode(t, string(c.Value))
				if c.Disclosable {
					disclosable = append(disclosable, Path{c.Name})
				}
			}
			for seed := range byte(8) {
				opts := IssueOptions{Signer: issuer, KeyID: "pix-1", HolderKey: tc.holder, Decoys: tc.decoys}
				opts.Rand = rand.NewChaCha8([32]byte{seed})
				flat, err := IssueClaims(flatClaims(), opts)
				if err != nil {
					t.Fatalf("IssueClaims: %v", err)
				}
				opts.Rand, opts.Disclosable = rand.NewChaCha8([32]byte{seed}), disclosable
				generic, err := Issue(claims, opts)
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				if got, want := unsigned(t, flat), unsigned(t, generic); got != want {
					t.Fatalf("IssueClaims and Issue differ:\n got %s\nwant %s", got, want)
				}
				verify := verifierOptions("pix-1", issuer.Public())
				verify.KeyBinding = KeyBindingOptional
				v, err := Verify(flat, verify)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got := v.Claims["given_name"]; got != "Élodie" {
					t.Fatalf("given_name disclosed as %v", got)
				}
			}
		})
	}
}

func TestIssueClaimsRefuses(t *testing.T) {
	with := func(extra ...Claim) []Claim { return append(flatClaims(), extra...) }
	without := func(name string) []Claim {
		var out []Claim
		for _, c := range flatClaims() {
			if c.Name != name {
				out = append(out, c)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		claims []Claim
		opts   func(*IssueOptions)
		want   string
	}{
		{"reserved _sd", with(Claim{Name: "_sd", Value: []byte(`[]`)}), nil, `"_sd" is reserved`},
		{"reserved _sd_alg", with(Claim{Name: "_sd_alg", Value: []byte(`"sha-256"`)}), nil, `"_sd_alg" is reserved`},
		{"reserved name inside a value", with(Claim{Name: "x", Value: []byte(`{"...":"d"}`)}), nil, `reserved by SD-JWT`},
		{"a claim twice", with(Claim{Name: "iat", Value: []byte(`1`)}), nil, `"iat" is listed twice`},
		{"invalid JSON", with(Claim{Name: "x", Value: []byte(`"open`)}), nil, `claim "x": invalid JSON`},
		{"two values", with(Claim{Name: "x", Value: []byte(`1 2`)}), nil, `claim "x": invalid JSON`},
		{"no value", with(Claim{Name: "x"}), nil, `claim "x": no value`},
		{"no vct", without("vct"), nil, `needs a non-empty string claim "vct"`},
		{"vct not a string", append(without("vct"), Claim{Name: "vct", Value: []byte(`7`)}), nil, `"vct"`},
		{"vct disclosable", append(without("vct"), Claim{Name: "vct", Value: []byte(`"t"`), Disclosable: true}), nil, `"vct" of an SD-JWT VC cannot be selectively disclosable`},
		{"iss disclosable", append(without("iss"), Claim{Name: "iss", Value: []byte(`"i"`), Disclosable: true}), nil, `"iss" of an SD-JWT VC`},
		{"cnf twice", with(Claim{Name: "cnf", Value: []byte(`{}`)}), func(o *IssueOptions) { o.HolderKey = newP256(t).Public() }, `"cnf" is set both`},
		{"paths and claims", flatClaims(), func(o *IssueOptions) { o.Disclosable = []Path{{"iat"}} }, "must be empty"},
		{"too many decoys", flatClaims(), func(o *IssueOptions) { o.Decoys = MaxDecoys + 1 }, "Decoys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := IssueOptions{Signer: newP256(t)}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			_, err := IssueClaims(tc.claims, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestIssueClaimsEscapesNames(t *testing.T) {
	claims := append(flatClaims(), Claim{Name: `a "quoted"\name é`, Value: []byte(`true`), Disclosable: true})
	s, err := IssueClaims(claims, IssueOptions{Signer: newP256(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, disclosures, _ := splitSDJWT(s)
	found := false
	for _, d := range disclosures {
		raw, _ := base64.RawURLEncoding.DecodeString(d)
		if strings.Contains(string(raw), `"a \"quoted\"\\name é"`) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no disclosure names the claim correctly escaped: %v", disclosures)
	}
}

// FuzzIsCompactScalar checks the shortcut of compactValue: whatever it
// accepts is valid JSON that compacting leaves as it is.
func FuzzIsCompactScalar(f *testing.F) {
	for _, s := range []string{`"Hélène"`, `"a\"b"`, `"\u00e9"`, `612`, `-1`, `0`, `01`, `-`, `""`, `"`, `1.5`, `"\xff"`, "\"\t\"", `"a b"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		if !isCompactScalar(value) {
			return
		}
		if !json.Valid(value) {
			t.Fatalf("isCompactScalar(%q) but it is not valid JSON", value)
		}
		var b bytes.Buffer
		if err := json.Compact(&b, value); err != nil || !bytes.Equal(b.Bytes(), value) {
			t.Fatalf("isCompactScalar(%q) but compacting gives %q (%v)", value, b.Bytes(), err)
		}
	})
}

// jwtHeader is the protected header appendJWT writes, as a struct.
type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ"`
}

func TestAppendJWTWritesTheHeaderEncodingJSONWrites(t *testing.T) {
	for _, kid := range []string{"", "-ZlhJ_KL71FbnjTR_7e_ZF", "a<b>&\"c"} {
		for _, typ := range []string{TypeVC, "example+sd-jwt"} {
			jwt, err := appendJWT(nil, newP256(t), kid, typ, []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			header, _, _ := strings.Cut(string(jwt), ".")
			got, err := base64.RawURLEncoding.DecodeString(header)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(jwtHeader{Alg: ES256, Kid: kid, Typ: typ})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("header %s, want %s", got, want)
			}
		}
	}
}
