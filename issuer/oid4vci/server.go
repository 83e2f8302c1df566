package oid4vci

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/issuer/register"
)

// Lifetimes and bounds of what the server keeps in memory.
const (
	// AccessTokenTTL is how long an access token can be used.
	AccessTokenTTL = 10 * time.Minute
	// NonceTTL is how long a c_nonce can be used.
	NonceTTL = 5 * time.Minute
	// MaxNonces bounds the c_nonces waiting to be used: beyond it, the
	// nonce endpoint refuses until some expire (a flood cannot grow memory).
	MaxNonces = 100_000
	// MaxTokens bounds the access tokens in force.
	MaxTokens = 100_000
	// purgeEvery is how often the registers' expired offers are erased.
	purgeEvery = time.Hour
)

// Error is an OpenID4VCI (or OAuth 2.0) error: its code, one of the
// spec's, and a description for people. It never says whether an offer
// exists.
type Error struct {
	Code        string
	Description string
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// The error codes of the token endpoint (RFC 6749 §5.2, OpenID4VCI §6.3)
// and of the credential endpoint (OpenID4VCI §8.3.1.2), and invalid_token
// (RFC 6750) for a missing or bad access token.
const (
	ErrInvalidRequest                 = "invalid_request"
	ErrInvalidGrant                   = "invalid_grant"
	ErrUnsupportedGrantType           = "unsupported_grant_type"
	ErrInvalidToken                   = "invalid_token"
	ErrInvalidCredentialRequest       = "invalid_credential_request"
	ErrUnknownCredentialConfiguration = "unknown_credential_configuration"
	ErrUnknownCredentialIdentifier    = "unknown_credential_identifier"
	ErrInvalidProof                   = "invalid_proof"
	ErrInvalidNonce                   = "invalid_nonce"
	ErrCredentialRequestDenied        = "credential_request_denied"
	ErrInvalidEncryptionParameters    = "invalid_encryption_parameters"
	// ErrServer and ErrUnavailable are server_error and
	// temporarily_unavailable (RFC 6749): nothing the wallet did wrong.
	ErrServer      = "server_error"
	ErrUnavailable = "temporarily_unavailable"
)

func protoErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// badGrant is the one answer to every pre-authorized code refused.
var badGrant = &Error{Code: ErrInvalidGrant, Description: "the pre-authorized code or the transaction code is not valid (wrong, already used, expired, or the offer is closed after too many wrong codes)"}

// Config configures a Server.
type Config struct {
	// Desk signs and anchors the bound credentials and holds the issuers'
	// registers. Required.
	Desk *issuer.Desk
	// CredentialIssuer is the public base URL (credential_issuer). Required.
	CredentialIssuer string
	// Logger reports pickups (never personal data). Nil: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Server is the OpenID4VCI Credential Issuer and its authorization
// server's token endpoint. Access tokens and c_nonces live in memory (a
// restart asks the wallet for a new nonce; a token lost with it leaves the
// offer redeemed: the exam office makes a new one). It is safe for
// concurrent use.
type Server struct {
	desk   *issuer.Desk
	url    string
	logger *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	tokens  map[[32]byte]*grant
	nonces  map[string]time.Time
	issuers map[string]bool // whose register holds offers this server saw
}

// grant is what an access token allows: credentials of one offer.
type grant struct {
	issuerID string
	code     string
	id       string
	typ      string
	expires  time.Time
	// busy holds the configurations being issued now.
	busy map[string]bool
}

// New returns the server cfg describes.
func New(cfg Config) (*Server, error) {
	if cfg.Desk == nil {
		return nil, errors.New("OpenID4VCI: a Desk is required")
	}
	u, err := parseIssuerURL(cfg.CredentialIssuer)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{desk: cfg.Desk, url: u, logger: cfg.Logger, now: cfg.Now,
		tokens: map[[32]byte]*grant{}, nonces: map[string]time.Time{}, issuers: map[string]bool{}}, nil
}

// CredentialIssuer returns the credential issuer identifier.
func (s *Server) CredentialIssuer() string { return s.url }

// MakeOffers makes offers of credentials issuerID issued — those of ids
// (urn:uuid:… or bare UUIDs), or every credential of batch when it is not
// empty — on the server's desk (the issuer API's offers), answered by this
// server.
func (s *Server) MakeOffers(ctx context.Context, issuerID string, ids []string, batch string, opts OfferOptions) ([]Offer, error) {
	reg, err := s.desk.Register(ctx, issuerID)
	if err != nil {
		return nil, err
	}
	var bundles []*credential.Bundle
	if batch != "" {
		bundles, err = s.desk.BatchBundles(issuerID, batch)
	} else {
		bundles, err = s.desk.Bundles(reg, issuerID, ids)
	}
	if err != nil {
		return nil, err
	}
	opts.CredentialIssuer = s.url
	s.mu.Lock()
	s.issuers[issuerID] = true
	s.mu.Unlock()
	return MakeOffers(reg, issuerID, bundles, opts)
}

// TokenRequest is a token request of the pre-authorized code flow.
type TokenRequest struct {
	GrantType         string
	PreAuthorizedCode string
	TxCode            string
}

// TokenResponse is the token endpoint's answer.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// Token redeems an offer's pre-authorized code and transaction code for an
// access token. Every refusal of the code is the same invalid_grant.
func (s *Server) Token(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	switch {
	case req.GrantType == "":
		return nil, protoErr(ErrInvalidRequest, "grant_type is missing")
	case req.GrantType != GrantPreAuthorized:
		return nil, protoErr(ErrUnsupportedGrantType, "only the pre-authorized code grant (%s) is supported", GrantPreAuthorized)
	case req.PreAuthorizedCode == "":
		return nil, protoErr(ErrInvalidRequest, "pre-authorized_code is missing")
	case req.TxCode == "":
		return nil, protoErr(ErrInvalidRequest, "tx_code is missing: every offer of this issuer has one")
	}
	id := issuerOfCode(req.PreAuthorizedCode)
	if id == "" {
		return nil, badGrant
	}
	reg, err := s.desk.Register(ctx, id)
	if err != nil {
		// An issuer this home does not have is a wrong code like any other.
		var locked *issuer.KeyLockedError
		if errors.As(err, &locked) || errors.Is(err, register.ErrInUse) {
			s.logger.Error("OpenID4VCI: an issuer's register cannot be opened", "issuer", id, "err", err)
			return nil, protoErr(ErrUnavailable, "the issuer cannot answer now: try again later")
		}
		return nil, badGrant
	}
	s.noteIssuer(id)
	now := s.now()
	var g grant
	err = reg.EditOffer(req.PreAuthorizedCode, func(o *register.Offer) error {
		if o.Dead || o.Redeemed != 0 || now.Unix() >= o.Expires {
			return badGrant
		}
		if !reg.TxCodeMatches(req.PreAuthorizedCode, req.TxCode, o) {
			o.Tries++
			if o.Tries >= MaxTxCodeTries {
				o.Dead = true
			}
			return badGrant
		}
		o.Redeemed = now.Unix()
		g = grant{issuerID: id, code: req.PreAuthorizedCode, id: o.CredentialID, typ: o.Type, expires: now.Add(AccessTokenTTL), busy: map[string]bool{}}
		return nil
	})
	if errors.Is(err, register.ErrNotFound) || errors.Is(err, badGrant) {
		return nil, badGrant
	}
	if err != nil {
		s.logger.Error("OpenID4VCI: reading an offer", "issuer", id, "err", err)
		return nil, protoErr(ErrServer, "the offer could not be read")
	}
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	if len(s.tokens) >= MaxTokens {
		return nil, protoErr(ErrUnavailable, "too many pickups at once: try again in a few minutes")
	}
	s.tokens[sha256.Sum256([]byte(token))] = &g
	s.logger.Info("OpenID4VCI: offer redeemed", "issuer", id)
	return &TokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int(AccessTokenTTL / time.Second)}, nil
}

// Nonce returns a fresh c_nonce, single-use, valid NonceTTL.
func (s *Server) Nonce() (string, error) {
	n, err := randomToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	if len(s.nonces) >= MaxNonces {
		return "", protoErr(ErrUnavailable, "too many nonces in use: try again in a few minutes")
	}
	s.nonces[n] = now.Add(NonceTTL)
	return n, nil
}

// useNonce consumes nonce n, reporting whether it was valid.
func (s *Server) useNonce(n string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.nonces[n]
	if !ok {
		return false
	}
	delete(s.nonces, n)
	return s.now().Before(exp)
}

// sweepLocked forgets expired nonces and tokens once in a while. s.mu held.
func (s *Server) sweepLocked(now time.Time) {
	if len(s.nonces)+len(s.tokens) < 1024 {
		return
	}
	for n, exp := range s.nonces {
		if !now.Before(exp) {
			delete(s.nonces, n)
		}
	}
	for t, g := range s.tokens {
		if !now.Before(g.expires) {
			delete(s.tokens, t)
		}
	}
}

func (s *Server) noteIssuer(id string) {
	s.mu.Lock()
	s.issuers[id] = true
	s.mu.Unlock()
}

// CredentialRequest is a credential request (OpenID4VCI §8.2).
type CredentialRequest struct {
	CredentialConfigurationID string `json:"credential_configuration_id"`
	CredentialIdentifier      string `json:"credential_identifier"`
	Proofs                    *struct {
		JWT []string `json:"jwt"`
	} `json:"proofs"`
	// ProofTypes are the members of proofs, to refuse the proof types
	// not supported.
	ProofTypes []string `json:"-"`
	// Proof is the drafts' single proof, refused: 1.0 has proofs.
	Proof any `json:"proof"`
	// CredentialResponseEncryption is refused: responses are not encrypted.
	CredentialResponseEncryption any `json:"credential_response_encryption"`
}

// CredentialResponse is the credential endpoint's answer.
type CredentialResponse struct {
	Credentials []IssuedCredential `json:"credentials"`
}

// IssuedCredential is one credential of a CredentialResponse.
type IssuedCredential struct {
	Credential string `json:"credential"`
}

// Credential answers a credential request made with accessToken.
func (s *Server) Credential(ctx context.Context, accessToken string, req *CredentialRequest) (*CredentialResponse, error) {
	now := s.now()
	key := sha256.Sum256([]byte(accessToken))
	s.mu.Lock()
	g, ok := s.tokens[key]
	if ok && !now.Before(g.expires) {
		delete(s.tokens, key)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return nil, protoErr(ErrInvalidToken, "the access token is not valid (unknown or expired)")
	}
	switch {
	case req.CredentialResponseEncryption != nil:
		return nil, protoErr(ErrInvalidEncryptionParameters, "credential responses are not encrypted by this issuer")
	case req.CredentialIdentifier != "":
		return nil, protoErr(ErrUnknownCredentialIdentifier, "this issuer gives no credential_identifier: ask by credential_configuration_id")
	case req.CredentialConfigurationID == "":
		return nil, protoErr(ErrInvalidCredentialRequest, "credential_configuration_id is missing")
	case req.Proof != nil:
		return nil, protoErr(ErrInvalidCredentialRequest, "\"proof\" is a draft's member: send \"proofs\" (OpenID4VCI 1.0)")
	}
	config := req.CredentialConfigurationID
	if !slices.Contains(ConfigurationIDs(g.typ), config) {
		return nil, protoErr(ErrUnknownCredentialConfiguration, "credential configuration %q is not one this offer gives: %q", config, ConfigurationIDs(g.typ))
	}
	sdjwt := config == ConfigurationIDs(g.typ)[0]
	var holderJWK []byte
	if sdjwt {
		if req.Proofs == nil || len(req.Proofs.JWT) == 0 {
			return nil, protoErr(ErrInvalidProof, "a proof of possession of the wallet's key is required: proofs.jwt with one JWT")
		}
		for _, t := range req.ProofTypes {
			if t != "jwt" {
				return nil, protoErr(ErrInvalidProof, "proof type %q is not supported: send proofs.jwt", t)
			}
		}
		if len(req.Proofs.JWT) != 1 {
			return nil, protoErr(ErrInvalidProof, "one proof, for one credential: this issuer does no batch issuance")
		}
		var perr *Error
		if holderJWK, perr = s.checkProof(req.Proofs.JWT[0], now); perr != nil {
			return nil, perr
		}
	}

	s.mu.Lock()
	if g.busy[config] {
		s.mu.Unlock()
		return nil, protoErr(ErrCredentialRequestDenied, "this credential is being issued on another request")
	}
	g.busy[config] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(g.busy, config)
		s.mu.Unlock()
	}()

	reg, err := s.desk.Register(ctx, g.issuerID)
	if err != nil {
		return nil, protoErr(ErrUnavailable, "the issuer cannot answer now: try again later")
	}
	var kept string
	err = reg.EditOffer(g.code, func(o *register.Offer) error {
		if slices.Contains(o.Issued, config) {
			return protoErr(ErrCredentialRequestDenied, "this credential was already issued for this offer")
		}
		if o.Credential == "" {
			return protoErr(ErrCredentialRequestDenied, "this offer is spent")
		}
		kept = o.Credential
		return nil
	})
	var pe *Error
	switch {
	case errors.As(err, &pe):
		return nil, pe
	case errors.Is(err, register.ErrNotFound):
		return nil, protoErr(ErrCredentialRequestDenied, "the offer was withdrawn")
	case err != nil:
		s.logger.Error("OpenID4VCI: reading an offer", "issuer", g.issuerID, "err", err)
		return nil, protoErr(ErrServer, "the offer could not be read")
	}

	var out string
	if sdjwt {
		out, err = s.desk.IssueBound(ctx, g.issuerID, g.id, kept, holderJWK)
	} else {
		_, err = s.desk.CheckInForce(ctx, g.issuerID, g.id)
		out = kept
	}
	var notInForce *issuer.NotInForceError
	switch {
	case errors.As(err, &notInForce):
		return nil, protoErr(ErrCredentialRequestDenied, "the credential is %s: it cannot be picked up", notInForce.Status)
	case err != nil:
		s.logger.Error("OpenID4VCI: issuing a picked-up credential", "issuer", g.issuerID, "err", err)
		return nil, protoErr(ErrServer, "the credential could not be issued: try again later")
	}
	if err := reg.EditOffer(g.code, func(o *register.Offer) error {
		o.Issued = append(o.Issued, config)
		return nil
	}); err != nil && !errors.Is(err, register.ErrNotFound) {
		s.logger.Error("OpenID4VCI: recording a pickup", "issuer", g.issuerID, "err", err)
	}
	s.logger.Info("OpenID4VCI: credential picked up", "issuer", g.issuerID, "configuration", config)
	return &CredentialResponse{Credentials: []IssuedCredential{{Credential: out}}}, nil
}

// Run erases, every hour until ctx is done, the offers past their
// retention in the registers of the issuers this server answered for, and
// the credentials kept for offers redeemed once their access tokens have
// expired.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		ids := make([]string, 0, len(s.issuers))
		for id := range s.issuers {
			ids = append(ids, id)
		}
		s.mu.Unlock()
		for _, id := range ids {
			reg, err := s.desk.Register(ctx, id)
			if err == nil {
				now := s.now()
				_, err = reg.PurgeOffers(now, now.Add(-AccessTokenTTL))
			}
			if err != nil {
				s.logger.Warn("OpenID4VCI: erasing expired offers", "issuer", id, "err", err)
			}
		}
	}
}

// randomToken returns 32 random bytes, base64url.
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
