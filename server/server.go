// Package server is the HTTP server `sceau serve` runs: one router for
// every API on one port, and the concerns they share. Handler recovers
// from panics, logs every request with slog, counts and times it by route
// pattern for Prometheus, answers GET /healthz and GET /metrics, and
// mounts the routes of each API it is given (the verifier's, the
// issuer's, the resources', and Readiness's GET /readyz, which runs named
// checks such as "the ledger answers"). Serve serves it with bounded
// timeouts and stops gracefully.
//
// What a route does is its API's business: this package knows none of
// them, and imports no Sceau package (only chi and the Prometheus client).
// The command that assembles the APIs is cli's `serve`.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server timeouts. Reading a request may take a while (a phone photo over
// a slow link); headers may not.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 2 * time.Minute
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	// shutdownTimeout is how long requests in flight may take to finish
	// once the server is asked to stop.
	shutdownTimeout = 20 * time.Second
	// maxHeaderBytes bounds a request's headers.
	maxHeaderBytes = 64 << 10
)

// Handler returns the server's router: panics recovered, requests logged
// to logger and counted in reg, GET /healthz and GET /metrics (what reg
// gathers, with the Go runtime's and the process's metrics, which Handler
// registers), then the routes each of apis mounts, each in a group of its
// own (its middleware stays its own).
func Handler(logger *slog.Logger, reg *prometheus.Registry, apis ...func(chi.Router)) (http.Handler, error) {
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("registering the Go runtime's metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("registering the process's metrics: %w", err)
	}
	counted, err := newRequestMetrics(reg)
	if err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, logRequests(logger), counted.middleware)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, "ok\n")
	})
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	for _, mount := range apis {
		r.Group(mount)
	}
	return r, nil
}

// Serve serves handler on listener until ctx ends, then stops accepting
// requests and waits up to 20 seconds for those in flight. The
// requests' contexts derive from ctx. It returns nil once stopped
// cleanly, or why the server failed.
func Serve(ctx context.Context, listener net.Listener, handler http.Handler, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shutting down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
