package verifierapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sceau/sceau/verifier"
)

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

// The VC API verify endpoints answer as the W3C VC API (VCALM) verifier
// specification, version 0.0.3-unstable, defines (verifier.yml,
// VerifyCredentialResult.yml, VerifyPresentationResult.yml,
// ProblemDetails.yml): 200 whenever the verification ran, whatever its
// outcome, with a VerificationResult; 400 when the request could not be
// verified at all (malformed); 413 when it is too large. A verdict that is
// not valid gives its problems as ProblemDetails: first the verdict's own
// (its reason code as title, its summary as detail, in the request's
// language), then one per check that failed or could not run.

// vcAPIResult is a VC API VerificationResult: verified, the input
// ("credential" or "verifiablePresentation"), problemDetails and results,
// and nothing else (the specification's result has additionalProperties
// false).
type vcAPIResult struct {
	Verified               bool            `json:"verified"`
	Credential             json.RawMessage `json:"credential,omitempty"`
	VerifiablePresentation json.RawMessage `json:"verifiablePresentation,omitempty"`
	ProblemDetails         []problemDetail `json:"problemDetails"`
	Results                vcAPIResults    `json:"results"`
}

// problemDetail is a VC API ProblemDetails object.
type problemDetail struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// vcAPIResults are the verbose results, by property of the credential.
type vcAPIResults struct {
	Proof            []checkResult `json:"proof"`
	CredentialStatus []checkResult `json:"credentialStatus,omitempty"`
	CredentialSchema []checkResult `json:"credentialSchema,omitempty"`
	ValidFrom        *checkResult  `json:"validFrom,omitempty"`
}

// checkResult is the result of one property's check: verified, and for a
// status its value (0 valid, 1 revoked, 2 suspended, as in the IETF list).
type checkResult struct {
	Verified bool `json:"verified"`
	Value    *int `json:"value,omitempty"`
}

// problemTypes are the VC Data Model 2.0 error types (section 7.1) that
// Sceau's reasons are; the others are Sceau's own.
var problemTypes = map[verifier.Reason]string{
	verifier.ReasonUnreadable:    "PARSING_ERROR",
	verifier.ReasonAltered:       "CRYPTOGRAPHIC_SECURITY_ERROR",
	verifier.ReasonNonconforming: "MALFORMED_VALUE_ERROR",
	verifier.ReasonExpired:       "RANGE_ERROR",
	verifier.ReasonNotYetValid:   "RANGE_ERROR",
}

// problemType returns the URL of the problem type of reason.
func problemType(reason verifier.Reason) string {
	if t, ok := problemTypes[reason]; ok {
		return "https://www.w3.org/TR/vc-data-model#" + t
	}
	return "urn:sceau:problem:" + string(reason)
}

// newVCAPIResult renders res, a verdict on input given as member, as a VC
// API VerificationResult.
func newVCAPIResult(res *verifier.Result, member string, input json.RawMessage) vcAPIResult {
	out := vcAPIResult{Verified: res.Verdict == verifier.Valid, ProblemDetails: []problemDetail{}, Results: vcAPIResults{Proof: []checkResult{}}}
	if member == "verifiablePresentation" {
		out.VerifiablePresentation = input
	} else {
		out.Credential = input
	}
	if res.Verdict != verifier.Valid {
		out.ProblemDetails = append(out.ProblemDetails, problemDetail{Type: problemType(res.Reason), Title: string(res.Reason), Detail: res.Summary})
	}
	for _, c := range res.Checks {
		if !c.OK {
			title := c.Name + " failed"
			if c.Skipped {
				title = c.Name + " not checked"
			}
			out.ProblemDetails = append(out.ProblemDetails, problemDetail{Type: "urn:sceau:check:" + c.Name, Title: title, Detail: c.Reason})
		}
		ok := checkResult{Verified: c.OK}
		switch c.Name {
		case verifier.CheckSignature:
			out.Results.Proof = append(out.Results.Proof, ok)
		case verifier.CheckStatus:
			v := 0
			switch res.Reason {
			case verifier.ReasonRevoked:
				v = 1
			case verifier.ReasonSuspended:
				v = 2
			}
			if c.OK || v != 0 {
				ok.Value = &v
			}
			out.Results.CredentialStatus = append(out.Results.CredentialStatus, ok)
		case verifier.CheckSchema:
			out.Results.CredentialSchema = append(out.Results.CredentialSchema, ok)
		case verifier.CheckValidity:
			out.Results.ValidFrom = &ok
		}
	}
	return out
}

// credentialsVerify is POST /credentials/verify.
func (a *API) credentialsVerify(w http.ResponseWriter, r *http.Request) {
	a.vcAPIVerify(w, r, "/credentials/verify", "verifiableCredential")
}

// presentationsVerify is POST /presentations/verify: the presentation
// must carry a key-binding JWT answering one of the service's challenges
// (options.challenge, when given, names which) for options.domain, or the
// service's audience.
func (a *API) presentationsVerify(w http.ResponseWriter, r *http.Request) {
	a.vcAPIVerify(w, r, "/presentations/verify", "verifiablePresentation")
}

// vcAPIVerify answers 200 with a VerificationResult once the credential or
// presentation in member was verified, valid or not; 400 when the request
// is malformed.
func (a *API) vcAPIVerify(w http.ResponseWriter, r *http.Request, route, member string) {
	release, err := a.admitBody(r, MaxJSONBody)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	defer release()
	req, err := readVCAPIRequest(w, r, member)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var asked *verifier.PresentationRequest
	if member == "verifiablePresentation" || req.challenge != "" || req.domain != "" {
		pr := a.presentationRequest(req.challenge, req.domain)
		asked = &pr
	}
	res, err := a.verify(r.Context(), route, req.input, asked)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newVCAPIResult(res.In(apiLanguage(w, r)), member, req.raw))
}

// vcAPISubmission is what a VC API request submits.
type vcAPISubmission struct {
	input             []byte
	challenge, domain string
	// raw is the member as received (the whole body when it is a bare
	// string), which the result repeats.
	raw json.RawMessage
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
		return &vcAPISubmission{input: input, raw: body}, nil
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
	return &vcAPISubmission{input: input, challenge: req.Options.Challenge, domain: req.Options.Domain, raw: raw}, nil
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
