package issuerapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
)

// The W3C VC API issuing endpoint, POST /credentials/issue: the body is
// {"credential": {…}, "options": {…}}, the credential a VC Data Model 2.0
// document without proof; the answer (201) is {"verifiableCredential": …},
// the credential secured as a vc+jwt in an EnvelopedVerifiableCredential.
// Sceau assigns the credential's id, validFrom, validUntil and
// credentialSchema (those members, when sent, are ignored); its issuer, when
// sent, must be the token's issuer (urn:sceau:issuer:<id>). The credential
// is also secured in Sceau's other forms and anchored like any other; its
// bundle is at GET /v1/credentials/{id}. Malformed requests get 400, a
// credentialSubject that breaks its type's schema 422.

// vcAPIAssigned are credential members Sceau sets itself.
var vcAPIAssigned = []string{"id", "validFrom", "validUntil", "credentialSchema"}

// envelopedType is the type of a credential secured by an enveloping proof.
const envelopedType = "EnvelopedVerifiableCredential"

// vcAPIResponse is the answer of POST /credentials/issue.
type vcAPIResponse struct {
	VerifiableCredential envelopedCredential `json:"verifiableCredential"`
}

type envelopedCredential struct {
	Context []string `json:"@context"`
	Type    string   `json:"type"`
	ID      string   `json:"id"`
}

func (a *API) vcIssue(w http.ResponseWriter, r *http.Request, issuerID string) {
	var body struct {
		Credential json.RawMessage `json:"credential"`
		Options    json.RawMessage `json:"options,omitempty"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	if opts := strings.TrimSpace(string(body.Options)); opts != "" && opts != "null" && !strings.HasPrefix(opts, "{") {
		writeError(w, http.StatusBadRequest, "options must be a JSON object")
		return
	}
	credType, issuer, subject, err := parseVCAPICredential(body.Credential)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if issuer != "" {
		id, err := credential.ParseIssuerURI(issuer)
		if err != nil {
			writeError(w, http.StatusBadRequest, "credential.issuer: "+err.Error())
			return
		}
		if err := otherIssuer(issuerID, id); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	rec, err := a.validator.Decode(credType, subject)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	b, err := a.issueOne(r, issuerID, rec, "", false, "/credentials/issue")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/credentials/"+strings.TrimPrefix(b.ID, "urn:uuid:"))
	writeJSON(w, http.StatusCreated, vcAPIResponse{VerifiableCredential: envelopedCredential{
		Context: []string{credential.ContextV2},
		Type:    envelopedType,
		ID:      "data:application/" + credential.JWTType + "," + b.VCJWT,
	}})
}

// parseVCAPICredential checks the shape of a VC API credential and returns
// its Sceau type, its issuer URI (or "") and its credentialSubject.
func parseVCAPICredential(raw json.RawMessage) (credType, issuer string, subject json.RawMessage, err error) {
	bad := func(format string, args ...any) (string, string, json.RawMessage, error) {
		return "", "", nil, &badRequest{msg: "credential" + fmt.Sprintf(format, args...)}
	}
	var members map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &members) != nil || members == nil {
		return bad(" is required: a verifiable credential as a JSON object")
	}
	var contexts []string
	if json.Unmarshal(members["@context"], &contexts) != nil || len(contexts) == 0 || contexts[0] != credential.ContextV2 {
		return bad(`["@context"] must be an array of URLs starting with %q`, credential.ContextV2)
	}
	var types []string
	if err := json.Unmarshal(members["type"], &types); err != nil {
		var one string
		if json.Unmarshal(members["type"], &one) != nil {
			return bad(`.type must be an array of type names`)
		}
		types = []string{one}
	}
	for _, t := range types {
		switch {
		case t == credential.TypeVerifiableCredential:
		case record.IsCredentialType(t):
			if credType != "" {
				return bad(".type lists %q and %q: a credential has one type", credType, t)
			}
			credType = t
		default:
			return bad(".type: %q is not a type Sceau issues (want VerifiableCredential and one of %s)", t, record.Join(record.CredentialTypes(), ", "))
		}
	}
	if credType == "" || !slices.Contains(types, credential.TypeVerifiableCredential) {
		return bad(".type must hold VerifiableCredential and one of %s", record.Join(record.CredentialTypes(), ", "))
	}
	if iss, ok := members["issuer"]; ok {
		var obj struct {
			ID string `json:"id"`
		}
		switch {
		case json.Unmarshal(iss, &issuer) == nil:
		case json.Unmarshal(iss, &obj) == nil && obj.ID != "":
			issuer = obj.ID
		default:
			return bad(".issuer must be the issuer's URI, or an object with its id")
		}
	}
	subject = members["credentialSubject"]
	if trimmed := strings.TrimSpace(string(subject)); !strings.HasPrefix(trimmed, "{") {
		return bad(".credentialSubject must be a JSON object (one subject)")
	}
	for name := range members {
		switch {
		case name == "@context", name == "type", name == "issuer", name == "credentialSubject":
		case slices.Contains(vcAPIAssigned, name):
		default:
			return bad(".%s is not supported by Sceau (its credentials carry @context, type, issuer, credentialSubject; it assigns %s)", name, strings.Join(vcAPIAssigned, ", "))
		}
	}
	return credType, issuer, subject, nil
}
