package sdjwt

import (
	"crypto"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	keys := []struct {
		name           string
		issuer, holder crypto.Signer
	}{
		{"ES256 issuer, P-256 holder", newP256(t), newP256(t)},
		{"EdDSA issuer, Ed25519 holder", newEd25519(t), newEd25519(t)},
		{"ES256 issuer, Ed25519 holder", newP256(t), newEd25519(t)},
	}
	// Every claim a verifier always sees.
	const visible = `"iss": "https://sceau.example.fr/issuers/examoffice", "iat": 1782896400, "exp": 1814432400,
		"vct": "https://sceau.example.fr/vct/Diploma", "diploma": "Baccalauréat général"`
	subsets := []struct {
		name      string
		disclose  func(Path) bool
		claims    string   // besides the visible ones and cnf
		disclosed []string // sorted
	}{
		{
			name:      "mention but not birth date",
			disclose:  Select(Path{"given_name"}, Path{"family_name"}, Path{"mention"}),
			claims:    `"given_name": "Camille", "family_name": "Martin", "mention": "Très bien", "specialities": [], "competences": []`,
			disclosed: []string{"family_name", "given_name", "mention"},
		},
		{
			name:      "Pix score and two competences",
			disclose:  Select(Path{"pix_score"}, Path{"competences", 1}, Path{"competences", 4}),
			claims:    `"pix_score": 512, "specialities": [], "competences": [{"id": "1.2", "level": 4}, {"id": "2.2", "level": 5}]`,
			disclosed: []string{"competences[1]", "competences[4]", "pix_score"},
		},
		{
			name:      "a nested claim brings its parent",
			disclose:  Select(Path{"school", "city"}),
			claims:    `"school": {"city": "Lyon"}, "specialities": [], "competences": []`,
			disclosed: []string{"school", "school.city"},
		},
		{
			name:      "a claim whole, with the claims inside it",
			disclose:  Select(Path{"school"}, Path{"specialities", nil}),
			claims:    `"school": {"name": "Lycée du Parc", "city": "Lyon"}, "specialities": ["Mathématiques", "Physique-chimie"], "competences": []`,
			disclosed: []string{"school", "school.city", "school.name", "specialities[0]", "specialities[1]"},
		},
		{
			name:      "nothing",
			disclose:  nil,
			claims:    `"specialities": [], "competences": []`,
			disclosed: nil,
		},
	}
	for _, k := range keys {
		issued := issueDiploma(t, k.issuer, k.holder.Public())
		holderJWK, err := publicJWK(k.holder.Public())
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range subsets {
			t.Run(k.name+"/"+sub.name, func(t *testing.T) {
				kb := &KeyBindingOptions{Signer: k.holder, Nonce: testNonce, Audience: testAudience, IssuedAt: presentedAt}
				presentation, err := Present(issued, sub.disclose, kb)
				if err != nil {
					t.Fatalf("Present: %v", err)
				}
				v, err := Verify(presentation, verifierOptions("examoffice-1", k.issuer.Public()))
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				want := mustDecode(t, "{"+visible+", "+sub.claims+"}").(map[string]any)
				want["cnf"] = map[string]any{"jwk": holderJWK}
				assertSameJSON(t, "claims", v.Claims, want)
				var disclosed []string
				for _, p := range v.Disclosed {
					disclosed = append(disclosed, p.String())
				}
				slices.Sort(disclosed)
				if !slices.Equal(disclosed, sub.disclosed) {
					t.Errorf("Disclosed = %q, want %q", disclosed, sub.disclosed)
				}
				if !strings.HasPrefix(presentation, v.IssuerJWT+"~") {
					t.Error("IssuerJWT is not the start of the presentation")
				}
				if v.KeyBinding == nil || v.KeyBinding.Nonce != testNonce || v.KeyBinding.Audience != testAudience || !v.KeyBinding.IssuedAt.Equal(presentedAt) {
					t.Errorf("KeyBinding = %+v", v.KeyBinding)
				}
				if v.Header.Type != TypeVC || v.Header.KeyID != "examoffice-1" {
					t.Errorf("Header = %+v", v.Header)
				}
			})
		}
	}
}

// A holder checks what it was issued: every claim, no key binding.
func TestVerifyIssuedAsHolder(t *testing.T) {
	issuer, holder := newP256(t), newP256(t)
	issued := issueDiploma(t, issuer, holder.Public())
	opts := verifierOptions("examoffice-1", issuer.Public())
	opts.KeyBinding = KeyBindingOptional
	v, err := Verify(issued, opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	delete(v.Claims, "cnf")
	assertSameJSON(t, "claims", v.Claims, mustDecode(t, string(must(encodeJSON(diplomaClaims())))))
	if len(v.Disclosed) != 16 || v.KeyBinding != nil {
		t.Errorf("got %d disclosures and key binding %v, want 16 and none", len(v.Disclosed), v.KeyBinding)
	}
	p, err := Parse(issued)
	if err != nil {
		t.Fatal(err)
	}
	if p.IssuerJWT() != v.IssuerJWT || p.KeyBindingJWT() != "" || len(p.Disclosures()) != 16 {
		t.Errorf("Parse: issuer JWT %v, key binding %q, %d disclosures", p.IssuerJWT() == v.IssuerJWT, p.KeyBindingJWT(), len(p.Disclosures()))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Without key binding, a presentation ends with "~" and a verifier that
// requires none accepts it.
func TestPresentWithoutKeyBinding(t *testing.T) {
	issuer := newEd25519(t)
	issued := issueDiploma(t, issuer, nil)
	presentation, err := Present(issued, Select(Path{"mention"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(presentation, "~") || strings.Count(presentation, "~") != 2 {
		t.Fatalf("presentation %q: want <jwt>~<mention>~", presentation)
	}
	opts := verifierOptions("examoffice-1", issuer.Public())
	opts.KeyBinding = KeyBindingOptional
	v, err := Verify(presentation, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.Claims["mention"] != "Très bien" || v.Claims["given_name"] != nil {
		t.Errorf("claims: %v", v.Claims)
	}
}

// The salt source makes issuance reproducible (Ed25519 signatures are
// deterministic), and decoys add digests without changing the claims.
func TestIssueRandAndDecoys(t *testing.T) {
	issuer := newEd25519(t)
	issue := func(decoys int) string {
		s, err := Issue(diplomaClaims(), IssueOptions{
			Signer: issuer, KeyID: "examoffice-1", Disclosable: diplomaDisclosable,
			Decoys: decoys, Rand: rand.NewChaCha8([32]byte{1}),
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if first, again := issue(0), issue(0); first != again {
		t.Error("the same Rand gave two different SD-JWTs")
	}
	withDecoys := issue(MaxDecoys)
	digests := func(s string) int {
		p, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return countDigests(p.payload)
	}
	if with, without := digests(withDecoys), digests(issue(0)); with <= without {
		t.Errorf("%d digests with decoys, %d without: no decoy added", with, without)
	}
	opts := verifierOptions("examoffice-1", issuer.Public())
	opts.KeyBinding = KeyBindingOptional
	a, err := Verify(withDecoys, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Verify(issue(0), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Claims, b.Claims) {
		t.Error("decoys changed the claims")
	}
}

// countDigests counts the digests in _sd arrays and {"...": digest}
// elements of a payload, nested disclosures not included.
func countDigests(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for name, child := range v {
			if sd, ok := child.([]any); ok && name == sdKey {
				n += len(sd)
				continue
			}
			if name == arrayDigestKey {
				n++
				continue
			}
			n += countDigests(child)
		}
	case []any:
		for _, child := range v {
			n += countDigests(child)
		}
	}
	return n
}
