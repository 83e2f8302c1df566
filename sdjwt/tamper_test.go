package sdjwt

import (
	"crypto"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

// scenario is a diploma issued, then presented to a recruiter with the
// given name, the mention and the school's city.
type scenario struct {
	issuer, holder crypto.Signer
	issued         string
	presentation   string
	opts           VerifyOptions
}

func newScenario(t *testing.T) *scenario {
	t.Helper()
	s := &scenario{issuer: newP256(t), holder: newP256(t)}
	s.issued = issueDiploma(t, s.issuer, s.holder.Public())
	s.presentation = s.present(t, Select(Path{"given_name"}, Path{"mention"}, Path{"school", "city"}), testNonce, testAudience, presentedAt)
	s.opts = verifierOptions("examoffice-1", s.issuer.Public())
	if _, err := Verify(s.presentation, s.opts); err != nil {
		t.Fatalf("the untampered presentation does not verify: %v", err)
	}
	return s
}

func (s *scenario) present(t *testing.T, disclose func(Path) bool, nonce, aud string, iat time.Time) string {
	t.Helper()
	p, err := Present(s.issued, disclose, &KeyBindingOptions{Signer: s.holder, Nonce: nonce, Audience: aud, IssuedAt: iat})
	if err != nil {
		t.Fatalf("Present: %v", err)
	}
	return p
}

// withKeyBinding replaces the key-binding JWT of a presentation by one over
// its disclosures, signed by signer with typ.
func withKeyBinding(t *testing.T, presentation string, signer crypto.Signer, typ string) string {
	t.Helper()
	jwt, disclosures, _ := splitSDJWT(presentation)
	hashed := joinSDJWT(jwt, disclosures, "")
	payload := map[string]any{"nonce": testNonce, "aud": testAudience, "iat": presentedAt.Unix(), "sd_hash": digestOf(hashed)}
	alg := string(must(algorithmFor(signer.Public())))
	return hashed + craftJWT(t, signer, map[string]any{"alg": alg, "typ": typ}, payload)
}

// reissue signs a crafted issuer payload with the scenario's issuer key and
// appends the given disclosures and a valid key-binding JWT.
func (s *scenario) reissue(t *testing.T, header, payload map[string]any, disclosures ...Disclosure) string {
	t.Helper()
	var encoded []string
	for _, d := range disclosures {
		encoded = append(encoded, d.Encoded)
	}
	if _, ok := payload["cnf"]; !ok {
		payload["cnf"] = map[string]any{"jwk": must(publicJWK(s.holder.Public()))}
	}
	jwt := craftJWT(t, s.issuer, header, payload)
	return withKeyBinding(t, joinSDJWT(jwt, encoded, ""), s.holder, TypeKeyBinding)
}

func disclosureOf(t *testing.T, name string, value any) Disclosure {
	t.Helper()
	d, err := newDisclosure(strings.NewReader(strings.Repeat("salt", 8)), name, name == "", value)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestVerifyRejects(t *testing.T) {
	s := newScenario(t)
	jwt, disclosures, kb := splitSDJWT(s.presentation)
	vcHeader := map[string]any{"alg": ES256, "typ": TypeVC, "kid": "examoffice-1"}
	basePayload := func() map[string]any {
		return map[string]any{"iss": "https://sceau.example.fr/issuers/examoffice", "vct": "https://sceau.example.fr/vct/Diploma",
			"exp": expiresAt.Unix(), "_sd_alg": HashAlgorithm}
	}
	given := disclosureOf(t, "given_name", "Camille")
	element := disclosureOf(t, "", "Mathématiques")
	otherIssuer := newP256(t)

	cases := []struct {
		name  string
		input func() string
		opts  func(*VerifyOptions)
		check Check
		word  string
	}{
		{name: "a disclosure with a changed value", check: CheckDisclosure, word: "not referenced",
			input: func() string {
				d := must(parseDisclosure(disclosures[0]))
				forged := string(must(encodeJSON([]any{d.Salt, d.Name, "Dominique"})))
				return joinSDJWT(jwt, append([]string{base64.RawURLEncoding.EncodeToString([]byte(forged))}, disclosures[1:]...), kb)
			}},
		{name: "a disclosure that is not base64url", check: CheckDisclosure, word: "base64url",
			input: func() string { return joinSDJWT(jwt, append([]string{"WyJ!"}, disclosures[1:]...), kb) }},
		{name: "an unreferenced disclosure", check: CheckDisclosure, word: "not referenced",
			input: func() string {
				return withKeyBinding(t, joinSDJWT(jwt, slices.Concat(disclosures, []string{disclosureOf(t, "birth_date", "2000-01-01").Encoded}), ""), s.holder, TypeKeyBinding)
			}},
		{name: "the same disclosure twice", check: CheckDisclosure, word: "same disclosure",
			input: func() string {
				return withKeyBinding(t, joinSDJWT(jwt, slices.Concat(disclosures, disclosures[:1]), ""), s.holder, TypeKeyBinding)
			}},
		{name: "two tildes in a row", check: CheckFormat, word: "empty",
			input: func() string { return joinSDJWT(jwt, append([]string{""}, disclosures...), kb) }},
		{name: "no tilde", check: CheckFormat, word: "~", input: func() string { return jwt }},
		{name: "no trailing tilde without key binding", check: CheckFormat, word: "ends with",
			input: func() string {
				return joinSDJWT(jwt, disclosures[:len(disclosures)-1], disclosures[len(disclosures)-1])
			}},
		{name: "too large", check: CheckFormat, word: "allowed",
			input: func() string { return s.presentation + strings.Repeat("A", MaxSize) }},
		{name: "too many disclosures", check: CheckFormat, word: "disclosures",
			input: func() string { return jwt + strings.Repeat("~WyJ4IiwgMV0", MaxDisclosures+1) + "~" }},

		{name: "a wrong nonce", check: CheckNonce, word: "nonce",
			input: func() string {
				return s.present(t, Select(Path{"mention"}), "another-nonce", testAudience, presentedAt)
			}},
		{name: "a wrong audience", check: CheckAudience, word: "https://phishing.example",
			input: func() string {
				return s.present(t, Select(Path{"mention"}), testNonce, "https://phishing.example", presentedAt)
			}},
		{name: "a key-binding JWT signed by another key", check: CheckKeyBinding, word: "holder key",
			input: func() string { return withKeyBinding(t, s.presentation, newP256(t), TypeKeyBinding) }},
		{name: "a key-binding JWT of the wrong typ", check: CheckKeyBinding, word: "kb+jwt",
			input: func() string { return withKeyBinding(t, s.presentation, s.holder, "JWT") }},
		{name: "a disclosure removed after key binding", check: CheckSDHash, word: "sd_hash",
			input: func() string { return joinSDJWT(jwt, disclosures[1:], kb) }},
		{name: "a stale key-binding JWT", check: CheckFreshness, word: "ago",
			input: func() string { return s.presentation },
			opts:  func(o *VerifyOptions) { o.Now = func() time.Time { return presentedAt.Add(time.Hour) } }},
		{name: "a key-binding JWT from the future", check: CheckFreshness, word: "future",
			input: func() string { return s.presentation },
			opts:  func(o *VerifyOptions) { o.Now = func() time.Time { return presentedAt.Add(-10 * time.Minute) } }},
		{name: "no key-binding JWT", check: CheckKeyBinding, word: "requires",
			input: func() string { return joinSDJWT(jwt, disclosures, "") }},
		{name: "a key-binding JWT and no nonce to check", check: CheckKeyBinding, word: "Nonce",
			input: func() string { return s.presentation },
			opts:  func(o *VerifyOptions) { o.Nonce = "" }},

		{name: "an unknown issuer key", check: CheckSignature, word: "unknown kid",
			input: func() string { return s.presentation },
			opts:  func(o *VerifyOptions) { o.IssuerKey = keyOf("other", s.issuer.Public()) }},
		{name: "another issuer's key", check: CheckSignature, word: "does not verify",
			input: func() string { return s.presentation },
			opts:  func(o *VerifyOptions) { o.IssuerKey = keyOf("examoffice-1", otherIssuer.Public()) }},
		{name: "an Ed25519 key for an ES256 header", check: CheckSignature, word: "ES256",
			input: func() string { return s.presentation },
			opts:  func(o *VerifyOptions) { o.IssuerKey = keyOf("examoffice-1", newEd25519(t).Public()) }},
		{name: "an altered issuer payload", check: CheckSignature, word: "does not verify",
			input: func() string {
				parts := strings.Split(jwt, ".")
				_, payload, _ := decodeCompactJWT(jwt)
				payload["vct"] = "https://sceau.example.fr/vct/Master"
				parts[1] = base64.RawURLEncoding.EncodeToString(must(encodeJSON(payload)))
				return joinSDJWT(strings.Join(parts, "."), disclosures, kb)
			}},

		{name: "alg none", check: CheckHeader, word: "none",
			input: func() string { return s.reissue(t, map[string]any{"alg": "none", "typ": TypeVC}, basePayload()) }},
		{name: "alg HS256", check: CheckHeader, word: "HMAC",
			input: func() string { return s.reissue(t, map[string]any{"alg": "HS256", "typ": TypeVC}, basePayload()) }},
		{name: "a key in the header", check: CheckHeader, word: "jwk",
			input: func() string {
				return s.reissue(t, map[string]any{"alg": ES256, "typ": TypeVC, "jwk": must(publicJWK(s.issuer.Public()))}, basePayload())
			}},
		{name: "a certificate URL in the header", check: CheckHeader, word: "x5u",
			input: func() string {
				return s.reissue(t, map[string]any{"alg": ES256, "typ": TypeVC, "x5u": "https://evil.example/cert"}, basePayload())
			}},
		{name: "a critical extension", check: CheckHeader, word: "crit",
			input: func() string {
				return s.reissue(t, map[string]any{"alg": ES256, "typ": TypeVC, "crit": []string{"exp"}, "exp": 1}, basePayload())
			}},
		{name: "another typ", check: CheckHeader, word: "typ",
			input: func() string {
				return s.reissue(t, map[string]any{"alg": ES256, "typ": "vc+sd-jwt", "kid": "examoffice-1"}, basePayload())
			}},

		{name: "expired", check: CheckClaims, word: "expired",
			input: func() string {
				p := basePayload()
				p["exp"] = presentedAt.Add(-time.Hour).Unix()
				return s.reissue(t, vcHeader, p)
			}},
		{name: "not yet valid", check: CheckClaims, word: "not valid before",
			input: func() string {
				p := basePayload()
				p["nbf"] = presentedAt.Add(time.Hour).Unix()
				return s.reissue(t, vcHeader, p)
			}},
		{name: "an SD-JWT VC without vct", check: CheckClaims, word: "vct",
			input: func() string {
				p := basePayload()
				delete(p, "vct")
				return s.reissue(t, vcHeader, p)
			}},
		{name: "an SD-JWT VC with a selectively disclosable exp", check: CheckClaims, word: "exp",
			input: func() string {
				p := basePayload()
				exp := disclosureOf(t, "exp", expiresAt.Unix())
				delete(p, "exp")
				p["_sd"] = []string{exp.Digest}
				return s.reissue(t, vcHeader, p, exp)
			}},

		{name: "a digest twice in the payload", check: CheckDisclosure, word: "more than once",
			input: func() string {
				p := basePayload()
				p["_sd"] = []string{given.Digest, given.Digest}
				return s.reissue(t, vcHeader, p, given)
			}},
		{name: "a disclosure colliding with a claim", check: CheckDisclosure, word: "already has",
			input: func() string {
				p := basePayload()
				p["given_name"] = "Dominique"
				p["_sd"] = []string{given.Digest}
				return s.reissue(t, vcHeader, p, given)
			}},
		{name: "an array element's disclosure in _sd", check: CheckDisclosure, word: "array element",
			input: func() string {
				p := basePayload()
				p["_sd"] = []string{element.Digest}
				return s.reissue(t, vcHeader, p, element)
			}},
		{name: "a member's disclosure as an array element", check: CheckDisclosure, word: "object member",
			input: func() string {
				p := basePayload()
				p["specialities"] = []any{map[string]any{"...": given.Digest}}
				return s.reissue(t, vcHeader, p, given)
			}},
		{name: "an _sd that is not an array", check: CheckDisclosure, word: "_sd",
			input: func() string {
				p := basePayload()
				p["_sd"] = given.Digest
				return s.reissue(t, vcHeader, p, given)
			}},
		{name: "an unsupported _sd_alg", check: CheckDisclosure, word: "sha-512",
			input: func() string {
				p := basePayload()
				p["_sd_alg"] = "sha-512"
				return s.reissue(t, vcHeader, p)
			}},
		{name: "a disclosure named _sd", check: CheckDisclosure, word: "reserved",
			input: func() string {
				d := disclosureOf(t, "_sd", []string{"x"})
				p := basePayload()
				p["_sd"] = []string{d.Digest}
				return s.reissue(t, vcHeader, p, d)
			}},
		{name: "a payload nested too deep", check: CheckFormat, word: "deep",
			input: func() string {
				p := basePayload()
				p["deep"] = nested(MaxDepth + 1)
				return s.reissue(t, vcHeader, p)
			}},
		{name: "disclosures nested too deep once substituted", check: CheckDisclosure, word: "deep",
			input: func() string {
				inner := disclosureOf(t, "inner", nested(MaxDepth-1))
				outer := disclosureOf(t, "outer", map[string]any{"_sd": []string{inner.Digest}})
				p := basePayload()
				p["_sd"] = []string{outer.Digest}
				return s.reissue(t, vcHeader, p, inner, outer)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := s.opts
			if c.opts != nil {
				c.opts(&opts)
			}
			v, err := Verify(c.input(), opts)
			if err == nil {
				t.Fatalf("Verify accepted it: claims %v", v.Claims)
			}
			if CheckOf(err) != c.check || !strings.Contains(err.Error(), c.word) {
				t.Fatalf("got %q (check %q), want check %q naming %q", err, CheckOf(err), c.check, c.word)
			}
		})
	}
}

// nested returns arrays nested depth levels deep.
func nested(depth int) any {
	var v any = "bottom"
	for range depth {
		v = []any{v}
	}
	return v
}

func TestIssueRejects(t *testing.T) {
	issuer := newP256(t)
	holder := newP256(t)
	withClaim := func(name string, v any) map[string]any {
		c := diplomaClaims()
		c[name] = v
		return c
	}
	cases := []struct {
		name   string
		claims map[string]any
		opts   IssueOptions
		word   string
	}{
		{"no signer", diplomaClaims(), IssueOptions{}, "Signer"},
		{"a P-384 key", diplomaClaims(), IssueOptions{Signer: must(newP384())}, "P-256"},
		{"too many decoys", diplomaClaims(), IssueOptions{Signer: issuer, Decoys: MaxDecoys + 1}, "Decoys"},
		{"a path matching no claim", diplomaClaims(), IssueOptions{Signer: issuer, Disclosable: []Path{{"mension"}}}, "mension"},
		{"a path element of a wrong type", diplomaClaims(), IssueOptions{Signer: issuer, Disclosable: []Path{{"competences", 1.5}}}, "float64"},
		{"an empty path", diplomaClaims(), IssueOptions{Signer: issuer, Disclosable: []Path{{}}}, "empty"},
		{"a claim named _sd", withClaim("school", map[string]any{"_sd": "x"}), IssueOptions{Signer: issuer}, "school._sd"},
		{"a claim named ...", withClaim("list", []any{map[string]any{"...": "x"}}), IssueOptions{Signer: issuer}, "reserved"},
		{"a claim named _sd_alg", withClaim("_sd_alg", "sha-256"), IssueOptions{Signer: issuer}, "_sd_alg"},
		{"cnf twice", withClaim("cnf", map[string]any{}), IssueOptions{Signer: issuer, HolderKey: holder.Public()}, "cnf"},
		{"a holder key of another type", diplomaClaims(), IssueOptions{Signer: issuer, HolderKey: "key"}, "HolderKey"},
		{"an SD-JWT VC without vct", withClaim("vct", ""), IssueOptions{Signer: issuer}, "vct"},
		{"an SD-JWT VC hiding its expiry", diplomaClaims(), IssueOptions{Signer: issuer, Disclosable: []Path{{"exp"}}}, "exp"},
		{"claims that are not JSON", withClaim("f", func() {}), IssueOptions{Signer: issuer}, "encoding"},
		{"no claims", nil, IssueOptions{Signer: issuer}, "nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Issue(c.claims, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.word) {
				t.Fatalf("got %q, %v; want an error naming %q", s, err, c.word)
			}
		})
	}
	// Outside an SD-JWT VC, any claim may be hidden and vct is optional.
	c := diplomaClaims()
	delete(c, "vct")
	if _, err := Issue(c, IssueOptions{Signer: issuer, Type: "example+sd-jwt", Disclosable: []Path{{"exp"}}}); err != nil {
		t.Errorf("plain SD-JWT: %v", err)
	}
}

func TestPresentRejects(t *testing.T) {
	s := newScenario(t)
	unbound := issueDiploma(t, s.issuer, nil)
	kb := func(signer crypto.Signer) *KeyBindingOptions {
		return &KeyBindingOptions{Signer: signer, Nonce: testNonce, Audience: testAudience, IssuedAt: presentedAt}
	}
	cases := []struct {
		name   string
		sdjwt  string
		kb     *KeyBindingOptions
		check  Check
		word   string
		parsed bool
	}{
		{"another key than cnf.jwk", s.issued, kb(newP256(t)), "", "cnf.jwk", false},
		{"no cnf to bind", unbound, kb(s.holder), "", "cnf.jwk", false},
		{"a presentation presented again", s.presentation, kb(s.holder), "", "already", false},
		{"no nonce", s.issued, &KeyBindingOptions{Signer: s.holder, Audience: testAudience}, "", "Nonce", false},
		{"no signer", s.issued, &KeyBindingOptions{Nonce: testNonce, Audience: testAudience}, "", "Signer", false},
		{"not an SD-JWT", "hello", nil, CheckFormat, "~", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Present(c.sdjwt, Select(Path{"mention"}), c.kb)
			if err == nil || !strings.Contains(err.Error(), c.word) || CheckOf(err) != c.check {
				t.Fatalf("got %q, %v; want an error naming %q", p, err, c.word)
			}
		})
	}
}
