package verifierapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/presentation"
)

// oauthError is the body of a refused response.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// askFor makes a presentation request over the API and fetches its request
// object as a wallet would, from the request_uri of the openid4vp:// URI.
func (s *server) askFor(t *testing.T, typ string, claims ...string) (*presentation.Status, *oid4vp.Request) {
	t.Helper()
	resp := s.postJSON(t, "/v1/presentation-requests", map[string]any{"type": typ, "claims": claims})
	var st presentation.Status
	if err := json.Unmarshal(resp.body, &st); err != nil || resp.status != http.StatusCreated || st.ID == "" {
		t.Fatalf("POST /v1/presentation-requests: %d %s", resp.status, resp.body)
	}
	a, err := oid4vp.ParseAuthorizationURI(st.URI)
	if err != nil {
		t.Fatalf("the request's uri %q: %v", st.URI, err)
	}
	path := strings.TrimPrefix(a.RequestURI, "https://verifier.example")
	resp = s.do(t, http.MethodGet, path, "", nil)
	if resp.status != http.StatusOK || resp.header.Get("Content-Type") != "application/oauth-authz-req+jwt" {
		t.Fatalf("GET %s: %d %s %s", path, resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	req, err := oid4vp.ParseRequestObject(string(resp.body))
	if err != nil {
		t.Fatalf("request object: %v", err)
	}
	if err := a.CheckReference(req); err != nil {
		t.Fatal(err)
	}
	return &st, req
}

// answer posts a vp_token as a wallet's direct_post.
func (s *server) answer(t *testing.T, req *oid4vp.Request, queryID, presentation, state string) *response {
	t.Helper()
	token, err := oid4vp.EncodeVPToken(map[string][]string{queryID: {presentation}})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"vp_token": {token}, "state": {state}}
	path := strings.TrimPrefix(req.ResponseURI, "https://verifier.example")
	return s.do(t, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), "Accept-Language", "fr")
}

func (s *server) status(t *testing.T, id string) *presentation.Status {
	t.Helper()
	resp := s.do(t, http.MethodGet, "/v1/presentation-requests/"+id, "", nil)
	var st presentation.Status
	if err := json.Unmarshal(resp.body, &st); err != nil || resp.status != http.StatusOK {
		t.Fatalf("GET status: %d %s", resp.status, resp.body)
	}
	return &st
}

func TestPresentationRequests(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now() // key-binding JWTs are signed now
	holder := e.generateKey()
	issued := e.issueSDJWT(holder)
	clock := e.now
	s := newServer(t, e, func(c *Config) { c.Presentations.Now = func() time.Time { return clock } })
	present := func(req *oid4vp.Request, disclose ...string) string {
		t.Helper()
		p, err := credential.PresentSDJWT(issued, holder, credential.Presentation{Disclose: disclose, Nonce: req.Nonce, Audience: req.ClientID})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	st, req := s.askFor(t, "Diploma", "diploma", "mention")
	q := req.DCQLQuery.Credentials[0]
	if q.Format != "dc+sd-jwt" || !slices.Equal(q.Meta.VCTValues, []string{"https://verifier.example/vct/diploma", credential.VCTDiploma}) || len(q.Claims) != 2 || q.Claims[1].Name() != "mention" ||
		req.ResponseMode != "direct_post" || req.ClientID != "redirect_uri:"+req.ResponseURI || !strings.HasPrefix(st.URI, "openid4vp://?") {
		t.Fatalf("request object %+v, query %+v", req, q)
	}
	p := present(req, "mention")
	resp := s.answer(t, req, q.ID, p, req.State)
	if resp.status != http.StatusOK {
		t.Fatalf("answer: %d %s", resp.status, resp.body)
	}
	got := s.status(t, st.ID)
	if got.State != presentation.Answered || got.Verdict == nil || got.Verdict.Verdict != verifier.Valid {
		t.Fatalf("status after the answer: %+v", got)
	}
	var claims map[string]any
	if err := json.Unmarshal(got.Verdict.Claims, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["mention"] != "bien" || claims["diploma"] == nil || claims["given_name"] != nil || claims["birth_date"] != nil || len(claims) != 3 {
		t.Errorf("claims shown %v: want the diploma, its level and the mention only", claims)
	}
	if c := got.Verdict.Check(verifier.CheckHolderBinding); c == nil || !c.OK {
		t.Errorf("holder binding: %+v", c)
	}

	t.Run("replayed", func(t *testing.T) {
		resp := s.answer(t, req, q.ID, p, req.State)
		var oe oauthError
		json.Unmarshal(resp.body, &oe)
		if resp.status != http.StatusBadRequest || !strings.Contains(oe.Description, "déjà") {
			t.Errorf("replay: %d %s, want 400 saying it was already answered (in French)", resp.status, resp.body)
		}
		if s.status(t, st.ID).State != presentation.Answered {
			t.Error("a replay changed the request's state")
		}
		if resp := s.do(t, http.MethodGet, "/v1/presentation-requests/"+st.ID+"/request", "", nil); resp.status != http.StatusGone {
			t.Errorf("request object of an answered request: %d", resp.status)
		}
	})
	t.Run("another request's nonce", func(t *testing.T) {
		st2, req2 := s.askFor(t, "Diploma", "mention")
		resp := s.answer(t, req2, q.ID, p, req2.State)
		if resp.status != http.StatusBadRequest {
			t.Fatalf("answer with another request's presentation: %d %s", resp.status, resp.body)
		}
		got := s.status(t, st2.ID)
		if got.State != presentation.Refused || got.Verdict == nil || got.Verdict.Reason != verifier.ReasonHolderBinding {
			t.Errorf("status %+v, want refused for holder_binding", got)
		}
	})
	t.Run("a claim not disclosed", func(t *testing.T) {
		st3, req3 := s.askFor(t, "Diploma", "mention", "given_name")
		resp := s.answer(t, req3, q.ID, present(req3, "mention"), req3.State)
		got := s.status(t, st3.ID)
		if resp.status != http.StatusBadRequest || got.State != presentation.Refused || got.Refusal == nil || got.Refusal.Code != "claims_not_disclosed" {
			t.Errorf("answer %d %s; status %+v", resp.status, resp.body, got)
		}
	})
	t.Run("wrong state, then wrong query", func(t *testing.T) {
		st4, req4 := s.askFor(t, "Diploma", "mention")
		if resp := s.answer(t, req4, q.ID, present(req4, "mention"), "other"); resp.status != http.StatusBadRequest || s.status(t, st4.ID).State != presentation.Pending {
			t.Errorf("wrong state: %d %s, and the request should stay pending", resp.status, resp.body)
		}
		if resp := s.answer(t, req4, "pix", present(req4, "mention"), req4.State); resp.status != http.StatusBadRequest || s.status(t, st4.ID).Refusal.Code != "wrong_query" {
			t.Errorf("wrong query id: %d %s", resp.status, resp.body)
		}
	})
	t.Run("expired", func(t *testing.T) {
		st5, req5 := s.askFor(t, "Diploma", "mention")
		clock = clock.Add(presentation.DefaultTTL + time.Second)
		defer func() { clock = clock.Add(-presentation.DefaultTTL - time.Second) }()
		if got := s.status(t, st5.ID); got.State != presentation.Expired {
			t.Errorf("state %s after its TTL, want expired", got.State)
		}
		if resp := s.answer(t, req5, q.ID, present(req5, "mention"), req5.State); resp.status != http.StatusBadRequest {
			t.Errorf("answer to an expired request: %d %s", resp.status, resp.body)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"type": "Licence", "claims": []string{"mention"}},
			{"type": "Diploma", "claims": []string{"salary"}},
			{"type": "Diploma", "claims": []string{"mention"}, "extra": 1},
		} {
			if resp := s.postJSON(t, "/v1/presentation-requests", body); resp.status != http.StatusBadRequest {
				t.Errorf("%v: %d %s, want 400", body, resp.status, resp.body)
			}
		}
		if resp := s.do(t, http.MethodGet, "/v1/presentation-requests/nope", "", nil); resp.status != http.StatusNotFound {
			t.Errorf("unknown id: %d", resp.status)
		}
	})
	t.Run("page", func(t *testing.T) {
		resp := s.do(t, http.MethodGet, "/presentation?lang=en", "", nil)
		if resp.status != http.StatusOK || !strings.Contains(string(resp.body), "Ask a candidate for a presentation") {
			t.Fatalf("GET /presentation: %d", resp.status)
		}
		form := url.Values{"lang": {"fr"}, "type": {"Diploma"}, "claims_Diploma": {"mention"}}
		resp = s.do(t, http.MethodPost, "/presentation", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		body := string(resp.body)
		if resp.status != http.StatusOK || !strings.Contains(body, `data-state="pending"`) || !strings.Contains(body, "data:image/png;base64,") ||
			!strings.Contains(body, `href="openid4vp://?client_id=`) || !strings.Contains(body, "En attente") || !strings.Contains(body, `http-equiv="refresh"`) {
			t.Errorf("the request's page: %d\n%s", resp.status, body)
		}
		answered := s.do(t, http.MethodGet, "/presentation/"+st.ID+"?lang=en", "", nil)
		if b := string(answered.body); !strings.Contains(b, `data-verdict="valid"`) || strings.Contains(b, "refresh") || !strings.Contains(b, "Honours") {
			t.Errorf("the answered request's page:\n%s", b)
		}
	})
}

// TestPresentationRoutesNeedAPublicURL: a verifier made without a public
// URL answers every presentation request route 503, saying what to set.
func TestPresentationRoutesNeedAPublicURL(t *testing.T) {
	s := newServer(t, newEnv(t), func(c *Config) { c.Audience, c.PublicURL = "sceau-verifier", "" })
	for _, c := range []struct{ method, path, contentType, body string }{
		{http.MethodPost, "/v1/presentation-requests", "application/json", `{"type":"Diploma"}`},
		{http.MethodGet, "/v1/presentation-requests/x", "", ""},
		{http.MethodGet, "/v1/presentation-requests/x/request", "", ""},
		{http.MethodPost, "/v1/presentation-requests/x/response", "application/x-www-form-urlencoded", "vp_token=a&state=b"},
		{http.MethodGet, "/v1/presentation-requests/x/qr.png", "", ""},
	} {
		resp := s.do(t, c.method, c.path, c.contentType, strings.NewReader(c.body))
		if resp.status != http.StatusServiceUnavailable || !strings.Contains(string(resp.body), "public URL") {
			t.Errorf("%s %s: %d %s, want 503 naming the public URL", c.method, c.path, resp.status, resp.body)
		}
	}
}
