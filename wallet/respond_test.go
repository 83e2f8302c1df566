package wallet

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/oid4vp"
)

func requestFor(vct string, claims ...[]any) *oid4vp.Request {
	q := oid4vp.CredentialQuery{ID: "q", Format: oid4vp.FormatSDJWTVC, Meta: &oid4vp.Meta{VCTValues: []string{vct}}}
	for _, path := range claims {
		q.Claims = append(q.Claims, oid4vp.ClaimQuery{Path: path})
	}
	return &oid4vp.Request{
		ResponseType: oid4vp.ResponseTypeVPToken, ResponseMode: oid4vp.ResponseModeDirectPost,
		ClientID: "redirect_uri:https://employer.example/r", ResponseURI: "https://employer.example/r", Nonce: "n",
		DCQLQuery: &oid4vp.DCQLQuery{Credentials: []oid4vp.CredentialQuery{q}},
	}
}

// TestUnderstandRefuses: what Sceau's wallet cannot honour is said before
// anything is looked up.
func TestUnderstandRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		req    *oid4vp.Request
		reason string
	}{
		{"another format", func() *oid4vp.Request {
			r := requestFor(credential.VCTDiploma)
			r.DCQLQuery.Credentials[0].Format = "mso_mdoc"
			return r
		}(), CannotFormat},
		{"a vct Sceau does not issue", requestFor("https://example.com/pid"), CannotType},
		{"key-binding JWTs the wallet cannot sign", func() *oid4vp.Request {
			r := requestFor(credential.VCTDiploma)
			r.ClientMetadata = &oid4vp.ClientMetadata{VPFormatsSupported: map[string]map[string]any{
				oid4vp.FormatSDJWTVC: {"kb-jwt_alg_values": []any{"EdDSA"}}}}
			return r
		}(), CannotAlgorithm},
		{"a path inside a claim", requestFor(credential.VCTDiploma, []any{"address", "street"}), CannotQuery},
		{"alternatives between credentials", func() *oid4vp.Request {
			r := requestFor(credential.VCTDiploma)
			r.DCQLQuery.CredentialSets = []byte(`[{"options":[["q"]]}]`)
			return r
		}(), CannotQuery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Understand(tc.req)
			var cannot *CannotHonourError
			if !errors.As(err, &cannot) || cannot.Reason != tc.reason {
				t.Errorf("Understand: %v, want reason %s", err, tc.reason)
			}
		})
	}
	asked, err := Understand(requestFor(credential.VCTPixCertification, []any{"pix_score"}, []any{"iss"}, []any{"specialities", nil}))
	if err != nil {
		t.Fatal(err)
	}
	if a := asked.Credentials[0]; a.Type != "PixCertification" || len(a.ClaimSets) != 1 || len(a.ClaimSets[0]) != 3 || asked.Verifier != "employer.example" {
		t.Errorf("understood %+v", asked)
	}
}

// TestAnswer: the wallet chooses the credential that answers, discloses
// only the claims asked for, binds the presentation to the request's nonce
// and client, and says what it cannot honour.
func TestAnswer(t *testing.T) {
	w, _ := openTestWallet(t)
	is := newIssuer(t)
	_, unbound, _ := is.issue(nil)
	if _, err := w.Import(context.Background(), unbound, accept); err != nil {
		t.Fatal(err)
	}
	req := requestFor(credential.VCTDiploma, []any{"diploma"}, []any{"mention"}, []any{"iss"})
	asked, err := Understand(req)
	if err != nil {
		t.Fatal(err)
	}
	var cannot *CannotHonourError
	if _, err := w.Answer(req, asked, AnswerOptions{}); !errors.As(err, &cannot) || cannot.Reason != CannotNotBound {
		t.Errorf("with an unbound diploma only: %v, want %s", err, CannotNotBound)
	}
	c, bound, _ := is.issue(holderJWK(t, w))
	if _, err := w.Import(context.Background(), bound, accept); err != nil {
		t.Fatal(err)
	}
	ans, err := w.Answer(req, asked, AnswerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Chosen) != 1 || ans.Chosen[0].Entry.ID != c.ID || strings.Join(ans.Chosen[0].Disclose, ",") != "diploma,mention" {
		t.Fatalf("chose %+v", ans.Chosen)
	}
	token, err := oid4vp.ParseVPToken(ans.VPToken)
	if err != nil {
		t.Fatal(err)
	}
	p, err := credential.ParseSDJWT(token["q"][0])
	if err != nil {
		t.Fatal(err)
	}
	if p.KeyBinding == nil || p.KeyBinding.Nonce != "n" || p.KeyBinding.Audience != req.ClientID || strings.Join(p.Credential.Disclosed, ",") != "mention" {
		t.Errorf("presentation: key binding %+v, disclosed %v", p.KeyBinding, p.Credential.Disclosed)
	}

	lacking := requestFor(credential.VCTDiploma, []any{"rncp"})
	asked, _ = Understand(lacking)
	if _, err := w.Answer(lacking, asked, AnswerOptions{}); !errors.As(err, &cannot) || cannot.Reason != CannotClaims || cannot.Claims[0] != "rncp" {
		t.Errorf("a claim the diploma lacks: %v", err)
	}
	pix := requestFor(credential.VCTPixCertification, []any{"pix_score"})
	asked, _ = Understand(pix)
	if _, err := w.Answer(pix, asked, AnswerOptions{}); !errors.As(err, &cannot) || cannot.Reason != CannotNoCredential {
		t.Errorf("a type the wallet lacks: %v", err)
	}
	// A diploma of another deployment (another base URL in its vct) is
	// of the same type: the wallet answers with its own diploma when it
	// has none of that deployment, and with one of the deployment asked
	// for, when it has one, before any other.
	other := "https://diplomes.example.fr/vct/diploma"
	elsewhere := requestFor(other, []any{"diploma"})
	asked, err = Understand(elsewhere)
	if err != nil || asked.Credentials[0].Type != "Diploma" {
		t.Fatalf("a diploma of another deployment: %+v, %v", asked, err)
	}
	if ans, err := w.Answer(elsewhere, asked, AnswerOptions{}); err != nil || ans.Chosen[0].Entry.ID != c.ID {
		t.Errorf("a diploma of another deployment, the wallet having none: %v", err)
	}
	is.base = "https://diplomes.example.fr"
	c2, bound2, _ := is.issue(holderJWK(t, w))
	if _, err := w.Import(context.Background(), bound2, accept); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		vct  string
		want string
	}{{other, c2.ID}, {credential.VCTDiploma, c.ID}} {
		r := requestFor(tc.vct, []any{"diploma"})
		asked, _ = Understand(r)
		if ans, err := w.Answer(r, asked, AnswerOptions{}); err != nil || ans.Chosen[0].Entry.ID != tc.want {
			t.Errorf("a diploma of vct %s: chose %v (%v), want %s", tc.vct, ans, err, tc.want)
		}
	}
	expired := requestFor(credential.VCTDiploma)
	expired.ExpiresAt = time.Now().Add(-time.Minute).Unix()
	asked, _ = Understand(expired)
	if _, err := w.Answer(expired, asked, AnswerOptions{}); !errors.As(err, &cannot) || cannot.Reason != CannotExpired {
		t.Errorf("an expired request: %v", err)
	}
}
