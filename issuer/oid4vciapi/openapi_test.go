package oid4vciapi

import (
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/issuer/oid4vci"
	"github.com/sceau/sceau/server"
)

// TestOpenAPIDescribesEveryRoute holds the package's fragment of
// /openapi.json to its routes, both ways, CORS preflights included.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	r := chi.NewRouter()
	Routes(r, &oid4vci.Server{}, nil)
	missing, extra, err := server.Undocumented(r, OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing)+len(extra) != 0 {
		t.Errorf("routes not described: %v; described, not served: %v", missing, extra)
	}
}
