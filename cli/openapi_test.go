package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/server"
)

// TestOpenAPICoversEveryRoute: the document `sceau serve` serves at
// /openapi.json describes every route it serves, and no route it does not.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	home := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := embedded.Init(ctx, org.Home(home).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := &env{home: home, getenv: func(string) string { return "" }, logger: slog.New(slog.DiscardHandler), stdout: io.Discard, stderr: io.Discard}
	handler, closeAPIs, err := serveHandler(ctx, e, l, serveOptions{audience: "http://127.0.0.1:8080"}, "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	defer closeAPIs()
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d", rec.Code)
	}
	routes, ok := handler.(chi.Routes)
	if !ok {
		t.Fatalf("the handler is a %T, not a chi router", handler)
	}
	missing, extra, err := server.Undocumented(routes, rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("route %s is not in /openapi.json", m)
	}
	for _, x := range extra {
		t.Errorf("/openapi.json describes %s, which is not served", x)
	}
	cancel()
}
