package issuerapi

import (
	_ "embed" // the OpenAPI document
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/ratelimit"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/issuer/oid4vci"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// OpenAPI is the OpenAPI 3.1 description of the issuer API's routes: a
// fragment of the document `sceau serve` serves at GET /openapi.json
// (server.AssembleOpenAPI).
//
//go:embed openapi.json
var OpenAPI []byte

// Limits of the issuer API.
const (
	// MaxRequestBody bounds a JSON request body.
	MaxRequestBody = 1 << 20
	// DefaultMaxUpload bounds a CSV upload to POST /v1/batches unless
	// Config.MaxUpload says otherwise: about four million rows.
	DefaultMaxUpload = 1 << 30
)

// Config configures the issuer API.
type Config struct {
	// Service issues and anchors; its Home holds the issuers, their keys,
	// their API tokens and what the API issues. Required.
	Service *issuer.Service
	// Tokens authenticates requests. Required.
	Tokens *org.Tokens
	// Logger reports what is issued (never personal data). Nil: the
	// service's logger.
	Logger *slog.Logger
	// Metrics, when set, receives the API's counters.
	Metrics prometheus.Registerer
	// MicroBatchWindow is how long a credential issued alone waits for
	// others to share its ledger transaction (issuer.DeskConfig).
	MicroBatchWindow time.Duration
	// MaxUpload bounds a CSV upload, in bytes. Zero: DefaultMaxUpload.
	MaxUpload int64
	// MaxConcurrentBatches is how many uploaded batches are issued at
	// once; others wait, queued. Zero: one (each uses every core).
	MaxConcurrentBatches int
	// ClientCertificates accepts a verified TLS client certificate in
	// place of a token: its URI SAN urn:sceau:issuer:<id> names the issuer
	// it acts for. The server must ask for client certificates and verify
	// them (tls.Config ClientAuth VerifyClientCertIfGiven and ClientCAs).
	ClientCertificates bool
	// MaxAuthFailures is how many failed authentications a client address
	// may make per AuthFailureWindow before it is refused (429) until the
	// window ends. Zero: ratelimit.DefaultMaxFailures (10 per minute).
	MaxAuthFailures   int
	AuthFailureWindow time.Duration
}

// API is the issuer HTTP API: issuing over HTTP with an issuer's API
// token, through an issuer.Desk it owns. It is safe for concurrent use;
// Close stops its background work.
type API struct {
	desk        *issuer.Desk
	tokens      *org.Tokens
	logger      *slog.Logger
	validator   *schemas.Validator
	metrics     *apiMetrics
	maxUpload   int64
	clientCerts bool
	// pickup makes offers (POST /v1/offers), once EnablePickup is called.
	pickup *oid4vci.Server
	// failures counts authentication failures per client address: a
	// client guessing tokens is refused (429) for a while after a few.
	failures *ratelimit.Failures
}

// New returns the API cfg describes.
func New(cfg Config) (*API, error) {
	if cfg.Service == nil || cfg.Tokens == nil {
		return nil, errors.New("issuer API: Service and Tokens are required")
	}
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = cfg.Service.Logger
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	metrics, err := newAPIMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	desk, err := issuer.NewDesk(issuer.DeskConfig{
		Service:              cfg.Service,
		Logger:               logger,
		MicroBatchWindow:     cfg.MicroBatchWindow,
		MaxConcurrentBatches: cfg.MaxConcurrentBatches,
		BatchEnded:           metrics.batchEnded,
	})
	if err != nil {
		return nil, err
	}
	return &API{
		desk:        desk,
		tokens:      cfg.Tokens,
		logger:      logger,
		validator:   validator,
		metrics:     metrics,
		maxUpload:   cfg.MaxUpload,
		clientCerts: cfg.ClientCertificates,
		failures:    &ratelimit.Failures{Max: cfg.MaxAuthFailures, Window: cfg.AuthFailureWindow},
	}, nil
}

// Close stops the API's background work: uploaded batches being issued
// are interrupted (re-uploading the same file resumes them, nothing is
// issued twice) and single credentials waiting for their batch are
// answered. Call it once the HTTP server has stopped.
func (a *API) Close() { a.desk.Close() }

// UnlockKeys unlocks the current signing key of every issuer in the home
// (issuer.Desk.UnlockKeys), so that no request waits for it. It returns an
// error naming the issuers whose key stays locked; their requests will
// fail until the passphrase is available.
func (a *API) UnlockKeys() error { return a.desk.UnlockKeys() }

// Desk returns the API's issuing desk, for the OpenID4VCI pickup to share
// (its keys, registers and micro-batches) and for the server's background
// work on it (issuer.Desk.KeepStatusListsPublished).
func (a *API) Desk() *issuer.Desk { return a.desk }

// Routes mounts the issuer API on r (see openapi.json):
//
//	POST /v1/credentials                            issue one credential from a record → its bundle
//	GET  /v1/credentials/{ref}                      a credential issued over HTTP → its bundle
//	POST /v1/credentials/{ref}/revoke               revoke it (every form), {"reason": code}
//	POST /v1/credentials/{ref}/suspend              suspend it, {"reason": code}
//	POST /v1/credentials/{ref}/reinstate            lift its suspension
//	POST /v1/students/{student}/revoke              revoke every credential of a student in force, {"reason": code}
//	POST /v1/students/{student}/suspend             suspend a student's active credentials, {"reason": code}
//	POST /v1/students/{student}/reinstate           reinstate a student's suspended credentials
//	POST /v1/batches                                upload a CSV export (multipart) → 202 {"id"}
//	GET  /v1/batches/{id}                           the batch's state, counts and errors
//	GET  /v1/batches/{id}/manifest                  its manifest.csv
//	GET  /v1/batches/{id}/rejects                   its rejects.csv
//	GET  /v1/batches/{id}/credentials/{credential}  one of its bundles
//	POST /v1/offers                                 OpenID4VCI offers of credentials or a batch → {"offers"} (EnablePickup)
//	POST /credentials/issue                         W3C VC API: issue → {"verifiableCredential"}
//
// Every route but /openapi.json needs the issuer's API token
// (Authorization: Bearer …) or, with ClientCertificates, its client
// certificate. {ref} is a credential id (urn:uuid:… or the bare UUID) or
// the hex digest of one of its forms; {student} is a student's INE. Both
// are found in the issuer's register: what it issued, over HTTP or from
// the command line. Errors are {"error": "…"}.
func (a *API) Routes(r chi.Router) {
	r.Post("/v1/credentials", a.withIssuer(a.postCredential))
	r.Get("/v1/credentials/{ref}", a.withIssuer(a.getCredential))
	r.Post("/v1/credentials/{ref}/revoke", a.withIssuer(a.statusChange(issuer.OpRevoke)))
	r.Post("/v1/credentials/{ref}/suspend", a.withIssuer(a.statusChange(issuer.OpSuspend)))
	r.Post("/v1/credentials/{ref}/reinstate", a.withIssuer(a.statusChange(issuer.OpReinstate)))
	r.Post("/v1/students/{student}/revoke", a.withIssuer(a.studentStatusChange(issuer.OpRevoke)))
	r.Post("/v1/students/{student}/suspend", a.withIssuer(a.studentStatusChange(issuer.OpSuspend)))
	r.Post("/v1/students/{student}/reinstate", a.withIssuer(a.studentStatusChange(issuer.OpReinstate)))
	r.Post("/v1/batches", a.withIssuer(a.postBatch))
	r.Get("/v1/batches/{id}", a.withIssuer(a.getBatch))
	r.Get("/v1/batches/{id}/manifest", a.withIssuer(a.batchFile(issuer.BatchManifest)))
	r.Get("/v1/batches/{id}/rejects", a.withIssuer(a.batchFile(issuer.BatchRejects)))
	r.Get("/v1/batches/{id}/credentials/{credential}", a.withIssuer(a.batchCredential))
	r.Post("/v1/offers", a.withIssuer(a.postOffers))
	r.Post("/credentials/issue", a.withIssuer(a.vcIssue))
	r.Post("/v1/status-lists/publish", a.withIssuer(a.publishStatusLists))
}

// publishStatusLists publishes the issuer's status lists at once → 200,
// the publication (issuer.Publication).
func (a *API) publishStatusLists(w http.ResponseWriter, r *http.Request, issuerID string) {
	pub, err := a.desk.PublishStatusLists(r.Context(), issuerID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pub)
}

// issuerHandler is a handler acting for an authenticated issuer.
type issuerHandler func(w http.ResponseWriter, r *http.Request, issuerID string)

// withIssuer authenticates the request: 401 without a valid token (or
// client certificate), 403 when the token and certificate disagree, 429
// for a client address that failed too often lately (before its token is
// even looked at). Failures are logged with the client's address and
// never the token.
func (a *API) withIssuer(h issuerHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		client := ratelimit.ClientOf(r)
		if wait, blocked := a.failures.Blocked(client); blocked {
			a.metrics.authFailure(http.StatusTooManyRequests)
			w.Header().Set("Retry-After", ratelimit.RetryAfter(wait))
			writeError(w, http.StatusTooManyRequests, "too many failed authentications from this address: try again later")
			return
		}
		id, status, msg := a.authenticate(r)
		if status != 0 {
			if status == http.StatusUnauthorized || status == http.StatusForbidden {
				a.failures.Fail(client)
				a.logger.Warn("issuer API authentication refused", "client", client, "method", r.Method, "path", r.URL.Path, "status", status, "reason", msg)
			}
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sceau"`)
			}
			a.metrics.authFailure(status)
			writeError(w, status, msg)
			return
		}
		h(w, r, id)
	}
}

// authenticate returns the issuer the request acts for, or an HTTP status
// and message.
func (a *API) authenticate(r *http.Request) (id string, status int, msg string) {
	certID := ""
	if a.clientCerts {
		certID = clientCertIssuer(r)
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if certID != "" {
			return certID, 0, ""
		}
		return "", http.StatusUnauthorized, "an issuer API token is required: Authorization: Bearer <token> (sceau issuer token create --id ID)"
	}
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		return "", http.StatusUnauthorized, "the Authorization header must be: Bearer <token>"
	}
	id, err := a.tokens.Authenticate(strings.TrimSpace(token))
	if errors.Is(err, org.ErrBadToken) {
		return "", http.StatusUnauthorized, "invalid or revoked API token"
	}
	if err != nil {
		a.logger.Error("reading API tokens", "err", err)
		return "", http.StatusInternalServerError, "internal error: the API tokens cannot be read"
	}
	if certID != "" && certID != id {
		return "", http.StatusForbidden, "the client certificate and the API token are for different issuers"
	}
	return id, 0, ""
}

// clientCertIssuer returns the issuer named by the request's verified
// client certificate (URI SAN urn:sceau:issuer:<id>), or "".
func clientCertIssuer(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return ""
	}
	for _, u := range r.TLS.VerifiedChains[0][0].URIs {
		if id, err := credential.ParseIssuerURI(u.String()); err == nil {
			return id
		}
	}
	return ""
}

// otherIssuer is the refusal (403) of a request acting for issuerID that
// names another issuer, or nil when it names none or the same.
func otherIssuer(issuerID, named string) error {
	if named == "" || named == issuerID {
		return nil
	}
	return &forbidden{msg: fmt.Sprintf("this API token acts for issuer %s, not for %s", issuerID, named)}
}
