package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network"
)

// DefaultOfflineMaxAge is how old cached ledger data may be for an offline
// verification to rely on it: older data counts as unavailable, so checks
// needing it do not run and the verdict is indeterminate.
const DefaultOfflineMaxAge = 7 * 24 * time.Hour

// errOffline is wrapped by every error of an offline ledger.
var errOffline = errors.New("offline")

// MaxCachedRecords bounds the statuses (and, apart, the batches) a cache
// keeps: past it the records read longest ago are dropped.
const MaxCachedRecords = 10_000

// Cache files, in the cache folder.
const (
	registryFile = "registry.json"
	recordsFile  = "records.json"
)

// Cache keeps, in a folder (a Sceau home's cache/), what online
// verifications read from the ledger — the issuer registry, credential
// statuses and batches, each with the time it was read — so that later
// verifications can run offline against it. Writes replace whole files
// atomically; two processes writing at once may lose each other's newest
// records, never corrupt the cache. A Cache is safe for concurrent use
// within a process.
type Cache struct {
	dir string
	mu  sync.Mutex
}

// NewCache returns the cache kept in dir (created on first write).
func NewCache(dir string) *Cache { return &Cache{dir: dir} }

// Dir returns the cache's folder.
func (c *Cache) Dir() string { return c.dir }

// cachedStatus is a credential status as read at FetchedAt.
type cachedStatus struct {
	FetchedAt time.Time           `json:"fetchedAt"`
	Status    record.DigestStatus `json:"status"`
}

// cachedBatch is a batch as read at FetchedAt.
type cachedBatch struct {
	FetchedAt time.Time    `json:"fetchedAt"`
	Batch     record.Batch `json:"batch"`
}

// cachedRecords is the content of records.json.
type cachedRecords struct {
	// Statuses are keyed by digest, batches by batch id.
	Statuses map[string]cachedStatus `json:"statuses"`
	Batches  map[string]cachedBatch  `json:"batches"`
}

// SaveRegistry stores a registry snapshot, replacing the one kept.
func (c *Cache) SaveRegistry(s *RegistrySnapshot) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("cache: encoding the issuer registry: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.write(registryFile, data)
}

// Registry returns the registry snapshot kept, or nil if there is none.
func (c *Cache) Registry() (*RegistrySnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s RegistrySnapshot
	ok, err := c.read(registryFile, &s)
	if !ok || err != nil {
		return nil, err
	}
	return &s, nil
}

// records reads records.json; the caller holds mu.
func (c *Cache) records() (*cachedRecords, error) {
	recs := &cachedRecords{}
	if _, err := c.read(recordsFile, recs); err != nil {
		return nil, err
	}
	if recs.Statuses == nil {
		recs.Statuses = map[string]cachedStatus{}
	}
	if recs.Batches == nil {
		recs.Batches = map[string]cachedBatch{}
	}
	return recs, nil
}

// SaveRecords adds statuses and batches read at fetchedAt to the cache,
// replacing older reads of the same records.
func (c *Cache) SaveRecords(fetchedAt time.Time, statuses []record.DigestStatus, batches []record.Batch) error {
	if len(statuses) == 0 && len(batches) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	recs, err := c.records()
	if err != nil {
		// An unreadable cache is replaced rather than blocking new reads.
		recs = &cachedRecords{Statuses: map[string]cachedStatus{}, Batches: map[string]cachedBatch{}}
	}
	for _, s := range statuses {
		recs.Statuses[s.Digest] = cachedStatus{FetchedAt: fetchedAt.UTC(), Status: s}
	}
	for _, b := range batches {
		recs.Batches[b.BatchID] = cachedBatch{FetchedAt: fetchedAt.UTC(), Batch: b}
	}
	dropOldest(recs.Statuses, func(s cachedStatus) time.Time { return s.FetchedAt })
	dropOldest(recs.Batches, func(b cachedBatch) time.Time { return b.FetchedAt })
	data, err := json.Marshal(recs)
	if err != nil {
		return fmt.Errorf("cache: encoding statuses: %w", err)
	}
	return c.write(recordsFile, data)
}

// dropOldest removes the entries read longest ago until at most
// MaxCachedRecords are left.
func dropOldest[V any](m map[string]V, fetchedAt func(V) time.Time) {
	if len(m) <= MaxCachedRecords {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fetchedAt(m[keys[i]]).Before(fetchedAt(m[keys[j]])) })
	for _, k := range keys[:len(keys)-MaxCachedRecords] {
		delete(m, k)
	}
}

func (c *Cache) write(name string, data []byte) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(c.dir, name), data, 0o600); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// read decodes file name into v; ok is false if the file does not exist.
func (c *Cache) read(name string, v any) (ok bool, err error) {
	path := filepath.Join(c.dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cache: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("cache: %s is damaged: %w", path, err)
	}
	return true, nil
}

// Recorder returns a Ledger that reads through ledger and keeps, in
// memory, the statuses and batches a verification reads; Flush stores them
// in the cache. Use one recorder per verification run.
func (c *Cache) Recorder(ledger Ledger, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{cache: c, ledger: ledger, now: now}
}

// Recorder is a Ledger that remembers what a verification read (see
// Cache.Recorder).
type Recorder struct {
	cache  *Cache
	ledger Ledger
	now    func() time.Time

	mu       sync.Mutex
	statuses []record.DigestStatus
	batches  []record.Batch
}

// GetIssuer reads issuer id through the recorder's ledger; the registry
// caches issuers (RegistryOptions.Cache).
func (r *Recorder) GetIssuer(ctx context.Context, id string) (*record.Issuer, error) {
	return r.ledger.GetIssuer(ctx, id)
}

// GetStatus reads the status of digest and remembers it.
func (r *Recorder) GetStatus(ctx context.Context, digest string) (*record.DigestStatus, error) {
	s, err := r.ledger.GetStatus(ctx, digest)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.statuses = append(r.statuses, *s)
	r.mu.Unlock()
	return s, nil
}

// GetBatch reads batch id and remembers it.
func (r *Recorder) GetBatch(ctx context.Context, id string) (*record.Batch, error) {
	b, err := r.ledger.GetBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.batches = append(r.batches, *b)
	r.mu.Unlock()
	return b, nil
}

// Flush stores what was read in the cache.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	statuses, batches := r.statuses, r.batches
	r.statuses, r.batches = nil, nil
	r.mu.Unlock()
	return r.cache.SaveRecords(r.now(), statuses, batches)
}

// OfflineOptions tune an offline ledger.
type OfflineOptions struct {
	// MaxAge is how old cached data may be; older data is treated as
	// unavailable. Zero: DefaultOfflineMaxAge.
	MaxAge time.Duration
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Offline returns a Ledger answering the verifier's reads (issuers,
// statuses, batches) from the cache only. What the cache lacks, and what
// is older than the maximum age, is reported as unavailable
// (network.ErrUnavailable), so the checks needing it do not run and the
// verdict is indeterminate, never valid.
func (c *Cache) Offline(opts OfflineOptions) (*OfflineLedger, error) {
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultOfflineMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	registry, err := c.Registry()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	recs, err := c.records()
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &OfflineLedger{dir: c.dir, registry: registry, records: recs, maxAge: opts.MaxAge, now: opts.Now}, nil
}

// OfflineLedger is a Ledger that answers from a Cache (see Cache.Offline).
// It remembers the age of what it served, for Annotate.
type OfflineLedger struct {
	dir      string
	registry *RegistrySnapshot
	records  *cachedRecords
	maxAge   time.Duration
	now      func() time.Time

	mu sync.Mutex
	// registryServed and oldestRecord are the fetch times of the data
	// served; zero when none was.
	registryServed time.Time
	oldestRecord   time.Time
}

// GetIssuer answers from the cached issuer registry.
func (o *OfflineLedger) GetIssuer(_ context.Context, id string) (*record.Issuer, error) {
	if o.registry == nil {
		return nil, o.unavailable(say(msgOfflineNoRegistry, o.dir))
	}
	if err := o.fresh(say(msgCachedRegistry), o.registry.FetchedAt); err != nil {
		return nil, err
	}
	is := o.registry.Issuer(id)
	if is == nil {
		return nil, o.unavailable(say(msgOfflineNoIssuer, id, ageArg(o.now().Sub(o.registry.FetchedAt))))
	}
	o.served(&o.registryServed, o.registry.FetchedAt)
	return is, nil
}

// GetStatus answers from the cached statuses.
func (o *OfflineLedger) GetStatus(_ context.Context, digest string) (*record.DigestStatus, error) {
	s, ok := o.records.Statuses[digest]
	if !ok {
		return nil, o.unavailable(say(msgOfflineNoStatus, digest))
	}
	if err := o.fresh(say(msgCachedStatus), s.FetchedAt); err != nil {
		return nil, err
	}
	o.served(&o.oldestRecord, s.FetchedAt)
	return &s.Status, nil
}

// GetBatch answers from the cached batches.
func (o *OfflineLedger) GetBatch(_ context.Context, id string) (*record.Batch, error) {
	b, ok := o.records.Batches[id]
	if !ok {
		return nil, o.unavailable(say(msgOfflineNoBatch, id))
	}
	if err := o.fresh(say(msgCachedBatch), b.FetchedAt); err != nil {
		return nil, err
	}
	o.served(&o.oldestRecord, b.FetchedAt)
	return &b.Batch, nil
}

// unavailable is the error of a read the cache cannot answer, saying why
// with m: it wraps network.ErrUnavailable and errOffline.
func (o *OfflineLedger) unavailable(m message) error {
	wrapped := []error{network.ErrUnavailable, errOffline}
	return &messageError{msg: m, text: fmt.Sprintf("%v: %v: %s", wrapped[0], wrapped[1], m.in(English)), wrapped: wrapped}
}

// fresh fails when data read at fetchedAt is older than the maximum age.
func (o *OfflineLedger) fresh(what message, fetchedAt time.Time) error {
	if age := o.now().Sub(fetchedAt); age > o.maxAge {
		return o.unavailable(say(msgOfflineTooOld, what, ageArg(age), ageArg(o.maxAge)))
	}
	return nil
}

// served records that data read at fetchedAt was used, keeping the oldest.
func (o *OfflineLedger) served(oldest *time.Time, fetchedAt time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if oldest.IsZero() || fetchedAt.Before(*oldest) {
		*oldest = fetchedAt
	}
}

// Summary says, in lang, how old the data served so far is, e.g.
// "issuer registry cached 3 hours ago; status cached 2 days ago", or that
// none was served.
func (o *OfflineLedger) Summary(lang Language) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var parts []string
	if !o.registryServed.IsZero() {
		parts = append(parts, say(msgOfflineServed, ageArg(o.now().Sub(o.registryServed))).in(lang))
	}
	if !o.oldestRecord.IsZero() {
		parts = append(parts, say(msgOfflineServedState, ageArg(o.now().Sub(o.oldestRecord))).in(lang))
	}
	if len(parts) == 0 {
		return say(msgOfflineServedNone).in(lang)
	}
	if lang == French {
		return strings.Join(parts, " ; ")
	}
	return strings.Join(parts, "; ")
}

// Annotate adds to the reasons of the checks that ran on cached data how
// old that data is: the issuer registry's age for the issuer, signature
// and accreditation checks, the status's for the anchor and status checks.
func (o *OfflineLedger) Annotate(r *Result) {
	o.mu.Lock()
	registry, record := o.registryServed, o.oldestRecord
	o.mu.Unlock()
	now := o.now()
	for i := range r.Checks {
		c := &r.Checks[i]
		if c.Skipped || c.detail == nil {
			continue
		}
		var annotated message
		switch {
		case (c.Name == CheckIssuer || c.Name == CheckSignature || c.Name == CheckAccreditation) && !registry.IsZero():
			annotated = say(msgOfflineRegistryAge, *c.detail, ageArg(now.Sub(registry)))
		case (c.Name == CheckAnchor || c.Name == CheckStatus) && !record.IsZero():
			annotated = say(msgOfflineStatusAge, *c.detail, ageArg(now.Sub(record)))
		default:
			continue
		}
		c.detail, c.Reason = &annotated, annotated.in(English)
	}
}

// Age writes a duration for people, in lang: "less than a minute",
// "5 minutes", "3 hours", "2 days"; "moins d'une minute", "5 minutes",
// "3 heures", "2 jours".
func Age(lang Language, d time.Duration) string {
	units := [...]struct{ en, fr string }{{"minute", "minute"}, {"hour", "heure"}, {"day", "jour"}}
	plural := func(n int, unit int) string {
		word := units[unit].en
		if lang == French {
			word = units[unit].fr
		}
		if n == 1 {
			return "1 " + word
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	switch {
	case d < time.Minute && lang == French:
		return "moins d'une minute"
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), 0)
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), 1)
	}
	return plural(int(d/(24*time.Hour)), 2)
}
