package issuer

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/statuslist"
)

// Status lists: an issuer's lists are built from the ledger's state (the
// status of one digest of each credential in its status-index file: a
// status change covers every form of a credential), signed with its
// current key, written to issuers/<id>/status/, and their digests
// checkpointed on the ledger. `sceau serve` serves the files and publishes
// again when a status changed; `sceau status publish` publishes at once.

// Defaults of a publication.
const (
	// DefaultListValidity is how long a published list stays usable
	// (its exp, validUntil) if it is not published again meanwhile.
	DefaultListValidity = 24 * time.Hour
	// DefaultListTTL is how long a reader may keep a list before
	// fetching it again (its ttl; the Cache-Control max-age it is
	// served with).
	DefaultListTTL = 30 * time.Second
)

// Publication is what a publication of an issuer's lists did, as
// publication.json keeps it beside the lists.
type Publication struct {
	IssuerID    string    `json:"issuerId"`
	PublishedAt time.Time `json:"publishedAt"`
	// Block is the last block the lists' statuses were read after: the
	// lists are the ledger's state as of block Block (or later).
	Block uint64 `json:"block"`
	// Entries is the size of each list; Issued the indices in use;
	// Revoked and Suspended how many of them are.
	Entries   int `json:"entries"`
	Issued    int `json:"issued"`
	Revoked   int `json:"revoked"`
	Suspended int `json:"suspended"`
	// Lists maps each kind to its URL and digest.
	Lists map[string]PublishedList `json:"lists"`
	// Checkpoint is the ledger's record of the lists' digests.
	Checkpoint *record.StatusCheckpoint `json:"checkpoint"`
	// ValidUntil is the lists' expiry.
	ValidUntil time.Time `json:"validUntil"`
}

// PublishedList is one list of a publication.
type PublishedList struct {
	URI    string `json:"uri"`
	Digest string `json:"digest"`
}

// statusCounts are the statuses of an issuer's credentials read from the
// ledger.
type statusCounts struct {
	statuses                   *statuslist.Statuses
	issued, revoked, suspended int
	block                      uint64
}

// readStatuses reads from the ledger the status of every credential in
// issuer id's status-index file.
func (s *Service) readStatuses(ctx context.Context, id string) (*statusCounts, error) {
	dir, err := s.Home.Org(id)
	if err != nil {
		return nil, err
	}
	// The list's size comes from the number of records, known from the
	// file's size before reading it.
	records := 0
	if info, err := os.Stat(dir.StatusIndexFile()); err == nil {
		records = int(info.Size() / statusRecordSize)
	}
	c := &statusCounts{}
	if h, ok := s.Ledger.(network.HeightReader); ok {
		height, err := h.Height(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the ledger's height: %w", err)
		}
		if height > 0 {
			c.block = height - 1
		}
	}
	if c.statuses, err = statuslist.NewStatuses(ListSize(records)); err != nil {
		return nil, err
	}
	// Records appended since the file's size was read (a run issuing
	// meanwhile) are left to the next publication: their indices may be
	// drawn from a longer list.
	read := 0
	err = eachStatusRecord(dir.StatusIndexFile(), func(index int, raw []byte) error {
		if read++; read > records {
			return errEnough
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		digest := hex.EncodeToString(raw)
		st, err := s.Contract.GetStatus(ctx, digest)
		if errors.Is(err, network.ErrNotFound) {
			return nil // drawn for a chunk that was never anchored
		}
		if err != nil {
			return fmt.Errorf("reading the status of %s: %w", digest, err)
		}
		if st.IssuerID != id {
			return fmt.Errorf("status index %d: digest %s was anchored by issuer %q, not %q", index, digest, st.IssuerID, id)
		}
		c.issued++
		switch st.Status {
		case record.StatusRevoked:
			c.revoked++
			return c.statuses.Set(index, statuslist.Invalid)
		case record.StatusSuspended:
			c.suspended++
			return c.statuses.Set(index, statuslist.Suspended)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return c, nil
}

// errEnough stops reading the status-index file.
var errEnough = errors.New("enough records read")

// listFile is the file of a published list of kind in dir.
func listFile(dir org.Dir, kind string) string {
	return filepath.Join(dir.StatusListsDir(), kind+".jwt")
}

func publicationFile(dir org.Dir) string {
	return filepath.Join(dir.StatusListsDir(), "publication.json")
}

// PublishStatusLists builds issuer id's lists from the ledger, signs them
// with key (the issuer's current key; profile its profile), checkpoints
// their digests on the ledger, then writes them. The lists are written
// only once their checkpoint is committed: a list served is always one
// the ledger knows.
func (s *Service) PublishStatusLists(ctx context.Context, profile *org.Profile, key *credential.Key) (*Publication, error) {
	id := profile.ID
	counts, err := s.readStatuses(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.publish(ctx, profile, key, counts)
}

func (s *Service) publish(ctx context.Context, profile *org.Profile, key *credential.Key, counts *statusCounts) (*Publication, error) {
	id := profile.ID
	dir, err := s.Home.Org(id)
	if err != nil {
		return nil, err
	}
	base := s.Base
	if base == "" {
		base = credential.DefaultBase
	}
	env := &credential.Credential{IssuerID: id, Base: base, IssuerByURL: s.IssuerByURL}
	now := s.now().Truncate(time.Second)
	p := &Publication{IssuerID: id, PublishedAt: now, Block: counts.block, Entries: counts.statuses.Len(),
		Issued: counts.issued, Revoked: counts.revoked, Suspended: counts.suspended,
		Lists: map[string]PublishedList{}, ValidUntil: now.Add(DefaultListValidity)}
	signed := map[string]string{}
	var digests []record.StatusListDigest
	for _, kind := range statuslist.Kinds() {
		compact, err := statuslist.Sign(&statuslist.List{Kind: kind, URI: env.StatusListURI(kind), Issuer: env.Issuer(),
			IssuedAt: now, ExpiresAt: p.ValidUntil, TTL: DefaultListTTL, Statuses: counts.statuses}, key)
		if err != nil {
			return nil, fmt.Errorf("signing the %s status list: %w", kind, err)
		}
		signed[kind] = compact
		d := credential.DigestJWS(compact)
		digests = append(digests, record.StatusListDigest{Kind: kind, Digest: d})
		p.Lists[kind] = PublishedList{URI: env.StatusListURI(kind), Digest: d}
	}
	if p.Checkpoint, err = s.Contract.CheckpointStatusLists(ctx, profile.Org, id, digests); err != nil {
		return nil, fmt.Errorf("checkpointing the status lists of %s: %w", id, err)
	}
	if err := os.MkdirAll(dir.StatusListsDir(), 0o700); err != nil {
		return nil, fmt.Errorf("status lists: %w", err)
	}
	for _, kind := range statuslist.Kinds() {
		if err := fsutil.WriteFileAtomic(listFile(dir, kind), []byte(signed[kind]), 0o644); err != nil {
			return nil, fmt.Errorf("writing the %s status list: %w", kind, err)
		}
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := fsutil.WriteFileAtomic(publicationFile(dir), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("writing the status lists' publication: %w", err)
	}
	s.Logger.Info("status lists published", "issuer", id, "entries", p.Entries, "issued", p.Issued,
		"revoked", p.Revoked, "suspended", p.Suspended, "block", p.Block, "tx", p.Checkpoint.TxID)
	return p, nil
}

// PublishedStatusList returns issuer id's list of kind as last published,
// with the time it was written; an error wrapping os.ErrNotExist when none
// was.
func (s *Service) PublishedStatusList(id, kind string) ([]byte, time.Time, error) {
	if !isKind(kind) {
		return nil, time.Time{}, fmt.Errorf("status list kind %q: %w", kind, os.ErrNotExist)
	}
	dir, err := s.Home.Org(id)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%v: %w", err, os.ErrNotExist)
	}
	f := listFile(dir, kind)
	data, err := os.ReadFile(f)
	if err != nil {
		return nil, time.Time{}, err
	}
	info, err := os.Stat(f)
	if err != nil {
		return nil, time.Time{}, err
	}
	return data, info.ModTime(), nil
}

// LastPublication returns issuer id's last publication, or nil if none.
func (s *Service) LastPublication(id string) (*Publication, error) {
	dir, err := s.Home.Org(id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(publicationFile(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p Publication
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", publicationFile(dir), err)
	}
	return &p, nil
}

func isKind(kind string) bool {
	for _, k := range statuslist.Kinds() {
		if k == kind {
			return true
		}
	}
	return false
}

// PublishIfChanged publishes issuer id's lists when a status changed since
// its last publication, when half the lists' validity has passed, or when
// none was published; it returns the publication, or nil when nothing was
// due.
func (s *Service) PublishIfChanged(ctx context.Context, profile *org.Profile, key *credential.Key) (*Publication, error) {
	last, err := s.LastPublication(profile.ID)
	if err != nil {
		return nil, err
	}
	counts, err := s.readStatuses(ctx, profile.ID)
	if err != nil {
		return nil, err
	}
	if last != nil && s.now().Before(last.ValidUntil.Add(-DefaultListValidity/2)) && last.Entries == counts.statuses.Len() {
		dir, err := s.Home.Org(profile.ID)
		if err != nil {
			return nil, err
		}
		if data, err := os.ReadFile(listFile(dir, statuslist.KindIETF)); err == nil {
			if prev, err := statuslist.Parse(string(data)); err == nil && sameStatuses(prev.Statuses, counts.statuses) {
				return nil, nil
			}
		}
	}
	return s.publish(ctx, profile, key, counts)
}

func sameStatuses(a, b *statuslist.Statuses) bool {
	ea, err1 := a.EncodeIETF()
	eb, err2 := b.EncodeIETF()
	return err1 == nil && err2 == nil && bytes.Equal([]byte(ea), []byte(eb))
}

// PublishStatusListsOf publishes issuer id's lists with its current key,
// opened from the home (SCEAU_KEY_PASSPHRASE or the terminal).
func (s *Service) PublishStatusListsOf(ctx context.Context, id string) (*Publication, error) {
	profile, err := s.Home.LoadProfile(id)
	if err != nil {
		return nil, err
	}
	key, err := s.Keys.Open(profile, profile.CurrentKID)
	if err != nil {
		return nil, err
	}
	return s.PublishStatusLists(ctx, profile, key)
}
