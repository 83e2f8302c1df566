package provenanceapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/internal/license"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/provenance"
)

// OpenAPI is the OpenAPI 3.1 description of this package's routes: a
// fragment of the document `sceau serve` serves at GET /openapi.json
// (server.AssembleOpenAPI).
//
//go:embed openapi.json
var OpenAPI []byte

// maxSubmissionSize bounds the body of POST /v1/resources: a full
// manifest, escaped, and the statements.
const maxSubmissionSize = 2*provenance.MaxManifestSize + 1<<20

// Authenticator maps an API token to the issuer id it acts for;
// *org.Tokens is one.
type Authenticator interface {
	Authenticate(token string) (string, error)
}

// Handler returns an http.Handler serving the resources API alone (see
// Routes).
func Handler(s *provenance.Service, auth Authenticator) http.Handler {
	r := chi.NewRouter()
	Routes(r, s, auth)
	return r
}

// Routes adds the resources API to r (see the package documentation of
// provenance for the bodies):
//
//	GET  /v1/resources/{digest}          the record, endorsements and attribution (provenance.View)
//	GET  /v1/resources/{digest}/lineage  ancestors and descendants (record.Lineage)
//	POST /v1/resources                   register a provenance.Submission, as the platform of the bearer token
//
// Answers are JSON; errors are {"error": "…"} with 400 (malformed or
// inconsistent), 401 (missing or bad token), 403 (the token's platform is
// not accredited for OpenResource), 404 (not registered), 413 (body too
// large), 422 (refused: licence rule, ledger refusal…) or 503 (ledger
// unavailable).
func Routes(r chi.Router, s *provenance.Service, auth Authenticator) {
	h := &api{s: s, auth: auth}
	r.Get("/v1/resources/{digest}", h.get)
	r.Get("/v1/resources/{digest}/lineage", h.lineage)
	r.Post("/v1/resources", h.post)
}

type api struct {
	s    *provenance.Service
	auth Authenticator
}

func (h *api) get(w http.ResponseWriter, r *http.Request) {
	v, err := h.s.View(r.Context(), chi.URLParam(r, "digest"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *api) lineage(w http.ResponseWriter, r *http.Request) {
	l, err := h.s.Lineage(r.Context(), chi.URLParam(r, "digest"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (h *api) post(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sceau"`)
		writeJSON(w, http.StatusUnauthorized, apiError{"an issuer API token is required: Authorization: Bearer <token>"})
		return
	}
	platformID, err := h.auth.Authenticate(token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sceau", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, apiError{"invalid or revoked API token"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(maxSubmissionSize)))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError{"the request body is larger than the limit"})
			return
		}
		writeJSON(w, http.StatusBadRequest, apiError{"reading the request body: " + err.Error()})
		return
	}
	sub, err := decodeSubmission(body)
	if err != nil {
		h.fail(w, r, &provenance.InvalidError{Err: err})
		return
	}
	res, err := h.s.Submit(r.Context(), platformID, *sub)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/resources/"+res.Digest)
	writeJSON(w, http.StatusCreated, res)
}

// decodeSubmission decodes a POST body strictly.
func decodeSubmission(body []byte) (*provenance.Submission, error) {
	var sub provenance.Submission
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sub); err != nil {
		return nil, errors.New("the body is not a valid submission JSON object: " + err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the body has data after its JSON object")
	}
	return &sub, nil
}

type apiError struct {
	Error string `json:"error"`
}

// fail answers err with the status it calls for.
func (h *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		bad       *provenance.InvalidError
		violation *license.Violation
		refused   *network.ContractError
	)
	switch {
	case errors.As(err, &violation):
		writeJSON(w, http.StatusUnprocessableEntity, apiError{err.Error()})
	case errors.Is(err, provenance.ErrNotAccredited):
		writeJSON(w, http.StatusForbidden, apiError{err.Error()})
	case errors.As(err, &bad):
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
	case errors.Is(err, network.ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{err.Error()})
	case errors.Is(err, network.ErrUnavailable):
		h.s.Logger.Warn("ledger unavailable", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{"the ledger is unavailable: try again later"})
	case errors.As(err, &refused):
		writeJSON(w, http.StatusUnprocessableEntity, apiError{err.Error()})
	default:
		h.s.Logger.Error("resources API", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{"internal error"})
	}
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
