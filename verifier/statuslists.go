package verifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/statuslist"
)

// Status from lists. A verifier whose ledger is not its own to query —
// offline, or one that should not tell an issuer's ledger which credential
// it checks — reads a credential's status from its issuer's published
// status list instead: the whole list, which every verifier fetches alike
// (herd privacy). The list must be signed by a key of its issuer that the
// registry knows, be the one the credential points to, and be younger
// than the list max age: otherwise the status check does not run, and the
// verdict is indeterminate, never valid.

// DefaultListMaxAge is how old a status list (from when its issuer built
// it) may be before a verifier stops relying on it.
const DefaultListMaxAge = 24 * time.Hour

// ListStatus is a credential's status as its issuer's status list says.
type ListStatus struct {
	Status record.CredentialStatus
	// AsOf is when the issuer built the list; Block the ledger block its
	// statuses were read after (0 when not known).
	AsOf  time.Time
	Block uint64
	// URI is the list's.
	URI string
}

// StatusLists answers a credential's status from lists. Its errors wrap
// network.ErrUnavailable when the list is missing, stale or unusable.
type StatusLists interface {
	ListStatus(ctx context.Context, issuer *record.Issuer, ref *credential.StatusReference) (*ListStatus, error)
}

// CachedList is a status list kept in the verifier's cache.
type CachedList struct {
	URI       string    `json:"uri"`
	Compact   string    `json:"compact"`
	FetchedAt time.Time `json:"fetchedAt"`
	// Block is the ledger block the issuer's publication read its
	// statuses after, as served with the list (0: not said).
	Block uint64 `json:"block,omitempty"`
	// Checkpointed is set when the list's digest was found in the
	// ledger's checkpoint of its issuer when it was fetched.
	Checkpointed bool `json:"checkpointed,omitempty"`
	// ETag is the server's, to revalidate the list.
	ETag string `json:"etag,omitempty"`
}

// listFile is where the cache keeps the list published at uri.
func (c *Cache) listFile(uri string) string {
	sum := sha256.Sum256([]byte(uri))
	return filepath.Join(c.dir, "statuslists", hex.EncodeToString(sum[:16])+".json")
}

// SaveStatusList keeps a fetched list in the cache, after checking that it
// reads as a status list published at l.URI.
func (c *Cache) SaveStatusList(l CachedList) error {
	parsed, err := statuslist.Parse(l.Compact)
	if err != nil {
		return err
	}
	if parsed.URI != l.URI {
		return fmt.Errorf("status list fetched from %s says it is %s", l.URI, parsed.URI)
	}
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	name, err := filepath.Rel(c.dir, c.listFile(l.URI))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.listFile(l.URI)), 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return c.write(name, data)
}

// CachedStatusList returns the list the cache keeps for uri, or nil.
func (c *Cache) CachedStatusList(uri string) (*CachedList, error) {
	data, err := os.ReadFile(c.listFile(uri))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	var l CachedList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("cache: the status list of %s is damaged: %w", uri, err)
	}
	return &l, nil
}

// ListOptions tune the lists a verifier reads from a cache.
type ListOptions struct {
	// MaxAge is how old a list may be, from when its issuer built it.
	// Zero: DefaultListMaxAge.
	MaxAge time.Duration
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// CachedLists answers statuses from the lists in the cache.
type CachedLists struct {
	cache  *Cache
	maxAge time.Duration
	now    func() time.Time
}

// StatusLists returns the lists of the cache as a StatusLists.
func (c *Cache) StatusLists(opts ListOptions) *CachedLists {
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultListMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &CachedLists{cache: c, maxAge: opts.MaxAge, now: opts.Now}
}

// ListStatus reads ref's IETF list from the cache and returns the status
// at ref's index, once the list is found signed by one of issuer's keys.
func (l *CachedLists) ListStatus(_ context.Context, issuer *record.Issuer, ref *credential.StatusReference) (*ListStatus, error) {
	uri := ref.Lists[statuslist.KindIETF]
	cached, err := l.cache.CachedStatusList(uri)
	if err != nil {
		return nil, listUnavailable(say(msgListUnusable, uri, err))
	}
	if cached == nil {
		return nil, listUnavailable(say(msgListNotCached, uri))
	}
	return judgeList(issuer, ref, uri, cached.Compact, cached.Block, l.now(), l.maxAge)
}

// judgeList checks a signed list and reads the status at ref's index.
func judgeList(issuer *record.Issuer, ref *credential.StatusReference, uri, compact string, block uint64, now time.Time, maxAge time.Duration) (*ListStatus, error) {
	list, err := statuslist.Parse(compact)
	if err != nil {
		return nil, listUnavailable(say(msgListUnusable, uri, err))
	}
	if list.URI != uri || list.Kind != statuslist.KindIETF {
		return nil, listUnavailable(say(msgListUnusable, uri, fmt.Errorf("it is the %s list %s", list.Kind, list.URI)))
	}
	if id, _, err := credential.ParseIssuer(list.Issuer); err != nil || id != issuer.ID {
		return nil, listUnavailable(say(msgListUnusable, uri, fmt.Errorf("it is issued by %q, not by %s", list.Issuer, issuer.ID)))
	}
	var verified bool
	for _, k := range issuer.Keys {
		if k.KID != list.KID {
			continue
		}
		pub, err := credential.ParsePublicJWK([]byte(k.JWK))
		if err == nil && list.Verify(pub) == nil {
			verified = true
		}
	}
	if !verified {
		return nil, listUnavailable(say(msgListUnusable, uri, fmt.Errorf("no key of issuer %s verifies its signature (kid %s)", issuer.ID, list.KID)))
	}
	if age := now.Sub(list.IssuedAt); age > maxAge || (!list.ExpiresAt.IsZero() && !now.Before(list.ExpiresAt)) {
		return nil, listUnavailable(say(msgListTooOld, uri, timeArg(list.IssuedAt), maxAge.String()))
	}
	v, err := list.Statuses.Get(ref.Index)
	if err != nil {
		return nil, listUnavailable(say(msgListUnusable, uri, err))
	}
	st := &ListStatus{AsOf: list.IssuedAt, Block: block, URI: uri, Status: record.StatusActive}
	switch v {
	case statuslist.Invalid:
		st.Status = record.StatusRevoked
	case statuslist.Suspended:
		st.Status = record.StatusSuspended
	}
	return st, nil
}

// listUnavailable is the error of a status the lists cannot give: it
// wraps network.ErrUnavailable, so the check does not run.
func listUnavailable(m message) error {
	return &messageError{msg: m, text: fmt.Sprintf("%v: %s", network.ErrUnavailable, m.in(English)), wrapped: []error{network.ErrUnavailable}}
}
