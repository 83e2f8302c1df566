// Package issuertest sets up, for the tests of the packages built on the
// issuer (its HTTP layers, provenance), the world they run in: a Sceau
// home over a new embedded ledger with an issuer initialised and
// accredited (New), and a caller of an HTTP API with a bearer token
// (Call, PostJSON). It is imported by _test files only: the map of
// architecture_test.go lets no other package import it.
//
// Imports: chaincode/record, issuer, network/embedded, org.
package issuertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
)

// Home is a Sceau home in a test's temporary folder, over a new embedded
// ledger.
type Home struct {
	// Dir is the home's folder.
	Dir    string
	Ledger *embedded.Ledger
	// Issuer is the issuer service of the home, on its ledger.
	Issuer *issuer.Service
}

// New makes a home with issuer id (named name) initialised without a
// passphrase and, when types are given, accredited for them by the
// ledger's governance. The ledger is closed when the test ends.
func New(t testing.TB, id, name string, types ...record.CredentialType) *Home {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	l, err := embedded.Init(ctx, org.Home(dir).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	svc := issuer.NewService(dir, l, nil)
	if _, err := svc.Init(ctx, issuer.InitOptions{ID: id, Name: name, NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	if len(types) > 0 {
		if err := svc.Contract.AccreditIssuer(ctx, embedded.DefaultGovernanceOrg, id, types, ""); err != nil {
			t.Fatal(err)
		}
	}
	return &Home{Dir: dir, Ledger: l, Issuer: svc}
}

// Call sends a request to srv, with token as a bearer token and body of
// contentType when they are not empty, and returns the answer's status
// and body.
func Call(t testing.TB, srv *httptest.Server, method, path, token, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// PostJSON posts v, as JSON, to srv at path with token (see Call).
func PostJSON(t testing.TB, srv *httptest.Server, path, token string, v any) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return Call(t, srv, http.MethodPost, path, token, "application/json", body)
}
