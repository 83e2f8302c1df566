// Package oid4vciapi serves Sceau's OpenID4VCI Credential Issuer (package
// issuer/oid4vci) over HTTP: its metadata, the token, nonce and credential
// endpoints. These routes are public (a wallet has no account): what
// protects an offer is its pre-authorized code and transaction code, and
// what protects a credential is the access token they give. Errors are the
// spec's JSON objects, {"error": code, "error_description": text}.
//
// It imports issuer/oid4vci only.
package oid4vciapi

import (
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/issuer/oid4vci"
)

// OpenAPI is the OpenAPI 3.1 description of the routes Routes mounts, a
// fragment of the document `sceau serve` assembles (server.AssembleOpenAPI).
//
//go:embed openapi.json
var OpenAPI []byte

// Limits of request bodies.
const (
	// MaxTokenRequest bounds a token request (form-encoded).
	MaxTokenRequest = 8 << 10
	// MaxCredentialRequest bounds a credential request (JSON).
	MaxCredentialRequest = 32 << 10
)

// Routes mounts the Credential Issuer on r:
//
//	GET  /.well-known/openid-credential-issuer    Credential Issuer Metadata
//	GET  /.well-known/oauth-authorization-server  Authorization Server Metadata (token endpoint)
//	POST /oid4vci/token                           pre-authorized code (+ tx_code) → access token
//	POST /oid4vci/nonce                           → {"c_nonce"}
//	POST /oid4vci/credential                      Bearer access token, proofs.jwt → {"credentials": [{"credential"}]}
//
// Each answers cross-origin requests (browser wallets), and preflights.
func Routes(r chi.Router, s *oid4vci.Server, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	h := &handlers{s: s, logger: logger}
	r.Get(oid4vci.PathIssuerMetadata, cors(h.metadata(s.IssuerMetadata)))
	r.Get(oid4vci.PathASMetadata, cors(h.metadata(s.AuthorizationServerMetadata)))
	r.Post(oid4vci.PathToken, cors(h.token))
	r.Post(oid4vci.PathNonce, cors(h.nonce))
	r.Post(oid4vci.PathCredential, cors(h.credential))
	for _, p := range []string{oid4vci.PathIssuerMetadata, oid4vci.PathASMetadata, oid4vci.PathToken, oid4vci.PathNonce, oid4vci.PathCredential} {
		r.Options(p, cors(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	}
}

type handlers struct {
	s      *oid4vci.Server
	logger *slog.Logger
}

// cors lets browser wallets call the endpoint from any origin: nothing is
// answered on the strength of a cookie.
func cors(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP")
			w.Header().Set("Access-Control-Max-Age", "600")
		}
		h(w, r)
	}
}

func (h *handlers) metadata(doc func() map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		writeJSON(w, http.StatusOK, doc())
	}
}

func (h *handlers) token(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if !hasContentType(r, "application/x-www-form-urlencoded") {
		writeErr(w, &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Description: "the token request must be application/x-www-form-urlencoded"})
		return
	}
	body, tooBig := readBody(w, r, MaxTokenRequest)
	if tooBig {
		writeErr(w, &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Description: "the token request is too large"})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeErr(w, &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Description: "the token request is not a valid form"})
		return
	}
	for _, k := range []string{"grant_type", "pre-authorized_code", "tx_code"} {
		if len(form[k]) > 1 {
			writeErr(w, &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Description: k + " is repeated"})
			return
		}
	}
	resp, err := h.s.Token(r.Context(), oid4vci.TokenRequest{
		GrantType: form.Get("grant_type"), PreAuthorizedCode: form.Get("pre-authorized_code"), TxCode: form.Get("tx_code"),
	})
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h *handlers) nonce(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	n, err := h.s.Nonce()
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"c_nonce": n})
}

func (h *handlers) credential(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	token, ok := bearer(r)
	if !ok {
		writeErr(w, &oid4vci.Error{Code: oid4vci.ErrInvalidToken, Description: "an access token is required: Authorization: Bearer <access_token>"})
		return
	}
	if !hasContentType(r, "application/json") {
		writeErr(w, &oid4vci.Error{Code: oid4vci.ErrInvalidCredentialRequest, Description: "the credential request must be application/json"})
		return
	}
	body, tooBig := readBody(w, r, MaxCredentialRequest)
	if tooBig {
		writeErr(w, &oid4vci.Error{Code: oid4vci.ErrInvalidCredentialRequest, Description: "the credential request is too large"})
		return
	}
	req, err := ParseCredentialRequest(body)
	if err != nil {
		h.fail(w, err)
		return
	}
	resp, err := h.s.Credential(r.Context(), token, req)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// ParseCredentialRequest decodes a credential request, at most
// MaxCredentialRequest bytes of JSON; what is not one is an
// invalid_credential_request.
func ParseCredentialRequest(body []byte) (*oid4vci.CredentialRequest, error) {
	bad := &oid4vci.Error{Code: oid4vci.ErrInvalidCredentialRequest}
	if len(body) > MaxCredentialRequest {
		bad.Description = "the credential request is too large"
		return nil, bad
	}
	var req oid4vci.CredentialRequest
	if err := json.Unmarshal(body, &req); err != nil {
		bad.Description = "the credential request is not the JSON object expected: " + err.Error()
		return nil, bad
	}
	var raw struct {
		Proofs map[string]json.RawMessage `json:"proofs"`
	}
	if err := json.Unmarshal(body, &raw); err == nil {
		for k := range raw.Proofs {
			req.ProofTypes = append(req.ProofTypes, k)
		}
	}
	return &req, nil
}

// fail answers err: the spec's error object, or a server error logged.
func (h *handlers) fail(w http.ResponseWriter, err error) {
	var e *oid4vci.Error
	if !errors.As(err, &e) {
		h.logger.Error("OpenID4VCI", "err", err)
		e = &oid4vci.Error{Code: oid4vci.ErrServer, Description: "internal error"}
	}
	writeErr(w, e)
}

// statusOf is the HTTP status of an error code.
func statusOf(code string) int {
	switch code {
	case oid4vci.ErrInvalidToken:
		return http.StatusUnauthorized
	case oid4vci.ErrServer:
		return http.StatusInternalServerError
	case oid4vci.ErrUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

func writeErr(w http.ResponseWriter, e *oid4vci.Error) {
	status := statusOf(e.Code)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	writeJSON(w, status, map[string]string{"error": e.Code, "error_description": e.Description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// readBody reads at most limit bytes of the body, reporting a larger one.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, true
	}
	return data, false
}

func hasContentType(r *http.Request, want string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == want
}

// bearer returns the request's Bearer access token.
func bearer(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != "" && len(token) <= 512
}
