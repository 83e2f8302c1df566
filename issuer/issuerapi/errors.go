package issuerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// Errors of the request itself, that the handlers answer with a given
// status; the domain's errors are mapped by fail.
type (
	badRequest    struct{ msg string }
	unprocessable struct{ msg string }
	forbidden     struct{ msg string }
)

func (e *badRequest) Error() string    { return e.msg }
func (e *unprocessable) Error() string { return e.msg }
func (e *forbidden) Error() string     { return e.msg }

// errorBody is every error answer.
type errorBody struct {
	Error string `json:"error"`
	// Violations lists what is wrong with a record (422), without values.
	Violations []violationBody `json:"violations,omitempty"`
}

// alreadyIssuedBody answers a credential the issuer already issued (409).
type alreadyIssuedBody struct {
	Error string `json:"error"`
	// Credential is the id of the credential holding the award.
	Credential string `json:"credential"`
}

type violationBody struct {
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// fail answers err with the status it calls for:
//
//	400  a malformed request; a {ref} that is no credential reference (*issuer.RefError)
//	403  another issuer's credential or batch (*issuer.OtherIssuerError), an issuer
//	     not accredited for the type (*issuer.NotAccreditedError)
//	404  what the ledger or the desk does not have (network.ErrNotFound)
//	409  a credential for a student and award the issuer's register already holds
//	     (*issuer.AlreadyIssuedError)
//	413  a body over the limit
//	422  a record its schema refuses (*schemas.ValidationError, with its violations), one
//	     that cannot make a credential (*issuer.BadRecordError), a transaction the
//	     contract refuses (*network.ContractError)
//	503  the ledger out of reach (network.ErrUnavailable, also while the desk closes),
//	     the desk closed (issuer.ErrClosed), a signing key locked (*issuer.KeyLockedError)
//	500  anything else, logged; the client is told no more
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		bad         *badRequest
		unproc      *unprocessable
		forbid      *forbidden
		badRef      *issuer.RefError
		badRecord   *issuer.BadRecordError
		otherIssuer *issuer.OtherIssuerError
		invalid     *schemas.ValidationError
		notAccr     *issuer.NotAccreditedError
		locked      *issuer.KeyLockedError
		refused     *network.ContractError
		tooLarge    *http.MaxBytesError
		already     *issuer.AlreadyIssuedError
	)
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit))
	case errors.As(err, &bad), errors.As(err, &badRef):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.As(err, &invalid):
		body := errorBody{Error: "the record is not a valid " + invalid.CredentialType + ": " + invalid.Error()}
		for _, v := range invalid.Violations {
			body.Violations = append(body.Violations, violationBody{Field: v.Field, Rule: v.Rule, Message: v.Message})
		}
		writeJSON(w, http.StatusUnprocessableEntity, body)
	case errors.As(err, &unproc), errors.As(err, &badRecord):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case errors.As(err, &otherIssuer) && otherIssuer.Batch == "":
		writeError(w, http.StatusForbidden, fmt.Sprintf("this credential was anchored by issuer %s: a token of %s cannot change its status", otherIssuer.Owner, otherIssuer.IssuerID))
	case errors.As(err, &forbid), errors.As(err, &notAccr), errors.As(err, &otherIssuer):
		writeError(w, http.StatusForbidden, err.Error())
	case errors.Is(err, network.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.As(err, &already):
		writeJSON(w, http.StatusConflict, alreadyIssuedBody{Error: err.Error(), Credential: already.ID})
	case errors.Is(err, network.ErrUnavailable):
		a.logger.Warn("ledger unavailable", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, "the ledger is unavailable: try again later")
	case errors.Is(err, issuer.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
	case errors.As(err, &refused):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case errors.As(err, &locked):
		a.logger.Error("signing key locked", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("the server cannot unlock issuer %s's signing key: start it with %s set", locked.IssuerID, org.PassphraseEnv))
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
