package verifier

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
)

// DefaultRegistryTTL is how long a Registry keeps the issuer registry it
// read before reading it again.
const DefaultRegistryTTL = 5 * time.Minute

// registryPageSize is the page size the registry is listed with.
const registryPageSize = 500

// maxRegistryPages bounds the pages one listing reads: a ledger whose
// bookmarks never end must not keep a verifier busy forever.
const maxRegistryPages = 200

// RegistrySnapshot is the whole issuer registry as the ledger gave it at
// one time.
type RegistrySnapshot struct {
	// FetchedAt is when the registry was read from the ledger.
	FetchedAt time.Time `json:"fetchedAt"`
	// Issuers are sorted by id.
	Issuers []record.Issuer `json:"issuers"`
}

// Issuer returns the issuer id of the snapshot, or nil.
func (s *RegistrySnapshot) Issuer(id string) *record.Issuer {
	i, found := slices.BinarySearchFunc(s.Issuers, id, func(is record.Issuer, id string) int { return strings.Compare(is.ID, id) })
	if !found {
		return nil
	}
	return &s.Issuers[i]
}

// RegistryOptions tune a Registry.
type RegistryOptions struct {
	// TTL is how long a snapshot is used before the registry is read
	// again. Zero: DefaultRegistryTTL.
	TTL time.Duration
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
	// Cache, when set, receives every snapshot read, for offline use.
	Cache *Cache
	// Logger reports snapshots the cache could not store. Nil: discarded.
	Logger *slog.Logger
}

// Registry is the ledger's issuer registry, read whole with ListIssuers and
// kept for a TTL. It is safe for concurrent use; concurrent callers that
// find the snapshot stale wait for one read of the ledger.
type Registry struct {
	contract *network.Contract
	// online is what verifications read through the registry.
	online Ledger
	ttl    time.Duration
	now    func() time.Time
	cache  *Cache
	logger *slog.Logger

	// refreshing is held while the ledger is read, so that one caller
	// reads it while the others wait.
	refreshing sync.Mutex
	mu         sync.Mutex
	snapshot   *RegistrySnapshot
}

// NewRegistry returns a registry read through contract.
func NewRegistry(contract *network.Contract, opts RegistryOptions) *Registry {
	if opts.TTL <= 0 {
		opts.TTL = DefaultRegistryTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{contract: contract, online: onlineLedger(contract), ttl: opts.TTL, now: opts.Now, cache: opts.Cache, logger: opts.Logger}
}

// fresh returns the snapshot if it is younger than the TTL, or nil.
func (r *Registry) fresh() *RegistrySnapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.snapshot != nil && r.now().Sub(r.snapshot.FetchedAt) < r.ttl {
		return r.snapshot
	}
	return nil
}

// Snapshot returns the registry, read from the ledger if the snapshot at
// hand is older than the TTL. An error wraps network.ErrUnavailable when
// the ledger could not be read.
func (r *Registry) Snapshot(ctx context.Context) (*RegistrySnapshot, error) {
	if s := r.fresh(); s != nil {
		return s, nil
	}
	r.refreshing.Lock()
	defer r.refreshing.Unlock()
	if s := r.fresh(); s != nil {
		return s, nil // read by the caller we waited for
	}
	s, err := ReadRegistry(ctx, r.contract, r.now)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.snapshot = s
	r.mu.Unlock()
	if r.cache != nil {
		if err := r.cache.SaveRegistry(s); err != nil {
			// The cache only serves offline use later: the snapshot is good.
			r.logger.Warn("issuer registry not cached", "dir", r.cache.Dir(), "err", err)
		}
	}
	return s, nil
}

// ReadRegistry lists every issuer of the ledger.
func ReadRegistry(ctx context.Context, contract *network.Contract, now func() time.Time) (*RegistrySnapshot, error) {
	s := &RegistrySnapshot{FetchedAt: now().UTC(), Issuers: []record.Issuer{}}
	bookmark := ""
	for range maxRegistryPages {
		page, err := contract.ListIssuers(ctx, registryPageSize, bookmark)
		if err != nil {
			return nil, fmt.Errorf("reading the issuer registry: %w", err)
		}
		s.Issuers = append(s.Issuers, page.Issuers...)
		if page.Bookmark == "" || page.Bookmark == bookmark || len(page.Issuers) == 0 {
			slices.SortFunc(s.Issuers, func(a, b record.Issuer) int { return strings.Compare(a.ID, b.ID) })
			return s, nil
		}
		bookmark = page.Bookmark
	}
	return nil, fmt.Errorf("reading the issuer registry: more than %d pages of %d issuers", maxRegistryPages, registryPageSize)
}

// Ledger returns what verifications read through the registry. Issuer
// look-ups keep the registry's snapshot fresh — the published trust list
// and the offline cache — but are answered with the ledger's current
// record: a key reported compromised, or an issuer suspended, counts at
// once, not when the snapshot expires. When the ledger numbers its state
// versions, the record last read is reused while nothing is committed
// (see currentIssuers). Statuses and batches are read every time.
func (r *Registry) Ledger() Ledger { return registryLedger{Ledger: r.online, r: r} }

// registryLedger is the Ledger of a Registry (see Registry.Ledger).
type registryLedger struct {
	Ledger
	r *Registry
}

// GetIssuer keeps the registry's snapshot fresh, then returns issuer id as
// the ledger holds it now.
func (l registryLedger) GetIssuer(ctx context.Context, id string) (*record.Issuer, error) {
	if _, err := l.r.Snapshot(ctx); err != nil {
		return nil, err
	}
	return l.Ledger.GetIssuer(ctx, id)
}

// TrustList is the issuer registry published for relying parties: every
// issuer with its status, its accreditations and its keys with their
// validity.
type TrustList struct {
	// FetchedAt is when the registry was read from the ledger (RFC 3339).
	FetchedAt string          `json:"fetchedAt"`
	Issuers   []TrustedIssuer `json:"issuers"`
}

// TrustedIssuer is one issuer of a TrustList.
type TrustedIssuer struct {
	ID string `json:"id"`
	// URI is the issuer as credentials name it (urn:sceau:issuer:<id>).
	URI    string              `json:"uri"`
	Name   string              `json:"name"`
	Status record.IssuerStatus `json:"status"`
	// StatusReason is the reason code of a suspension or withdrawal.
	StatusReason   record.ReasonCode      `json:"statusReason,omitempty"`
	Accreditations []record.Accreditation `json:"accreditations"`
	Keys           []TrustedKey           `json:"keys"`
	RegisteredAt   string                 `json:"registeredAt"`
	UpdatedAt      string                 `json:"updatedAt"`
}

// TrustedKey is one public key of an issuer, with its validity: credentials
// anchored from ValidFrom until RetiredAt (if set) and before
// CompromisedSince (if set) may rely on it.
type TrustedKey struct {
	KID string `json:"kid"`
	// JWK is the public key as a JSON Web Key object.
	JWK              json.RawMessage `json:"jwk"`
	ValidFrom        string          `json:"validFrom"`
	RetiredAt        string          `json:"retiredAt,omitempty"`
	CompromisedSince string          `json:"compromisedSince,omitempty"`
}

// TrustList returns the snapshot as a trust list.
func (s *RegistrySnapshot) TrustList() *TrustList {
	tl := &TrustList{FetchedAt: s.FetchedAt.UTC().Format(time.RFC3339), Issuers: make([]TrustedIssuer, 0, len(s.Issuers))}
	for _, is := range s.Issuers {
		ti := TrustedIssuer{
			ID: is.ID, URI: credential.IssuerURI(is.ID), Name: is.Name, Status: is.Status, StatusReason: is.StatusReason,
			Accreditations: append([]record.Accreditation{}, is.Accreditations...),
			Keys:           make([]TrustedKey, 0, len(is.Keys)),
			RegisteredAt:   is.RegisteredAt, UpdatedAt: is.UpdatedAt,
		}
		for _, k := range is.Keys {
			jwk := json.RawMessage(k.JWK)
			if !json.Valid(jwk) {
				// Published as a JSON string rather than breaking the list.
				jwk, _ = json.Marshal(k.JWK)
			}
			ti.Keys = append(ti.Keys, TrustedKey{KID: k.KID, JWK: jwk, ValidFrom: k.ValidFrom, RetiredAt: k.RetiredAt, CompromisedSince: k.CompromisedSince})
		}
		tl.Issuers = append(tl.Issuers, ti)
	}
	return tl
}
