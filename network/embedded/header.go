package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	"github.com/sceau/sceau/network"
)

// ErrCorrupt is wrapped by the error of Open, Init and Verify when
// ledger.db cannot be a bbolt store: too short for the pages its header
// announces (a truncated copy), or with no valid header at all. Such a
// file is never mapped into memory: a read past its end would kill the
// process (SIGBUS) instead of returning an error. The error also wraps
// network.ErrUnavailable: the ledger cannot be read.
var ErrCorrupt = errors.New("ledger store corrupt")

// corruptError is a ledger.db that cannot be opened safely.
type corruptError struct {
	path   string
	reason string
}

func (e *corruptError) Error() string { return e.path + " is corrupt: " + e.reason }

// Is makes the error match ErrCorrupt and network.ErrUnavailable.
func (e *corruptError) Is(target error) bool {
	return target == ErrCorrupt || target == network.ErrUnavailable
}

// bbolt's on-disk header, as go.etcd.io/bbolt v1 writes it: two meta pages
// at the start of the file, each a 16-byte page header followed by the meta
// fields, checked by a 64-bit FNV-1a of the fields before the checksum.
const (
	boltMagic         = 0xED0CDAED
	boltVersion       = 2
	boltPageHeader    = 16
	boltMetaSize      = 64 // magic … checksum
	boltMetaChecksum  = 56 // offset of the checksum in the meta fields
	boltMinPageSize   = 512
	boltMaxPageSize   = 1 << 16
	boltMetaPageBytes = boltPageHeader + boltMetaSize
)

// boltMeta is what checkStoreFile reads of a meta page.
type boltMeta struct {
	pageSize uint32
	pages    uint64 // the high-water mark: pages the file must hold
	txid     uint64
}

// parseBoltMeta decodes and checks one meta page (its first
// boltMetaPageBytes bytes).
func parseBoltMeta(page []byte) (boltMeta, bool) {
	if len(page) < boltMetaPageBytes {
		return boltMeta{}, false
	}
	m := page[boltPageHeader:boltMetaPageBytes]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:boltMetaChecksum])
	if h.Sum64() != le.Uint64(m[boltMetaChecksum:]) {
		return boltMeta{}, false
	}
	meta := boltMeta{pageSize: le.Uint32(m[8:]), pages: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if meta.pageSize < boltMinPageSize || meta.pageSize > boltMaxPageSize || meta.pageSize&(meta.pageSize-1) != 0 {
		return boltMeta{}, false
	}
	return meta, true
}

// checkStoreFile checks, before bbolt maps it, that the file at path is as
// long as its header says: the newest valid of its two meta pages (the one
// bbolt would use) announces how many pages the store has. An empty or
// missing file is left to bbolt (it creates one).
func checkStoreFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return unavailable("opening "+path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return unavailable("opening "+path, err)
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	corrupt := func(format string, args ...any) error {
		return &corruptError{path: path, reason: fmt.Sprintf(format, args...)}
	}
	first := make([]byte, boltMetaPageBytes)
	if _, err := io.ReadFull(f, first); err != nil {
		return corrupt("%d bytes, too short for a ledger store's header", size)
	}
	best, ok := parseBoltMeta(first)
	// The second meta page is one page further; its page size is the
	// first one's, or, when the first is damaged, one of the sizes bbolt
	// could have used.
	sizes := []uint32{best.pageSize}
	if !ok {
		sizes = []uint32{4096, 8192, 16384, 65536, 512, 1024, 2048, 32768}
	}
	for _, ps := range sizes {
		second := make([]byte, boltMetaPageBytes)
		if _, err := f.ReadAt(second, int64(ps)); err != nil {
			continue
		}
		if m, ok2 := parseBoltMeta(second); ok2 && m.pageSize == ps && (!ok || m.txid > best.txid) {
			best, ok = m, true
			break
		}
	}
	if !ok {
		return corrupt("neither of its two header pages is valid")
	}
	want := uint64(best.pageSize) * best.pages
	if best.pages < 4 || want/uint64(best.pageSize) != best.pages {
		return corrupt("its header announces %d pages", best.pages)
	}
	if uint64(size) < want {
		return corrupt("truncated: its header announces %d pages of %d bytes (%d bytes), the file has %d bytes", best.pages, best.pageSize, want, size)
	}
	return nil
}
