// Package presentation is an employer's presentation requests (OpenID4VP
// 1.0): which credential type and claims are asked for, the request object
// a wallet fetches, and the answer it posts, judged once.
//
// A request (Store.Create) gets a random id, a 128-bit nonce and a state,
// and expires after Config.TTL. Its client identifier is
// "redirect_uri:<response URI>" and its request object unsigned, or, with
// Config.Signer (the key and certificate of the server's TLS),
// "x509_san_dns:<public host>" and its request object signed with x5c;
// every URL of it is built on the deployment's public URL: the request object at <base>/v1/presentation-requests/
// <id>/request, the response URI at …/<id>/response. Its DCQL query asks for
// one SD-JWT VC (format dc+sd-jwt) of the type's vct (under the public URL,
// or the default base) and, as claims paths, the claims requested.
//
// The answer (Store.Answer) is used once: the first response to a pending
// request decides it, answered (the presentation is valid, of the type
// asked for, disclosing every claim asked for, bound to the holder by a
// key-binding JWT over the request's nonce with the client identifier as
// audience) or refused (anything else, with the verdict or the reason); a
// response after that, a replay, or one to an expired request is refused
// and changes nothing. The verdict is the verifier's
// (verifier.VerifyDecoded with the request's nonce and audience): its
// holder-binding check is the one every presentation passes.
//
// Requests are kept in memory, bounded (Config.Max), and forgotten
// Config.Keep after they are decided or expire, or as soon as room is
// needed for a new one: a flood of requests blocks new ones for Config.TTL
// at most.
//
// It imports verifier (verdicts), credential (Decode, the vct of a type
// and its claim names), oid4vp (the protocol's vocabulary) and schemas;
// nothing of HTTP: verifier/verifierapi serves it.
package presentation

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/verifier"
)

// Defaults of Config.
const (
	// DefaultTTL is how long a request can be answered.
	DefaultTTL = 5 * time.Minute
	// DefaultKeep is how long a request is remembered once decided or
	// expired.
	DefaultKeep = time.Hour
	// DefaultMax bounds the requests remembered at once.
	DefaultMax = 10_000
)

// State is where a request stands.
type State string

// States.
const (
	// Pending: waiting for the wallet's answer.
	Pending State = "pending"
	// Answered: a valid presentation answered it.
	Answered State = "answered"
	// Expired: nothing answered it in time.
	Expired State = "expired"
	// Refused: the answer was not a valid presentation for it.
	Refused State = "refused"
)

// Errors of the store.
var (
	// ErrNotFound: no such request (or it was forgotten).
	ErrNotFound = errors.New("no such presentation request (it may have been forgotten an hour after it ended)")
	// ErrTooMany: the store is full of requests still remembered.
	ErrTooMany = errors.New("too many presentation requests at once: try again later")
)

// InputError is a request the employer made wrongly: the type or a claim
// does not exist.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// Verifier judges a decoded input against a presentation request: a
// *verifier.Verifier's VerifyDecoded.
type Verifier interface {
	VerifyDecoded(ctx context.Context, decoded *credential.Decoded, decodeErr error, req verifier.PresentationRequest) *verifier.Result
}

// Config configures a Store.
type Config struct {
	// BaseURL is the deployment's public URL, without trailing slash:
	// every URL of a request is built on it. Required.
	BaseURL string
	// Verifier judges presentations. Required.
	Verifier Verifier
	// Signer, if set, signs request objects: the client identifier is then
	// "x509_san_dns:<host of BaseURL>", which Signer's certificate must
	// name. Nil: unsigned requests of the redirect_uri prefix.
	Signer *oid4vp.RequestSigner
	// ClientName is the name requests give the verifier (client_metadata;
	// wallets show it as self-asserted).
	ClientName string
	// TTL, Keep and Max: DefaultTTL, DefaultKeep and DefaultMax when zero.
	TTL, Keep time.Duration
	Max       int
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Store holds presentation requests. It is safe for concurrent use.
type Store struct {
	cfg Config

	mu       sync.Mutex
	requests map[string]*request
}

// request is one presentation request.
type request struct {
	id, nonce, state string
	credType, vct    string
	claims           []string
	object           *oid4vp.Request
	created, expires time.Time
	// answering is set while an answer is being judged: a second answer
	// meanwhile is a replay.
	answering bool
	decided   State
	decidedAt time.Time
	result    *verifier.Result
	refusal   *Refusal
}

// NewStore returns an empty store.
func NewStore(cfg Config) (*Store, error) {
	if cfg.BaseURL == "" || cfg.Verifier == nil {
		return nil, errors.New("presentation requests: BaseURL and Verifier are required")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Signer != nil {
		if err := cfg.Signer.CheckHost(oid4vp.HostOf(cfg.BaseURL)); err != nil {
			return nil, fmt.Errorf("presentation requests on %s: %w", cfg.BaseURL, err)
		}
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultMax
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{cfg: cfg, requests: map[string]*request{}}, nil
}

// Status is a request as GET /v1/presentation-requests/{id} shows it.
type Status struct {
	ID    string `json:"id"`
	State State  `json:"state"`
	// Type and Claims are what was asked for.
	Type   string   `json:"type"`
	Claims []string `json:"claims"`
	// URI is the openid4vp:// request for the wallet; RequestURI where its
	// request object is; ClientID who asks.
	URI        string `json:"uri"`
	RequestURI string `json:"request_uri"`
	ClientID   string `json:"client_id"`
	CreatedAt  string `json:"created_at"`
	ExpiresAt  string `json:"expires_at"`
	DecidedAt  string `json:"decided_at,omitempty"`
	// Verdict is the verifier's verdict on the answer: once answered, the
	// credential with only the claims disclosed.
	Verdict *verifier.Result `json:"verdict,omitempty"`
	// Refusal says why an answer was refused, when the verdict alone does
	// not (a credential of another type, a claim not disclosed, a
	// malformed response).
	Refusal *Refusal `json:"refusal,omitempty"`
}

// In returns the status with its texts in lang.
func (s *Status) In(lang verifier.Language) *Status {
	out := *s
	if s.Verdict != nil {
		out.Verdict = s.Verdict.In(lang)
	}
	if s.Refusal != nil {
		r := s.Refusal.In(lang)
		out.Refusal = &r
	}
	return &out
}

// vctValues are the vct a request for credType accepts: the type's under
// the deployment's base URL, where the credentials it issues name their
// type, and under credential.DefaultBase, that of credentials issued
// without a public URL. A credential's vct names its deployment, and a
// wallet answers only with a credential whose vct is one of these; the
// answer is judged on the type, whatever the base.
func vctValues(base, credType string) []string {
	var out []string
	for _, b := range []string{base, credential.DefaultBase} {
		if v, err := credential.VCTOf(b, credType); err == nil && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// URLs of request id.
func (s *Store) requestURI(id string) string {
	return s.cfg.BaseURL + "/v1/presentation-requests/" + id + "/request"
}
func (s *Store) responseURI(id string) string {
	return s.cfg.BaseURL + "/v1/presentation-requests/" + id + "/response"
}

// clientID is the client identifier of request id: x509_san_dns and the
// public host when requests are signed, else redirect_uri and the
// response URI.
func (s *Store) clientID(id string) string {
	if s.cfg.Signer != nil {
		return oid4vp.PrefixX509SanDNS + ":" + oid4vp.HostOf(s.cfg.BaseURL)
	}
	return oid4vp.PrefixRedirectURI + ":" + s.responseURI(id)
}

// randomToken returns 128 random bits, base64url.
func randomToken() (string, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("presentation request: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// claimAliases are other names accepted for a claim: the diploma CSV
// column of the specialities.
var claimAliases = map[string]string{"speciality": "specialities"}

// Create makes a request for a credential of type credType (Diploma,
// PixCertification) disclosing claims (SD-JWT claim names, as `sceau
// wallet present --disclose` takes them). An unknown type or claim is an
// *InputError naming what exists.
func (s *Store) Create(credType string, claims []string) (*Status, error) {
	vct, err := credential.VCTOf(s.cfg.BaseURL, credType)
	if err != nil {
		return nil, &InputError{msg: fmt.Sprintf("type %q: want Diploma or PixCertification", credType)}
	}
	visible, disclosable, err := credential.SDJWTClaimNames(credType)
	if err != nil {
		return nil, &InputError{msg: err.Error()}
	}
	var asked []string
	for _, c := range claims {
		c = strings.TrimSpace(c)
		if alias, ok := claimAliases[c]; ok {
			c = alias
		}
		if !slices.Contains(visible, c) && !slices.Contains(disclosable, c) {
			return nil, &InputError{msg: fmt.Sprintf("claim %q: a %s has %s", c, credType, strings.Join(append(slices.Clone(visible), disclosable...), ", "))}
		}
		if !slices.Contains(asked, c) {
			asked = append(asked, c)
		}
	}
	id, err := randomToken()
	if err != nil {
		return nil, err
	}
	nonce, err := randomToken()
	if err != nil {
		return nil, err
	}
	state, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	r := &request{id: id, nonce: nonce, state: state, credType: credType, vct: vct, claims: asked,
		created: now, expires: now.Add(s.cfg.TTL)}
	query := oid4vp.CredentialQuery{ID: queryID(credType), Format: oid4vp.FormatSDJWTVC, Meta: &oid4vp.Meta{VCTValues: vctValues(s.cfg.BaseURL, credType)}}
	for _, c := range asked {
		query.Claims = append(query.Claims, oid4vp.ClaimQuery{Path: []any{c}})
	}
	algs := []string{string(credential.ES256), string(credential.EdDSA)}
	r.object = &oid4vp.Request{
		ResponseType: oid4vp.ResponseTypeVPToken, ResponseMode: oid4vp.ResponseModeDirectPost,
		ClientID: s.clientID(id), ResponseURI: s.responseURI(id),
		Nonce: nonce, State: state,
		DCQLQuery: &oid4vp.DCQLQuery{Credentials: []oid4vp.CredentialQuery{query}},
		ClientMetadata: &oid4vp.ClientMetadata{ClientName: s.cfg.ClientName, VPFormatsSupported: map[string]map[string]any{
			oid4vp.FormatSDJWTVC: {"sd-jwt_alg_values": algs, "kb-jwt_alg_values": algs},
		}},
		IssuedAt: now.Unix(), ExpiresAt: r.expires.Unix(),
	}
	if err := r.object.Validate(); err != nil {
		return nil, fmt.Errorf("presentation request: %w (is the public URL right?)", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= s.cfg.Max {
		s.sweep(now)
		if len(s.requests) >= s.cfg.Max {
			return nil, ErrTooMany
		}
	}
	s.requests[id] = r
	return s.status(r, now), nil
}

// queryID is the DCQL credential query id of a type: "diploma",
// "pixcertification".
func queryID(credType string) string { return strings.ToLower(credType) }

// sweep forgets requests decided or expired more than Keep ago; if the
// store is still full, it forgets every request that has ended, however
// recently: a flood of requests then blocks new ones for TTL at most. The
// caller holds s.mu.
func (s *Store) sweep(now time.Time) {
	ended := func(r *request) (time.Time, bool) {
		switch {
		case r.decided != "":
			return r.decidedAt, true
		case r.current(now) == Expired:
			return r.expires, true
		}
		return time.Time{}, false
	}
	for id, r := range s.requests {
		if end, ok := ended(r); ok && now.Sub(end) > s.cfg.Keep {
			delete(s.requests, id)
		}
	}
	if len(s.requests) < s.cfg.Max {
		return
	}
	for id, r := range s.requests {
		if _, ok := ended(r); ok {
			delete(s.requests, id)
		}
	}
}

// current returns the state of r at now. The caller holds s.mu.
func (r *request) current(now time.Time) State {
	switch {
	case r.decided != "":
		return r.decided
	case !now.Before(r.expires) && !r.answering:
		return Expired
	}
	return Pending
}

// status shows r at now. The caller holds s.mu.
func (s *Store) status(r *request, now time.Time) *Status {
	st := &Status{
		ID: r.id, State: r.current(now), Type: r.credType, Claims: slices.Clone(r.claims),
		URI: oid4vp.URI(r.object.ClientID, s.requestURI(r.id)), RequestURI: s.requestURI(r.id), ClientID: r.object.ClientID,
		CreatedAt: r.created.UTC().Format(time.RFC3339), ExpiresAt: r.expires.UTC().Format(time.RFC3339),
		Verdict: r.result, Refusal: r.refusal,
	}
	if st.Claims == nil {
		st.Claims = []string{}
	}
	if r.decided != "" {
		st.DecidedAt = r.decidedAt.UTC().Format(time.RFC3339)
	}
	return st
}

// Status returns request id as it stands.
func (s *Store) Status(id string) (*Status, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return nil, ErrNotFound
	}
	return s.status(r, now), nil
}

// RequestObject returns the request object of request id, an unsigned JWT,
// while it can be answered; after that, a *Refusal (expired, or already
// answered).
func (s *Store) RequestObject(id string) (string, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	r, ok := s.requests[id]
	var state State
	if ok {
		state = r.current(now)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		return "", ErrNotFound
	case state == Expired:
		return "", refuse(codeExpired)
	case state != Pending:
		return "", refuse(codeAlreadyAnswered)
	}
	if s.cfg.Signer != nil {
		return oid4vp.Sign(r.object, s.cfg.Signer)
	}
	return oid4vp.EncodeUnsigned(r.object)
}
