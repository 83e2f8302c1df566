package verifierapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/verifier/presentation"
)

// The OpenID4VP verifier's routes (presentation.Store keeps the requests):
//
//	POST /v1/presentation-requests                 {"type", "claims"} → 201 the request: {id, uri, …}
//	GET  /v1/presentation-requests/{id}            its state and, once decided, the verdict
//	GET  /v1/presentation-requests/{id}/request    the request object (request_uri), for the wallet
//	POST /v1/presentation-requests/{id}/response   the wallet's direct_post: vp_token, state
//	GET  /v1/presentation-requests/{id}/qr.png     the openid4vp:// URI as a QR code

// createPresentationBody is the body of POST /v1/presentation-requests.
type createPresentationBody struct {
	Type   string   `json:"type"`
	Claims []string `json:"claims"`
}

// setUpPresentations makes the store of presentation requests, on
// cfg.PublicURL (or the audience, when it is a URL), and parses the
// employer's page.
func (a *API) setUpPresentations(cfg Config) error {
	tmpl, err := template.ParseFS(webFiles, "web/templates/presentation.html", "web/templates/frame.html")
	if err != nil {
		return fmt.Errorf("presentation page: %w", err)
	}
	a.presentationTmpl = tmpl
	base := cfg.PublicURL
	if base == "" && strings.HasPrefix(cfg.Audience, "http") {
		base = cfg.Audience
	}
	if base == "" {
		return nil
	}
	pc := cfg.Presentations
	pc.BaseURL, pc.Verifier = base, a.verifier
	a.presentations, err = presentation.NewStore(pc)
	return err
}

// presentationsRoutes mounts the presentation requests' routes.
func (a *API) presentationsRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(a.needPresentations)
		r.Post("/v1/presentation-requests", a.createPresentation)
		r.Get("/v1/presentation-requests/{id}", a.presentationStatus)
		r.Get("/v1/presentation-requests/{id}/request", a.presentationRequestObject)
		r.Post("/v1/presentation-requests/{id}/response", a.presentationResponse)
		r.Get("/v1/presentation-requests/{id}/qr.png", a.presentationQR)
	})
	r.Get("/presentation", a.servePresentationPage)
	r.Post("/presentation", a.submitPresentationPage)
	r.Get("/presentation/{id}", a.servePresentationStatusPage)
}

// errNoPresentations answers the presentation routes of an API made
// without a public URL.
var errNoPresentations = &requestError{status: http.StatusServiceUnavailable,
	msg: "presentation requests need the verifier's public URL (sceau --public-url, SCEAU_PUBLIC_URL)"}

// needPresentations answers errNoPresentations in place of next when the
// API was made without a public URL, so that the JSON routes need not
// each check.
func (a *API) needPresentations(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.presentations == nil {
			a.writeError(w, r, errNoPresentations)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// storeError answers the store's errors with their status.
func (a *API) storeError(w http.ResponseWriter, r *http.Request, err error) {
	var input *presentation.InputError
	switch {
	case errors.Is(err, presentation.ErrNotFound):
		err = &requestError{status: http.StatusNotFound, msg: err.Error()}
	case errors.Is(err, presentation.ErrTooMany):
		w.Header().Set("Retry-After", "30")
		err = &requestError{status: http.StatusServiceUnavailable, msg: err.Error()}
	case errors.As(err, &input):
		err = badRequest("%v", err)
	}
	a.writeError(w, r, err)
}

// createPresentation is POST /v1/presentation-requests.
func (a *API) createPresentation(w http.ResponseWriter, r *http.Request) {
	var body createPresentationBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			a.writeError(w, r, err)
			return
		}
		a.writeError(w, r, badRequest(`the body must be JSON {"type": "Diploma"|"PixCertification", "claims": ["mention", …]}: %v`, err))
		return
	}
	st, err := a.presentations.Create(body.Type, body.Claims)
	if err != nil {
		a.storeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/presentation-requests/"+st.ID)
	writeJSON(w, http.StatusCreated, st)
}

// presentationStatus is GET /v1/presentation-requests/{id}.
func (a *API) presentationStatus(w http.ResponseWriter, r *http.Request) {
	st, err := a.presentations.Status(chi.URLParam(r, "id"))
	if err != nil {
		a.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st.In(apiLanguage(w, r)))
}

// presentationRequestObject is GET /v1/presentation-requests/{id}/request:
// the request object, an unsigned JWT (application/oauth-authz-req+jwt).
func (a *API) presentationRequestObject(w http.ResponseWriter, r *http.Request) {
	jwt, err := a.presentations.RequestObject(chi.URLParam(r, "id"))
	if refusal, ok := presentation.IsRefusal(err); ok {
		writeOAuthError(w, http.StatusGone, "invalid_request_uri", refusal.In(apiLanguage(w, r)).Message)
		return
	}
	if err != nil {
		a.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/"+oid4vp.RequestObjectType)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, jwt)
}

// writeOAuthError answers an OAuth error response: {"error",
// "error_description"}.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// presentationResponse is POST /v1/presentation-requests/{id}/response,
// the wallet's direct_post (application/x-www-form-urlencoded: vp_token,
// state): 200 {} once the presentation answers the request, 400 with an
// OAuth error otherwise; the request is decided by the first response.
func (a *API) presentationResponse(w http.ResponseWriter, r *http.Request) {
	lang := apiLanguage(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, oid4vp.MaxVPToken+64<<10)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the response must be posted as application/x-www-form-urlencoded (response_mode direct_post)")
		return
	}
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeOAuthError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the response is larger than a vp_token may be")
			return
		}
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the response's form does not parse: "+err.Error())
		return
	}
	if e := r.PostForm.Get("error"); e != "" {
		// The wallet declined: the request stays open for another try.
		a.logger.Info("a wallet declined a presentation request", "error", e, "description", r.PostForm.Get("error_description"))
		writeJSON(w, http.StatusOK, map[string]string{})
		return
	}
	st, err := a.presentations.Answer(r.Context(), chi.URLParam(r, "id"), r.PostForm.Get("vp_token"), r.PostForm.Get("state"))
	if st != nil && st.Verdict != nil {
		a.metrics.verdict("/v1/presentation-requests", st.Verdict)
	}
	if refusal, ok := presentation.IsRefusal(err); ok {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", refusal.In(lang).Message)
		return
	}
	if err != nil {
		if errors.Is(err, presentation.ErrNotFound) {
			writeOAuthError(w, http.StatusNotFound, "invalid_request", err.Error())
			return
		}
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{})
}

// presentationQR is GET /v1/presentation-requests/{id}/qr.png.
func (a *API) presentationQR(w http.ResponseWriter, r *http.Request) {
	st, err := a.presentations.Status(chi.URLParam(r, "id"))
	if err != nil {
		a.storeError(w, r, err)
		return
	}
	img, err := qrcode.EncodePNG(st.URI)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(img)
}
