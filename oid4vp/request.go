package oid4vp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Protocol constants.
const (
	// Scheme is the URI scheme of an authorization request a wallet opens.
	Scheme = "openid4vp"
	// ResponseTypeVPToken is the only response_type of OpenID4VP.
	ResponseTypeVPToken = "vp_token"
	// ResponseModeDirectPost: the wallet posts the response, form-encoded,
	// to response_uri.
	ResponseModeDirectPost = "direct_post"
	// FormatSDJWTVC is the DCQL format of an SD-JWT VC.
	FormatSDJWTVC = "dc+sd-jwt"
	// RequestObjectType is the typ of a request object (RFC 9101).
	RequestObjectType = "oauth-authz-req+jwt"
	// PrefixRedirectURI is the client identifier prefix whose identifier
	// is the URI the response goes to; the request is not signed.
	PrefixRedirectURI = "redirect_uri"
	// PrefixX509SanDNS is the client identifier prefix whose identifier is
	// a DNS name of the certificate that signs the request object (x5c),
	// and the host of the response URI.
	PrefixX509SanDNS = "x509_san_dns"
)

// Size limits of what the parsers read.
const (
	// MaxURI bounds an authorization request URI (a request by value
	// carries its DCQL query in it).
	MaxURI = 16 << 10
	// MaxRequestObject bounds a request object fetched from request_uri.
	MaxRequestObject = 64 << 10
	// MaxVPToken bounds a vp_token: a few SD-JWT presentations.
	MaxVPToken = 512 << 10
	// maxQueries bounds the credential queries of a DCQL query, and
	// maxClaims the claims queries of one credential query.
	maxQueries = 16
	maxClaims  = 64
)

// Request is an OpenID4VP authorization request: the parameters of a
// request by value, or the payload of a request object.
type Request struct {
	ResponseType string `json:"response_type"`
	// ClientID is the verifier's client identifier, with its prefix:
	// "redirect_uri:https://verifier.example/…/response".
	ClientID     string `json:"client_id"`
	ResponseMode string `json:"response_mode"`
	// ResponseURI is where the wallet posts its response.
	ResponseURI string `json:"response_uri"`
	// Nonce is what the presentation's key-binding JWT must carry.
	Nonce string `json:"nonce"`
	// State, if set, comes back with the response.
	State string `json:"state,omitempty"`
	// DCQLQuery says which credentials and claims are asked for.
	DCQLQuery *DCQLQuery `json:"dcql_query"`
	// ClientMetadata says what the verifier accepts and, self-asserted,
	// its name.
	ClientMetadata *ClientMetadata `json:"client_metadata,omitempty"`
	// IssuedAt and ExpiresAt bound a request object's life (seconds since
	// the epoch); zero when absent.
	IssuedAt  int64 `json:"iat,omitempty"`
	ExpiresAt int64 `json:"exp,omitempty"`
}

// ClientMetadata is the verifier's metadata a request carries.
type ClientMetadata struct {
	// ClientName is the name the verifier gives itself: not verified
	// under the redirect_uri prefix.
	ClientName string `json:"client_name,omitempty"`
	// VPFormatsSupported names the formats and algorithms the verifier
	// accepts.
	VPFormatsSupported map[string]map[string]any `json:"vp_formats_supported,omitempty"`
}

// DCQLQuery is a Digital Credentials Query Language query (OpenID4VP 1.0
// §6).
type DCQLQuery struct {
	Credentials []CredentialQuery `json:"credentials"`
	// CredentialSets, if present, is kept as read: Sceau's wallet does not
	// honour alternatives between credentials and refuses such queries.
	CredentialSets json.RawMessage `json:"credential_sets,omitempty"`
}

// CredentialQuery asks for one credential.
type CredentialQuery struct {
	// ID names the query; the vp_token is keyed by it.
	ID     string `json:"id"`
	Format string `json:"format"`
	// Multiple allows several presentations for this query.
	Multiple bool  `json:"multiple,omitempty"`
	Meta     *Meta `json:"meta,omitempty"`
	// Claims are the claims asked for; none means the credential's
	// always-visible ones only.
	Claims []ClaimQuery `json:"claims,omitempty"`
	// ClaimSets, if set, lists alternative sets of claim ids: the first
	// the wallet can satisfy is disclosed.
	ClaimSets [][]string `json:"claim_sets,omitempty"`
	// RequireCryptographicHolderBinding defaults to true: the
	// presentation must carry a key-binding JWT.
	RequireCryptographicHolderBinding *bool `json:"require_cryptographic_holder_binding,omitempty"`
}

// Meta restricts the credentials that answer a query.
type Meta struct {
	// VCTValues are the SD-JWT VC types accepted.
	VCTValues []string `json:"vct_values,omitempty"`
}

// ClaimQuery asks for one claim, by its path in the credential.
type ClaimQuery struct {
	ID string `json:"id,omitempty"`
	// Path elements are strings (member names), null (every element of an
	// array) or non-negative integers (an array index).
	Path []any `json:"path"`
	// Values, if set, are the values the claim must have (one of).
	Values []any `json:"values,omitempty"`
}

// Name returns the claim a one-element path names (["mention"] →
// "mention"), or "" for a longer path.
func (c *ClaimQuery) Name() string {
	if len(c.Path) == 0 {
		return ""
	}
	name, _ := c.Path[0].(string)
	for _, p := range c.Path[1:] {
		if p != nil {
			return ""
		}
	}
	return name
}

// idPattern is what DCQL allows as a query or claim id.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ClientIDPrefix splits a client identifier into its prefix and the rest:
// "redirect_uri:https://x/y" → "redirect_uri", "https://x/y". An identifier
// without a known prefix is pre-registered: its prefix is "".
func ClientIDPrefix(clientID string) (prefix, identifier string) {
	p, rest, ok := strings.Cut(clientID, ":")
	switch p {
	case PrefixRedirectURI, PrefixX509SanDNS, "x509_hash", "decentralized_identifier", "verifier_attestation", "openid_federation", "origin":
		if ok {
			return p, rest
		}
	}
	return "", clientID
}

// Validate checks what Sceau requires of a request: the response type and
// mode it supports, a response_uri that is an absolute http(s) URL, the
// redirect_uri prefix naming that URL, a nonce, and a well-formed DCQL
// query.
func (r *Request) Validate() error {
	if r.ResponseType != ResponseTypeVPToken {
		return fmt.Errorf("response_type %q: want %q", r.ResponseType, ResponseTypeVPToken)
	}
	if r.ResponseMode != ResponseModeDirectPost {
		return fmt.Errorf("response_mode %q: only %q is supported", r.ResponseMode, ResponseModeDirectPost)
	}
	if err := checkHTTPURL("response_uri", r.ResponseURI); err != nil {
		return err
	}
	prefix, identifier := ClientIDPrefix(r.ClientID)
	switch {
	case r.ClientID == "":
		return errors.New("no client_id")
	case prefix == PrefixRedirectURI:
		if identifier != r.ResponseURI {
			return fmt.Errorf("client_id %q does not name the response_uri %q, as the %s prefix requires", r.ClientID, r.ResponseURI, PrefixRedirectURI)
		}
	case prefix == PrefixX509SanDNS:
		if u, _ := url.Parse(r.ResponseURI); u.Hostname() != identifier {
			return fmt.Errorf("client_id %q does not name the host of the response_uri %q, as the %s prefix requires", r.ClientID, r.ResponseURI, PrefixX509SanDNS)
		}
	default:
		return fmt.Errorf("client_id %q: only the %q and %q client identifier prefixes are supported", r.ClientID, PrefixRedirectURI, PrefixX509SanDNS)
	}
	if r.Nonce == "" || len(r.Nonce) > 256 {
		return errors.New("the nonce is missing or longer than 256 characters")
	}
	if r.DCQLQuery == nil {
		return errors.New("no dcql_query: Sceau answers DCQL queries only")
	}
	return r.DCQLQuery.Validate()
}

// checkHTTPURL checks an absolute http or https URL.
func checkHTTPURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%s %q: want an absolute http(s) URL", name, raw)
	}
	return nil
}

// Validate checks a DCQL query: one to 16 credential queries with unique
// ids, each with a format, claims with valid paths and unique ids, and
// claim_sets naming claims of the query.
func (q *DCQLQuery) Validate() error {
	if len(q.Credentials) == 0 || len(q.Credentials) > maxQueries {
		return fmt.Errorf("dcql_query: %d credential queries, want 1 to %d", len(q.Credentials), maxQueries)
	}
	seen := map[string]bool{}
	for i := range q.Credentials {
		c := &q.Credentials[i]
		if !idPattern.MatchString(c.ID) {
			return fmt.Errorf("dcql_query: credential query id %q: want 1 to 64 letters, digits, _ or -", c.ID)
		}
		if seen[c.ID] {
			return fmt.Errorf("dcql_query: credential query id %q is used twice", c.ID)
		}
		seen[c.ID] = true
		if c.Format == "" {
			return fmt.Errorf("dcql_query: credential query %q has no format", c.ID)
		}
		if len(c.Claims) > maxClaims {
			return fmt.Errorf("dcql_query: credential query %q asks for %d claims, at most %d", c.ID, len(c.Claims), maxClaims)
		}
		claimIDs := map[string]bool{}
		for _, cl := range c.Claims {
			if err := checkPath(cl.Path); err != nil {
				return fmt.Errorf("dcql_query: credential query %q: %w", c.ID, err)
			}
			if cl.ID != "" {
				if !idPattern.MatchString(cl.ID) || claimIDs[cl.ID] {
					return fmt.Errorf("dcql_query: credential query %q: claim id %q is malformed or used twice", c.ID, cl.ID)
				}
				claimIDs[cl.ID] = true
			}
		}
		for _, set := range c.ClaimSets {
			if len(set) == 0 {
				return fmt.Errorf("dcql_query: credential query %q has an empty claim set", c.ID)
			}
			for _, id := range set {
				if !claimIDs[id] {
					return fmt.Errorf("dcql_query: credential query %q: claim set names claim %q, which it does not ask for", c.ID, id)
				}
			}
		}
	}
	return nil
}

// checkPath checks a claims path: 1 to 16 elements, each a string, null or
// a non-negative integer, the first a string.
func checkPath(path []any) error {
	if len(path) == 0 || len(path) > 16 {
		return fmt.Errorf("claims path %v: want 1 to 16 elements", path)
	}
	if _, ok := path[0].(string); !ok {
		return fmt.Errorf("claims path %v: its first element must be a claim name", path)
	}
	for _, p := range path {
		switch p := p.(type) {
		case string, nil:
		case float64:
			if p < 0 || p != float64(int64(p)) {
				return fmt.Errorf("claims path %v: %v is not an array index", path, p)
			}
		case json.Number:
			if n, err := p.Int64(); err != nil || n < 0 {
				return fmt.Errorf("claims path %v: %v is not an array index", path, p)
			}
		default:
			return fmt.Errorf("claims path %v: element %v is neither a name, null nor an index", path, p)
		}
	}
	return nil
}

// EncodeUnsigned returns r as an unsigned request object: a JWT with the
// header {"alg":"none","typ":"oauth-authz-req+jwt"} and no signature, as
// the redirect_uri prefix requires. r must be valid.
func EncodeUnsigned(r *Request) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("request object: %w", err)
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	header := `{"alg":"none","typ":"` + RequestObjectType + `"}`
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(payload) + ".", nil
}

// ParseRequestObject reads a request object with ReadRequestObject,
// trusting the system's certificate authorities.
func ParseRequestObject(jwt string) (*Request, error) {
	return ReadRequestObject(jwt, ReadOptions{})
}

// decodePart decodes a base64url JWT part holding a JSON object.
func decodePart(part string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return fmt.Errorf("not base64url: %w", err)
	}
	return decodeJSON(raw, v)
}

// decodeJSON decodes one JSON value, refusing trailing data.
func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not the JSON expected: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON")
	}
	return nil
}

// AuthorizationURI is an openid4vp:// URI read: a request by reference
// (ClientID and RequestURI, fetched with RequestURIMethod) or by value
// (Request).
type AuthorizationURI struct {
	ClientID         string
	RequestURI       string
	RequestURIMethod string
	// Request is the request by value; nil for a request by reference.
	Request *Request
}

// URI returns the openid4vp:// URI of a request by reference: client_id
// and request_uri.
func URI(clientID, requestURI string) string {
	v := url.Values{}
	v.Set("client_id", clientID)
	v.Set("request_uri", requestURI)
	return Scheme + "://?" + v.Encode()
}

// ParseAuthorizationURI reads an authorization request URI (scheme
// openid4vp, or an https link carrying the same query). A request by
// reference needs client_id and an http(s) request_uri; a request by value
// must be a valid Request.
func ParseAuthorizationURI(raw string) (*AuthorizationURI, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxURI {
		return nil, fmt.Errorf("authorization request: %d bytes, more than the %d allowed", len(raw), MaxURI)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("authorization request: %w", err)
	}
	switch u.Scheme {
	case Scheme, "https", "http":
	default:
		return nil, fmt.Errorf("authorization request %q: want an %s:// URI", raw, Scheme)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("authorization request: its query: %w", err)
	}
	for name, values := range q {
		if len(values) > 1 {
			return nil, fmt.Errorf("authorization request: parameter %s is given %d times", name, len(values))
		}
	}
	a := &AuthorizationURI{ClientID: q.Get("client_id"), RequestURI: q.Get("request_uri"), RequestURIMethod: q.Get("request_uri_method")}
	if a.ClientID == "" {
		return nil, errors.New("authorization request: no client_id")
	}
	if q.Has("request") {
		return nil, errors.New("authorization request: a request object by value (request=) is not supported; use request_uri")
	}
	if a.RequestURI != "" {
		if err := checkHTTPURL("request_uri", a.RequestURI); err != nil {
			return nil, fmt.Errorf("authorization request: %w", err)
		}
		switch a.RequestURIMethod {
		case "", "get":
		default:
			return nil, fmt.Errorf("authorization request: request_uri_method %q is not supported (want get)", a.RequestURIMethod)
		}
		return a, nil
	}
	r := &Request{
		ResponseType: q.Get("response_type"), ClientID: a.ClientID, ResponseMode: q.Get("response_mode"),
		ResponseURI: q.Get("response_uri"), Nonce: q.Get("nonce"), State: q.Get("state"),
	}
	if s := q.Get("dcql_query"); s != "" {
		r.DCQLQuery = new(DCQLQuery)
		if err := decodeJSON([]byte(s), r.DCQLQuery); err != nil {
			return nil, fmt.Errorf("authorization request: dcql_query: %w", err)
		}
	}
	if s := q.Get("client_metadata"); s != "" {
		r.ClientMetadata = new(ClientMetadata)
		if err := decodeJSON([]byte(s), r.ClientMetadata); err != nil {
			return nil, fmt.Errorf("authorization request: client_metadata: %w", err)
		}
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("authorization request: %w", err)
	}
	if prefix, _ := ClientIDPrefix(r.ClientID); prefix != PrefixRedirectURI {
		return nil, fmt.Errorf("authorization request: a request of client %q must come signed, by reference (request_uri)", r.ClientID)
	}
	a.Request = r
	return a, nil
}

// CheckReference checks that a request fetched from a's request_uri is for
// the client a names.
func (a *AuthorizationURI) CheckReference(r *Request) error {
	if r.ClientID != a.ClientID {
		return fmt.Errorf("the request object is for client %q, the URI for %q", r.ClientID, a.ClientID)
	}
	return nil
}

// ParseVPToken reads a vp_token in DCQL form: a JSON object whose members
// are credential query ids, each an array of presentations (a single
// string, as drafts before 1.0 sent, is read as an array of one).
func ParseVPToken(s string) (map[string][]string, error) {
	if len(s) > MaxVPToken {
		return nil, fmt.Errorf("vp_token: %d bytes, more than the %d allowed", len(s), MaxVPToken)
	}
	var raw map[string]json.RawMessage
	if err := decodeJSON([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("vp_token: want a JSON object keyed by credential query id: %w", err)
	}
	if len(raw) == 0 || len(raw) > maxQueries {
		return nil, fmt.Errorf("vp_token: %d members, want 1 to %d", len(raw), maxQueries)
	}
	out := make(map[string][]string, len(raw))
	for id, v := range raw {
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			var one string
			if err := json.Unmarshal(v, &one); err != nil {
				return nil, fmt.Errorf("vp_token: %q: want an array of presentations", id)
			}
			list = []string{one}
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("vp_token: %q holds no presentation", id)
		}
		out[id] = list
	}
	return out, nil
}

// EncodeVPToken writes a vp_token in DCQL form.
func EncodeVPToken(token map[string][]string) (string, error) {
	data, err := json.Marshal(token)
	if err != nil {
		return "", err
	}
	return string(data), nil
}
