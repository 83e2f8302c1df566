package verifier

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
)

// Request body limits.
const (
	// MaxJSONBody bounds a JSON request: the longest SD-JWT presentation
	// fits many times over.
	MaxJSONBody = 1 << 20
	// MaxUploadBody bounds a multipart upload: the largest image Verify
	// accepts, and room for the form around it.
	MaxUploadBody = MaxInputSize + 1<<20
)

// DefaultDecodeQueueTimeout is how long a request waits for an image or
// PDF decoding slot before the service answers 503.
const DefaultDecodeQueueTimeout = 10 * time.Second

// Form fields of a multipart submission.
const (
	fieldImage      = "image"
	fieldFile       = "file"
	fieldCredential = "credential"
	fieldLang       = "lang"
)

// ServiceConfig configures the verification service.
type ServiceConfig struct {
	// Registry is the issuer registry: issuer look-ups are answered from
	// it, and GET /v1/issuers publishes it. Required.
	Registry *Registry
	// Ledger is what verifications read; nil means the registry's
	// (Registry.Ledger).
	Ledger Ledger
	// Validator validates credential subjects. Required.
	Validator *schemas.Validator
	// Options are the verifier's options.
	Options Options
	// Nonces issues the challenges of GET /v1/challenge. Nil: a store with
	// default options.
	Nonces *NonceStore
	// Audience is who presentations must be made to (the key-binding
	// JWT's aud) when a request does not name a domain; GET /v1/challenge
	// announces it.
	Audience string
	// Metrics, when set, counts requests and verdicts.
	Metrics *Metrics
	// Logger reports failures. Nil: discarded.
	Logger *slog.Logger
	// DecodeSlots bounds the images and PDFs decoded at once. Zero:
	// GOMAXPROCS.
	DecodeSlots int
	// DecodeQueueTimeout is how long a request waits for a slot. Zero:
	// DefaultDecodeQueueTimeout.
	DecodeQueueTimeout time.Duration
}

// Service is the public verification service: the JSON API, the W3C VC
// API endpoints, the trust list and the web page. It is safe for
// concurrent use.
type Service struct {
	registry  *Registry
	verifier  *Verifier
	nonces    *NonceStore
	audience  string
	metrics   *Metrics
	logger    *slog.Logger
	decodes   chan struct{}
	queueWait time.Duration
	page      *page
}

// NewService returns the service cfg describes.
func NewService(cfg ServiceConfig) (*Service, error) {
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
	pg, err := newPage()
	if err != nil {
		return nil, err
	}
	return &Service{
		registry:  cfg.Registry,
		verifier:  New(ledger, cfg.Validator, cfg.Options),
		nonces:    cfg.Nonces,
		audience:  cfg.Audience,
		metrics:   cfg.Metrics,
		logger:    cfg.Logger,
		decodes:   make(chan struct{}, cfg.DecodeSlots),
		queueWait: cfg.DecodeQueueTimeout,
		page:      pg,
	}, nil
}

// Routes mounts the service's routes on r:
//
//	GET  /                       the web page
//	POST /                       the web page's form (the verdict as a page)
//	GET  /static/*               the page's stylesheet and script
//	POST /v1/verify              verify: JSON {"credential": "…"} or a multipart image/file
//	GET  /v1/challenge           a single-use nonce for a presentation
//	GET  /v1/issuers             the trust list
//	POST /credentials/verify     W3C VC API
//	POST /presentations/verify   W3C VC API
func (s *Service) Routes(r chi.Router) {
	r.Get("/", s.servePage)
	r.Post("/", s.submitPage)
	r.Handle("/static/*", s.page.static())
	r.Post("/v1/verify", s.verifyV1)
	r.Get("/v1/challenge", s.challenge)
	r.Get("/v1/issuers", s.issuers)
	r.Post("/credentials/verify", s.credentialsVerify)
	r.Post("/presentations/verify", s.presentationsVerify)
}

// errBusy is returned when no decoding slot freed up in time.
var errBusy = errors.New("the verifier is busy decoding other images: try again in a moment")

// needsDecoding reports whether input is an image or a PDF, whose decoding
// is CPU heavy.
func needsDecoding(input []byte) bool {
	return credential.CarrierOf(input) != credential.CarrierText
}

// holderBound reports whether input is an SD-JWT presentation carrying a
// key-binding JWT: an SD-JWT ends with "~", one with a key-binding JWT ends
// with that JWT.
func holderBound(input []byte) bool {
	text := bytes.TrimSpace(input)
	return bytes.Count(text, []byte("~")) > 0 && !bytes.HasSuffix(text, []byte("~")) && !bytes.HasPrefix(text, []byte("{"))
}

// presentationRequest is what the service expects of a presentation: its
// nonce must be one of the service's single-use challenges (and equal to
// challenge if the request names one), its audience domain, or the
// service's audience when the request names none.
func (s *Service) presentationRequest(challenge, domain string) PresentationRequest {
	if domain == "" {
		domain = s.audience
	}
	return PresentationRequest{Nonce: challenge, Audience: domain, ConsumeNonce: s.nonces.Consume}
}

// verify runs a verification, holding a decoding slot for images and
// PDFs. A presentation (an SD-JWT with a key-binding JWT) must answer one
// of the service's challenges, for the service's audience; other inputs
// are verified as they are.
func (s *Service) verify(ctx context.Context, route string, input []byte) (*Result, error) {
	if holderBound(input) {
		return s.verifyPresentation(ctx, route, input, s.presentationRequest("", ""))
	}
	return s.verifyPresentation(ctx, route, input, PresentationRequest{})
}

// verifyPresentation runs a verification expecting req of a presentation.
func (s *Service) verifyPresentation(ctx context.Context, route string, input []byte, req PresentationRequest) (*Result, error) {
	if needsDecoding(input) {
		wait, cancel := context.WithTimeout(ctx, s.queueWait)
		defer cancel()
		select {
		case s.decodes <- struct{}{}:
			defer func() { <-s.decodes }()
		case <-wait.Done():
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s.metrics.busy()
			return nil, errBusy
		}
	}
	res := s.verifier.VerifyPresentation(ctx, input, req)
	s.metrics.verdict(route, res)
	return res, nil
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
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
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
		s.logger.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
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
func (s *Service) verifyV1(w http.ResponseWriter, r *http.Request) {
	input, err := readSubmission(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.verify(r.Context(), "/v1/verify", input)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// readSubmission reads what a client submits for verification: a JSON
// body {"credential": "<text>"}, or a multipart form whose file field
// "image" or "file" holds an image or a PDF, or whose field "credential"
// holds a text.
func readSubmission(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, badRequest("Content-Type %q: send application/json or multipart/form-data", r.Header.Get("Content-Type"))
	}
	switch mediaType {
	case "application/json":
		var body struct {
			Credential *string `json:"credential"`
		}
		if err := decodeJSON(w, r, &body); err != nil {
			return nil, err
		}
		if body.Credential == nil || strings.TrimSpace(*body.Credential) == "" {
			return nil, badRequest(`the JSON body has no "credential" text`)
		}
		return []byte(*body.Credential), nil
	case "multipart/form-data":
		form, err := readForm(w, r)
		if err != nil {
			return nil, err
		}
		if len(form.input) == 0 {
			return nil, badRequest(`the form has no file in field "image" or "file", and no text in field "credential"`)
		}
		return form.input, nil
	}
	return nil, &requestError{status: http.StatusUnsupportedMediaType,
		msg: fmt.Sprintf("Content-Type %s: send application/json or multipart/form-data", mediaType)}
}

// decodeJSON reads one JSON value from the body, at most MaxJSONBody bytes.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("the body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

// submittedForm is a multipart submission: the credential (file or text)
// and the page's language choice.
type submittedForm struct {
	input []byte
	lang  string
}

// readForm streams a multipart form, at most MaxUploadBody bytes, keeping
// the first non-empty file of field "image" or "file", else the text of
// field "credential".
func readForm(w http.ResponseWriter, r *http.Request) (*submittedForm, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("the multipart form cannot be read: %v", err)
	}
	var form submittedForm
	var file, text []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, formError(err)
		}
		name := part.FormName()
		switch name {
		case fieldImage, fieldFile, fieldCredential, fieldLang:
		default:
			part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, MaxInputSize+1))
		part.Close()
		if err != nil {
			return nil, formError(err)
		}
		if len(data) > MaxInputSize {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("field %q: more than the %d bytes allowed", name, MaxInputSize)}
		}
		switch {
		case name == fieldLang:
			form.lang = string(data)
		case name == fieldCredential:
			if text == nil && len(bytes.TrimSpace(data)) > 0 {
				text = data
			}
		case file == nil && len(data) > 0:
			file = data
		}
	}
	form.input = file
	if form.input == nil {
		form.input = text
	}
	return &form, nil
}

func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return badRequest("the multipart form cannot be read: %v", err)
}

// challengeResponse is the body of GET /v1/challenge.
type challengeResponse struct {
	// Nonce is what the holder's key-binding JWT must carry as nonce.
	Nonce string `json:"nonce"`
	// Audience is what it must carry as aud, unless the presentation is
	// sent with options.domain.
	Audience  string `json:"audience,omitempty"`
	ExpiresAt string `json:"expiresAt"`
}

// challenge is GET /v1/challenge.
func (s *Service) challenge(w http.ResponseWriter, r *http.Request) {
	nonce, expires, err := s.nonces.Issue()
	if errors.Is(err, ErrTooManyNonces) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, challengeResponse{Nonce: nonce, Audience: s.audience, ExpiresAt: expires.UTC().Format(time.RFC3339)})
}

// issuers is GET /v1/issuers: the trust list.
func (s *Service) issuers(w http.ResponseWriter, r *http.Request) {
	snap, err := s.registry.Snapshot(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, snap.TrustList())
}

// Media types of enveloped credentials and presentations (data: URLs).
var envelopedMediaTypes = []string{
	"application/vc+jwt", "application/vp+jwt",
	"application/dc+sd-jwt", "application/vc+sd-jwt", "application/vp+sd-jwt",
}

// vcAPIRequest is the body of the W3C VC API verify endpoints.
type vcAPIRequest struct {
	VerifiableCredential   json.RawMessage `json:"verifiableCredential"`
	VerifiablePresentation json.RawMessage `json:"verifiablePresentation"`
	Options                struct {
		// Challenge is the nonce the presentation must carry.
		Challenge string `json:"challenge"`
		// Domain is the audience the presentation must be made to.
		Domain string `json:"domain"`
	} `json:"options"`
}

// vcAPIResponse is the verdict as the VC API endpoints answer it: the same
// fields as POST /v1/verify, and the spec's verified, errors and warnings.
type vcAPIResponse struct {
	Verified bool `json:"verified"`
	*Result
	// Errors are the reasons of the checks that failed.
	Errors []string `json:"errors"`
	// Warnings are the reasons of the checks that could not run.
	Warnings []string `json:"warnings"`
}

func newVCAPIResponse(res *Result) vcAPIResponse {
	out := vcAPIResponse{Verified: res.Verdict == Valid, Result: res, Errors: []string{}, Warnings: []string{}}
	for _, c := range res.Checks {
		switch {
		case c.Skipped:
			out.Warnings = append(out.Warnings, c.Name+": "+c.Reason)
		case !c.OK:
			out.Errors = append(out.Errors, c.Name+": "+c.Reason)
		}
	}
	return out
}

// credentialsVerify is POST /credentials/verify.
func (s *Service) credentialsVerify(w http.ResponseWriter, r *http.Request) {
	s.vcAPIVerify(w, r, "/credentials/verify", "verifiableCredential")
}

// presentationsVerify is POST /presentations/verify: the presentation
// must carry a key-binding JWT answering one of the service's challenges
// (options.challenge, when given, names which) for options.domain, or the
// service's audience.
func (s *Service) presentationsVerify(w http.ResponseWriter, r *http.Request) {
	s.vcAPIVerify(w, r, "/presentations/verify", "verifiablePresentation")
}

// vcAPIVerify answers 200 when the credential or presentation in member
// is valid, 422 when it is not (or could not be confirmed), 400 when the
// request is malformed; the body carries the verdict either way.
func (s *Service) vcAPIVerify(w http.ResponseWriter, r *http.Request, route, member string) {
	req, err := readVCAPIRequest(w, r, member)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var res *Result
	switch {
	case member == "verifiablePresentation" || req.challenge != "" || req.domain != "":
		res, err = s.verifyPresentation(r.Context(), route, req.input, s.presentationRequest(req.challenge, req.domain))
	default:
		res, err = s.verify(r.Context(), route, req.input)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if res.Verdict != Valid {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, newVCAPIResponse(res))
}

// vcAPISubmission is what a VC API request submits.
type vcAPISubmission struct {
	input             []byte
	challenge, domain string
}

// readVCAPIRequest reads a VC API request: the body {member: X, "options":
// {"challenge": …, "domain": …}} or a bare JSON string X, where X is the
// compact text itself, or an enveloped credential or presentation whose id
// is a data: URL of one of envelopedMediaTypes.
func readVCAPIRequest(w http.ResponseWriter, r *http.Request, member string) (*vcAPISubmission, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		return nil, formError(err)
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '"' {
		input, err := envelopedInput(body)
		if err != nil {
			return nil, err
		}
		return &vcAPISubmission{input: input}, nil
	}
	var req vcAPIRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return nil, badRequest("the body is neither a JSON object nor a JSON string: %v", err)
	}
	raw := req.VerifiableCredential
	if member == "verifiablePresentation" {
		raw = req.VerifiablePresentation
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("the body has no %q", member)
	}
	input, err := envelopedInput(raw)
	if err != nil {
		return nil, err
	}
	return &vcAPISubmission{input: input, challenge: req.Options.Challenge, domain: req.Options.Domain}, nil
}

// envelopedInput decodes the credential of a VC API member: a JSON string
// (the compact form, or a data: URL), or an object. An enveloped
// credential or presentation object gives the content of its data: URL id;
// any other object is passed on as is, for the verifier to recognise (a
// Sceau bundle) or to refuse.
func envelopedInput(raw json.RawMessage) ([]byte, error) {
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		if strings.HasPrefix(text, "data:") {
			return dataURLContent(text)
		}
		if strings.TrimSpace(text) == "" {
			return nil, badRequest("the credential is an empty string")
		}
		return []byte(text), nil
	}
	var env struct {
		Type any    `json:"type"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, badRequest("the credential is neither a JSON string nor an object: %v", err)
	}
	if hasType(env.Type, "EnvelopedVerifiableCredential") || hasType(env.Type, "EnvelopedVerifiablePresentation") {
		if !strings.HasPrefix(env.ID, "data:") {
			return nil, badRequest("the enveloped credential's id is not a data: URL")
		}
		return dataURLContent(env.ID)
	}
	return raw, nil
}

// hasType reports whether a JSON-LD type (a string or a list) names want.
func hasType(t any, want string) bool {
	switch t := t.(type) {
	case string:
		return t == want
	case []any:
		for _, v := range t {
			if v == want {
				return true
			}
		}
	}
	return false
}

// dataURLContent returns the content of a data: URL of one of
// envelopedMediaTypes, percent-decoded or base64-decoded.
func dataURLContent(u string) ([]byte, error) {
	header, content, ok := strings.Cut(strings.TrimPrefix(u, "data:"), ",")
	if !ok {
		return nil, badRequest("the data: URL has no comma before its content")
	}
	params := strings.Split(header, ";")
	mediaType := strings.ToLower(strings.TrimSpace(params[0]))
	known := false
	for _, m := range envelopedMediaTypes {
		known = known || m == mediaType
	}
	if !known {
		return nil, badRequest("the data: URL's media type %q is not one of %s", mediaType, strings.Join(envelopedMediaTypes, ", "))
	}
	for _, p := range params[1:] {
		if strings.EqualFold(strings.TrimSpace(p), "base64") {
			data, err := base64.StdEncoding.DecodeString(content)
			if err != nil {
				return nil, badRequest("the data: URL's base64 content does not decode: %v", err)
			}
			return data, nil
		}
	}
	text, err := url.PathUnescape(content)
	if err != nil {
		return nil, badRequest("the data: URL's content is not properly percent-encoded: %v", err)
	}
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("the data: URL is empty")
	}
	return []byte(text), nil
}

// Metrics are the service's Prometheus metrics: requests by route, method
// and status, their durations, and verdicts by route and input kind.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	verdicts *prometheus.CounterVec
	busies   prometheus.Counter
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sceau_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sceau_http_request_duration_seconds", Help: "HTTP request durations by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sceau_verifications_total", Help: "Verifications by route, verdict and input kind.",
		}, []string{"route", "verdict", "input"}),
		busies: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sceau_decode_rejected_total", Help: "Image and PDF verifications refused (503) for want of a free decoding slot.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.verdicts, m.busies} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) verdict(route string, res *Result) {
	if m == nil {
		return
	}
	input := res.Input
	if input == "" {
		input = "unknown"
	}
	m.verdicts.WithLabelValues(route, string(res.Verdict), input).Inc()
}

func (m *Metrics) busy() {
	if m != nil {
		m.busies.Inc()
	}
}

// Middleware counts and times every request by its chi route pattern.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		m.requests.WithLabelValues(route, r.Method, fmt.Sprint(status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// RequestLog logs every request at info level (debug for /healthz and
// /metrics): method, path, status, bytes written, duration and client.
func RequestLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			level := slog.LevelInfo
			if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
				level = slog.LevelDebug
			}
			logger.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", ww.Status()), slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", time.Since(start)), slog.String("remote", r.RemoteAddr))
		})
	}
}
