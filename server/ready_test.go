package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestReadyz(t *testing.T) {
	ledgerDown := errors.New("ledger unavailable: connection refused")
	var ledgerErr, listsErr error
	ready := NewReadiness(Check{Name: "ledger", Run: func(context.Context) error { return ledgerErr }})
	ready.Add(Check{Name: "status-lists", Run: func(context.Context) error { return listsErr }})
	h, err := Handler(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), ready.Routes)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	get := func() (int, Report) {
		t.Helper()
		code, body := call(t, http.MethodGet, ts.URL+"/readyz")
		var rep Report
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatalf("/readyz answered %q: %v", body, err)
		}
		return code, rep
	}
	for _, tc := range []struct {
		name         string
		ledger, list error
		code         int
		failing      string
	}{
		{"all hold", nil, nil, 200, ""},
		{"ledger down", ledgerDown, nil, 503, "ledger"},
		{"lists stale", nil, errors.New("status list 1 is 2h old, more than 1h"), 503, "status-lists"},
	} {
		ledgerErr, listsErr = tc.ledger, tc.list
		code, rep := get()
		if code != tc.code {
			t.Errorf("%s: /readyz %d, want %d", tc.name, code, tc.code)
		}
		for _, c := range rep.Checks {
			if (c.Name == tc.failing) == c.OK || (!c.OK && c.Error == "") {
				t.Errorf("%s: check %+v", tc.name, c)
			}
		}
		if want := map[bool]string{true: "ready", false: "not ready"}[tc.code == 200]; rep.Status != want {
			t.Errorf("%s: status %q", tc.name, rep.Status)
		}
	}
	// /healthz stays a liveness probe: the ledger being down is not its business.
	ledgerErr = ledgerDown
	if code, body := call(t, http.MethodGet, ts.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz with the ledger down: %d %q", code, body)
	}
}

func TestReadinessBoundsASlowCheck(t *testing.T) {
	ready := NewReadiness(Check{Name: "slow", Run: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if rep := ready.Run(ctx); rep.Status != "not ready" || rep.Checks[0].Error == "" {
		t.Errorf("a check that never returns: %+v", rep)
	}
}
