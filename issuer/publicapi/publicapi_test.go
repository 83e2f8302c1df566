package publicapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/issuertest"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/server"
	"github.com/sceau/sceau/statuslist"
)

const base = "https://verify.example"

// newPublic returns the public routes over a home with one accredited
// issuer that issued a diploma and published its lists.
func newPublic(t *testing.T) http.Handler {
	t.Helper()
	ctx := context.Background()
	svc := issuertest.New(t, "examoffice", "Office des examens", record.TypeDiploma).Issuer
	svc.Base = base
	input := filepath.Join(t.TempDir(), "d.csv")
	csv := "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on\n070123456AB,Hélène,Lefèvre,2007-03-14,Baccalauréat général,4,2025-07-04\n"
	if err := os.WriteFile(input, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Issue(ctx, issuer.IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: input, OutDir: filepath.Join(t.TempDir(), "out")}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishStatusListsOf(ctx, "examoffice"); err != nil {
		t.Fatal(err)
	}
	api, err := New(Config{Service: svc, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	api.Routes(r)
	return r
}

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPublicRoutes(t *testing.T) {
	h := newPublic(t)
	for _, tc := range []struct {
		path, contentType string
		status            int
		holds             string
	}{
		{"/status/examoffice/ietf", ContentTypeIETF, 200, "."},
		{"/status/examoffice/revocation", ContentTypeW3C, 200, "."},
		{"/status/examoffice/suspension", ContentTypeW3C, 200, "."},
		{"/status/examoffice/crl", "application/json", 404, "no crl status list"},
		{"/status/otheroffice/ietf", "application/json", 404, "published no"},
		{"/status/..%2Fetc/ietf", "application/json", 404, "no such issuer"},
		{"/issuers/examoffice", "application/json", 200, `"id": "https://verify.example/issuers/examoffice"`},
		{"/issuers/otheroffice", "application/json", 404, "knows no issuer"},
		{"/.well-known/jwt-vc-issuer/issuers/examoffice", "application/json", 200, `"issuer": "https://verify.example/issuers/examoffice"`},
		{"/.well-known/jwt-vc-issuer", "application/json", 200, `"kty"`},
		{"/contexts/sceau-v1.jsonld", "application/ld+json", 200, `"@protected": true`},
		{"/schemas/diploma.json", "application/schema+json", 200, `"$id": "https://verify.example/schemas/diploma.json"`},
		{"/schemas/licence.json", "application/json", 404, "no such schema"},
		{"/vct/pix-certification", "application/json", 200, `"vct": "https://verify.example/vct/pix-certification"`},
		{"/vct/licence", "application/json", 404, "no such credential type"},
	} {
		rec := get(h, tc.path)
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != tc.contentType || !strings.Contains(rec.Body.String(), tc.holds) {
			t.Errorf("GET %s: %d %s %.200s; want %d %s holding %q", tc.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), tc.status, tc.contentType, tc.holds)
		}
		if tc.status == 200 && (rec.Header().Get("ETag") == "" || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public, max-age=")) {
			t.Errorf("GET %s: served without ETag or Cache-Control: %v", tc.path, rec.Header())
		}
	}
}

// TestStatusListCaching: a list is served with its TTL as max-age, its
// block and checkpoint, and 304 to a client holding it.
func TestStatusListCaching(t *testing.T) {
	h := newPublic(t)
	rec := get(h, "/status/examoffice/ietf")
	if rec.Header().Get("Cache-Control") != "public, max-age=30" || rec.Header().Get(HeaderBlock) == "" || rec.Header().Get(HeaderCheckpoint) == "" {
		t.Fatalf("headers %v", rec.Header())
	}
	l, err := statuslist.Parse(rec.Body.String())
	if err != nil || l.URI != base+"/status/examoffice/ietf" {
		t.Fatalf("the list served: %v, %+v", err, l)
	}
	etag := rec.Header().Get("ETag")
	if again := get(h, "/status/examoffice/ietf", "If-None-Match", etag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("If-None-Match %s: %d", etag, again.Code)
	}
	if other := get(h, "/status/examoffice/ietf", "If-None-Match", `"other"`); other.Code != http.StatusOK {
		t.Errorf("If-None-Match of another version: %d", other.Code)
	}
	var md struct {
		JWKS struct {
			Keys []json.RawMessage `json:"keys"`
		} `json:"jwks"`
	}
	if err := json.Unmarshal(get(h, "/.well-known/jwt-vc-issuer/issuers/examoffice").Body.Bytes(), &md); err != nil || len(md.JWKS.Keys) != 1 {
		t.Fatalf("jwt-vc-issuer metadata: %v", err)
	}
	pub, err := credential.ParsePublicJWK(md.JWKS.Keys[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(pub); err != nil {
		t.Errorf("the list does not verify with the published key: %v", err)
	}
}

// TestOpenAPIDescribesEveryRoute holds the package's fragment of
// /openapi.json to its routes, both ways.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	r := chi.NewRouter()
	api := &API{}
	api.Routes(r)
	missing, extra, err := server.Undocumented(r, OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing)+len(extra) != 0 {
		t.Errorf("routes not described: %v; described, not served: %v", missing, extra)
	}
}
