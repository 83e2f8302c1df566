package issuer

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed" // the OpenAPI document
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// OpenAPI is the OpenAPI 3.1 description of the issuer API, served at
// GET /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Limits of the issuer API.
const (
	// MaxRequestBody bounds a JSON request body.
	MaxRequestBody = 1 << 20
	// DefaultMaxUpload bounds a CSV upload to POST /v1/batches unless
	// APIConfig.MaxUpload says otherwise: about four million rows.
	DefaultMaxUpload = 1 << 30
)

// APIConfig configures the issuer API.
type APIConfig struct {
	// Service issues and anchors; its Home holds the issuers, their keys,
	// their API tokens and what the API issues. Required.
	Service *Service
	// Tokens authenticates requests. Required.
	Tokens *org.Tokens
	// Logger reports what is issued (never personal data). Nil: the
	// service's logger.
	Logger *slog.Logger
	// Metrics, when set, receives the API's counters.
	Metrics prometheus.Registerer
	// MicroBatchWindow is how long a credential issued alone waits for
	// others to share its ledger transaction. Zero: no wait (credentials
	// queued while a batch is anchored still go together in the next).
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
}

// API is the issuer HTTP API: issuing over HTTP with an issuer's API
// token. It keeps each issuer's signing key unlocked once loaded. It is
// safe for concurrent use; Close stops its background work.
type API struct {
	svc         *Service
	tokens      *org.Tokens
	logger      *slog.Logger
	validator   *schemas.Validator
	batcher     *microBatcher
	keys        keyRing
	jobs        *batchJobs
	metrics     *apiMetrics
	maxUpload   int64
	clientCerts bool
}

// NewAPI returns the API cfg describes.
func NewAPI(cfg APIConfig) (*API, error) {
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
	if cfg.MaxConcurrentBatches <= 0 {
		cfg.MaxConcurrentBatches = 1
	}
	metrics, err := newAPIMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	a := &API{
		svc:         cfg.Service,
		tokens:      cfg.Tokens,
		logger:      logger,
		validator:   validator,
		batcher:     newMicroBatcher(cfg.Service.Contract, cfg.MicroBatchWindow),
		keys:        keyRing{svc: cfg.Service, keys: map[string]*credential.Key{}},
		metrics:     metrics,
		maxUpload:   cfg.MaxUpload,
		clientCerts: cfg.ClientCertificates,
	}
	a.jobs = newBatchJobs(a, cfg.MaxConcurrentBatches)
	return a, nil
}

// Close stops the API's background work: uploaded batches being issued
// are interrupted (re-uploading the same file resumes them, nothing is
// issued twice) and single credentials waiting for their batch are
// answered. Call it once the HTTP server has stopped.
func (a *API) Close() {
	a.jobs.close()
	a.batcher.close()
}

// UnlockKeys unlocks the current signing key of every issuer in the home
// (from SCEAU_KEY_PASSPHRASE, or a prompt when standard input is a
// terminal), so that no request waits for it. It returns an error naming
// the issuers whose key stays locked; their requests will fail until the
// passphrase is available.
func (a *API) UnlockKeys() error {
	ids, err := a.svc.Home.OrgIDs()
	if err != nil {
		return fmt.Errorf("listing issuers: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if _, _, err := a.keys.current(id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Routes mounts the issuer API on r (see openapi.json):
//
//	GET  /openapi.json                              this API's OpenAPI document (public)
//	POST /v1/credentials                            issue one credential from a record → its bundle
//	GET  /v1/credentials/{ref}                      a credential issued over HTTP → its bundle
//	POST /v1/credentials/{ref}/revoke               revoke it (every form), {"reason": code}
//	POST /v1/credentials/{ref}/suspend              suspend it, {"reason": code}
//	POST /v1/credentials/{ref}/reinstate            lift its suspension
//	POST /v1/batches                                upload a CSV export (multipart) → 202 {"id"}
//	GET  /v1/batches/{id}                           the batch's state, counts and errors
//	GET  /v1/batches/{id}/manifest                  its manifest.csv
//	GET  /v1/batches/{id}/rejects                   its rejects.csv
//	GET  /v1/batches/{id}/credentials/{credential}  one of its bundles
//	POST /credentials/issue                         W3C VC API: issue → {"verifiableCredential"}
//
// Every route but /openapi.json needs the issuer's API token
// (Authorization: Bearer …) or, with ClientCertificates, its client
// certificate. {ref} is a credential id (urn:uuid:… or the bare UUID) or
// the hex digest of one of its forms. Errors are {"error": "…"}.
func (a *API) Routes(r chi.Router) {
	r.Get("/openapi.json", serveOpenAPI)
	r.Post("/v1/credentials", a.withIssuer(a.postCredential))
	r.Get("/v1/credentials/{ref}", a.withIssuer(a.getCredential))
	r.Post("/v1/credentials/{ref}/revoke", a.withIssuer(a.statusChange(OpRevoke)))
	r.Post("/v1/credentials/{ref}/suspend", a.withIssuer(a.statusChange(OpSuspend)))
	r.Post("/v1/credentials/{ref}/reinstate", a.withIssuer(a.statusChange(OpReinstate)))
	r.Post("/v1/batches", a.withIssuer(a.jobs.post))
	r.Get("/v1/batches/{id}", a.withIssuer(a.jobs.get))
	r.Get("/v1/batches/{id}/manifest", a.withIssuer(a.jobs.file("manifest.csv")))
	r.Get("/v1/batches/{id}/rejects", a.withIssuer(a.jobs.file("rejects.csv")))
	r.Get("/v1/batches/{id}/credentials/{credential}", a.withIssuer(a.jobs.credential))
	r.Post("/credentials/issue", a.withIssuer(a.vcIssue))
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(OpenAPI)
}

// issuerHandler is a handler acting for an authenticated issuer.
type issuerHandler func(w http.ResponseWriter, r *http.Request, issuerID string)

// withIssuer authenticates the request: 401 without a valid token (or
// client certificate), 403 when the token and certificate disagree.
func (a *API) withIssuer(h issuerHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, status, msg := a.authenticate(r)
		if status != 0 {
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

// forbidOther answers 403, and returns true, when a request acting for
// issuerID names another issuer.
func forbidOther(w http.ResponseWriter, issuerID, named string) bool {
	if named == "" || named == issuerID {
		return false
	}
	writeError(w, http.StatusForbidden, fmt.Sprintf("this API token acts for issuer %s, not for %s", issuerID, named))
	return true
}

// credentialRequest is the body of POST /v1/credentials.
type credentialRequest struct {
	// Issuer is the issuer id; when set, it must be the token's.
	Issuer string `json:"issuer,omitempty"`
	// Type is "Diploma" or "PixCertification".
	Type string `json:"type"`
	// Record is the credential subject, as the type's JSON Schema describes it.
	Record json.RawMessage `json:"record"`
	// HolderJWK is the holder's public key, to bind the SD-JWT form to.
	HolderJWK json.RawMessage `json:"holder_jwk,omitempty"`
}

func (a *API) postCredential(w http.ResponseWriter, r *http.Request, issuerID string) {
	var req credentialRequest
	if err := decodeBody(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if forbidOther(w, issuerID, req.Issuer) {
		return
	}
	if !record.IsCredentialType(req.Type) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("type %q: want %s", req.Type, record.Join(record.CredentialTypes(), " or ")))
		return
	}
	if len(req.Record) == 0 {
		writeError(w, http.StatusBadRequest, "record is required: the credential subject as a JSON object")
		return
	}
	holder, err := holderKeyOf(req.HolderJWK)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rec, err := a.validator.Decode(req.Type, req.Record)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	b, err := a.issueOne(r.Context(), issuerID, rec, holder, "/v1/credentials")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/credentials/"+strings.TrimPrefix(b.ID, "urn:uuid:"))
	writeJSON(w, http.StatusCreated, b)
}

// holderKeyOf checks the holder_jwk member: absent, or a JSON object that
// is a public key the SD-JWT form can be bound to.
func holderKeyOf(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return "", &unprocessable{msg: "holder_jwk must be a public key as a JSON object (JWK)"}
	}
	if _, err := credential.ParsePublicJWK(raw); err != nil {
		return "", &unprocessable{msg: "holder_jwk: " + err.Error()}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return "", &badRequest{msg: "holder_jwk: " + err.Error()}
	}
	return compact.String(), nil
}

// issueOne signs rec in every form as issuerID, anchors it in a
// micro-batch, keeps its bundle under the issuer's folder and returns it.
func (a *API) issueOne(ctx context.Context, issuerID string, rec schemas.Record, holderJWK, route string) (*credential.Bundle, error) {
	if err := a.svc.checkAccredited(ctx, issuerID, rec.CredentialType()); err != nil {
		return nil, err
	}
	profile, key, err := a.keys.current(issuerID)
	if err != nil {
		return nil, err
	}
	cred, err := credential.New(rec, issuerID, a.svc.now(), rand.Reader)
	if err != nil {
		return nil, &unprocessable{msg: err.Error()}
	}
	forms, err := secure(cred, key, holderJWK)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	one := &issued{ID: cred.ID, StudentID: rec.Holder().StudentID, Forms: *forms}
	anchor, err := a.batcher.anchor(ctx, issuerID, profile.Org, cred.Type, one)
	if err != nil {
		return nil, err
	}
	b := &credential.Bundle{
		ID: cred.ID, Type: cred.Type, Issuer: forms.Issuer,
		VCJWT: forms.VCJWT, SDJWT: forms.SDJWT, QR: forms.QR, Anchor: anchor,
	}
	if err := a.storeBundle(issuerID, b); err != nil {
		return nil, err
	}
	a.metrics.issued(route, cred.Type, 1)
	a.logger.Info("credential issued", "issuer", issuerID, "type", cred.Type, "id", cred.ID, "batch", anchor.Batch, "route", route)
	return b, nil
}

// bundlePath is where the API keeps the bundle of a credential it issued
// alone, in the issuer's folder dir.
func bundlePath(dir org.Dir, credentialUUID string) string {
	return filepath.Join(dir.APICredentialsDir(), credentialUUID+".json")
}

// storeBundle keeps the bundle of a credential issued over HTTP, so that
// it can be fetched again and revoked by its id.
func (a *API) storeBundle(issuerID string, b *credential.Bundle) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	dir, err := a.svc.Home.Org(issuerID)
	if err != nil {
		return err
	}
	path := bundlePath(dir, strings.TrimPrefix(b.ID, "urn:uuid:"))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keeping the bundle: %w", err)
	}
	return fsutil.WriteFileAtomic(path, append(data, '\n'), 0o600)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// credentialUUID returns the UUID of a credential id given as
// "urn:uuid:…" or bare, or "" when ref is not one.
func credentialUUID(ref string) string {
	ref = strings.ToLower(strings.TrimPrefix(ref, "urn:uuid:"))
	if !uuidPattern.MatchString(ref) {
		return ""
	}
	return ref
}

// findBundle returns the bundle of credential id u issued over HTTP by
// issuerID, alone or in an uploaded batch.
func (a *API) findBundle(issuerID, u string) ([]byte, error) {
	dir, err := a.svc.Home.Org(issuerID)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(bundlePath(dir, u))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return data, err
	}
	outs, err := filepath.Glob(filepath.Join(dir.APIBatchesDir(), "*", "out", u+".json"))
	if err != nil || len(outs) == 0 {
		return nil, fmt.Errorf("credential urn:uuid:%s: %w (among those issuer %s issued over HTTP)", u, network.ErrNotFound, issuerID)
	}
	return os.ReadFile(outs[0])
}

func (a *API) getCredential(w http.ResponseWriter, r *http.Request, issuerID string) {
	u := credentialUUID(chi.URLParam(r, "ref"))
	if u == "" {
		writeError(w, http.StatusBadRequest, "want a credential id: urn:uuid:… or the bare UUID")
		return
	}
	data, err := a.findBundle(issuerID, u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// statusRequest is the body of the status change routes.
type statusRequest struct {
	// Reason is a reason code (record.ReasonCodes); not for reinstate.
	Reason record.ReasonCode `json:"reason,omitempty"`
}

// statusResponse answers a status change.
type statusResponse struct {
	Status record.CredentialStatus `json:"status"`
	// Digests lists the digests of every form whose status changed.
	Digests []string `json:"digests"`
}

func (a *API) statusChange(op StatusOp) issuerHandler {
	return func(w http.ResponseWriter, r *http.Request, issuerID string) {
		var req statusRequest
		if r.ContentLength != 0 {
			if err := decodeBody(w, r, &req); err != nil {
				a.fail(w, r, err)
				return
			}
		}
		switch {
		case op == OpReinstate && req.Reason != "":
			writeError(w, http.StatusBadRequest, "reinstate takes no reason")
			return
		case op != OpReinstate && record.ValidateReason(req.Reason) != nil:
			writeError(w, http.StatusBadRequest, fmt.Sprintf("reason %q: want one of %s", req.Reason, record.Join(record.ReasonCodes(), ", ")))
			return
		}
		digests, err := a.digestsOf(r.Context(), issuerID, chi.URLParam(r, "ref"))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		changed, err := a.svc.ChangeStatus(r.Context(), issuerID, op, digests, req.Reason)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.logger.Info("credential "+op.Past(), "issuer", issuerID, "digests", len(changed), "reason", req.Reason)
		writeJSON(w, http.StatusOK, statusResponse{Status: op.Target(), Digests: changed})
	}
}

// digestsOf returns the digests a {ref} stands for, refusing (403) those
// another issuer anchored.
func (a *API) digestsOf(ctx context.Context, issuerID, ref string) ([]string, error) {
	var digests []string
	if record.IsDigest(ref) {
		digests = []string{ref}
	} else {
		u := credentialUUID(ref)
		if u == "" {
			return nil, &badRequest{msg: "want a credential id (urn:uuid:… or the bare UUID) or the hex SHA-256 digest of one of its forms"}
		}
		data, err := a.findBundle(issuerID, u)
		if err != nil {
			return nil, err
		}
		if digests, err = Digests(ctx, data); err != nil {
			return nil, fmt.Errorf("the kept bundle of urn:uuid:%s: %w", u, err)
		}
	}
	st, err := a.svc.Contract.GetStatus(ctx, digests[0])
	if err != nil {
		return nil, err
	}
	if st.IssuerID != issuerID {
		return nil, &forbidden{msg: fmt.Sprintf("this credential was anchored by issuer %s: a token of %s cannot change its status", st.IssuerID, issuerID)}
	}
	return digests, nil
}

// keyRing keeps issuers' signing keys unlocked, by issuer and key id, so a
// passphrase is needed once per key and process.
type keyRing struct {
	svc  *Service
	mu   sync.Mutex
	keys map[string]*credential.Key
}

// current returns issuer id's profile and current signing key (which
// changes when the key is rotated).
func (k *keyRing) current(id string) (*org.Profile, *credential.Key, error) {
	p, err := k.svc.Home.LoadProfile(id)
	if err != nil {
		return nil, nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	name := id + "/" + p.CurrentKID
	if key, ok := k.keys[name]; ok {
		return p, key, nil
	}
	key, err := k.svc.Keys.Open(p, p.CurrentKID)
	if err != nil {
		return nil, nil, &keyLocked{issuerID: id, err: err}
	}
	k.keys[name] = key
	return p, key, nil
}

// Errors the handlers answer with a given status.
type (
	badRequest    struct{ msg string }
	unprocessable struct{ msg string }
	forbidden     struct{ msg string }
	keyLocked     struct {
		issuerID string
		err      error
	}
)

func (e *badRequest) Error() string    { return e.msg }
func (e *unprocessable) Error() string { return e.msg }
func (e *forbidden) Error() string     { return e.msg }
func (e *keyLocked) Error() string {
	return fmt.Sprintf("the server cannot unlock issuer %s's signing key: %v", e.issuerID, e.err)
}
func (e *keyLocked) Unwrap() error { return e.err }

// errorBody is every error answer.
type errorBody struct {
	Error string `json:"error"`
	// Violations lists what is wrong with a record (422), without values.
	Violations []violationBody `json:"violations,omitempty"`
}

type violationBody struct {
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// fail answers err with the status it calls for.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		bad      *badRequest
		unproc   *unprocessable
		forbid   *forbidden
		invalid  *schemas.ValidationError
		notAccr  *NotAccreditedError
		locked   *keyLocked
		refused  *network.ContractError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit))
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.As(err, &invalid):
		body := errorBody{Error: "the record is not a valid " + invalid.CredentialType + ": " + invalid.Error()}
		for _, v := range invalid.Violations {
			body.Violations = append(body.Violations, violationBody{Field: v.Field, Rule: v.Rule, Message: v.Message})
		}
		writeJSON(w, http.StatusUnprocessableEntity, body)
	case errors.As(err, &unproc):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case errors.As(err, &forbid), errors.As(err, &notAccr):
		writeError(w, http.StatusForbidden, err.Error())
	case errors.Is(err, network.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, network.ErrUnavailable):
		a.logger.Warn("ledger unavailable", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, "the ledger is unavailable: try again later")
	case errors.As(err, &refused):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case errors.As(err, &locked):
		a.logger.Error("signing key locked", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("the server cannot unlock issuer %s's signing key: start it with %s set", locked.issuerID, org.PassphraseEnv))
	case errors.Is(err, context.Canceled):
		// The client went away: there is no one to answer.
	default:
		a.logger.Error("issuer API", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// decodeBody decodes a JSON request body strictly: one object, known
// members only, at most MaxRequestBody bytes.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &badRequest{msg: "the body is not the expected JSON object: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &badRequest{msg: "the body has data after its JSON object"}
	}
	return nil
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	// An error here means the client went away: there is no one to tell.
	_ = enc.Encode(v)
}

// newJobID returns a random batch job id (a UUID).
func newJobID() string { return uuid.NewString() }
