package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/presentation"
)

// recordingProxy stands in front of `sceau serve` as its public URL and
// keeps the bodies the wallet posts, to replay them.
type recordingProxy struct {
	*httptest.Server
	mu     sync.Mutex
	target *url.URL
	posted []string
}

func newRecordingProxy(t *testing.T) *recordingProxy {
	p := &recordingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/response") {
			body, _ := io.ReadAll(r.Body)
			p.mu.Lock()
			p.posted = append(p.posted, string(body))
			p.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// ask makes a presentation request on the server at base.
func ask(t *testing.T, base, typ string, claims ...string) *presentation.Status {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": typ, "claims": claims})
	resp, err := http.Post(base+"/v1/presentation-requests", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st presentation.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/presentation-requests: %d %v", resp.StatusCode, err)
	}
	return &st
}

func requestStatus(t *testing.T, base, id string) *presentation.Status {
	t.Helper()
	resp, err := http.Get(base + "/v1/presentation-requests/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st presentation.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// TestWalletRespond is the issue's "done when": an employer's request for
// diploma + mention answered by `sceau wallet respond` shows only those
// claims, valid, bound to the holder; replayed, or answered with another
// request's nonce, it is refused.
func TestWalletRespond(t *testing.T) {
	w := newWalletWorld(t)
	holder := w.initWallet(w.wallet)
	w.importBundle(w.wallet, w.issue("Diploma", "bac", holder))
	proxy := newRecordingProxy(t)
	t.Setenv("SCEAU_PUBLIC_URL", proxy.URL)
	serveURL, _ := startServe(t, w.home)
	target, _ := url.Parse(serveURL)
	proxy.mu.Lock()
	proxy.target = target
	proxy.mu.Unlock()
	base := proxy.URL

	st := ask(t, base, "Diploma", "diploma", "mention")
	if !strings.HasPrefix(st.URI, "openid4vp://?") || !strings.Contains(st.URI, url.QueryEscape(base)) {
		t.Fatalf("uri %q: want an openid4vp:// request on the public URL", st.URI)
	}
	out := w.ok("wallet", "respond", st.URI)
	for _, want := range []string{"asks for", "Diploma", "claims: diploma, mention", "disclosing only: diploma, mention", "accepted"} {
		if !strings.Contains(out, want) {
			t.Errorf("wallet respond printed:\n%s\nwant %q in it", out, want)
		}
	}
	got := requestStatus(t, base, st.ID)
	if got.State != presentation.Answered || got.Verdict == nil || got.Verdict.Verdict != verifier.Valid {
		t.Fatalf("the request after the answer: %+v", got)
	}
	var claims map[string]any
	json.Unmarshal(got.Verdict.Claims, &claims)
	if len(claims) != 3 || claims["mention"] != "tres_bien" || claims["diploma"] != "Baccalauréat général" || claims["eqf_level"] == nil {
		t.Errorf("claims shown %v: want only the diploma (with its level) and the mention", claims)
	}
	if c := got.Verdict.Check(verifier.CheckHolderBinding); c == nil || !c.OK {
		t.Errorf("holder binding: %+v", c)
	}

	proxy.mu.Lock()
	if len(proxy.posted) != 1 {
		t.Fatalf("the wallet posted %d responses, want 1", len(proxy.posted))
	}
	posted := proxy.posted[0]
	proxy.mu.Unlock()
	form, _ := url.ParseQuery(posted)
	token, err := oid4vp.ParseVPToken(form.Get("vp_token"))
	if err != nil || len(token["diploma"]) != 1 {
		t.Fatalf("the wallet posted %q", posted)
	}
	// issuer-signed JWT~mention's disclosure~key-binding JWT
	if parts := strings.Split(token["diploma"][0], "~"); len(parts) != 3 || parts[2] == "" {
		t.Errorf("the presentation has %d parts, want the issuer's JWT, the mention's disclosure alone and a key-binding JWT", len(parts))
	}
	postForm := func(responseURI string, form url.Values) (int, string) {
		resp, err := http.PostForm(strings.Replace(responseURI, base, serveURL, 1), form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	t.Run("replayed", func(t *testing.T) {
		code, body := postForm(st.ClientID[len("redirect_uri:"):], form)
		if code != http.StatusBadRequest || !strings.Contains(body, "already answered") {
			t.Errorf("replay: %d %s", code, body)
		}
		if requestStatus(t, base, st.ID).State != presentation.Answered {
			t.Error("the replay changed the request")
		}
		code, out, errOut := w.run("wallet", "respond", st.URI)
		if code == 0 || !strings.Contains(errOut, "410") {
			t.Errorf("responding again to a used request: exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("another request's nonce", func(t *testing.T) {
		other := ask(t, base, "Diploma", "diploma", "mention")
		code, body := postForm(other.ClientID[len("redirect_uri:"):], url.Values{"vp_token": form["vp_token"], "state": {stateOf(t, other)}})
		if code != http.StatusBadRequest {
			t.Errorf("another request's presentation: %d %s", code, body)
		}
		got := requestStatus(t, base, other.ID)
		if got.State != presentation.Refused || got.Verdict == nil || got.Verdict.Reason != verifier.ReasonHolderBinding {
			t.Errorf("the other request: %+v", got)
		}
	})
	t.Run("what the wallet cannot honour", func(t *testing.T) {
		pix := ask(t, base, "PixCertification", "pix_score")
		code, out, errOut := w.run("wallet", "respond", pix.URI)
		if code == 0 || !strings.Contains(errOut, "holds no PixCertification") {
			t.Errorf("a request for a credential the wallet lacks: exit %d\n%s%s", code, out, errOut)
		}
		if requestStatus(t, base, pix.ID).State != presentation.Pending {
			t.Error("a refused request was answered")
		}
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", "fr_FR.UTF-8")
		code, out, errOut = w.run("wallet", "respond", pix.URI)
		if code == 0 || !strings.Contains(out, "demande") || !strings.Contains(out, "Certification Pix") || !strings.Contains(errOut, "aucune attestation PixCertification") {
			t.Errorf("in French: exit %d\n%s%s", code, out, errOut)
		}
	})
}

// stateOf fetches a request's object to read its state, as a wallet would.
func stateOf(t *testing.T, st *presentation.Status) string {
	t.Helper()
	resp, err := http.Get(st.RequestURI)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	req, err := oid4vp.ParseRequestObject(string(body))
	if err != nil {
		t.Fatal(err)
	}
	return req.State
}
