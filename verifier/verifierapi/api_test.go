package verifierapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sceau/sceau/certificate"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// server is the verifier's API over a test env, on a test server.
type server struct {
	*env
	api *API
	url string
}

func newServer(t *testing.T, e *env, mutate ...func(*Config)) *server {
	t.Helper()
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Registry:  verifier.NewRegistry(e.contract, verifier.RegistryOptions{}),
		Validator: validator,
		Options:   verifier.Options{Now: func() time.Time { return e.now }},
		Audience:  "https://verifier.example",
		Metrics:   prometheus.NewRegistry(),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	api, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Group(api.Routes)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return &server{env: e, api: api, url: ts.URL}
}

// response is an HTTP answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *server) do(t *testing.T, method, path, contentType string, body io.Reader, header ...string) *response {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (s *server) postJSON(t *testing.T, path string, v any) *response {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return s.do(t, http.MethodPost, path, "application/json", bytes.NewReader(data))
}

// postFile sends a multipart form with data in file field field.
func (s *server) postFile(t *testing.T, path, field, name string, data []byte, fields ...string) *response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if field != "" {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return s.do(t, http.MethodPost, path, mw.FormDataContentType(), &buf)
}

func (r *response) result(t *testing.T) *verifier.Result {
	t.Helper()
	var res verifier.Result
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatalf("status %d, body is not a verdict: %v\n%s", r.status, err, r.body)
	}
	return &res
}

// vcAPIVerificationResult is a VC API VerificationResult, read strictly:
// the specification allows no other member.
type vcAPIVerificationResult struct {
	Verified               bool            `json:"verified"`
	Credential             json.RawMessage `json:"credential"`
	VerifiablePresentation json.RawMessage `json:"verifiablePresentation"`
	ProblemDetails         []struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	} `json:"problemDetails"`
	Results json.RawMessage `json:"results"`
}

func (r *response) vcAPIResult(t *testing.T) *vcAPIVerificationResult {
	t.Helper()
	var vr vcAPIVerificationResult
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vr); err != nil {
		t.Fatalf("status %d, body is not a VC API VerificationResult: %v\n%s", r.status, err, r.body)
	}
	return &vr
}

func (r *response) errorText(t *testing.T) string {
	t.Helper()
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Error == "" {
		t.Fatalf("status %d, body is not {\"error\": …}: %s", r.status, r.body)
	}
	return body.Error
}

func TestVerifyV1(t *testing.T) {
	e := newEnv(t)
	dip := e.issue(diploma())[0]
	px := e.issue(pix(e.issuedAt.AddDate(0, -1, 0)))[0]
	s := newServer(t, e)
	png, err := qrcode.EncodePNG(px.qr)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := certificate.Render(dip.cred, dip.qr, certificate.Options{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("text forms", func(t *testing.T) {
		for name, text := range map[string]string{"vc+jwt": dip.jwt, "SC1": dip.qr, "bundle": string(dip.bundleJSON(t))} {
			resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": text})
			if res := resp.result(t); resp.status != 200 || res.Verdict != verifier.Valid {
				t.Errorf("%s: status %d verdict %s, want 200 valid:\n%s", name, resp.status, res.Verdict, resp.body)
			}
		}
	})
	t.Run("same JSON as the CLI", func(t *testing.T) {
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": dip.jwt})
		want, err := json.MarshalIndent(e.verifier().Verify(e.ctx, []byte(dip.jwt)), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.TrimSpace(resp.body); !bytes.Equal(got, want) {
			t.Errorf("body differs from the verdict JSON:\n%s\nwant\n%s", got, want)
		}
		if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("image", func(t *testing.T) {
		resp := s.postFile(t, "/v1/verify", "image", "qr.png", png)
		res := resp.result(t)
		if resp.status != 200 || res.Verdict != verifier.Valid || res.Input != "sc1 (QR image)" {
			t.Fatalf("status %d verdict %s input %q, want 200 valid from a QR image:\n%s", resp.status, res.Verdict, res.Input, resp.body)
		}
		var claims map[string]any
		json.Unmarshal(res.Claims, &claims)
		if claims["family_name"] != "Dupont" {
			t.Errorf("claims %s", res.Claims)
		}
	})
	t.Run("PDF certificate", func(t *testing.T) {
		resp := s.postFile(t, "/v1/verify", "file", "diploma.pdf", pdf)
		res := resp.result(t)
		if resp.status != 200 || res.Verdict != verifier.Valid || res.Input != "sc1 (PDF certificate)" {
			t.Fatalf("status %d verdict %s input %q, want 200 valid from a PDF:\n%s", resp.status, res.Verdict, res.Input, resp.body)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": tamper(dip.qr)})
		res := resp.result(t)
		if resp.status != 200 || res.Verdict != verifier.Invalid || failing(res) == nil {
			t.Fatalf("status %d verdict %s, want 200 invalid naming the failing check:\n%s", resp.status, res.Verdict, resp.body)
		}
	})
	t.Run("not a credential", func(t *testing.T) {
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": "hello"})
		if res := resp.result(t); resp.status != 200 || res.Verdict != verifier.Invalid || failing(res).Name != verifier.CheckFormat {
			t.Fatalf("status %d verdict %s, want 200 invalid (format)", resp.status, res.Verdict)
		}
	})
	t.Run("malformed requests", func(t *testing.T) {
		cases := []struct {
			name, contentType, body string
			status                  int
			want                    string
		}{
			{"not JSON", "application/json", "{", 400, "not the expected JSON"},
			{"no credential", "application/json", `{}`, 400, `no "credential"`},
			{"empty credential", "application/json", `{"credential": "  "}`, 400, `no "credential"`},
			{"unknown field", "application/json", `{"credential": "x", "extra": 1}`, 400, "unknown field"},
			{"two values", "application/json", `{"credential": "x"} {}`, 400, "more than one"},
			{"no content type", "", `{"credential": "x"}`, 400, "Content-Type"},
			{"plain text", "text/plain", dip.qr, 415, "text/plain"},
			{"empty form", "multipart/form-data; boundary=x", "--x--\r\n", 400, `field "image" or "file"`},
		}
		for _, c := range cases {
			resp := s.do(t, http.MethodPost, "/v1/verify", c.contentType, strings.NewReader(c.body))
			if resp.status != c.status || !strings.Contains(resp.errorText(t), c.want) {
				t.Errorf("%s: status %d %s, want %d and %q", c.name, resp.status, resp.body, c.status, c.want)
			}
		}
	})
	t.Run("too large", func(t *testing.T) {
		big := append([]byte(`{"credential": "`), bytes.Repeat([]byte{'x'}, MaxJSONBody)...)
		resp := s.do(t, http.MethodPost, "/v1/verify", "application/json", bytes.NewReader(big))
		if resp.status != http.StatusRequestEntityTooLarge || !strings.Contains(resp.errorText(t), "larger than") {
			t.Errorf("status %d %s, want 413", resp.status, resp.body)
		}
		huge := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxUploadBody)...)
		resp = s.postFile(t, "/v1/verify", "image", "huge.png", huge)
		if resp.status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d %s, want 413", resp.status, resp.body)
		}
	})
	if n := testutil.ToFloat64(s.api.metrics.verdicts.WithLabelValues("/v1/verify", "valid", "sc1 (QR image)")); n != 1 {
		t.Errorf("valid QR image verdicts counted %v, want 1", n)
	}
}

func TestRevokedOverHTTP(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	if err := e.contract.Revoke(e.ctx, issuerOrg, is.jwtDigest, "fraud"); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, e)
	resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": is.qr})
	res := resp.result(t)
	status := res.Check(verifier.CheckStatus)
	if res.Verdict != verifier.Invalid || status == nil || !strings.Contains(status.Reason, "revoked") ||
		!strings.Contains(status.Reason, "fraud") || !strings.Contains(status.Reason, e.issuedAt.Format("2006")) {
		t.Fatalf("want invalid, revoked with reason and date:\n%s", resp.body)
	}
}

func TestLedgerUnreachableOverHTTP(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	s := newServer(t, e)
	e.ledger.Close()
	resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": is.jwt})
	if res := resp.result(t); resp.status != 200 || res.Verdict != verifier.Indeterminate || res.ExitCode() != 3 {
		t.Fatalf("status %d verdict %s, want 200 indeterminate:\n%s", resp.status, res.Verdict, resp.body)
	}
	resp = s.postJSON(t, "/credentials/verify", map[string]any{"verifiableCredential": is.jwt})
	if vr := resp.vcAPIResult(t); resp.status != http.StatusOK || vr.Verified || len(vr.ProblemDetails) == 0 || vr.ProblemDetails[0].Title != string(verifier.ReasonLedgerUnavailable) {
		t.Fatalf("VC API: status %d, want 200, not verified, ledger_unavailable:\n%s", resp.status, resp.body)
	}
	resp = s.do(t, http.MethodGet, "/v1/issuers", "", nil)
	if resp.status != http.StatusServiceUnavailable || !strings.Contains(resp.errorText(t), "unavailable") {
		t.Fatalf("trust list: status %d %s, want 503", resp.status, resp.body)
	}
}

func TestVCAPI(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	s := newServer(t, e)
	enveloped := func(mediaType, content string) map[string]any {
		return map[string]any{"verifiableCredential": map[string]any{
			"@context": []string{"https://www.w3.org/ns/credentials/v2"},
			"type":     "EnvelopedVerifiableCredential",
			"id":       "data:" + mediaType + "," + content,
		}}
	}
	// status is the HTTP status; verified, for 200, whether the
	// credential verified.
	cases := []struct {
		name     string
		body     any
		status   int
		verified bool
	}{
		{"enveloped vc+jwt", enveloped("application/vc+jwt", is.jwt), 200, true},
		{"enveloped, type as a list", map[string]any{"verifiableCredential": map[string]any{
			"type": []string{"EnvelopedVerifiableCredential"}, "id": "data:application/vc+jwt," + is.jwt}}, 200, true},
		{"enveloped, base64", enveloped("application/vc+jwt;base64", "ZXlK"), 200, false},
		{"bare string in the member", map[string]any{"verifiableCredential": is.jwt}, 200, true},
		{"bare string body", is.jwt, 200, true},
		{"SC1 string", map[string]any{"verifiableCredential": is.qr}, 200, true},
		{"bundle object", map[string]any{"verifiableCredential": json.RawMessage(is.bundleJSON(t))}, 200, true},
		{"tampered", enveloped("application/vc+jwt", tamper(is.jwt)), 200, false},
		{"wrong media type", enveloped("text/plain", is.jwt), 400, false},
		{"no member", map[string]any{"credential": is.jwt}, 400, false},
		{"enveloped without data URL", map[string]any{"verifiableCredential": map[string]any{
			"type": "EnvelopedVerifiableCredential", "id": "urn:x"}}, 400, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := s.postJSON(t, "/credentials/verify", c.body)
			if resp.status != c.status {
				t.Fatalf("status %d, want %d:\n%s", resp.status, c.status, resp.body)
			}
			if c.status == 400 {
				resp.errorText(t)
				return
			}
			vr := resp.vcAPIResult(t)
			if vr.Verified != c.verified || len(vr.Credential) == 0 {
				t.Errorf("verified %v, want %v, and the credential repeated:\n%s", vr.Verified, c.verified, resp.body)
			}
			if !c.verified && (len(vr.ProblemDetails) < 2 || vr.ProblemDetails[0].Title == "" || vr.ProblemDetails[0].Detail == "") {
				t.Errorf("a credential that does not verify lists no problem: %s", resp.body)
			}
			if c.verified && len(vr.ProblemDetails) != 0 {
				t.Errorf("a valid credential lists problems: %s", resp.body)
			}
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		resp := s.do(t, http.MethodPost, "/credentials/verify", "application/json", strings.NewReader("{"))
		if resp.status != 400 || !strings.Contains(resp.errorText(t), "neither a JSON object nor a JSON string") {
			t.Errorf("status %d %s, want 400", resp.status, resp.body)
		}
	})
	t.Run("presentation endpoint", func(t *testing.T) {
		resp := s.postJSON(t, "/presentations/verify", map[string]any{"verifiablePresentation": map[string]any{
			"type": "EnvelopedVerifiablePresentation", "id": "data:application/vc+jwt," + is.jwt}})
		if resp.status != 200 {
			t.Fatalf("status %d:\n%s", resp.status, resp.body)
		}
		resp = s.postJSON(t, "/presentations/verify", map[string]any{"verifiableCredential": is.jwt})
		if resp.status != 400 || !strings.Contains(resp.errorText(t), "verifiablePresentation") {
			t.Errorf("a credential sent to /presentations/verify: status %d %s, want 400", resp.status, resp.body)
		}
	})
}

func TestChallenge(t *testing.T) {
	e := newEnv(t)
	nonces := NewNonceStore(NonceOptions{})
	s := newServer(t, e, func(c *Config) { c.Nonces = nonces })
	seen := map[string]bool{}
	for range 3 {
		resp := s.do(t, http.MethodGet, "/v1/challenge", "", nil)
		var body challengeResponse
		if err := json.Unmarshal(resp.body, &body); err != nil || resp.status != 200 {
			t.Fatalf("status %d %s", resp.status, resp.body)
		}
		if len(body.Nonce) < 22 || seen[body.Nonce] {
			t.Fatalf("nonce %q is short or repeated", body.Nonce)
		}
		seen[body.Nonce] = true
		if body.Audience != "https://verifier.example" {
			t.Errorf("audience %q", body.Audience)
		}
		exp, err := time.Parse(time.RFC3339, body.ExpiresAt)
		if err != nil || exp.Before(time.Now()) || exp.After(time.Now().Add(DefaultNonceTTL+time.Minute)) {
			t.Errorf("expiresAt %q", body.ExpiresAt)
		}
		if resp.header.Get("Cache-Control") != "no-store" {
			t.Errorf("a challenge may be cached: %q", resp.header.Get("Cache-Control"))
		}
		if err := nonces.Consume(body.Nonce); err != nil {
			t.Errorf("first use of a fresh nonce: %v", err)
		}
		if err := nonces.Consume(body.Nonce); err == nil {
			t.Error("a nonce was accepted twice")
		}
	}
}

func TestTrustList(t *testing.T) {
	e := newEnv(t)
	s := newServer(t, e)
	resp := s.do(t, http.MethodGet, "/v1/issuers", "", nil)
	if resp.status != 200 {
		t.Fatalf("status %d %s", resp.status, resp.body)
	}
	var tl struct {
		FetchedAt string `json:"fetchedAt"`
		Issuers   []struct {
			ID             string `json:"id"`
			URI            string `json:"uri"`
			Name           string `json:"name"`
			Status         string `json:"status"`
			Accreditations []struct {
				Type      string `json:"type"`
				ValidFrom string `json:"validFrom"`
			} `json:"accreditations"`
			Keys []struct {
				KID       string         `json:"kid"`
				JWK       map[string]any `json:"jwk"`
				ValidFrom string         `json:"validFrom"`
			} `json:"keys"`
		} `json:"issuers"`
	}
	if err := json.Unmarshal(resp.body, &tl); err != nil {
		t.Fatalf("%v:\n%s", err, resp.body)
	}
	if len(tl.Issuers) != 1 {
		t.Fatalf("%d issuers, want 1:\n%s", len(tl.Issuers), resp.body)
	}
	is := tl.Issuers[0]
	if is.ID != issuerID || is.URI != "urn:sceau:issuer:"+issuerID || is.Name != "Académie de Versailles" || is.Status != "active" {
		t.Errorf("issuer %+v", is)
	}
	if len(is.Accreditations) != 2 || is.Accreditations[0].ValidFrom == "" {
		t.Errorf("accreditations %+v", is.Accreditations)
	}
	if len(is.Keys) != 1 || is.Keys[0].KID != e.key.KID() || is.Keys[0].JWK["kty"] != "EC" || is.Keys[0].ValidFrom == "" {
		t.Errorf("keys %+v", is.Keys)
	}
	if _, err := time.Parse(time.RFC3339, tl.FetchedAt); err != nil {
		t.Errorf("fetchedAt %q", tl.FetchedAt)
	}
}

func TestDecodeSlotsBusy(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	s := newServer(t, e, func(c *Config) { c.DecodeSlots = 1; c.DecodeQueueTimeout = 50 * time.Millisecond })
	png, err := qrcode.EncodePNG(is.qr)
	if err != nil {
		t.Fatal(err)
	}
	s.api.decodes <- struct{}{} // another decode holds the only slot
	resp := s.postFile(t, "/v1/verify", "image", "qr.png", png)
	if resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") == "" || !strings.Contains(resp.errorText(t), "busy") {
		t.Errorf("status %d %s, want 503 busy with Retry-After", resp.status, resp.body)
	}
	// Text forms need no slot.
	if resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": is.qr}); resp.result(t).Verdict != verifier.Valid {
		t.Errorf("a text form waited for an image slot: %s", resp.body)
	}
	<-s.api.decodes
	if resp := s.postFile(t, "/v1/verify", "image", "qr.png", png); resp.status != 200 {
		t.Errorf("status %d once the slot is free", resp.status)
	}
}

func TestDataURLContent(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"data:application/vc+jwt,a.b.c", "a.b.c", true},
		{"data:application/dc+sd-jwt,a.b.c~d~", "a.b.c~d~", true},
		{"data:APPLICATION/VC+JWT,a.b.c", "a.b.c", true},
		{"data:application/vc+jwt;base64,YS5iLmM=", "a.b.c", true},
		{"data:application/vc+jwt,a%2Eb.c", "a.b.c", true},
		{"data:application/vc+jwt;base64,!!", "", false},
		{"data:application/vc+jwt,", "", false},
		{"data:application/vc+jwt", "", false},
		{"data:text/html,<b>", "", false},
		{"data:application/vc+jwt,%zz", "", false},
	}
	for _, c := range cases {
		got, err := dataURLContent(c.in)
		if (err == nil) != c.ok || string(got) != c.want {
			t.Errorf("dataURLContent(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func FuzzVCAPIBody(f *testing.F) {
	f.Add([]byte(`{"verifiableCredential": {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,a.b.c"}}`))
	f.Add([]byte(`"data:application/dc+sd-jwt;base64,YQ=="`))
	f.Add([]byte(`{"verifiableCredential": {"type": ["x"], "vc_jwt": "a"}}`))
	f.Add([]byte(`{"verifiableCredential": null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/credentials/verify", bytes.NewReader(body))
		sub, err := readVCAPIRequest(httptest.NewRecorder(), req, "verifiableCredential")
		if err != nil {
			return
		}
		if len(bytes.TrimSpace(sub.input)) == 0 {
			t.Fatalf("accepted %q with an empty credential", body)
		}
	})
}

func FuzzForm(f *testing.F) {
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n--x--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"credential\"\r\n\r\nSC1:ABC\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/verify", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+url.QueryEscape(boundary))
		form, err := readForm(httptest.NewRecorder(), req)
		if err == nil && len(form.input) > verifier.MaxInputSize {
			t.Fatalf("accepted %d bytes", len(form.input))
		}
	})
}

// TestNonceStoreSharesAreBoundedPerClient fills one client's share: its
// next challenge is refused, another client's is not; a nonce used or
// expired frees its place.
func TestNonceStoreSharesAreBoundedPerClient(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewNonceStore(NonceOptions{PerClient: 3, Max: 5, TTL: time.Minute, Now: func() time.Time { return now }})
	var first string
	for i := range 3 {
		n, _, err := s.IssueFor("a")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = n
		}
	}
	if _, _, err := s.IssueFor("a"); !errors.Is(err, ErrTooManyClientNonces) {
		t.Fatalf("a fourth challenge for the same client: %v", err)
	}
	for range 2 {
		if _, _, err := s.IssueFor("b"); err != nil {
			t.Fatalf("another client: %v", err)
		}
	}
	if _, _, err := s.IssueFor("c"); !errors.Is(err, ErrTooManyNonces) {
		t.Fatalf("over the overall bound: %v", err)
	}
	if err := s.Consume(first); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.IssueFor("a"); err != nil {
		t.Fatalf("after using one: %v", err)
	}
	now = now.Add(time.Minute)
	for range 3 {
		if _, _, err := s.IssueFor("c"); err != nil {
			t.Fatalf("once the others expired: %v", err)
		}
	}
}
