package issuerapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/issuertest"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// newAccreditedService returns a service over a new embedded ledger with
// issuer "examoffice" accredited for types.
func newAccreditedService(t *testing.T, types ...record.CredentialType) *issuer.Service {
	t.Helper()
	return issuertest.New(t, "examoffice", "Office des examens", types...).Issuer
}

// apiEnv is an issuer API over an embedded ledger with two accredited
// issuers, examoffice (A) and lycee-b (B), each with a token.
type apiEnv struct {
	svc      *issuer.Service
	api      *API
	srv      *httptest.Server
	tokenA   string
	tokenB   string
	registry *prometheus.Registry
}

func newAPIEnv(t *testing.T, window time.Duration) *apiEnv {
	t.Helper()
	ctx := context.Background()
	svc := newAccreditedService(t, record.TypeDiploma, record.TypePixCertification)
	if _, err := svc.Init(ctx, issuer.InitOptions{ID: "lycee-b", Name: "Lycée B", NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Contract.AccreditIssuer(ctx, "ministry", "lycee-b", []record.CredentialType{record.TypeDiploma}, ""); err != nil {
		t.Fatal(err)
	}
	tokens := &org.Tokens{Home: svc.Home}
	tokA, _, err := tokens.Create("examoffice", "test")
	if err != nil {
		t.Fatal(err)
	}
	tokB, _, err := tokens.Create("lycee-b", "test")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	api, err := New(Config{Service: svc, Tokens: tokens, Metrics: reg, MicroBatchWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	api.Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		srv.Close()
		api.Close()
	})
	return &apiEnv{svc: svc, api: api, srv: srv, tokenA: tokA, tokenB: tokB, registry: reg}
}

// call sends a request and returns the status and body.
func (e *apiEnv) call(t *testing.T, method, path, token, contentType string, body []byte) (int, []byte) {
	t.Helper()
	return issuertest.Call(t, e.srv, method, path, token, contentType, body)
}

func (e *apiEnv) postJSON(t *testing.T, path, token string, v any) (int, []byte) {
	t.Helper()
	return issuertest.PostJSON(t, e.srv, path, token, v)
}

// verify runs the verifier on a credential form and returns its verdict.
func (e *apiEnv) verify(t *testing.T, input []byte) *verifier.Result {
	t.Helper()
	v, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return verifier.New(e.svc.Contract, v, verifier.Options{}).Verify(context.Background(), input)
}

var apiDiploma = map[string]any{
	"student_id": "070123456AB", "given_name": "Hélène", "family_name": "Lefèvre", "birth_date": "2007-03-14",
	"diploma": "Baccalauréat général", "eqf_level": 4, "awarded_on": "2025-07-04", "mention": "tres_bien",
}

func TestAPIIssuesOneCredentialWithItsIssuersToken(t *testing.T) {
	e := newAPIEnv(t, 0)
	code, body := e.postJSON(t, "/v1/credentials", e.tokenA, map[string]any{"type": "Diploma", "record": apiDiploma})
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/credentials: %d %s", code, body)
	}
	b, err := credential.ParseBundle(body)
	if err != nil {
		t.Fatalf("the answer is not a bundle: %v\n%s", err, body)
	}
	if b.Issuer != "urn:sceau:issuer:examoffice" || b.SDJWT == "" || b.Anchor.Batch == "" {
		t.Errorf("bundle issuer %s, SD-JWT %t, batch %q", b.Issuer, b.SDJWT != "", b.Anchor.Batch)
	}
	if res := e.verify(t, body); res.Verdict != verifier.Valid {
		t.Fatalf("the issued bundle does not verify: %+v", res.Checks)
	} else if !strings.Contains(string(res.Claims), "Hélène") {
		t.Errorf("claims %s lack the accented given name", res.Claims)
	}
	// The server keeps the bundle.
	u := strings.TrimPrefix(b.ID, "urn:uuid:")
	code, kept := e.call(t, http.MethodGet, "/v1/credentials/"+u, e.tokenA, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /v1/credentials/%s: %d %s", u, code, kept)
	}
	if k, err := credential.ParseBundle(kept); err != nil || !reflect.DeepEqual(k, b) {
		t.Errorf("the kept bundle differs from the one answered: %v", err)
	}
	if code, _ := e.call(t, http.MethodGet, "/v1/credentials/"+u, e.tokenB, "", nil); code != http.StatusNotFound {
		t.Errorf("GET another issuer's credential: %d, want 404", code)
	}
	if got := testutil.ToFloat64(e.api.metrics.credentials.WithLabelValues("/v1/credentials", "Diploma")); got != 1 {
		t.Errorf("issued counter = %v, want 1", got)
	}
}

func TestAPIVCIssueReturnsAnEnvelopedCredential(t *testing.T) {
	e := newAPIEnv(t, 0)
	req := map[string]any{
		"credential": map[string]any{
			"@context":          []string{credential.ContextV2},
			"type":              []string{"VerifiableCredential", "Diploma"},
			"issuer":            "urn:sceau:issuer:examoffice",
			"credentialSubject": apiDiploma,
		},
		"options": map[string]any{},
	}
	code, body := e.postJSON(t, "/credentials/issue", e.tokenA, req)
	if code != http.StatusCreated {
		t.Fatalf("POST /credentials/issue: %d %s", code, body)
	}
	var resp struct {
		VerifiableCredential struct {
			Context []string `json:"@context"`
			Type    string   `json:"type"`
			ID      string   `json:"id"`
		} `json:"verifiableCredential"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	vc := resp.VerifiableCredential
	jwt, ok := strings.CutPrefix(vc.ID, "data:application/vc+jwt,")
	if !ok || vc.Type != "EnvelopedVerifiableCredential" || len(vc.Context) == 0 || vc.Context[0] != credential.ContextV2 {
		t.Fatalf("verifiableCredential %+v", vc)
	}
	res := e.verify(t, []byte(jwt))
	if res.Verdict != verifier.Valid {
		t.Fatalf("the enveloped vc+jwt does not verify: %+v", res.Checks)
	}
	if !strings.Contains(string(res.Claims), "Lefèvre") {
		t.Errorf("claims %s", res.Claims)
	}
}

func TestAPIRefusals(t *testing.T) {
	e := newAPIEnv(t, 0)
	vcReq := func(mutate func(c map[string]any)) map[string]any {
		c := map[string]any{
			"@context":          []string{credential.ContextV2},
			"type":              []string{"VerifiableCredential", "Diploma"},
			"credentialSubject": apiDiploma,
		}
		mutate(c)
		return map[string]any{"credential": c}
	}
	badDate := map[string]any{}
	for k, v := range apiDiploma {
		badDate[k] = v
	}
	badDate["birth_date"] = "2007-13-14"
	tests := []struct {
		name  string
		path  string
		token string
		body  any
		raw   string
		want  int
		says  string
	}{
		{"no token", "/v1/credentials", "", map[string]any{"type": "Diploma", "record": apiDiploma}, "", http.StatusUnauthorized, "token"},
		{"bad token", "/v1/credentials", "sceau_examoffice_00_x", map[string]any{"type": "Diploma", "record": apiDiploma}, "", http.StatusUnauthorized, "invalid"},
		{"B's token naming A", "/v1/credentials", "B", map[string]any{"issuer": "examoffice", "type": "Diploma", "record": apiDiploma}, "", http.StatusForbidden, "examoffice"},
		{"empty record", "/v1/credentials", "B", map[string]any{"type": "PixCertification", "record": map[string]any{}}, "", http.StatusUnprocessableEntity, "student_id"},
		{"malformed JSON", "/v1/credentials", "A", nil, `{"type":`, http.StatusBadRequest, "JSON"},
		{"unknown member", "/v1/credentials", "A", map[string]any{"type": "Diploma", "record": apiDiploma, "extra": 1}, "", http.StatusBadRequest, "extra"},
		{"unknown type", "/v1/credentials", "A", map[string]any{"type": "Licence", "record": apiDiploma}, "", http.StatusBadRequest, "Licence"},
		{"bad date", "/v1/credentials", "A", map[string]any{"type": "Diploma", "record": badDate}, "", http.StatusUnprocessableEntity, "birth_date"},
		{"private holder key", "/v1/credentials", "A", map[string]any{"type": "Diploma", "record": apiDiploma, "holder_jwk": map[string]string{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}}, "", http.StatusUnprocessableEntity, "holder_jwk"},
		{"VC API: B's token, A as issuer", "/credentials/issue", "B", vcReq(func(c map[string]any) { c["issuer"] = "urn:sceau:issuer:examoffice" }), "", http.StatusForbidden, "examoffice"},
		{"VC API: no token", "/credentials/issue", "", vcReq(func(map[string]any) {}), "", http.StatusUnauthorized, "token"},
		{"VC API: not JSON", "/credentials/issue", "A", nil, "credential", http.StatusBadRequest, "JSON"},
		{"VC API: no credential", "/credentials/issue", "A", map[string]any{"options": map[string]any{}}, "", http.StatusBadRequest, "credential"},
		{"VC API: wrong context", "/credentials/issue", "A", vcReq(func(c map[string]any) { c["@context"] = []string{"https://www.w3.org/2018/credentials/v1"} }), "", http.StatusBadRequest, "@context"},
		{"VC API: unsupported type", "/credentials/issue", "A", vcReq(func(c map[string]any) { c["type"] = []string{"VerifiableCredential", "Licence"} }), "", http.StatusBadRequest, "Licence"},
		{"VC API: proof given", "/credentials/issue", "A", vcReq(func(c map[string]any) { c["proof"] = map[string]any{} }), "", http.StatusBadRequest, "proof"},
		{"VC API: issuer not a Sceau URI", "/credentials/issue", "A", vcReq(func(c map[string]any) { c["issuer"] = "did:example:123" }), "", http.StatusBadRequest, "issuer"},
		{"VC API: schema-invalid subject", "/credentials/issue", "A", vcReq(func(c map[string]any) { c["credentialSubject"] = badDate }), "", http.StatusUnprocessableEntity, "birth_date"},
		{"VC API: subject as array", "/credentials/issue", "A", vcReq(func(c map[string]any) { c["credentialSubject"] = []any{apiDiploma} }), "", http.StatusBadRequest, "credentialSubject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := map[string]string{"A": e.tokenA, "B": e.tokenB}[tt.token]
			if token == "" {
				token = tt.token
			}
			body := []byte(tt.raw)
			if tt.body != nil {
				var err error
				if body, err = json.Marshal(tt.body); err != nil {
					t.Fatal(err)
				}
			}
			code, resp := e.call(t, http.MethodPost, tt.path, token, "application/json", body)
			if code != tt.want || !strings.Contains(string(resp), tt.says) {
				t.Errorf("got %d %s, want %d mentioning %q", code, resp, tt.want, tt.says)
			}
		})
	}
	// B's token may not issue Pix certifications: 403 once the record is valid.
	pix := map[string]any{
		"student_id": "070123456AB", "given_name": "Zoé", "family_name": "Martin", "birth_date": "2007-01-30",
		"certification_center": "Lycée B", "certified_on": "2025-05-20", "pix_score": 400,
	}
	var comps []map[string]any
	for _, c := range schemas.CompetenceFramework {
		comps = append(comps, map[string]any{"id": c.ID, "name": c.Name, "level": 3})
	}
	pix["competences"] = comps
	if code, body := e.postJSON(t, "/v1/credentials", e.tokenB, map[string]any{"type": "PixCertification", "record": pix}); code != http.StatusForbidden || !strings.Contains(string(body), "not accredited") {
		t.Errorf("B issuing a Pix certification: %d %s, want 403 not accredited", code, body)
	}
	info, err := e.svc.Contract.GetIssuer(context.Background(), "examoffice")
	if err != nil || info.Status != record.IssuerActive {
		t.Fatalf("issuer A: %+v %v", info, err)
	}
}

func TestAPIStatusChangesActOnlyOnTheIssuersCredentials(t *testing.T) {
	e := newAPIEnv(t, 0)
	code, body := e.postJSON(t, "/v1/credentials", e.tokenA, map[string]any{"type": "Diploma", "record": apiDiploma})
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, body)
	}
	b, err := credential.ParseBundle(body)
	if err != nil {
		t.Fatal(err)
	}
	digest := credential.DigestJWS(b.VCJWT)
	for _, tt := range []struct {
		name, path, token string
		body              any
		want              int
		status            record.CredentialStatus
	}{
		{"B cannot suspend A's credential", "/v1/credentials/" + digest + "/suspend", e.tokenB, map[string]string{"reason": "error"}, http.StatusForbidden, record.StatusActive},
		{"no reason", "/v1/credentials/" + b.ID + "/suspend", e.tokenA, map[string]string{}, http.StatusBadRequest, record.StatusActive},
		{"unknown reason", "/v1/credentials/" + b.ID + "/suspend", e.tokenA, map[string]string{"reason": "because"}, http.StatusBadRequest, record.StatusActive},
		{"A suspends by id", "/v1/credentials/" + b.ID + "/suspend", e.tokenA, map[string]string{"reason": "error"}, http.StatusOK, record.StatusSuspended},
		{"A reinstates by digest", "/v1/credentials/" + digest + "/reinstate", e.tokenA, nil, http.StatusOK, record.StatusActive},
		{"A revokes by UUID", "/v1/credentials/" + strings.TrimPrefix(b.ID, "urn:uuid:") + "/revoke", e.tokenA, map[string]string{"reason": "fraud"}, http.StatusOK, record.StatusRevoked},
		{"unknown credential", "/v1/credentials/" + strings.Repeat("ab", 32) + "/revoke", e.tokenA, map[string]string{"reason": "fraud"}, http.StatusNotFound, record.StatusRevoked},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var code int
			var resp []byte
			if tt.body == nil {
				code, resp = e.call(t, http.MethodPost, tt.path, tt.token, "", nil)
			} else {
				code, resp = e.postJSON(t, tt.path, tt.token, tt.body)
			}
			if code != tt.want {
				t.Fatalf("got %d %s, want %d", code, resp, tt.want)
			}
			for _, form := range []string{b.VCJWT, b.QR} {
				d, err := issuer.Digests(context.Background(), []byte(form))
				if err != nil {
					t.Fatal(err)
				}
				st, err := e.svc.Contract.GetStatus(context.Background(), d[0])
				if err != nil || st.Status != tt.status {
					t.Errorf("form status %v %v, want %s", st, err, tt.status)
				}
			}
		})
	}
}

func TestAPIMicroBatchesConcurrentCredentials(t *testing.T) {
	e := newAPIEnv(t, 300*time.Millisecond)
	const n = 12
	var wg sync.WaitGroup
	batches := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := map[string]any{}
			for k, v := range apiDiploma {
				rec[k] = v
			}
			rec["student_id"] = fmt.Sprintf("0701234%02dAB", i)
			body, _ := json.Marshal(map[string]any{"type": "Diploma", "record": rec})
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/credentials", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.tokenA)
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			b, err := credential.ParseBundle(data)
			if resp.StatusCode != http.StatusCreated || err != nil {
				errs[i] = fmt.Errorf("%d %s %v", resp.StatusCode, data, err)
				return
			}
			if res := e.verify(t, data); res.Verdict != verifier.Valid {
				errs[i] = fmt.Errorf("credential %d does not verify: %+v", i, res.Checks)
			}
			batches[i] = b.Anchor.Batch
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		count[batches[i]]++
	}
	shared := false
	for _, c := range count {
		shared = shared || c > 1
	}
	if !shared {
		t.Errorf("%d concurrent credentials went into %d batches of one: no micro-batching", n, len(count))
	}
}

// ledgerHeight returns the height of the service's embedded ledger.
func ledgerHeight(t *testing.T, svc *issuer.Service) uint64 {
	t.Helper()
	info, err := svc.Ledger.(*embedded.Ledger).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.Height
}

// multipartCSV builds a POST /v1/batches body.
func multipartCSV(t testing.TB, csv []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "export.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(csv)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// waitBatch polls a batch until it is finished.
func (e *apiEnv) waitBatch(t *testing.T, id, token string) batchResponse {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, body := e.call(t, http.MethodGet, "/v1/batches/"+id, token, "", nil)
		if code != http.StatusOK {
			t.Fatalf("GET /v1/batches/%s: %d %s", id, code, body)
		}
		var st batchResponse
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if st.State != issuer.BatchQueued && st.State != issuer.BatchRunning {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %s still %s", id, st.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAPIBatchUploadIssuesInTheBackground(t *testing.T) {
	e := newAPIEnv(t, 0)
	var input bytes.Buffer
	if err := issuer.WriteSyntheticCSV(&input, schemas.TypePixCertification, 120, issuer.CSVDialect{Delimiter: ';', Windows1252: true, CRLF: true}, 7); err != nil {
		t.Fatal(err)
	}
	ct, body := multipartCSV(t, input.Bytes(), map[string]string{"type": "PixCertification", "chunk": "50"})
	code, resp := e.call(t, http.MethodPost, "/v1/batches", e.tokenA, ct, body)
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/batches: %d %s", code, resp)
	}
	var queued issuer.BatchStatus
	if err := json.Unmarshal(resp, &queued); err != nil || queued.ID == "" {
		t.Fatalf("answer %s: %v", resp, err)
	}
	if code, _ := e.call(t, http.MethodGet, "/v1/batches/"+queued.ID, e.tokenB, "", nil); code != http.StatusForbidden {
		t.Errorf("B reading A's batch: %d, want 403", code)
	}
	st := e.waitBatch(t, queued.ID, e.tokenA)
	if st.State != issuer.BatchSucceeded || st.Issued != 120 || st.Batches != 3 || st.Done != 120 {
		t.Fatalf("batch ended %+v", st)
	}
	code, manifest := e.call(t, http.MethodGet, st.Manifest, e.tokenA, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", st.Manifest, code)
	}
	lines := strings.Split(strings.TrimSpace(string(manifest)), "\n")
	if len(lines) != 121 {
		t.Fatalf("manifest has %d lines, want header + 120", len(lines))
	}
	id := strings.SplitN(lines[1], ",", 2)[0]
	code, bundle := e.call(t, http.MethodGet, strings.Replace(st.Credentials, "{credential}", id, 1), e.tokenA, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET a bundle of the batch: %d %s", code, bundle)
	}
	if res := e.verify(t, bundle); res.Verdict != verifier.Valid {
		t.Fatalf("a batch bundle does not verify: %+v", res.Checks)
	}
	if code, _ := e.call(t, http.MethodGet, "/v1/batches/"+queued.ID+"/rejects", e.tokenA, "", nil); code != http.StatusNotFound {
		t.Errorf("rejects of a batch without bad rows: %d, want 404", code)
	}
	// Revoking a batch credential by its id works too.
	if code, resp := e.postJSON(t, "/v1/credentials/"+id+"/revoke", e.tokenA, map[string]string{"reason": "annulled"}); code != http.StatusOK {
		t.Errorf("revoking a batch credential by id: %d %s", code, resp)
	}
	if got := testutil.ToFloat64(e.api.metrics.batches.WithLabelValues(issuer.BatchSucceeded)); got != 1 {
		t.Errorf("succeeded batches counter = %v", got)
	}
}

func TestAPIBatchWithABadRowFailsNamingIt(t *testing.T) {
	e := newAPIEnv(t, 0)
	var input bytes.Buffer
	if err := issuer.WriteSyntheticCSV(&input, schemas.TypeDiploma, 30, issuer.CSVDialect{}, 3); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(input.String(), "\n")
	lines[9] = strings.Replace(lines[9], ",4,", ",12,", 1) // line 10: eqf_level 12
	bad := []byte(strings.Join(lines, "\n"))

	before := ledgerHeight(t, e.svc)
	ct, body := multipartCSV(t, bad, map[string]string{"type": "Diploma"})
	code, resp := e.call(t, http.MethodPost, "/v1/batches", e.tokenA, ct, body)
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/batches: %d %s", code, resp)
	}
	var queued issuer.BatchStatus
	json.Unmarshal(resp, &queued)
	st := e.waitBatch(t, queued.ID, e.tokenA)
	if st.State != issuer.BatchFailed || len(st.Errors) != 1 || st.Errors[0].Line != 10 || st.Errors[0].Column != "eqf_level" || st.Errors[0].Rule != "maximum" {
		t.Fatalf("batch ended %+v, want failed naming line 10, eqf_level, maximum", st)
	}
	if code, _ := e.call(t, http.MethodGet, "/v1/batches/"+queued.ID+"/manifest", e.tokenA, "", nil); code != http.StatusConflict {
		t.Errorf("manifest of a failed batch: %d, want 409", code)
	}
	if after := ledgerHeight(t, e.svc); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}

	// With skip_invalid the rest is issued and the row is in rejects.
	ct, body = multipartCSV(t, bad, map[string]string{"type": "Diploma", "skip_invalid": "true"})
	code, resp = e.call(t, http.MethodPost, "/v1/batches", e.tokenA, ct, body)
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/batches: %d %s", code, resp)
	}
	json.Unmarshal(resp, &queued)
	st = e.waitBatch(t, queued.ID, e.tokenA)
	if st.State != issuer.BatchSucceeded || st.Issued != 29 || st.Rejected != 1 || st.Rejects == "" {
		t.Fatalf("batch ended %+v", st)
	}
	code, rejects := e.call(t, http.MethodGet, st.Rejects, e.tokenA, "", nil)
	if code != http.StatusOK || !strings.Contains(string(rejects), "10,eqf_level,") {
		t.Errorf("rejects: %d %s", code, rejects)
	}
}

func TestAPIBatchUploadRefusals(t *testing.T) {
	e := newAPIEnv(t, 0)
	csv := []byte("student_id,given_name\n")
	for _, tt := range []struct {
		name   string
		token  string
		fields map[string]string
		want   int
	}{
		{"no token", "", map[string]string{"type": "Diploma"}, http.StatusUnauthorized},
		{"B naming A", e.tokenB, map[string]string{"type": "Diploma", "issuer": "examoffice"}, http.StatusForbidden},
		{"B not accredited for Pix", e.tokenB, map[string]string{"type": "PixCertification"}, http.StatusForbidden},
		{"unknown type", e.tokenA, map[string]string{"type": "Licence"}, http.StatusBadRequest},
		{"unknown field", e.tokenA, map[string]string{"type": "Diploma", "colour": "blue"}, http.StatusBadRequest},
		{"bad chunk", e.tokenA, map[string]string{"type": "Diploma", "chunk": "0"}, http.StatusBadRequest},
		{"bad encoding", e.tokenA, map[string]string{"type": "Diploma", "encoding": "latin9"}, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := multipartCSV(t, csv, tt.fields)
			if code, resp := e.call(t, http.MethodPost, "/v1/batches", tt.token, ct, body); code != tt.want {
				t.Errorf("got %d %s, want %d", code, resp, tt.want)
			}
		})
	}
	if code, _ := e.call(t, http.MethodPost, "/v1/batches", e.tokenA, "text/csv", csv); code != http.StatusUnsupportedMediaType {
		t.Errorf("a bare CSV body: %d, want 415", code)
	}
	dirs, _ := filepath.Glob(filepath.Join(string(e.svc.Home), "issuers", "*", "api", "batches", "*"))
	if len(dirs) != 0 {
		t.Errorf("refused uploads left %v", dirs)
	}
}

func TestAPIUnlocksEncryptedKeysFromTheEnvironmentOnce(t *testing.T) {
	ctx := context.Background()
	svc := newAccreditedService(t)
	env := map[string]string{org.PassphraseEnv: "correct horse battery"}
	svc.Keys.Passphrase.Getenv = func(k string) string { return env[k] }
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	svc.Keys.Passphrase.Terminal = devNull
	svc.Keys.ScryptWorkFactor = 10
	if _, err := svc.Init(ctx, issuer.InitOptions{ID: "sealed", Name: "Sealed office"}); err != nil {
		t.Fatal(err)
	}
	api, err := New(Config{Service: svc, Tokens: &org.Tokens{Home: svc.Home}})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	if err := api.UnlockKeys(); err != nil {
		t.Fatalf("UnlockKeys with %s set: %v", org.PassphraseEnv, err)
	}
	delete(env, org.PassphraseEnv)
	if err := api.UnlockKeys(); err != nil {
		t.Errorf("an unlocked key needed the passphrase again: %v", err)
	}
	fresh, err := New(Config{Service: svc, Tokens: &org.Tokens{Home: svc.Home}})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.UnlockKeys(); err == nil || !strings.Contains(err.Error(), "sealed") || !strings.Contains(err.Error(), org.PassphraseEnv) {
		t.Errorf("UnlockKeys without the passphrase: %v, want an error naming the issuer and %s", err, org.PassphraseEnv)
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newAPIEnv(t, 0)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	// The API's fragment of the document `sceau serve` serves (the whole
	// is checked in package cli).
	if err := json.Unmarshal(OpenAPI, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("not an OpenAPI 3.1 document: %v", err)
	}
	r := chi.NewRouter()
	e.api.Routes(r)
	routes := 0
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes++
		if _, ok := doc.Paths[route][strings.ToLower(method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	documented := 0
	for _, ops := range doc.Paths {
		documented += len(ops)
	}
	if documented != routes {
		t.Errorf("openapi.json documents %d operations, the router has %d routes", documented, routes)
	}
}

func TestAPICloseInterruptsABatchThatResumesOnReupload(t *testing.T) {
	e := newAPIEnv(t, 0)
	var input bytes.Buffer
	if err := issuer.WriteSyntheticCSV(&input, schemas.TypeDiploma, 400, issuer.CSVDialect{}, 8); err != nil {
		t.Fatal(err)
	}
	ct, body := multipartCSV(t, input.Bytes(), map[string]string{"type": "Diploma", "chunk": "20"})
	code, resp := e.call(t, http.MethodPost, "/v1/batches", e.tokenA, ct, body)
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/batches: %d %s", code, resp)
	}
	var queued issuer.BatchStatus
	json.Unmarshal(resp, &queued)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		b, err := e.api.desk.Batch("examoffice", queued.ID)
		if err != nil {
			t.Fatal(err)
		}
		st := b.Status
		if st.Done >= 40 {
			break
		}
		if st.State != issuer.BatchQueued && st.State != issuer.BatchRunning || time.Now().After(deadline) {
			t.Fatalf("batch %+v never got two chunks done", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.api.Close()

	// A new server reads the batch as interrupted; uploading the same
	// file again resumes it.
	api, err := New(Config{Service: e.svc, Tokens: &org.Tokens{Home: e.svc.Home}})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	b, err := api.desk.Batch("examoffice", queued.ID)
	if err != nil {
		t.Fatalf("after Close: %v, want interrupted", err)
	}
	if st := b.Status; st.State != issuer.BatchInterrupted || !strings.Contains(st.Error, "upload the same file again") {
		t.Fatalf("after Close: %+v, want interrupted", st)
	}
	r := chi.NewRouter()
	api.Routes(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	e.srv = srv
	code, resp = e.call(t, http.MethodPost, "/v1/batches", e.tokenA, ct, body)
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/batches again: %d %s", code, resp)
	}
	json.Unmarshal(resp, &queued)
	st := e.waitBatch(t, queued.ID, e.tokenA)
	if st.State != issuer.BatchSucceeded || st.Reused < 40 || st.Issued+st.Reused != 400 {
		t.Fatalf("resumed batch ended %+v, want 400 credentials, at least 40 reused", st)
	}
}
