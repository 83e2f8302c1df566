package hardening

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/ledgerapi"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// TestVerifyTrustsOnlyTheServerOfItsHome revokes a diploma, holds the
// ledger (as a running `sceau serve` does, so that `sceau verify` forwards
// to the server serve.json names) and puts at that address, in turn: an
// impostor answering VALID to anything (a serve.json left by a killed
// server, without a secret, then with one the impostor does not know), a
// server that holds the secret but answers about another input, and the
// genuine local route behind a serve.json others can read. `sceau verify`
// believes none of them: it exits 3 (indeterminate), never 0. The genuine
// server behind a 0600 serve.json gives the ledger's verdicts: INVALID
// for the revoked diploma, VALID for another.
func TestVerifyTrustsOnlyTheServerOfItsHome(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bundles := w.issue("Diploma", "diplomas", sampleDiplomaCSV(nil))
	revoked, genuine := bundles[0], bundles[1]
	w.mustSceau("revoke", "--issuer", examOffice, "--reason", "fraud", revoked.path)
	l := w.openLedger()
	valid := newVerifier(t, l, verifier.Options{}).Verify(context.Background(), genuine.raw)
	if valid.Verdict != verifier.Valid {
		t.Fatalf("the genuine diploma: %s", describe(valid))
	}
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i + 1)
	}
	mac := func(key []byte, role, nonce string, body []byte) string {
		sum := sha256.Sum256(body)
		m := hmac.New(sha256.New, key)
		fmt.Fprintf(m, "sceau-local-%s\n%s\n%x", role, nonce, sum)
		return hex.EncodeToString(m.Sum(nil))
	}
	// An impostor answers VALID on every route; with key, it signs its
	// answers of the local route, about the input it names.
	impostor := func(key []byte, judged func(input []byte) []byte) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			input, _ := io.ReadAll(r.Body)
			if r.URL.Path != verifierapi.LocalVerifyPath {
				rw.Header().Set("Content-Type", "application/json")
				json.NewEncoder(rw).Encode(valid)
				return
			}
			sum := sha256.Sum256(judged(input))
			data, _ := json.Marshal(verifierapi.LocalAnswer{InputDigest: hex.EncodeToString(sum[:]), Result: valid})
			if key != nil {
				rw.Header().Set(verifierapi.LocalMACHeader, mac(key, "answer", r.Header.Get(verifierapi.LocalNonceHeader), data))
			}
			rw.Write(data)
		})
	}
	same := func(input []byte) []byte { return input }
	other := func([]byte) []byte { return genuine.raw }
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	api, err := verifierapi.New(verifierapi.Config{
		Registry:    verifier.NewRegistry(network.NewContract(l), verifier.RegistryOptions{}),
		Validator:   validator,
		LocalSecret: secret,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The genuine server also answers the home's ledger calls (as `sceau
	// serve` does), authenticated with the same secret.
	local, err := ledgerapi.New(l, base64.RawURLEncoding.EncodeToString(secret), nil)
	if err != nil {
		t.Fatal(err)
	}
	router := chi.NewRouter()
	router.Group(api.Routes)
	router.Group(local.Routes)

	for _, c := range []struct {
		name    string
		handler http.Handler
		secret  []byte
		mode    os.FileMode
		input   issuedBundle
		code    int
	}{
		{"an impostor, serve.json without a secret", impostor(nil, same), nil, 0o600, revoked, 3},
		{"an impostor that does not hold the secret", impostor([]byte("guess"), same), secret, 0o600, revoked, 3},
		{"a server with the secret judging another input", impostor(secret, other), secret, 0o600, revoked, 3},
		{"the genuine server behind a serve.json others may read", router, secret, 0o644, revoked, 3},
		{"the genuine server: the revoked diploma", router, secret, 0o600, revoked, 1},
		{"the genuine server: another diploma", router, secret, 0o600, genuine, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			server := httptest.NewServer(c.handler)
			defer server.Close()
			info := map[string]any{"pid": os.Getpid(), "addr": strings.TrimPrefix(server.URL, "http://"), "url": server.URL, "startedAt": "2026-12-07T00:00:00Z"}
			if c.secret != nil {
				info["secret"] = base64.RawURLEncoding.EncodeToString(c.secret)
			}
			data, _ := json.Marshal(info)
			path := org.Home(w.home).ServeInfoFile()
			if err := os.WriteFile(path, data, c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil {
				t.Fatal(err)
			}
			code, out := w.sceau("verify", c.input.path)
			if code != c.code {
				t.Errorf("sceau verify: exit %d, want %d:\n%s", code, c.code, out)
			}
		})
	}
}
