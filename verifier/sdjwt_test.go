package verifier

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/schemas"
)

// sdIssued is a credential issued in its three forms, the SD-JWT bound to
// a holder key.
type sdIssued struct {
	cred   *credential.Credential
	sdjwt  string
	bundle credential.Bundle
}

// newHolder returns a new holder key and its public JWK.
func (e *env) newHolder() (*credential.Key, []byte) {
	e.t.Helper()
	k := e.generateKey()
	jwk, err := k.PublicJWK()
	if err != nil {
		e.t.Fatal(err)
	}
	return k, jwk
}

// issueSD signs subject in every form with the test issuer's key, the
// SD-JWT bound to holderJWK, and anchors the three digests in one batch.
func (e *env) issueSD(subject schemas.Record, holderJWK []byte) *sdIssued {
	e.t.Helper()
	c, err := credential.New(subject, issuerID, e.issuedAt, rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	jwt, err := credential.SignJWT(c, e.key)
	if err != nil {
		e.t.Fatal(err)
	}
	qr, err := credential.SignQR(c, e.key)
	if err != nil {
		e.t.Fatal(err)
	}
	sd, err := credential.SignSDJWT(c, e.key, holderJWK)
	if err != nil {
		e.t.Fatal(err)
	}
	group := []string{jwt.Digest, qr.Digest, sd.Digest}
	raw := make([][]byte, len(group))
	for i, d := range group {
		raw[i], _ = hex.DecodeString(d)
	}
	leaf := merkle.LeafHash(merkle.LeafData(raw))
	root := hex.EncodeToString(merkle.Root([][]byte{leaf}))
	e.batches++
	batchID := fmt.Sprintf("sd-batch-%d", e.batches)
	req := record.AnchorRequest{BatchID: batchID, IssuerID: issuerID, Type: record.CredentialType(subject.CredentialType()), Credentials: [][]string{group}, Root: root}
	if _, err := e.contract.AnchorBatch(e.ctx, issuerOrg, req); err != nil {
		e.t.Fatalf("AnchorBatch: %v", err)
	}
	return &sdIssued{cred: c, sdjwt: sd.Text, bundle: credential.Bundle{
		ID: c.ID, Type: c.Type, Issuer: credential.IssuerURI(issuerID), VCJWT: jwt.Text, SDJWT: sd.Text, QR: qr.Text,
		Anchor: credential.Anchor{Batch: batchID, Root: root, Index: 0, Proof: []string{}},
	}}
}

// present makes a presentation signed now by the test clock.
func (e *env) present(issued string, holder *credential.Key, nonce, audience string, claims ...string) string {
	e.t.Helper()
	p, err := credential.PresentSDJWT(issued, holder, credential.Presentation{Disclose: claims, Nonce: nonce, Audience: audience, IssuedAt: e.now})
	if err != nil {
		e.t.Fatalf("PresentSDJWT: %v", err)
	}
	return p
}

// verifyExpecting verifies input with a verifier expecting nonce and
// audience.
func (e *env) verifyExpecting(input string, req PresentationRequest) *Result {
	e.t.Helper()
	decoded, err := credential.Decode(e.ctx, []byte(input))
	return e.verifier.VerifyDecoded(e.ctx, decoded, err, req)
}

// claimKeys returns the member names of a result's claims.
func claimKeys(t *testing.T, r *Result) []string {
	t.Helper()
	if len(r.Claims) == 0 {
		return nil
	}
	var claims map[string]any
	if err := json.Unmarshal(r.Claims, &claims); err != nil {
		t.Fatalf("claims %s: %v", r.Claims, err)
	}
	keys := make([]string, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var sdCheckOrder = append(slices.Clone(checkOrder), CheckHolderBinding)

func TestSDJWTPresentationWithHolderBindingIsValid(t *testing.T) {
	e := newEnv(t)
	holder, holderJWK := e.newHolder()
	is := e.issueSD(diploma(), holderJWK)
	pres := e.present(is.sdjwt, holder, "n-0001", "https://employer.example", "mention")

	for _, tc := range []struct {
		name    string
		req     PresentationRequest
		inReply string
	}{
		{"expected nonce and audience", PresentationRequest{Nonce: "n-0001", Audience: "https://employer.example"}, `nonce "n-0001" and audience "https://employer.example" as expected`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.verifyExpecting(pres, tc.req)
			if r.Verdict != Valid {
				t.Fatalf("verdict %s, want valid:\n%s", r.Verdict, describe(r))
			}
			if r.Input != "dc+sd-jwt" || r.ID != is.cred.ID || r.Type != "Diploma" {
				t.Errorf("input %q id %s type %s", r.Input, r.ID, r.Type)
			}
			for i, c := range r.Checks {
				if i >= len(sdCheckOrder) || c.Name != sdCheckOrder[i] || !c.OK {
					t.Errorf("check %d = %+v, want %s passed", i, c, sdCheckOrder[min(i, len(sdCheckOrder)-1)])
				}
			}
			if got := r.Check(CheckHolderBinding).Reason; !strings.Contains(got, tc.inReply) {
				t.Errorf("holder_binding reason %q does not say %q", got, tc.inReply)
			}
			if got := claimKeys(t, r); !slices.Equal(got, []string{"diploma", "eqf_level", "mention"}) {
				t.Errorf("claims shown %v, want exactly the disclosed mention and the visible title", got)
			}
			for _, hidden := range []string{"070123456AB", "Martin", "Léa", "2007-02-28"} {
				if strings.Contains(string(r.Claims), hidden) || strings.Contains(describe(r), hidden) {
					t.Errorf("the result shows the undisclosed %q", hidden)
				}
			}
		})
	}
}

func TestSDJWTPresentationRejections(t *testing.T) {
	e := newEnv(t)
	holder, holderJWK := e.newHolder()
	other, otherJWK := e.newHolder()
	is := e.issueSD(diploma(), holderJWK)
	want := PresentationRequest{Nonce: "n-1", Audience: "aud-1"}
	pres := e.present(is.sdjwt, holder, "n-1", "aud-1", "mention", "given_name")

	// The same credential bound to another key: its key-binding JWT is
	// signed by that key, not by the cnf key of is.
	otherPres := e.present(e.issueSD(diploma(), otherJWK).sdjwt, other, "n-1", "aud-1", "mention")
	foreign := pres[:strings.LastIndex(pres, "~")+1] + otherPres[strings.LastIndex(otherPres, "~")+1:]

	parts := strings.Split(pres, "~")
	forgedDisclosure := base64.RawURLEncoding.EncodeToString([]byte(`["c2FsdHNhbHRzYWx0","mention","tres_bien_felicitations"]`))
	tampered := strings.Replace(pres, parts[1], forgedDisclosure, 1)
	withoutOne := parts[0] + "~" + parts[1] + "~" + parts[len(parts)-1]

	cases := []struct {
		name   string
		input  string
		req    PresentationRequest
		failed string
		reason string
	}{
		{"another nonce", pres, PresentationRequest{Nonce: "n-2", Audience: "aud-1"}, CheckHolderBinding, "wrong nonce"},
		{"another audience", pres, PresentationRequest{Nonce: "n-1", Audience: "aud-2"}, CheckHolderBinding, "wrong audience"},
		{"signed with another holder key", foreign, want, CheckHolderBinding, "does not prove the holder"},
		{"signed with another holder key, nothing requested", foreign, PresentationRequest{}, CheckHolderBinding, "valid only presented by its holder"},
		{"a genuine presentation, nothing requested", pres, PresentationRequest{}, CheckHolderBinding, "named no nonce and audience"},
		{"a genuine presentation, audience only", pres, PresentationRequest{Audience: "aud-1"}, CheckHolderBinding, "named no nonce and audience"},
		{"a genuine presentation, nonce only", pres, PresentationRequest{Nonce: "n-1"}, CheckHolderBinding, "named no nonce and audience"},
		{"no key binding, nothing requested", is.sdjwt, PresentationRequest{}, CheckHolderBinding, "valid only presented by its holder"},
		{"a disclosure removed after signing", withoutOne, want, CheckHolderBinding, "not those the holder signed"},
		{"a tampered disclosure", tampered, want, CheckFormat, "disclosure"},
		{"no key binding when one is expected", is.sdjwt, want, CheckHolderBinding, "no key-binding JWT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.verifyExpecting(tc.input, tc.req)
			if r.Verdict != Invalid || r.ExitCode() != ExitInvalid {
				t.Fatalf("verdict %s, want invalid:\n%s", r.Verdict, describe(r))
			}
			f := failing(r)
			if f == nil || f.Name != tc.failed || !strings.Contains(f.Reason, tc.reason) {
				t.Fatalf("failing check %+v, want %s saying %q", f, tc.failed, tc.reason)
			}
			if tc.failed == CheckFormat && r.Check(CheckHolderBinding) == nil {
				t.Errorf("an undecodable SD-JWT does not list holder_binding as not checked")
			}
		})
	}

	t.Run("stale", func(t *testing.T) {
		e.now = e.now.Add(10 * time.Minute)
		defer func() { e.now = e.now.Add(-10 * time.Minute) }()
		r := e.verifyExpecting(pres, want)
		if f := failing(r); f == nil || f.Name != CheckHolderBinding || !strings.Contains(f.Reason, "stale") {
			t.Fatalf("failing check %+v, want a stale presentation:\n%s", f, describe(r))
		}
	})
}

func TestSDJWTSingleUseNonce(t *testing.T) {
	e := newEnv(t)
	holder, holderJWK := e.newHolder()
	is := e.issueSD(diploma(), holderJWK)
	issued := map[string]bool{"challenge-1": true}
	consume := func(nonce string) error {
		if !issued[nonce] {
			return errors.New("not issued by this verifier, or already used")
		}
		delete(issued, nonce)
		return nil
	}
	v := New(e.contract, e.verifier.validator, Options{Now: func() time.Time { return e.now }, Audience: "aud", ConsumeNonce: consume})
	pres := e.present(is.sdjwt, holder, "challenge-1", "aud", "mention")
	if r := v.Verify(e.ctx, []byte(pres)); r.Verdict != Valid {
		t.Fatalf("first use: %s\n%s", r.Verdict, describe(r))
	}
	r := v.Verify(e.ctx, []byte(pres))
	if f := failing(r); f == nil || f.Name != CheckHolderBinding || !strings.Contains(f.Reason, "already used") {
		t.Fatalf("a replay: failing check %+v, want holder_binding refusing the used nonce", f)
	}
	other := e.present(is.sdjwt, holder, "made-up", "aud", "mention")
	if f := failing(v.Verify(e.ctx, []byte(other))); f == nil || f.Name != CheckHolderBinding {
		t.Fatalf("a nonce the verifier never issued: failing check %+v", f)
	}
}

func TestSDJWTAsIssued(t *testing.T) {
	e := newEnv(t)
	_, holderJWK := e.newHolder()
	bound := e.issueSD(diploma(), holderJWK)
	unbound := e.issueSD(diploma(), nil)
	// Holder binding is all or nothing: the bound SD-JWT as issued is
	// not valid on its own (nobody showed it was its holder presenting it).
	r := e.verify([]byte(bound.sdjwt))
	if f := failing(r); r.Verdict != Invalid || f == nil || f.Name != CheckHolderBinding || !strings.Contains(f.Reason, "bound to holder key") {
		t.Fatalf("the bound SD-JWT as issued: verdict %s, want invalid for holder_binding:\n%s", r.Verdict, describe(r))
	}
	for _, tc := range []struct {
		name   string
		is     *sdIssued
		reason string
	}{
		{"not bound", unbound, "not bound to a holder key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.verify([]byte(tc.is.sdjwt))
			if r.Verdict != Valid {
				t.Fatalf("verdict %s:\n%s", r.Verdict, describe(r))
			}
			if got := r.Check(CheckHolderBinding).Reason; !strings.Contains(got, "not requested") || !strings.Contains(got, tc.reason) {
				t.Errorf("holder_binding reason %q", got)
			}
			var claims map[string]any
			if err := json.Unmarshal(r.Claims, &claims); err != nil || claims["family_name"] != "Martin" || len(claims) != 10 {
				t.Errorf("claims of the SD-JWT as issued %s, want all ten of the subject", r.Claims)
			}
		})
	}
}

func TestBundleWithSDJWT(t *testing.T) {
	e := newEnv(t)
	_, holderJWK := e.newHolder()
	is := e.issueSD(diploma(), holderJWK)
	data, _ := json.Marshal(is.bundle)
	r := e.verify(data)
	if r.Verdict != Valid {
		t.Fatalf("verdict %s:\n%s", r.Verdict, describe(r))
	}
	if len(r.Checks) != len(checkOrder) || r.Check(CheckHolderBinding) != nil {
		t.Errorf("a bundle gets the eight checks, not holder_binding: %v", r.Checks)
	}
	for name, want := range map[string]string{CheckFormat: "vc+jwt, SC1 and SD-JWT forms", CheckSignature: "SD-JWT"} {
		if got := r.Check(name).Reason; !strings.Contains(got, want) {
			t.Errorf("%s reason %q does not mention %q", name, got, want)
		}
	}

	otherCred := e.issueSD(diploma(), holderJWK)
	mixed := is.bundle
	mixed.SDJWT = otherCred.sdjwt
	data, _ = json.Marshal(mixed)
	r = e.verify(data)
	if f := failing(r); f == nil || f.Name != CheckFormat || !strings.Contains(f.Reason, "differ in id") {
		t.Fatalf("a bundle carrying another credential's SD-JWT: failing %+v", f)
	}
}

func TestSDJWTRevokedWithEveryForm(t *testing.T) {
	e := newEnv(t)
	holder, holderJWK := e.newHolder()
	is := e.issueSD(diploma(), holderJWK)
	pres := e.present(is.sdjwt, holder, "n", "a", "mention")
	// Revoked through its vc+jwt digest: the presentation is revoked too.
	if err := e.contract.Revoke(e.ctx, issuerOrg, credential.DigestJWS(is.bundle.VCJWT), "fraud"); err != nil {
		t.Fatal(err)
	}
	r := e.verifyExpecting(pres, PresentationRequest{Nonce: "n", Audience: "a"})
	if f := failing(r); f == nil || f.Name != CheckStatus || !strings.Contains(f.Reason, "revoked") {
		t.Fatalf("failing %+v, want status revoked:\n%s", f, describe(r))
	}
}

func TestSDJWTPixDisclosesChosenCompetences(t *testing.T) {
	e := newEnv(t)
	holder, holderJWK := e.newHolder()
	is := e.issueSD(pix(e.issuedAt.AddDate(0, -1, 0)), holderJWK)
	pres := e.present(is.sdjwt, holder, "n", "a", "pix_score", "c2_1", "c3_4")
	r := e.verifyExpecting(pres, PresentationRequest{Nonce: "n", Audience: "a"})
	if r.Verdict != Valid {
		t.Fatalf("verdict %s:\n%s", r.Verdict, describe(r))
	}
	var claims struct {
		PixScore    int                  `json:"pix_score"`
		Competences []schemas.Competence `json:"competences"`
		Extra       map[string]any       `json:"-"`
	}
	if err := json.Unmarshal(r.Claims, &claims); err != nil {
		t.Fatal(err)
	}
	if got := claimKeys(t, r); !slices.Equal(got, []string{"competences", "pix_score"}) {
		t.Errorf("claims %v, want only pix_score and competences", got)
	}
	if claims.PixScore != 512 || len(claims.Competences) != 2 || claims.Competences[0].ID != "2.1" || claims.Competences[1].ID != "3.4" ||
		claims.Competences[1].Name != "Programmer" || claims.Competences[0].Level != 6 {
		t.Errorf("claims %s, want the score and competences 2.1 and 3.4 with their levels", r.Claims)
	}
	if got := r.Check(CheckSchema).Reason; !strings.Contains(got, "3 claim(s) shown are valid") {
		t.Errorf("schema reason %q", got)
	}
}

func TestSDJWTSchemaChecksWhatIsShown(t *testing.T) {
	e := newEnv(t)
	holder, holderJWK := e.newHolder()
	bad := diploma()
	bad.Session = " juin 2025"   // a label does not start with a space
	bad.BirthDate = "2999-01-01" // in the future
	is := e.issueSD(bad, holderJWK)
	shown := e.verifyExpecting(e.present(is.sdjwt, holder, "n", "a", "session"), PresentationRequest{Nonce: "n", Audience: "a"})
	if f := failing(shown); f == nil || f.Name != CheckSchema || !strings.HasPrefix(f.Reason, "session:") || strings.Contains(f.Reason, "birth_date") {
		t.Fatalf("failing %+v, want schema naming session only", f)
	}
	hidden := e.verifyExpecting(e.present(is.sdjwt, holder, "n", "a", "given_name"), PresentationRequest{Nonce: "n", Audience: "a"})
	if hidden.Verdict != Valid {
		t.Fatalf("invalid claims that are not shown are not judged: verdict %s\n%s", hidden.Verdict, describe(hidden))
	}

	badPix := pix(e.issuedAt.AddDate(0, -1, 0))
	badPix.Competences[3].Level = 9
	pixIs := e.issueSD(badPix, holderJWK)
	r := e.verifyExpecting(e.present(pixIs.sdjwt, holder, "n", "a", "c2_1"), PresentationRequest{})
	if f := failing(r); f == nil || f.Name != CheckSchema || !strings.HasPrefix(f.Reason, "c2_1:") {
		t.Fatalf("failing %+v, want schema naming claim c2_1", f)
	}
}

func TestSDJWTExpiredSkipsHolderBinding(t *testing.T) {
	e := newEnv(t)
	holder, holderJWK := e.newHolder()
	e.issuedAt = e.now.AddDate(-3, 0, -2)
	is := e.issueSD(pix(e.issuedAt.AddDate(0, 0, -1)), holderJWK)
	pres := e.present(is.sdjwt, holder, "n", "a", "pix_score")
	r := e.verifyExpecting(pres, PresentationRequest{Nonce: "n", Audience: "a"})
	if f := failing(r); f == nil || f.Name != CheckValidity {
		t.Fatalf("failing %+v, want validity", f)
	}
	if c := r.Check(CheckHolderBinding); c == nil || !c.Skipped {
		t.Errorf("holder_binding %+v, want not checked", c)
	}
}
