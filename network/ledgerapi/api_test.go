package ledgerapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/network"
)

// fakeLedger answers "Echo" with its arguments, "Refuse" with a contract
// error, "Down" as an unavailable ledger; it records submissions.
type fakeLedger struct{ submitted []string }

func (f *fakeLedger) Submit(ctx context.Context, org, fn string, args ...string) ([]byte, error) {
	f.submitted = append(f.submitted, org+":"+fn)
	return f.Evaluate(ctx, org, fn, args...)
}

func (f *fakeLedger) Evaluate(_ context.Context, org, fn string, args ...string) ([]byte, error) {
	switch fn {
	case "Refuse":
		return nil, &network.ContractError{Function: fn, Message: "issuer x is suspended"}
	case "Down":
		return nil, fmt.Errorf("%w: the disk is gone", network.ErrUnavailable)
	}
	return []byte(org + "|" + strings.Join(args, ",")), nil
}

func (f *fakeLedger) ProvisionOrg(_ context.Context, org string) (string, error) {
	return org + "MSP", nil
}
func (f *fakeLedger) Close() error { return nil }

func newServer(t *testing.T, secret string) (*httptest.Server, *fakeLedger, *API) {
	t.Helper()
	l := &fakeLedger{}
	api, err := New(l, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	api.Routes(r)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return ts, l, api
}

func TestClientCallsTheServersLedger(t *testing.T) {
	secret, _ := NewSecret()
	ts, l, _ := newServer(t, secret)
	c, err := NewClient(ts.URL, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if res, err := c.Submit(ctx, "examoffice", "AnchorBatch", "a", "b"); err != nil || string(res) != "examoffice|a,b" {
		t.Fatalf("Submit: %q, %v", res, err)
	}
	if res, err := c.Evaluate(ctx, "", "GetIssuer", "x"); err != nil || string(res) != "|x" {
		t.Fatalf("Evaluate: %q, %v", res, err)
	}
	if msp, err := c.ProvisionOrg(ctx, "lycee"); err != nil || msp != "lyceeMSP" {
		t.Fatalf("ProvisionOrg: %q, %v", msp, err)
	}
	var ce *network.ContractError
	if _, err := c.Submit(ctx, "examoffice", "Refuse"); !errors.As(err, &ce) || ce.Message != "issuer x is suspended" {
		t.Errorf("a contract's refusal: %v, want a *network.ContractError", err)
	}
	if _, err := c.Evaluate(ctx, "", "Down"); !errors.Is(err, network.ErrUnavailable) || !strings.Contains(err.Error(), "the disk is gone") {
		t.Errorf("an unavailable ledger: %v", err)
	}
	if len(l.submitted) != 2 {
		t.Errorf("submitted %v", l.submitted)
	}
}

func TestServerRefusesWhoHasNotTheSecret(t *testing.T) {
	secret, _ := NewSecret()
	other, _ := NewSecret()
	ts, l, _ := newServer(t, secret)
	c, _ := NewClient(ts.URL, other, nil)
	if _, err := c.Submit(context.Background(), "examoffice", "AnchorBatch"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("a client with another secret: %v", err)
	}
	// A request replayed, or too old, is refused even with a good MAC.
	k, _ := key(secret)
	send := func(nonce string, at time.Time) int {
		body := []byte(`{"op":"submit","org":"examoffice","function":"Revoke"}`)
		unix := strconv.FormatInt(at.Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+Path, bytes.NewReader(body))
		req.Header.Set(headerNonce, nonce)
		req.Header.Set(headerTime, unix)
		req.Header.Set(headerMAC, requestMAC(k, http.MethodPost, Path, nonce, unix, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("n-1", time.Now()); code != 200 {
		t.Fatalf("a good request: %d", code)
	}
	if code := send("n-1", time.Now()); code != http.StatusUnauthorized {
		t.Errorf("the same request replayed: %d, want 401", code)
	}
	if code := send("n-2", time.Now().Add(-2*time.Minute)); code != http.StatusUnauthorized {
		t.Errorf("a request two minutes old: %d, want 401", code)
	}
	if len(l.submitted) != 1 {
		t.Errorf("the ledger ran %v, want the good request only", l.submitted)
	}
}

func TestClientBelievesOnlyTheServer(t *testing.T) {
	secret, _ := NewSecret()
	// Whoever took the port answers without the secret.
	impostor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"result":"b2s="}`)
	}))
	defer impostor.Close()
	c, _ := NewClient(impostor.URL, secret, nil)
	if _, err := c.Evaluate(context.Background(), "", "GetStatus", "d"); err == nil || !strings.Contains(err.Error(), "not believed") {
		t.Errorf("an answer without the server's MAC: %v", err)
	}
	if _, err := NewClient(impostor.URL, "short", nil); err == nil {
		t.Error("a secret that is not 32 bytes was accepted")
	}
}

// FuzzServe: an authenticated call of any content gets an authenticated
// answer, never a panic; an unauthenticated one gets 401.
func FuzzServe(f *testing.F) {
	f.Add([]byte(`{"op":"submit","org":"examoffice","function":"Echo","args":["a"]}`), true)
	f.Add([]byte(`{"op":"provision","org":"x"}`), true)
	f.Add([]byte(`{"op":`), true)
	f.Add([]byte(`[]`), false)
	secret, _ := NewSecret()
	k, _ := key(secret)
	api, err := New(&fakeLedger{}, secret, nil)
	if err != nil {
		f.Fatal(err)
	}
	r := chi.NewRouter()
	api.Routes(r)
	n := 0
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		n++
		nonce, unix := fmt.Sprintf("n-%d", n), strconv.FormatInt(time.Now().Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		req.Header.Set(headerNonce, nonce)
		req.Header.Set(headerTime, unix)
		if signed {
			req.Header.Set(headerMAC, requestMAC(k, http.MethodPost, Path, nonce, unix, body))
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if !signed {
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("an unsigned call: %d", w.Code)
			}
			return
		}
		if !equalMAC(w.Header().Get(headerMAC), responseMAC(k, nonce, w.Code, w.Body.Bytes())) {
			t.Fatalf("answer %d not authenticated: %s", w.Code, w.Body)
		}
	})
}
