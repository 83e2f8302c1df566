package verifierapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"runtime"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/ratelimit"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/presentation"
)

// OpenAPI is the OpenAPI 3.1 description of this package's routes: a
// fragment of the document `sceau serve` serves at GET /openapi.json
// (server.AssembleOpenAPI).
//
//go:embed openapi.json
var OpenAPI []byte

// Request body limits.
const (
	// MaxJSONBody bounds a JSON request: the longest SD-JWT presentation
	// fits many times over.
	MaxJSONBody = 1 << 20
	// MaxUploadBody bounds a multipart upload: the largest image the
	// verifier accepts (verifier.MaxInputSize), and room for the form
	// around it.
	MaxUploadBody = verifier.MaxInputSize + 1<<20
)

// MaxBodyBudget is the largest default Config.BodyBudget: four uploads
// of MaxUploadBody held at once.
const MaxBodyBudget = 4 * MaxUploadBody

// DefaultDecodeQueueTimeout is how long a request waits for an image or
// PDF decoding slot before the API answers 503.
const DefaultDecodeQueueTimeout = 10 * time.Second

// Config configures the verifier's API.
type Config struct {
	// Registry is the issuer registry: issuer look-ups are answered from
	// it, and GET /v1/issuers publishes it. Required.
	Registry *verifier.Registry
	// Ledger is what verifications read; nil means the registry's
	// (Registry.Ledger).
	Ledger verifier.Ledger
	// Validator validates credential subjects. Required.
	Validator *schemas.Validator
	// Options are the verifier's options.
	Options verifier.Options
	// Nonces issues the challenges of GET /v1/challenge. Nil: a store with
	// default options.
	Nonces *NonceStore
	// Audience is who presentations must be made to (the key-binding
	// JWT's aud) when a request does not name a domain; GET /v1/challenge
	// announces it.
	Audience string
	// PublicURL is the verifier's public base URL: presentation requests
	// (POST /v1/presentation-requests) build every URL they publish on it
	// (request_uri, response_uri, client_id). Empty: the Audience, if it
	// is an http(s) URL; else presentation requests are unavailable.
	PublicURL string
	// Presentations tunes the presentation requests' store; its BaseURL
	// and Verifier are filled in.
	Presentations presentation.Config
	// Metrics, when set, receives the API's counters: verdicts by route,
	// verdict and input, and decodes refused for want of a slot.
	Metrics prometheus.Registerer
	// Logger reports failures. Nil: discarded.
	Logger *slog.Logger
	// DecodeSlots bounds the images and PDFs decoded at once. Zero:
	// GOMAXPROCS.
	DecodeSlots int
	// DecodeQueueTimeout is how long a request waits for a slot. Zero:
	// DefaultDecodeQueueTimeout.
	DecodeQueueTimeout time.Duration
	// ScanRate is how many camera frames a second each client may send to
	// POST /v1/scan, and ScanBurst how many at once (scan.go). Zero:
	// DefaultScanRate, DefaultScanBurst.
	ScanRate  float64
	ScanBurst int
	// BodyBudget bounds the bytes of request bodies read and held at
	// once: a request reserves its body's size (its Content-Length, or
	// the most its route accepts) before reading it, and waits
	// DecodeQueueTimeout for room, then gets 503. Zero: room for
	// max(DecodeSlots, 2) uploads of MaxUploadBody.
	BodyBudget int64
	// LocalSecret, when set, mounts the local route (LocalVerifyPath),
	// which answers only requests authenticated with it (see LocalVerify).
	LocalSecret []byte
}

// API is the public verification service over HTTP: the JSON API, the W3C
// VC API endpoints, the trust list and the web page. It is safe for
// concurrent use.
type API struct {
	// presentations holds the OpenID4VP presentation requests; nil
	// without a public URL. presentationTmpl is the employer's page.
	presentations    *presentation.Store
	presentationTmpl *template.Template

	registry  *verifier.Registry
	verifier  *verifier.Verifier
	nonces    *NonceStore
	audience  string
	metrics   *metrics
	logger    *slog.Logger
	decodes   chan struct{}
	bodies    *semaphore.Weighted
	budget    int64
	queueWait time.Duration
	scanLimit *ratelimit.Rate
	// localSecret authenticates the local route (nil: not mounted).
	localSecret []byte
	page        *page
}

// New returns the API cfg describes.
func New(cfg Config) (*API, error) {
	if cfg.Registry == nil || cfg.Validator == nil {
		return nil, errors.New("verifier service: Registry and Validator are required")
	}
	ledger := cfg.Ledger
	if ledger == nil {
		ledger = cfg.Registry.Ledger()
	}
	if cfg.Nonces == nil {
		cfg.Nonces = NewNonceStore(NonceOptions{})
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DecodeSlots <= 0 {
		cfg.DecodeSlots = runtime.GOMAXPROCS(0)
	}
	if cfg.DecodeQueueTimeout <= 0 {
		cfg.DecodeQueueTimeout = DefaultDecodeQueueTimeout
	}
	if cfg.ScanRate <= 0 {
		cfg.ScanRate = DefaultScanRate
	}
	if cfg.ScanBurst <= 0 {
		cfg.ScanBurst = DefaultScanBurst
	}
	if cfg.BodyBudget <= 0 {
		cfg.BodyBudget = int64(min(max(cfg.DecodeSlots, 2), 4)) * MaxUploadBody
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	pg, err := newPage()
	if err != nil {
		return nil, err
	}
	a := &API{
		registry:    cfg.Registry,
		verifier:    verifier.New(ledger, cfg.Validator, cfg.Options),
		nonces:      cfg.Nonces,
		audience:    cfg.Audience,
		metrics:     m,
		logger:      cfg.Logger,
		decodes:     make(chan struct{}, cfg.DecodeSlots),
		bodies:      semaphore.NewWeighted(cfg.BodyBudget),
		budget:      cfg.BodyBudget,
		localSecret: append([]byte(nil), cfg.LocalSecret...),
		queueWait:   cfg.DecodeQueueTimeout,
		scanLimit:   &ratelimit.Rate{PerSecond: cfg.ScanRate, Burst: cfg.ScanBurst, MaxClients: maxScanClients},
		page:        pg,
	}
	if err := a.setUpPresentations(cfg); err != nil {
		return nil, err
	}
	return a, nil
}

// Routes mounts the API's routes on r — and those of the OpenID4VP
// presentation requests, listed in presentations.go:
//
//	GET  /                       the web page
//	POST /                       the web page's form (the verdict as a page)
//	GET  /static/*               the page's stylesheet and script
//	GET  /v                      the web page, verifying the credential of a certificate's link (credential.Link)
//	POST /v1/verify              verify: JSON {"credential": "…"} or a multipart image/file
//	POST /v1/scan                read the QR code of one camera frame (scan.go)
//	GET  /v1/challenge           a single-use nonce for a presentation
//	GET  /v1/issuers             the trust list
//	POST /credentials/verify     W3C VC API
//	POST /presentations/verify   W3C VC API
//	POST /v1/local/verify        the home's command line only (Config.LocalSecret)
func (a *API) Routes(r chi.Router) {
	a.presentationsRoutes(r) // OpenID4VP presentation requests: presentations.go
	r.Get("/", a.servePage)
	r.Post("/", a.submitPage)
	r.Handle("/static/*", a.page.static())
	r.Get("/v", a.servePage)
	r.Post("/v1/verify", a.verifyV1)
	r.Post("/v1/scan", a.scan)
	r.Get("/v1/challenge", a.challenge)
	r.Get("/v1/issuers", a.issuers)
	r.Post("/credentials/verify", a.credentialsVerify)
	r.Post("/presentations/verify", a.presentationsVerify)
	if len(a.localSecret) > 0 {
		r.Post(LocalVerifyPath, a.localVerify)
	}
}

// admitBody reserves room in the body budget for r's body, of at most
// limit bytes, before it is read: its Content-Length when it declares a
// smaller one (net/http never reads past it), limit otherwise. It waits
// for room as long as for a decoding slot, then fails with errBusy. The
// caller releases the room once it no longer holds the body.
func (a *API) admitBody(r *http.Request, limit int64) (release func(), err error) {
	n := limit
	if r.ContentLength >= 0 && r.ContentLength < limit {
		n = r.ContentLength
	}
	n = min(max(n, 1), a.budget)
	wait, cancel := context.WithTimeout(r.Context(), a.queueWait)
	defer cancel()
	if err := a.bodies.Acquire(wait, n); err != nil {
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
		a.metrics.busy()
		return nil, errBusy
	}
	return func() { a.bodies.Release(n) }, nil
}

// bodyLimit is the most a submission's body may hold: an upload for a
// multipart form, a JSON document otherwise.
func bodyLimit(r *http.Request) int64 {
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mediaType == "multipart/form-data" {
		return MaxUploadBody
	}
	return MaxJSONBody
}

// errBusy is returned when no decoding slot freed up in time.
var errBusy = errors.New("the verifier is busy decoding other images: try again in a moment")

// presentationRequest is what the API expects of a presentation: its
// nonce must be one of the API's single-use challenges (and equal to
// challenge if the request names one), its audience domain, or the API's
// audience when the request names none.
func (a *API) presentationRequest(challenge, domain string) verifier.PresentationRequest {
	if domain == "" {
		domain = a.audience
	}
	return verifier.PresentationRequest{Nonce: challenge, Audience: domain, ConsumeNonce: a.nonces.Consume}
}

// verify decodes input once, holding a decoding slot for an image or a
// PDF, and has it judged. asked is what the request asks of a
// presentation; when it is nil, a presentation (an SD-JWT carrying a
// key-binding JWT) must answer one of the API's challenges for the API's
// audience, and any other input is verified as it is.
func (a *API) verify(ctx context.Context, route string, input []byte, asked *verifier.PresentationRequest) (*verifier.Result, error) {
	if credential.CarrierOf(input) != credential.CarrierText {
		wait, cancel := context.WithTimeout(ctx, a.queueWait)
		defer cancel()
		select {
		case a.decodes <- struct{}{}:
			defer func() { <-a.decodes }()
		case <-wait.Done():
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			a.metrics.busy()
			return nil, errBusy
		}
	}
	decoded, err := credential.Decode(ctx, input)
	var req verifier.PresentationRequest
	switch {
	case asked != nil:
		req = *asked
	case holderBound(decoded):
		req = a.presentationRequest("", "")
	}
	res := a.verifier.VerifyDecoded(ctx, decoded, err, req)
	a.metrics.verdict(route, res)
	return res, nil
}

// holderBound reports whether decoded is an SD-JWT bound to a holder key
// (cnf) or carrying a key-binding JWT: it is valid only presented by its
// holder, for one of the API's challenges and its audience. Stripping the
// key-binding JWT off a bound credential does not make it a plain one.
func holderBound(decoded *credential.Decoded) bool {
	s := decoded.Presentation()
	return s != nil && (s.KeyBinding != nil || s.Credential.HolderKey != nil)
}

// requestError is a request the service cannot act on, with its status.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// writeError answers err as JSON {"error": "…"} with its status.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var re *requestError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &re):
		status = re.status
	case errors.As(err, &tooLarge):
		status = http.StatusRequestEntityTooLarge
		err = fmt.Errorf("the request body is larger than the %d bytes allowed", tooLarge.Limit)
	case errors.Is(err, errBusy):
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "2")
	case errors.Is(err, network.ErrUnavailable):
		status = http.StatusServiceUnavailable
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status = http.StatusServiceUnavailable
	}
	if status >= 500 {
		a.logger.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away: nothing to do
}

// verifyV1 is POST /v1/verify: 200 with the verdict for any submission it
// could read, 400 for a malformed request.
func (a *API) verifyV1(w http.ResponseWriter, r *http.Request) {
	release, err := a.admitBody(r, bodyLimit(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	defer release()
	input, err := readSubmission(w, r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	res, err := a.verify(r.Context(), "/v1/verify", input, nil)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res.In(apiLanguage(w, r)))
}

// apiLanguage is the language of the verdicts the JSON API answers with:
// the request's Accept-Language, English by default. The response says it
// in Content-Language.
func apiLanguage(w http.ResponseWriter, r *http.Request) verifier.Language {
	lang := verifier.MatchLanguage(verifier.English, r.Header.Get("Accept-Language"))
	w.Header().Set("Content-Language", string(lang))
	return lang
}

// issuers is GET /v1/issuers: the trust list.
func (a *API) issuers(w http.ResponseWriter, r *http.Request) {
	snap, err := a.registry.Snapshot(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, snap.TrustList())
}
