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
	"github.com/sceau/sceau/network/ledgerapi"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/server"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// TestOpenAPICoversEveryRoute: the document `sceau serve` serves at
// /openapi.json describes every route it serves, and no route it does not,
// but for the private routes of privateRoutes, which it must not describe.
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
	secret, err := ledgerapi.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	// With a local secret, as serve holding its embedded ledger runs: every
	// route mounted.
	handler, closeAPIs, err := serveHandler(ctx, e, l, serveOptions{audience: "http://127.0.0.1:8080", localSecret: secret}, "http://127.0.0.1:8080")
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
	private := 0
	for _, m := range missing {
		if privateRoutes[m] {
			private++
			continue
		}
		t.Errorf("route %s is not in /openapi.json", m)
	}
	if private != len(privateRoutes) {
		t.Errorf("%d private routes served and left out of /openapi.json, want %d (%v)", private, len(privateRoutes), privateRoutes)
	}
	for _, x := range extra {
		t.Errorf("/openapi.json describes %s, which is not served", x)
	}
	cancel()
}

// privateRoutes are routes `sceau serve` mounts that /openapi.json leaves
// out, each with the reason.
var privateRoutes = map[string]bool{
	// The home's own commands reach the ledger serve holds through it,
	// authenticated with the secret of serve.json (0600): a machine-local
	// protocol between two Sceau processes, not an API for anyone else.
	"POST " + ledgerapi.Path: true,
	// The home's `sceau verify` asks serve for its verdict the same way,
	// signed both ways with the same secret.
	"POST " + verifierapi.LocalVerifyPath: true,
}
