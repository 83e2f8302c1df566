package issuerapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
)

// testClock is a clock a test moves forward, shared by the ledger (its
// transaction times) and the issuer service.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// TestAPIIssuingAfterReaccreditation: the issuer API judges an exam
// office's accreditation as `sceau issue` does (issuer's
// TestIssuingAfterReaccreditation), by every window the ledger keeps: an
// office whose accreditation ended at the end of June is refused over the
// summer, and issues again once governance accredits it in September.
func TestAPIIssuingAfterReaccreditation(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{now: time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)}
	home := t.TempDir()
	l, err := embedded.Init(ctx, filepath.Join(home, "ledger"), embedded.InitOptions{OpenOptions: embedded.OpenOptions{Clock: clock.Now}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	svc := issuer.NewService(home, l, nil)
	svc.Now = clock.Now
	if _, err := svc.Init(ctx, issuer.InitOptions{ID: "examoffice", Name: "Office des examens", NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	diplomas := []record.CredentialType{record.TypeDiploma}
	if err := svc.Contract.AccreditIssuer(ctx, "ministry", "examoffice", diplomas, "2026-07-01T00:00:00Z"); err != nil {
		t.Fatal(err)
	}

	tokens := &org.Tokens{Home: svc.Home}
	token, _, err := tokens.Create("examoffice", "test")
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(Config{Service: svc, Tokens: tokens, Metrics: prometheus.NewRegistry()})
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
	env := &apiEnv{svc: svc, api: api, srv: srv}
	diploma := map[string]any{"type": "Diploma", "record": map[string]any{
		"student_id": "092345678EF", "given_name": "Zoé", "family_name": "Martin", "birth_date": "2007-01-30",
		"diploma": "Baccalauréat technologique", "eqf_level": 4, "awarded_on": "2026-07-04"}}

	clock.set(time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC))
	if code, body := env.postJSON(t, "/v1/credentials", token, diploma); code != http.StatusForbidden || !strings.Contains(string(body), "2026-07-01T00:00:00Z") {
		t.Errorf("POST /v1/credentials in August, between the accreditations: %d %s, want 403 saying when the accreditation ended", code, body)
	}

	clock.set(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC))
	if err := svc.Contract.AccreditIssuer(ctx, "ministry", "examoffice", diplomas, ""); err != nil {
		t.Fatal(err)
	}
	clock.set(time.Date(2026, 9, 2, 10, 0, 0, 0, time.UTC))
	code, body := env.postJSON(t, "/v1/credentials", token, diploma)
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("POST /v1/credentials after re-accreditation: %d %s", code, body)
	}
}
