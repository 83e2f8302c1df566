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

// vcAPIResponse is the verdict as the VC API endpoints answer it: the same
// fields as POST /v1/verify, and the spec's verified, errors and warnings.
type vcAPIResponse struct {
	Verified bool `json:"verified"`
	*verifier.Result
	// Errors are the reasons of the checks that failed.
	Errors []string `json:"errors"`
	// Warnings are the reasons of the checks that could not run.
	Warnings []string `json:"warnings"`
}

func newVCAPIResponse(res *verifier.Result) vcAPIResponse {
	out := vcAPIResponse{Verified: res.Verdict == verifier.Valid, Result: res, Errors: []string{}, Warnings: []string{}}
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

// vcAPIVerify answers 200 when the credential or presentation in member
// is valid, 422 when it is not (or could not be confirmed), 400 when the
// request is malformed; the body carries the verdict either way.
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
	status := http.StatusOK
	if res.Verdict != verifier.Valid {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, newVCAPIResponse(res.In(apiLanguage(w, r))))
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
