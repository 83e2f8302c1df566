package issuer

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"os"
	"sync"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/statuslist"
)

// A credential's status index is drawn at random, never in issuance
// order, among the entries of its issuer's lists (at least
// statuslist.MinEntries, and always at least four times the indices in
// use, so that a draw rarely collides and the lists keep herd privacy as
// they grow). Each index drawn for a chunk is recorded with the digest of
// the credential's vc+jwt in the issuer's status-index file before the
// chunk is saved or anchored: a credential out in the world always has its
// index on record, and no index is ever given twice. An index drawn for a
// chunk that was never anchored stays on record, pointing to a digest the
// ledger does not know: its status is valid, and nobody holds it.
//
// The file is a sequence of 36-byte records, the index (4 bytes, big
// endian) then the raw SHA-256: what it holds is public (the index is in
// the credential, the digest on the ledger), so it is not encrypted, and
// building lists needs no key but the one that signs them. One process
// appends to it at a time: the one that holds the issuer's register.

const statusRecordSize = 4 + 32

// IndexedDigest is one record of an issuer's status-index file.
type IndexedDigest struct {
	Index  int
	Digest string
}

// statusIndex is an issuer's status-index file, open for drawing indices.
type statusIndex struct {
	mu   sync.Mutex
	path string
	// used has a bit set for each index in use (2 MiB for the largest
	// lists: a million credentials' indices in a map would take 40), and
	// n counts them.
	used []uint64
	n    int
}

func (x *statusIndex) isUsed(i int) bool { return x.used[i/64]&(1<<(i%64)) != 0 }

func (x *statusIndex) markUsed(i int) {
	if !x.isUsed(i) {
		x.used[i/64] |= 1 << (i % 64)
		x.n++
	}
}

// statusIndexes keeps each issuer's open status index, once per process.
type statusIndexes struct {
	mu   sync.Mutex
	open map[string]*statusIndex
}

// statusIndexOf returns issuer id's status index, reading its file the
// first time.
func (s *Service) statusIndexOf(id string) (*statusIndex, error) {
	s.indexes.mu.Lock()
	defer s.indexes.mu.Unlock()
	if x := s.indexes.open[id]; x != nil {
		return x, nil
	}
	dir, err := s.Home.Org(id)
	if err != nil {
		return nil, err
	}
	x := &statusIndex{path: dir.StatusIndexFile(), used: make([]uint64, statuslist.MaxEntries/64)}
	err = eachStatusRecord(x.path, func(index int, _ []byte) error {
		x.markUsed(index)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.indexes.open == nil {
		s.indexes.open = map[string]*statusIndex{}
	}
	s.indexes.open[id] = x
	return x, nil
}

// ListSize returns how many entries the lists of an issuer with n indices
// in use have: statuslist.MinEntries, or the power of two at least 4n.
func ListSize(n int) int {
	size := statuslist.MinEntries
	if 4*n > size {
		size = 1 << bits.Len(uint(4*n-1))
	}
	return size
}

// draw returns n indices not in use, at random, and marks them used.
func (x *statusIndex) draw(n int) ([]int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	size := ListSize(x.n + n)
	if size > statuslist.MaxEntries {
		return nil, fmt.Errorf("status lists: %d credentials is more than an issuer's lists can hold (%d)", x.n+n, statuslist.MaxEntries/4)
	}
	out := make([]int, 0, n)
	limit := big.NewInt(int64(size))
	for len(out) < n {
		v, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("drawing a status index: %w", err)
		}
		i := int(v.Int64())
		if x.isUsed(i) {
			continue
		}
		x.markUsed(i)
		out = append(out, i)
	}
	return out, nil
}

// record appends records to the file and syncs it.
func (x *statusIndex) record(records []IndexedDigest) error {
	buf := make([]byte, 0, len(records)*statusRecordSize)
	for _, r := range records {
		d, err := hex.DecodeString(r.Digest)
		if err != nil || len(d) != 32 {
			return fmt.Errorf("status index %d: digest %q is not a hex SHA-256", r.Index, r.Digest)
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(r.Index))
		buf = append(buf, d...)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	f, err := os.OpenFile(x.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("status index: %w", err)
	}
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return fmt.Errorf("status index: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("status index: %w", err)
	}
	return f.Close()
}

// ReadStatusIndex reads an issuer's status-index file (none is no
// record). A last record cut short, by a crash while it was appended or
// read while another process appends, is left out.
func ReadStatusIndex(path string) ([]IndexedDigest, error) {
	var out []IndexedDigest
	err := eachStatusRecord(path, func(index int, digest []byte) error {
		out = append(out, IndexedDigest{Index: index, Digest: hex.EncodeToString(digest)})
		return nil
	})
	return out, err
}

// HasStatusIndex reports whether the status-index file at path holds a
// record, without reading it.
func HasStatusIndex(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Size() >= statusRecordSize
}

// eachStatusRecord calls fn with each record of the file at path, in
// order, streaming (an issuer of a million credentials has 36 MB of them);
// a missing file has none, a last record cut short is left out.
func eachStatusRecord(path string, fn func(index int, digest []byte) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("status index: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var rec [statusRecordSize]byte
	for n := 1; ; n++ {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return fmt.Errorf("status index: %w", err)
		}
		idx := int(binary.BigEndian.Uint32(rec[:4]))
		if idx >= statuslist.MaxEntries {
			return fmt.Errorf("status index %s: record %d holds index %d, beyond any list", path, n, idx)
		}
		if err := fn(idx, rec[4:]); err != nil {
			return err
		}
	}
}

// stamp gives cred what its issuer's deployment makes it point to: the
// base URL, the issuer's HTTPS identifier when chosen, and its status
// index.
func (s *Service) stamp(cred *credential.Credential, index int) {
	cred.Base, cred.IssuerByURL = s.Base, s.IssuerByURL
	i := index
	cred.StatusIndex = &i
}
