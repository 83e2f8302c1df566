package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// newTestServer serves Handler with one API, whose POST /v1/things/{id}
// answers 400 for id "bad" and panics for id "panic", and returns its
// URL and the request log.
func newTestServer(t *testing.T) (url string, log *bytes.Buffer) {
	t.Helper()
	log = new(bytes.Buffer)
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api := func(r chi.Router) {
		r.Post("/v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {
			switch chi.URLParam(r, "id") {
			case "bad":
				http.Error(w, "bad thing", http.StatusBadRequest)
			case "panic":
				panic("a bug in a handler")
			default:
				io.WriteString(w, "done\n")
			}
		})
	}
	h, err := Handler(logger, prometheus.NewRegistry(), api)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL, log
}

func call(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestHandler(t *testing.T) {
	url, log := newTestServer(t)
	if code, body := call(t, http.MethodGet, url+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ := call(t, http.MethodPost, url+"/v1/things/one"); code != 200 {
		t.Errorf("the API's route: status %d", code)
	}
	for range 2 {
		if code, _ := call(t, http.MethodPost, url+"/v1/things/bad"); code != 400 {
			t.Errorf("the API's 400: status %d", code)
		}
	}
	if code, _ := call(t, http.MethodPost, url+"/v1/things/panic"); code != http.StatusInternalServerError {
		t.Errorf("a panicking handler: status %d, want 500", code)
	}
	if code, _ := call(t, http.MethodGet, url+"/nowhere"); code != http.StatusNotFound {
		t.Errorf("no route: status %d, want 404", code)
	}

	code, metrics := call(t, http.MethodGet, url+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: status %d", code)
	}
	for _, want := range []string{
		// Requests are counted by route pattern, not by path.
		`sceau_http_requests_total{code="200",method="POST",route="/v1/things/{id}"} 1`,
		`sceau_http_requests_total{code="400",method="POST",route="/v1/things/{id}"} 2`,
		`sceau_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`sceau_http_request_duration_seconds_count{route="/v1/things/{id}"} 3`,
		"go_goroutines", "process_",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics has no %s:\n%.3000s", want, metrics)
		}
	}

	for _, want := range []string{
		`level=INFO msg=request method=POST route=/v1/things/{id} status=400`,
		`level=DEBUG msg=request method=GET route=/healthz status=200`,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the request log has no %q:\n%s", want, log)
		}
	}
	// A path may hold a student's INE: the log keeps the route's pattern.
	if strings.Contains(log.String(), "things/bad") {
		t.Errorf("the request log holds a request's path:\n%s", log)
	}
}

func TestServeStopsGracefully(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished\n")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, listener, slow, slog.New(slog.DiscardHandler)) }()

	answered := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + listener.Addr().String() + "/")
		if err != nil {
			answered <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answered <- string(body)
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if body := <-answered; body != "finished\n" {
		t.Errorf("the request in flight got %q, want it finished", body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v, want nil after a clean stop", err)
	}
}
