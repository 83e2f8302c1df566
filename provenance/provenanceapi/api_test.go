package provenanceapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/attest"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/provenance"
)

// apiClient calls the resources API of a test platform.
type apiClient struct {
	t      *testing.T
	server *httptest.Server
	token  string
}

func newAPI(t *testing.T, p *platform) *apiClient {
	t.Helper()
	tokens := &org.Tokens{Home: org.Home(p.home)}
	token, _, err := tokens.Create(platformID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(Handler(p.svc, tokens))
	t.Cleanup(server.Close)
	return &apiClient{t: t, server: server, token: token}
}

// do sends a request and decodes the JSON answer into out (when not nil).
func (c *apiClient) do(method, path, token string, body []byte, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.server.URL+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.server.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		c.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// submission is a folder registration signed by author, as a client app makes it.
func submission(t *testing.T, author *provenance.Key, title, lic string, derivedFrom []string, attribution *provenance.AttributionInput) provenance.Submission {
	t.Helper()
	manifest, err := provenance.NewManifest([]provenance.Entry{{Path: "cours.md", Digest: sha(title)}, {Path: "images/schema.png", Digest: sha("png " + title)}})
	if err != nil {
		t.Fatal(err)
	}
	sub := provenance.Submission{Manifest: string(manifest.Bytes()), Title: title, License: lic, DerivedFrom: derivedFrom}
	claims := attest.Registration{Resource: manifest.Digest(), Title: title, License: lic, DerivedFrom: derivedFrom, IssuedAt: time.Now().Unix()}
	if attribution != nil {
		if sub.Attribution, err = provenance.SignAttribution(author, manifest.Digest(), *attribution, time.Now()); err != nil {
			t.Fatal(err)
		}
		claims.Attribution = attest.Digest(sub.Attribution)
	}
	st, err := attest.Sign(author.Signer(), attest.TypeRegistration, claims)
	if err != nil {
		t.Fatal(err)
	}
	sub.AuthorStatements = []string{st}
	return sub
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAPIRegisterGetLineage(t *testing.T) {
	p := newPlatform(t)
	api := newAPI(t, p)
	alice, bob := newKey(t), newKey(t)

	var parent record.Resource
	if code := api.do("POST", "/v1/resources", api.token, mustJSON(t, submission(t, alice, "Cours", "CC-BY-SA-4.0", nil, &provenance.AttributionInput{Names: []string{"Alice Durand"}, Email: "alice.durand@ac-paris.fr"})), &parent); code != http.StatusCreated {
		t.Fatalf("POST: status %d", code)
	}
	if parent.PlatformID != platformID || parent.AttributionDigest == "" {
		t.Errorf("registered %+v", parent)
	}
	if m, err := p.svc.Store.Manifest(parent.Digest); err != nil || m.Len() != 2 {
		t.Errorf("the platform did not keep the manifest: %v", err)
	}

	var view provenance.View
	if code := api.do("GET", "/v1/resources/"+parent.Digest, "", nil, &view); code != http.StatusOK {
		t.Fatalf("GET: status %d", code)
	}
	if view.Resource.Digest != parent.Digest || view.AttributionStatus != "available" {
		t.Fatalf("GET: %+v", view)
	}
	if a, signer, err := provenance.VerifyAttribution(view.Attribution); err != nil || signer != alice.ID() || a.Names[0] != "Alice Durand" {
		t.Errorf("served attribution %+v, %s, %v", a, signer, err)
	}

	var child record.Resource
	if code := api.do("POST", "/v1/resources", api.token, mustJSON(t, submission(t, bob, "Adaptation", "CC-BY-SA-4.0", []string{parent.Digest}, nil)), &child); code != http.StatusCreated {
		t.Fatalf("POST derivative: status %d", code)
	}
	var lineage record.Lineage
	if code := api.do("GET", "/v1/resources/"+child.Digest+"/lineage", "", nil, &lineage); code != http.StatusOK {
		t.Fatalf("GET lineage: status %d", code)
	}
	if len(lineage.Ancestors) != 1 || lineage.Ancestors[0].Digest != parent.Digest {
		t.Errorf("lineage %+v", lineage)
	}

	if err := p.svc.EraseAttribution(parent.Digest); err != nil {
		t.Fatal(err)
	}
	view = provenance.View{}
	api.do("GET", "/v1/resources/"+parent.Digest, "", nil, &view)
	if view.AttributionStatus != "erased" || view.Attribution != "" {
		t.Errorf("after erasure: %+v", view)
	}
}

func TestAPIErrors(t *testing.T) {
	p := newPlatform(t)
	api := newAPI(t, p)
	alice := newKey(t)
	var sa record.Resource
	api.do("POST", "/v1/resources", api.token, mustJSON(t, submission(t, alice, "SA", "CC-BY-SA-4.0", nil, nil)), &sa)
	good := mustJSON(t, submission(t, alice, "Bon", "CC0-1.0", nil, nil))

	tests := []struct {
		name, method, path, token string
		body                      []byte
		status                    int
		want                      string
	}{
		{"no token", "POST", "/v1/resources", "", good, http.StatusUnauthorized, "token"},
		{"bad token", "POST", "/v1/resources", "sceau_edu_00_xx", good, http.StatusUnauthorized, "invalid"},
		{"malformed body", "POST", "/v1/resources", api.token, []byte(`{"title":`), http.StatusBadRequest, "submission"},
		{"unknown member", "POST", "/v1/resources", api.token, []byte(`{"title":"T","authorName":"Alice"}`), http.StatusBadRequest, "unknown field"},
		{"licence rule", "POST", "/v1/resources", api.token, mustJSON(t, submission(t, alice, "Derive", "CC-BY-4.0", []string{sa.Digest}, nil)), http.StatusUnprocessableEntity, sa.Digest},
		{"unregistered resource", "GET", "/v1/resources/" + sha("nothing"), "", nil, http.StatusNotFound, "not found"},
		{"unregistered lineage", "GET", "/v1/resources/" + sha("nothing") + "/lineage", "", nil, http.StatusNotFound, "not found"},
		{"bad digest", "GET", "/v1/resources/ABC", "", nil, http.StatusBadRequest, "digest"},
		{"bad lineage digest", "GET", "/v1/resources/ABC/lineage", "", nil, http.StatusBadRequest, "digest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e apiError
			if code := api.do(tc.method, tc.path, tc.token, tc.body, &e); code != tc.status || !strings.Contains(e.Error, tc.want) {
				t.Errorf("status %d %q, want %d mentioning %q", code, e.Error, tc.status, tc.want)
			}
		})
	}

	// A token of an issuer that is not accredited for OpenResource.
	if _, err := issuer.NewService(p.home, p.ledger, nil).Init(t.Context(), issuer.InitOptions{ID: "exam-office", Name: "Office", NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	officeToken, _, err := (&org.Tokens{Home: org.Home(p.home)}).Create("exam-office", "tests")
	if err != nil {
		t.Fatal(err)
	}
	var e apiError
	if code := api.do("POST", "/v1/resources", officeToken, good, &e); code != http.StatusForbidden || !strings.Contains(e.Error, "exam-office") {
		t.Errorf("unaccredited platform: status %d %q", code, e.Error)
	}
}

// FuzzDecodeSubmission feeds arbitrary POST bodies to the decoder: it must
// never panic, and what it accepts must encode and decode to itself.
func FuzzDecodeSubmission(f *testing.F) {
	f.Add([]byte(`{"digest":"` + sha("x") + `","title":"Cours","license":"CC0-1.0","authorStatements":["a.b.c"]}`))
	f.Add([]byte(`{"manifest":"sceau-resource-manifest-v1\n","derivedFrom":[],"attribution":""}`))
	f.Add([]byte(`{"title":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		sub, err := decodeSubmission(body)
		if err != nil {
			return
		}
		again, err := decodeSubmission(mustJSON(t, sub))
		if err != nil {
			t.Fatalf("re-decoding an accepted submission: %v", err)
		}
		if a, b := mustJSON(t, sub), mustJSON(t, again); string(a) != string(b) {
			t.Fatalf("submission changed through a round trip:\n%s\n%s", a, b)
		}
	})
}
