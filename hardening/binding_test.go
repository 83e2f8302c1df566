package hardening

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// TestHolderBindingCannotBeStripped takes a diploma bound to a student's
// wallet key (cnf) and gives it without its key-binding JWT — as issued,
// and as a presentation made to another audience with the key-binding JWT
// cut off — to every place that gives verdicts: `sceau verify` (with and
// without --nonce and --audience), POST /v1/verify, POST
// /credentials/verify (with and without options.domain) and the web page.
// None says valid: each names holder_binding. A genuine presentation for
// the verifier's challenge stays valid, through the same endpoints.
func TestHolderBindingCannotBeStripped(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	holder, holderJWK := holderKey(t)
	diplomas := w.issue("Diploma", "diplomas", sampleDiplomaCSV(holderJWK))
	diploma := bundleOf(t, diplomas, sampleStudents[0].studentID)
	const elsewhere = "https://autre-recruteur.example"
	stale, err := credential.PresentSDJWT(diploma.bundle.SDJWT, holder, credential.Presentation{
		Disclose: []string{"given_name", "family_name", "diploma"}, Nonce: "n-elsewhere", Audience: elsewhere,
	})
	if err != nil {
		t.Fatal(err)
	}
	stripped := stale[:strings.LastIndex(stale, "~")+1]
	inputs := map[string]string{
		"bound SD-JWT as issued":                     diploma.bundle.SDJWT,
		"presentation to another audience, stripped": stripped,
	}

	// The command line, which holds the ledger while it runs.
	for name, input := range inputs {
		path := w.write("input.sdjwt", []byte(input))
		for _, flags := range [][]string{nil, {"--nonce", "n-elsewhere", "--audience", elsewhere}, {"--nonce", "n-cli", "--audience", "https://cli.example"}} {
			code, out := w.sceau(append(append([]string{"verify", "--json"}, flags...), path)...)
			if code != 1 || !strings.Contains(out, `"reason": "holder_binding"`) {
				t.Errorf("%s: sceau verify %v: exit %d, want 1 naming holder_binding:\n%.800s", name, flags, code, out)
			}
		}
	}
	path := w.write("stale.sdjwt", []byte(stale))
	if code, out := w.sceau("verify", "--nonce", "n-elsewhere", "--audience", elsewhere, path); code != 0 {
		t.Errorf("the genuine presentation with its nonce and audience on the command line: exit %d:\n%s", code, out)
	}
	if code, out := w.sceau("verify", path); code != 1 || !strings.Contains(out, "holder_binding") {
		t.Errorf("the genuine presentation without --nonce and --audience: exit %d, want 1 (nothing fresh was asked):\n%s", code, out)
	}

	// The HTTP service.
	l := w.openLedger()
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	const audience = "https://recrutement.example"
	svc, err := verifierapi.New(verifierapi.Config{
		Registry:  verifier.NewRegistry(network.NewContract(l), verifier.RegistryOptions{}),
		Validator: validator,
		Audience:  audience,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Group(svc.Routes)
	server := httptest.NewServer(r)
	defer server.Close()
	post := func(path, contentType string, body []byte) (int, string) {
		t.Helper()
		resp, err := http.Post(server.URL+path, contentType, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	jsonBody := func(v any) []byte {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	page := func(input string) (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if err := mw.WriteField("credential", input); err != nil {
			t.Fatal(err)
		}
		mw.Close()
		return mw.FormDataContentType(), buf.Bytes()
	}
	for name, input := range inputs {
		if status, body := post("/v1/verify", "application/json", jsonBody(map[string]string{"credential": input})); status != http.StatusOK ||
			!strings.Contains(body, `"verdict": "invalid"`) || !strings.Contains(body, `"reason": "holder_binding"`) {
			t.Errorf("%s: POST /v1/verify: %d, want an invalid verdict naming holder_binding:\n%.800s", name, status, body)
		}
		for _, options := range []map[string]string{nil, {"domain": elsewhere}, {"domain": elsewhere, "challenge": "n-elsewhere"}} {
			req := map[string]any{"verifiableCredential": input}
			if options != nil {
				req["options"] = options
			}
			// The VC API (VCALM 0.0.3) answers 200 whenever the
			// verification ran; the result says whether it verified, and
			// its first problem names the reason.
			if status, body := post("/credentials/verify", "application/json", jsonBody(req)); status != http.StatusOK || !strings.Contains(body, `"verified": false`) || !strings.Contains(body, "holder_binding") {
				t.Errorf("%s: POST /credentials/verify with options %v: %d, want 200, not verified, holder_binding:\n%.800s", name, options, status, body)
			}
		}
		ct, form := page(input)
		if status, body := post("/", ct, form); status != http.StatusOK || !strings.Contains(body, `data-verdict="invalid"`) || !strings.Contains(body, `data-reason="holder_binding"`) {
			t.Errorf("%s: the web page: %d, want an invalid verdict for holder_binding", name, status)
		}
	}

	// A genuine presentation for the service's challenge and audience.
	resp, err := http.Get(server.URL + "/v1/challenge")
	if err != nil {
		t.Fatal(err)
	}
	var challenge struct{ Nonce, Audience string }
	if err := json.NewDecoder(resp.Body).Decode(&challenge); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fresh, err := credential.PresentSDJWT(diploma.bundle.SDJWT, holder, credential.Presentation{Disclose: []string{"diploma"}, Nonce: challenge.Nonce, Audience: challenge.Audience})
	if err != nil {
		t.Fatal(err)
	}
	if status, body := post("/v1/verify", "application/json", jsonBody(map[string]string{"credential": fresh})); status != http.StatusOK || !strings.Contains(body, `"verdict": "valid"`) {
		t.Errorf("a genuine presentation for the service's challenge: %d:\n%.800s", status, body)
	}
	if status, body := post("/v1/verify", "application/json", jsonBody(map[string]string{"credential": fresh})); !strings.Contains(body, `"reason": "holder_binding"`) {
		t.Errorf("the same presentation replayed: %d, want holder_binding:\n%.800s", status, body)
	}
}
