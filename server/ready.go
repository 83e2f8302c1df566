package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// Check is one condition a server needs to serve its purpose, such as "the
// ledger answers" or "the status lists are fresh". Run returns nil when
// it holds, or why not; it must return within its context's deadline.
type Check struct {
	// Name names the check in /readyz's answer: "ledger", "status-lists".
	Name string
	// Run tests the condition.
	Run func(ctx context.Context) error
}

// checkTimeout bounds each check of a /readyz request.
const checkTimeout = 5 * time.Second

// Readiness answers GET /readyz: 200 when every check holds, 503 naming
// those that do not. It is a readiness probe (send traffic here?), unlike
// /healthz, a liveness probe (is the process alive?), which never looks
// past the process. Checks run at each request, at once, each bounded by
// five seconds. Add checks before serving; Readiness is then safe for
// concurrent use.
type Readiness struct {
	checks []Check
}

// NewReadiness returns the readiness probe of checks.
func NewReadiness(checks ...Check) *Readiness { return &Readiness{checks: checks} }

// Add adds a check (before the server serves).
func (r *Readiness) Add(c Check) { r.checks = append(r.checks, c) }

// CheckResult is the outcome of one check, as /readyz reports it.
type CheckResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Report is /readyz's answer.
type Report struct {
	// Status is "ready" or "not ready".
	Status string        `json:"status"`
	Checks []CheckResult `json:"checks"`
}

// Run runs every check at once and reports them in their order.
func (r *Readiness) Run(ctx context.Context) Report {
	results := make([]CheckResult, len(r.checks))
	var wg sync.WaitGroup
	for i, c := range r.checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			results[i] = CheckResult{Name: c.Name, OK: true}
			if err := c.Run(ctx); err != nil {
				results[i] = CheckResult{Name: c.Name, Error: err.Error()}
			}
		})
	}
	wg.Wait()
	rep := Report{Status: "ready", Checks: results}
	for _, res := range results {
		if !res.OK {
			rep.Status = "not ready"
		}
	}
	return rep
}

// Routes mounts GET /readyz.
func (r *Readiness) Routes(router chi.Router) {
	router.Get("/readyz", func(w http.ResponseWriter, req *http.Request) {
		rep := r.Run(req.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if rep.Status != "ready" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(rep)
	})
}
