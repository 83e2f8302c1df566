package issuerapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/schemas"
)

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
	// Reissue replaces the credential the issuer's register holds for the
	// same student and award (revoked as superseded) instead of refusing.
	Reissue bool `json:"reissue,omitempty"`
}

func (a *API) postCredential(w http.ResponseWriter, r *http.Request, issuerID string) {
	var req credentialRequest
	if err := decodeBody(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := otherIssuer(issuerID, req.Issuer); err != nil {
		a.fail(w, r, err)
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
	b, err := a.issueOne(r, issuerID, rec, holder, req.Reissue, "/v1/credentials")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/credentials/"+strings.TrimPrefix(b.ID, "urn:uuid:"))
	writeJSON(w, http.StatusCreated, b)
}

// issueOne issues rec with the desk, counting and logging it under route.
func (a *API) issueOne(r *http.Request, issuerID string, rec schemas.Record, holderJWK string, reissue bool, route string) (*credential.Bundle, error) {
	b, err := a.desk.IssueOne(r.Context(), issuerID, rec, holderJWK, reissue)
	if err != nil {
		return nil, err
	}
	a.metrics.issued(route, b.Type, 1)
	a.logger.Info("credential issued", "issuer", issuerID, "type", b.Type, "id", b.ID, "batch", b.Anchor.Batch, "route", route)
	return b, nil
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

func (a *API) getCredential(w http.ResponseWriter, r *http.Request, issuerID string) {
	u := issuer.CredentialUUID(chi.URLParam(r, "ref"))
	if u == "" {
		writeError(w, http.StatusBadRequest, "want a credential id: urn:uuid:… or the bare UUID")
		return
	}
	data, err := a.desk.KeptBundle(issuerID, u)
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

func (a *API) statusChange(op issuer.StatusOp) issuerHandler {
	return func(w http.ResponseWriter, r *http.Request, issuerID string) {
		reason, ok := a.statusReason(w, r, op)
		if !ok {
			return
		}
		changed, err := a.desk.ChangeCredentialStatus(r.Context(), issuerID, op, chi.URLParam(r, "ref"), reason)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.logger.Info("credential "+op.Past(), "issuer", issuerID, "digests", len(changed), "reason", reason)
		writeJSON(w, http.StatusOK, statusResponse{Status: op.Target(), Digests: changed})
	}
}

// statusReason reads the body of a status change and checks its reason:
// one of the reason codes, none for reinstate. It answers a bad request
// itself, returning false.
func (a *API) statusReason(w http.ResponseWriter, r *http.Request, op issuer.StatusOp) (record.ReasonCode, bool) {
	var req statusRequest
	if r.ContentLength != 0 {
		if err := decodeBody(w, r, &req); err != nil {
			a.fail(w, r, err)
			return "", false
		}
	}
	switch {
	case op == issuer.OpReinstate && req.Reason != "":
		writeError(w, http.StatusBadRequest, "reinstate takes no reason")
		return "", false
	case op != issuer.OpReinstate && record.ValidateReason(req.Reason) != nil:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("reason %q: want one of %s", req.Reason, record.Join(record.ReasonCodes(), ", ")))
		return "", false
	}
	return req.Reason, true
}

// studentStatusResponse answers a status change of a student's credentials.
type studentStatusResponse struct {
	Status record.CredentialStatus `json:"status"`
	// Credentials lists the credentials whose status changed (none when
	// none of the student's could change).
	Credentials []issuer.Changed `json:"credentials"`
}

func (a *API) studentStatusChange(op issuer.StatusOp) issuerHandler {
	return func(w http.ResponseWriter, r *http.Request, issuerID string) {
		reason, ok := a.statusReason(w, r, op)
		if !ok {
			return
		}
		changed, err := a.desk.ChangeStudentStatus(r.Context(), issuerID, op, chi.URLParam(r, "student"), reason)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.logger.Info("student's credentials "+op.Past(), "issuer", issuerID, "credentials", len(changed), "reason", reason)
		writeJSON(w, http.StatusOK, studentStatusResponse{Status: op.Target(), Credentials: changed})
	}
}
