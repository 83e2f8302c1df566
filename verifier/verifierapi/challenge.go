package verifierapi

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sceau/sceau/internal/ratelimit"
	"github.com/sceau/sceau/verifier"
)

// Defaults of NonceOptions.
const (
	// DefaultNonceTTL is how long a challenge nonce can be used: a
	// wallet answers within seconds, and an unused nonce should not hold
	// its place for long.
	DefaultNonceTTL = 2 * time.Minute
	// DefaultMaxNonces bounds the nonces outstanding at once.
	DefaultMaxNonces = 100_000
	// DefaultMaxNoncesPerClient bounds the nonces outstanding at once for
	// one client address (a school's network may hold many wallets).
	DefaultMaxNoncesPerClient = 64
)

// ErrTooManyNonces is returned by Issue when the store is full of nonces
// that have not expired yet.
var ErrTooManyNonces = errors.New("too many outstanding challenges: try again later")

// ErrTooManyClientNonces is returned by IssueFor when the client already
// holds its share of outstanding nonces.
var ErrTooManyClientNonces = errors.New("too many outstanding challenges from this address: use one, or wait for them to expire")

// NonceOptions tune a NonceStore.
type NonceOptions struct {
	// TTL is how long a nonce can be used. Zero: DefaultNonceTTL.
	TTL time.Duration
	// Max bounds the nonces outstanding at once. Zero: DefaultMaxNonces.
	Max int
	// PerClient bounds the nonces outstanding at once for one client.
	// Zero: DefaultMaxNoncesPerClient.
	PerClient int
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// NonceStore issues the single-use, expiring nonces a holder signs in a
// presentation's key-binding JWT, and consumes them when a presentation
// uses one. It is bounded overall and per client (the address a request
// comes from), so that one client asking for challenges in a loop uses up
// its own share only: others still get theirs. It is in memory, and safe
// for concurrent use.
type NonceStore struct {
	ttl       time.Duration
	max       int
	perClient int
	now       func() time.Time

	mu      sync.Mutex
	entries map[string]nonceEntry
	// byClient lists each client's outstanding nonces, oldest first.
	byClient map[string][]string
}

// nonceEntry is an outstanding nonce: when it expires, whom it was for.
type nonceEntry struct {
	expiry time.Time
	client string
}

// NewNonceStore returns an empty store.
func NewNonceStore(opts NonceOptions) *NonceStore {
	if opts.TTL <= 0 {
		opts.TTL = DefaultNonceTTL
	}
	if opts.Max <= 0 {
		opts.Max = DefaultMaxNonces
	}
	if opts.PerClient <= 0 {
		opts.PerClient = DefaultMaxNoncesPerClient
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &NonceStore{ttl: opts.TTL, max: opts.Max, perClient: opts.PerClient, now: opts.Now,
		entries: map[string]nonceEntry{}, byClient: map[string][]string{}}
}

// Issue returns a new random nonce (128 bits, base64url) and when it
// expires, for no client in particular (IssueFor with an empty client).
func (s *NonceStore) Issue() (string, time.Time, error) { return s.IssueFor("") }

// IssueFor returns a new random nonce for client (an address, see
// ratelimit.ClientOf) and when it expires. It fails with
// ErrTooManyClientNonces when client holds PerClient unexpired nonces, and
// with ErrTooManyNonces when the store holds Max.
func (s *NonceStore) IssueFor(client string) (string, time.Time, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("challenge: %w", err)
	}
	nonce := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	expires := now.Add(s.ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepClient(client, now)
	if len(s.byClient[client]) >= s.perClient {
		return "", time.Time{}, ErrTooManyClientNonces
	}
	if len(s.entries) >= s.max {
		for n, e := range s.entries {
			if !now.Before(e.expiry) {
				s.remove(n, e)
			}
		}
		if len(s.entries) >= s.max {
			return "", time.Time{}, ErrTooManyNonces
		}
	}
	s.entries[nonce] = nonceEntry{expiry: expires, client: client}
	s.byClient[client] = append(s.byClient[client], nonce)
	return nonce, expires, nil
}

// sweepClient drops the expired nonces of client (its list is oldest
// first, all nonces living the same TTL).
func (s *NonceStore) sweepClient(client string, now time.Time) {
	list := s.byClient[client]
	i := 0
	for i < len(list) {
		e, ok := s.entries[list[i]]
		if ok && now.Before(e.expiry) {
			break
		}
		delete(s.entries, list[i])
		i++
	}
	if i == len(list) {
		delete(s.byClient, client)
	} else if i > 0 {
		s.byClient[client] = append(list[:0:0], list[i:]...)
	}
}

// remove forgets nonce, issued as e.
func (s *NonceStore) remove(nonce string, e nonceEntry) {
	delete(s.entries, nonce)
	list := s.byClient[e.client]
	for i, n := range list {
		if n == nonce {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.byClient, e.client)
	} else {
		s.byClient[e.client] = list
	}
}

// Consume uses up nonce: it succeeds once per nonce the store issued, and
// only before the nonce expires. Otherwise it returns
// verifier.ErrUnknownNonce, which verdicts explain in their language. A
// nonce may be used from another address than the one it was issued to
// (a phone asks, a laptop presents).
func (s *NonceStore) Consume(nonce string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[nonce]
	if !ok {
		return verifier.ErrUnknownNonce
	}
	s.remove(nonce, e)
	if !s.now().Before(e.expiry) {
		return verifier.ErrUnknownNonce
	}
	return nil
}

// Outstanding returns the number of nonces issued and not yet consumed
// (expired ones included until they are swept).
func (s *NonceStore) Outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
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
	nonce, expires, err := a.nonces.IssueFor(ratelimit.ClientOf(r))
	if errors.Is(err, ErrTooManyClientNonces) {
		w.Header().Set("Retry-After", strconv.Itoa(int(a.nonces.ttl/time.Second)))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": err.Error()})
		return
	}
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
