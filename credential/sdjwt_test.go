package credential

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/sdjwt"
)

// holderJWK returns a new holder key and its public JWK.
func holderJWK(t testing.TB) (*Key, []byte) {
	t.Helper()
	k := generateKey(t, ES256)
	jwk, err := k.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	return k, jwk
}

func signSDJWT(t testing.TB, c *Credential, key *Key, holder []byte) string {
	t.Helper()
	s, err := SignSDJWT(c, key, holder)
	if err != nil {
		t.Fatalf("SignSDJWT: %v", err)
	}
	return s.Text
}

func parseSDJWT(t testing.TB, s string) *SignedSDJWT {
	t.Helper()
	p, err := ParseSDJWT(s)
	if err != nil {
		t.Fatalf("ParseSDJWT: %v", err)
	}
	return p
}

func shownClaims(c *SDJWTCredential) []string {
	names := make([]string, 0, len(c.Claims))
	for n := range c.Claims {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestSDJWTRoundTripShowsTheWholeSubject(t *testing.T) {
	key := generateKey(t, ES256)
	edKey := generateKey(t, EdDSA)
	_, holder := holderJWK(t)
	cases := []struct {
		name   string
		record schemas.Record
		key    *Key
		holder []byte
	}{
		{"diploma bound to a holder", sampleDiploma(), key, holder},
		{"BTS without holder, EdDSA", sampleBTS(), edKey, nil},
		{"Pix certification", samplePix(), key, holder},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCredential(t, tc.record, "ac-versailles")
			s := signSDJWT(t, c, tc.key, tc.holder)
			if !strings.HasSuffix(s, "~") {
				t.Errorf("an issued SD-JWT must end with \"~\": %q", s[len(s)-10:])
			}
			p := parseSDJWT(t, s)
			if err := p.Verify(tc.key.Public()); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			got := p.Credential
			if got.ID != c.ID || got.Type != c.Type || got.IssuerID != c.IssuerID || !got.ValidFrom.Equal(c.ValidFrom) || !got.ValidUntil.Equal(c.ValidUntil) {
				t.Errorf("envelope = %s %s %s %s %s, want %s %s %s %s %s", got.ID, got.Type, got.IssuerID, got.ValidFrom, got.ValidUntil,
					c.ID, c.Type, c.IssuerID, c.ValidFrom, c.ValidUntil)
			}
			subject, err := got.SubjectJSON()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := c.SubjectJSON()
			if !bytes.Equal(subject, want) {
				t.Errorf("subject with every disclosure:\n%s\nwant the vc+jwt subject:\n%s", subject, want)
			}
			if diff := got.Differences(c); len(diff) > 0 {
				t.Errorf("Differences = %v, want none", diff)
			}
			if (got.HolderKey != nil) != (tc.holder != nil) {
				t.Errorf("holder key = %v, want bound %v", got.HolderKey, tc.holder != nil)
			}
			if p.Digest() != DigestJWS(p.IssuerJWT) || !strings.HasPrefix(s, p.IssuerJWT+"~") {
				t.Errorf("Digest is not that of the issuer-signed JWT alone")
			}
			if p.KeyBinding != nil {
				t.Errorf("an issued SD-JWT has a key binding: %+v", p.KeyBinding)
			}
		})
	}
}

func TestSDJWTIssuerPayloadHidesPersonalClaims(t *testing.T) {
	for _, record := range []schemas.Record{sampleDiploma(), samplePix()} {
		c := newCredential(t, record, "ac-versailles")
		s := signSDJWT(t, c, generateKey(t, ES256), nil)
		jwt := strings.SplitN(s, "~", 2)[0]
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		visible, disclosable, err := SDJWTClaimNames(c.Type)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range disclosable {
			if _, ok := claims[name]; ok {
				t.Errorf("%s: claim %s is visible in the issuer-signed payload", c.Type, name)
			}
		}
		for _, name := range visible {
			if _, ok := claims[name]; !ok {
				t.Errorf("%s: claim %s is not visible", c.Type, name)
			}
		}
		holder := record.Holder()
		for _, personal := range []string{holder.StudentID, holder.GivenName, holder.FamilyName, holder.BirthDate} {
			if bytes.Contains(payload, []byte(personal)) {
				t.Errorf("%s: the issuer-signed payload shows %q", c.Type, personal)
			}
		}
		for _, name := range []string{"iss", "iat", "nbf", "vct", "id"} {
			if _, ok := claims[name]; !ok {
				t.Errorf("%s: claim %s is missing", c.Type, name)
			}
		}
		if _, ok := claims["exp"]; ok != (c.Type == schemas.TypePixCertification) {
			t.Errorf("%s: exp present = %v", c.Type, ok)
		}
		if claims["iss"] != "urn:sceau:issuer:ac-versailles" {
			t.Errorf("iss = %v, want the issuer URI", claims["iss"])
		}
	}
}

// present makes a presentation or fails the test.
func present(t testing.TB, issued string, holder *Key, p Presentation) string {
	t.Helper()
	out, err := PresentSDJWT(issued, holder, p)
	if err != nil {
		t.Fatalf("PresentSDJWT: %v", err)
	}
	return out
}

func TestSDJWTPresentationShowsOnlyWhatIsDisclosed(t *testing.T) {
	key := generateKey(t, ES256)
	holder, holderPub := holderJWK(t)
	pixCred := newCredential(t, samplePix(), "gip-pix")
	pixSD := signSDJWT(t, pixCred, key, holderPub)
	dipSD := signSDJWT(t, newCredential(t, sampleDiploma(), "ac-versailles"), key, holderPub)
	cases := []struct {
		name      string
		issued    string
		disclose  []string
		want      []string
		subject   string
		disclosed []string
	}{
		{
			name: "mention, not the birth date nor the student id", issued: dipSD,
			disclose: []string{"mention", "diploma", "type"},
			want:     []string{"diploma", "eqf_level", "mention"}, disclosed: []string{"mention"},
			subject: `{"diploma":"Baccalauréat général","eqf_level":4,"mention":"tres_bien"}`,
		},
		{
			name: "the Pix score and two competences", issued: pixSD,
			disclose: []string{"c3_4", "pix_score", "c2_1"},
			want:     []string{"c2_1", "c3_4", "pix_score"}, disclosed: []string{"pix_score", "c2_1", "c3_4"},
			subject: `{"pix_score":612,"competences":[{"id":"2.1","name":"Interagir","level":6},{"id":"3.4","name":"Programmer","level":2}]}`,
		},
		{
			name: "specialities by their CSV column name", issued: dipSD,
			disclose: []string{"speciality"},
			want:     []string{"diploma", "eqf_level", "specialities"}, disclosed: []string{"specialities"},
			subject: `{"diploma":"Baccalauréat général","eqf_level":4,"specialities":["Mathématiques","Physique-chimie"]}`,
		},
		{
			name: "nothing", issued: pixSD,
			want: []string{}, subject: `{}`,
		},
	}
	now := issuedAt.Add(48 * time.Hour)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pres := present(t, tc.issued, holder, Presentation{Disclose: tc.disclose, Nonce: "n-123", Audience: "https://employer.example", IssuedAt: now})
			p := parseSDJWT(t, pres)
			if err := p.Verify(key.Public()); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := p.VerifyKeyBinding(key.Public(), KeyBindingRequest{Nonce: "n-123", Audience: "https://employer.example", Now: now.Add(time.Minute)}); err != nil {
				t.Fatalf("VerifyKeyBinding: %v", err)
			}
			if got := shownClaims(p.Credential); !slices.Equal(got, tc.want) {
				t.Errorf("claims shown %v, want %v", got, tc.want)
			}
			if !slices.Equal(p.Credential.Disclosed, tc.disclosed) {
				t.Errorf("disclosed %v, want %v", p.Credential.Disclosed, tc.disclosed)
			}
			subject, err := p.Credential.SubjectJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(subject) != tc.subject {
				t.Errorf("subject %s, want %s", subject, tc.subject)
			}
			if p.KeyBinding == nil || p.KeyBinding.Nonce != "n-123" || p.KeyBinding.Audience != "https://employer.example" || !p.KeyBinding.IssuedAt.Equal(now) {
				t.Errorf("key binding %+v", p.KeyBinding)
			}
			if p.Digest() != parseSDJWT(t, tc.issued).Digest() {
				t.Errorf("a presentation's digest differs from the issued SD-JWT's")
			}
		})
	}
}

func TestSDJWTKeyBindingRejections(t *testing.T) {
	key := generateKey(t, ES256)
	holder, holderPub := holderJWK(t)
	other, otherPub := holderJWK(t)
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	issued := signSDJWT(t, c, key, holderPub)
	now := issuedAt.Add(time.Hour)
	pres := present(t, issued, holder, Presentation{Disclose: []string{"mention"}, Nonce: "n1", Audience: "aud1", IssuedAt: now})

	// A key-binding JWT signed by another holder key, for the same
	// disclosures, appended to this credential's presentation.
	otherIssued := signSDJWT(t, c, key, otherPub)
	otherPres := present(t, otherIssued, other, Presentation{Disclose: []string{"mention"}, Nonce: "n1", Audience: "aud1", IssuedAt: now})
	foreignKB := otherPres[strings.LastIndex(otherPres, "~")+1:]
	withForeignKB := pres[:strings.LastIndex(pres, "~")+1] + foreignKB

	// Dropping a disclosure keeps a valid SD-JWT but breaks sd_hash.
	parts := strings.Split(pres, "~")
	dropped := parts[0] + "~" + parts[len(parts)-1]

	cases := []struct {
		name  string
		input string
		req   KeyBindingRequest
		check sdjwt.Check
	}{
		{"another nonce", pres, KeyBindingRequest{Nonce: "n2", Audience: "aud1", Now: now}, sdjwt.CheckNonce},
		{"another audience", pres, KeyBindingRequest{Nonce: "n1", Audience: "aud2", Now: now}, sdjwt.CheckAudience},
		{"too old", pres, KeyBindingRequest{Nonce: "n1", Audience: "aud1", Now: now.Add(time.Hour)}, sdjwt.CheckFreshness},
		{"signed with another holder key", withForeignKB, KeyBindingRequest{Nonce: "n1", Audience: "aud1", Now: now}, sdjwt.CheckKeyBinding},
		{"a disclosure removed", dropped, KeyBindingRequest{Nonce: "n1", Audience: "aud1", Now: now}, sdjwt.CheckSDHash},
		{"no key binding", issued, KeyBindingRequest{Nonce: "n1", Audience: "aud1", Now: now}, sdjwt.CheckKeyBinding},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := parseSDJWT(t, tc.input)
			if err := p.Verify(key.Public()); err != nil {
				t.Fatalf("the issuer signature must still verify: %v", err)
			}
			err := p.VerifyKeyBinding(key.Public(), tc.req)
			if got := sdjwt.CheckOf(err); got != tc.check {
				t.Fatalf("VerifyKeyBinding error %v (check %q), want check %q", err, got, tc.check)
			}
		})
	}
}

func TestSDJWTTamperingIsRejected(t *testing.T) {
	key := generateKey(t, ES256)
	holder, holderPub := holderJWK(t)
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	issued := signSDJWT(t, c, key, holderPub)
	pres := present(t, issued, holder, Presentation{Disclose: []string{"mention"}, Nonce: "n", Audience: "a", IssuedAt: issuedAt})

	// Replace the mention's disclosure by one saying "tres_bien_felicitations".
	parts := strings.Split(pres, "~")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`["c2FsdHNhbHRzYWx0","mention","tres_bien_felicitations"]`))
	tampered := parts[0] + "~" + forged + "~" + parts[2]
	if _, err := ParseSDJWT(tampered); sdjwt.CheckOf(err) != sdjwt.CheckDisclosure {
		t.Errorf("a forged disclosure: error %v, want a disclosure error", err)
	}

	// Another issuer key.
	p := parseSDJWT(t, issued)
	other := generateKey(t, ES256)
	if err := p.Verify(other.Public()); err == nil || !strings.Contains(err.Error(), "does not name key") {
		t.Errorf("Verify with another key: %v", err)
	}
	// A signature that does not verify: the payload of another credential.
	c2 := newCredential(t, sampleBTS(), "ac-versailles")
	issued2 := signSDJWT(t, c2, key, holderPub)
	jwt1, jwt2 := strings.Split(p.IssuerJWT, "."), strings.Split(parseSDJWT(t, issued2).IssuerJWT, ".")
	swapped := jwt1[0] + "." + jwt2[1] + "." + jwt1[2] + "~"
	q := parseSDJWT(t, swapped)
	if err := q.Verify(key.Public()); err == nil || !strings.Contains(err.Error(), "signature does not verify") {
		t.Errorf("Verify of a swapped payload: %v", err)
	}
}

func TestPresentSDJWTRefusals(t *testing.T) {
	key := generateKey(t, ES256)
	holder, holderPub := holderJWK(t)
	c := newCredential(t, sampleBTS(), "ac-versailles")
	issued := signSDJWT(t, c, key, holderPub)
	pres := Presentation{Nonce: "n", Audience: "a"}

	pres.Disclose = []string{"mention"} // a BTS without mention
	_, err := PresentSDJWT(issued, holder, pres)
	var unknown *UnknownClaimError
	if !errors.As(err, &unknown) || unknown.Name != "mention" {
		t.Fatalf("a claim the credential lacks: error %v, want an *UnknownClaimError", err)
	}
	for _, name := range []string{"student_id", "birth_date", "rncp", "awarded_on"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not list %s: %v", name, err)
		}
	}
	pres.Disclose = []string{"nickname"}
	if _, err := PresentSDJWT(issued, holder, pres); !errors.As(err, &unknown) {
		t.Errorf("an unknown claim: %v", err)
	}

	pres.Disclose = []string{"rncp"}
	other := generateKey(t, ES256)
	if _, err := PresentSDJWT(issued, other, pres); err == nil || !strings.Contains(err.Error(), "bound to holder key") {
		t.Errorf("presenting with another key: %v", err)
	}
	unbound := signSDJWT(t, c, key, nil)
	if _, err := PresentSDJWT(unbound, holder, pres); err == nil || !strings.Contains(err.Error(), "not bound") {
		t.Errorf("presenting an unbound credential: %v", err)
	}
	presented := present(t, issued, holder, pres)
	if _, err := PresentSDJWT(presented, holder, pres); err == nil || !strings.Contains(err.Error(), "already a presentation") {
		t.Errorf("presenting a presentation: %v", err)
	}
	if _, err := SignSDJWT(c, key, []byte(`{"kty":"oct","k":"c2VjcmV0"}`)); err == nil {
		t.Errorf("a symmetric holder key was accepted")
	}
}

func TestParseSDJWTRejectsOtherLayouts(t *testing.T) {
	key := generateKey(t, ES256)
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	base := func() map[string]any {
		return map[string]any{
			"iss": IssuerURI(c.IssuerID), "iat": c.ValidFrom.Unix(), "nbf": c.ValidFrom.Unix(),
			"vct": VCTDiploma, "id": c.ID, "diploma": "Baccalauréat général", "eqf_level": 4,
			"given_name": "Léa",
		}
	}
	issue := func(claims map[string]any, disclosable []sdjwt.Path, typ string) string {
		t.Helper()
		s, err := sdjwt.Issue(claims, sdjwt.IssueOptions{Signer: key.signer, KeyID: key.KID(), Type: typ, Disclosable: disclosable})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := ParseSDJWT(issue(base(), []sdjwt.Path{{"given_name"}}, SDJWTType)); err != nil {
		t.Fatalf("the reference layout is rejected: %v", err)
	}
	withExtra := base()
	withExtra["nickname"] = "Lélé"
	nested := base()
	nested["specialities"] = []string{"Maths", "Physique"}
	wrongVCT := base()
	wrongVCT["vct"] = "https://example.com/vct/other"
	iatDiffers := base()
	iatDiffers["iat"] = c.ValidFrom.Unix() + 1
	noID := base()
	delete(noID, "id")
	cases := []struct {
		name  string
		input string
		want  string
	}{
		{"a personal claim left visible", issue(base(), nil, SDJWTType), `"given_name" must be selectively disclosable`},
		{"the title hidden", issue(base(), []sdjwt.Path{{"given_name"}, {"diploma"}}, SDJWTType), `"diploma" is always visible`},
		{"an unknown claim", issue(withExtra, []sdjwt.Path{{"given_name"}, {"nickname"}}, SDJWTType), `"nickname" is not a claim`},
		{"an array element disclosed", issue(nested, []sdjwt.Path{{"given_name"}, {"specialities"}, {"specialities", nil}}, SDJWTType), "only top-level claims"},
		{"another vct", issue(wrongVCT, []sdjwt.Path{{"given_name"}}, SDJWTType), "vct"},
		{"typ vc+jwt", issue(base(), []sdjwt.Path{{"given_name"}}, "vc+jwt"), `typ "vc+jwt"`},
		{"iat differs from nbf", issue(iatDiffers, []sdjwt.Path{{"given_name"}}, SDJWTType), "differ"},
		{"no id", issue(noID, []sdjwt.Path{{"given_name"}}, SDJWTType), `"id" is missing`},
		{"JSON serialization", `{"protected":"e30","payload":"e30","signature":""}`, "compact"},
		{"not an SD-JWT", "a.b.c", "dc+sd-jwt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSDJWT(tc.input)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSDJWTDifferences(t *testing.T) {
	key := generateKey(t, ES256)
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	p := parseSDJWT(t, signSDJWT(t, c, key, nil))
	changed := sampleDiploma()
	changed.Mention = "bien"
	other, err := New(changed, "ac-versailles", issuedAt, idSource())
	if err != nil {
		t.Fatal(err)
	}
	if diff := p.Credential.Differences(other); !slices.Equal(diff, []string{"mention"}) {
		t.Errorf("Differences = %v, want [mention]", diff)
	}
	later, err := New(sampleDiploma(), "ac-creteil", issuedAt.Add(time.Second), idSource())
	if err != nil {
		t.Fatal(err)
	}
	if diff := p.Credential.Differences(later); !slices.Equal(diff, []string{"issuer", "validFrom"}) {
		t.Errorf("Differences = %v, want [issuer validFrom]", diff)
	}
}

func FuzzParseSDJWT(f *testing.F) {
	key := generateKey(f, ES256)
	holder, holderPub := holderJWK(f)
	for _, record := range []schemas.Record{sampleDiploma(), samplePix()} {
		issued := signSDJWT(f, newCredential(f, record, "ac-versailles"), key, holderPub)
		f.Add(issued)
		f.Add(present(f, issued, holder, Presentation{Disclose: []string{"given_name"}, Nonce: "n", Audience: "a", IssuedAt: issuedAt}))
	}
	f.Add("a.b.c~")
	f.Add("~~")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSDJWT(s)
		if err != nil {
			return
		}
		if p.Credential == nil || p.IssuerJWT == "" || p.KID == "" {
			t.Fatalf("parsed without its parts: %+v", p)
		}
		if _, err := p.Credential.SubjectJSON(); err != nil {
			t.Fatalf("a parsed SD-JWT's subject does not encode: %v", err)
		}
		for _, name := range p.Credential.Disclosed {
			if _, ok := p.Credential.Claims[name]; !ok {
				t.Fatalf("disclosed claim %s is not among the claims", name)
			}
		}
	})
}

func TestFlatSubjectReadsFieldsAsTheSubjectJSONHasThem(t *testing.T) {
	noOptional := sampleDiploma()
	noOptional.Mention, noOptional.Specialities, noOptional.Session = "", nil, ""
	pixNoCode := samplePix()
	pixNoCode.VerificationCode = ""
	quoted := sampleBTS()
	quoted.Diploma = `BTS "SIO" <option> & \ SLAM`
	for _, record := range append([]schemas.Record{sampleDiploma(), sampleBTS(), samplePix(), noOptional, pixNoCode, quoted}, encodingVariants()...) {
		c := newCredential(t, record, "ac-versailles")
		got, err := flatSubject(c)
		if err != nil {
			t.Fatalf("flatSubject: %v", err)
		}
		want, err := flatSubjectJSON(c)
		if err != nil {
			t.Fatalf("flatSubjectJSON: %v", err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d claims, want %d", record.CredentialType(), len(got), len(want))
		}
		for name, w := range want {
			if g := got[name]; !bytes.Equal(g, w) {
				t.Errorf("%s: claim %s is %s, want %s", record.CredentialType(), name, g, w)
			}
		}
	}
}

// flatSubjectJSON is flatSubject computed by decoding the subject's JSON:
// the reference flatSubject must equal.
func flatSubjectJSON(c *Credential) (map[string]json.RawMessage, error) {
	subject, err := c.SubjectJSON()
	if err != nil {
		return nil, err
	}
	var fields map[string]jsontext.Value
	if err := unmarshalStrict(subject, &fields); err != nil {
		return nil, fmt.Errorf("credentialSubject: %w", err)
	}
	flat := make(map[string]json.RawMessage, len(fields)+len(schemas.CompetenceFramework))
	for name, v := range fields {
		if name != "competences" {
			flat[name] = json.RawMessage(v)
			continue
		}
		var competences []schemas.Competence
		if err := unmarshalStrict(v, &competences); err != nil {
			return nil, fmt.Errorf("credentialSubject competences: %w", err)
		}
		if len(competences) != len(schemas.CompetenceFramework) {
			return nil, fmt.Errorf("credentialSubject: %d competences, want the %d of the framework", len(competences), len(schemas.CompetenceFramework))
		}
		for i, comp := range competences {
			def := schemas.CompetenceFramework[i]
			if comp.ID != def.ID {
				return nil, fmt.Errorf("credentialSubject: competence %d is %q, want %q", i, comp.ID, def.ID)
			}
			level, err := marshalJSON(comp.Level)
			if err != nil {
				return nil, err
			}
			flat[def.Column] = level
		}
	}
	return flat, nil
}
