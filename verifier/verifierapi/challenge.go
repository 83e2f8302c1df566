package verifierapi

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sceau/sceau/verifier"
)

// Defaults of NonceOptions.
const (
	// DefaultNonceTTL is how long a challenge nonce can be used.
	DefaultNonceTTL = 5 * time.Minute
	// DefaultMaxNonces bounds the nonces outstanding at once.
	DefaultMaxNonces = 100_000
)

// ErrTooManyNonces is returned by Issue when the store is full of nonces
// that have not expired yet.
var ErrTooManyNonces = errors.New("too many outstanding challenges: try again later")

// NonceOptions tune a NonceStore.
type NonceOptions struct {
	// TTL is how long a nonce can be used. Zero: DefaultNonceTTL.
	TTL time.Duration
	// Max bounds the nonces outstanding at once. Zero: DefaultMaxNonces.
	Max int
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// NonceStore issues the single-use, expiring nonces a holder signs in a
// presentation's key-binding JWT, and consumes them when a presentation
// uses one. It is bounded, in memory, and safe for concurrent use.
type NonceStore struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu     sync.Mutex
	expiry map[string]time.Time
}

// NewNonceStore returns an empty store.
func NewNonceStore(opts NonceOptions) *NonceStore {
	if opts.TTL <= 0 {
		opts.TTL = DefaultNonceTTL
	}
	if opts.Max <= 0 {
		opts.Max = DefaultMaxNonces
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &NonceStore{ttl: opts.TTL, max: opts.Max, now: opts.Now, expiry: map[string]time.Time{}}
}

// Issue returns a new random nonce (128 bits, base64url) and when it
// expires.
func (s *NonceStore) Issue() (string, time.Time, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("challenge: %w", err)
	}
	nonce := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	expires := now.Add(s.ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.expiry) >= s.max {
		for n, exp := range s.expiry {
			if !now.Before(exp) {
				delete(s.expiry, n)
			}
		}
		if len(s.expiry) >= s.max {
			return "", time.Time{}, ErrTooManyNonces
		}
	}
	s.expiry[nonce] = expires
	return nonce, expires, nil
}

// Consume uses up nonce: it succeeds once per nonce the store issued, and
// only before the nonce expires. Otherwise it returns
// verifier.ErrUnknownNonce, which verdicts explain in their language.
func (s *NonceStore) Consume(nonce string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.expiry[nonce]
	if !ok {
		return verifier.ErrUnknownNonce
	}
	delete(s.expiry, nonce)
	if !s.now().Before(exp) {
		return verifier.ErrUnknownNonce
	}
	return nil
}

// Outstanding returns the number of nonces issued and not yet consumed
// (expired ones included until they are swept).
func (s *NonceStore) Outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.expiry)
}

// challengeResponse is the body of GET /v1/challenge.
type challengeResponse struct {
	// Nonce is what the holder's key-binding JWT must carry as nonce.
	Nonce string `json:"nonce"`
	// Audience is what it must carry as aud, unless the presentation is
	// sent with options.domain.
	Audience  string `json:"audience,omitempty"`
	ExpiresAt string `json:"expiresAt"`
}

// challenge is GET /v1/challenge.
func (a *API) challenge(w http.ResponseWriter, r *http.Request) {
	nonce, expires, err := a.nonces.Issue()
	if errors.Is(err, ErrTooManyNonces) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, challengeResponse{Nonce: nonce, Audience: a.audience, ExpiresAt: expires.UTC().Format(time.RFC3339)})
}
