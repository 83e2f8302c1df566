package provenance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/org"
)

// Store is a platform's off-ledger store of resources: folder manifests
// (their paths can be personal) and authors' attributions (personal), by
// resource digest. It lives in <home>/resources/:
//
//	manifests/<digest>            the manifest of folder resource <digest>
//	attributions/<digest>.jws     the attribution statement of resource <digest>
//	attributions/<digest>.erased  the time its attribution was erased
//
// Files are written atomically, 0600 in 0700 folders.
type Store struct {
	// Dir is the store's folder.
	Dir string
}

// NewStore returns the store of the Sceau home home.
func NewStore(home string) *Store { return &Store{Dir: org.Home(home).ResourcesDir()} }

// ErrNotStored is wrapped by errors for what the store does not hold.
var ErrNotStored = errors.New("not in this platform's store")

func (s *Store) manifestPath(digest string) string {
	return filepath.Join(s.Dir, "manifests", digest)
}

func (s *Store) attributionPath(digest string) string {
	return filepath.Join(s.Dir, "attributions", digest+".jws")
}

func (s *Store) erasedPath(digest string) string {
	return filepath.Join(s.Dir, "attributions", digest+".erased")
}

// write stores data at path, creating its folder; it reports whether the
// file is new.
func write(path string, data []byte) (bool, error) {
	_, err := os.Stat(path)
	created := errors.Is(err, fs.ErrNotExist)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o600); err != nil {
		return false, err
	}
	return created, nil
}

// PutManifest stores a folder's manifest under its digest; it reports
// whether it was not stored yet.
func (s *Store) PutManifest(m *Manifest) (bool, error) {
	return write(s.manifestPath(m.Digest()), m.Bytes())
}

// Manifest returns the stored manifest of resource digest.
func (s *Store) Manifest(digest string) (*Manifest, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.manifestPath(digest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("manifest of %s: %w", digest, ErrNotStored)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of %s: %w", digest, err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("stored manifest of %s: %w", digest, err)
	}
	if m.Digest() != digest {
		return nil, fmt.Errorf("stored manifest of %s has digest %s: the file was altered", digest, m.Digest())
	}
	return m, nil
}

// ManifestDigests lists the digests of the stored manifests, sorted.
func (s *Store) ManifestDigests() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "manifests"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing manifests: %w", err)
	}
	var digests []string
	for _, e := range entries {
		if e.Type().IsRegular() && record.ValidateDigest(e.Name()) == nil {
			digests = append(digests, e.Name())
		}
	}
	slices.Sort(digests)
	return digests, nil
}

// PutAttribution stores the attribution statement of resource digest; it
// reports whether none was stored yet.
func (s *Store) PutAttribution(digest, statement string) (bool, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return false, err
	}
	if err := os.Remove(s.erasedPath(digest)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("storing the attribution of %s: %w", digest, err)
	}
	return write(s.attributionPath(digest), []byte(statement))
}

// Attribution returns the stored attribution statement of resource digest.
func (s *Store) Attribution(digest string) (string, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return "", err
	}
	data, err := os.ReadFile(s.attributionPath(digest))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("attribution of %s: %w", digest, ErrNotStored)
	}
	if err != nil {
		return "", fmt.Errorf("reading the attribution of %s: %w", digest, err)
	}
	return strings.TrimSpace(string(data)), nil
}

// AttributionErasedAt returns when the attribution of resource digest was
// erased from this store, if it was.
func (s *Store) AttributionErasedAt(digest string) (time.Time, bool) {
	if record.ValidateDigest(digest) != nil {
		return time.Time{}, false
	}
	data, err := os.ReadFile(s.erasedPath(digest))
	if err != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(data)))
	return t, err == nil
}

// EraseAttribution deletes the attribution statement of resource digest
// and records when (no personal data: the time only).
func (s *Store) EraseAttribution(digest string, now time.Time) error {
	if err := record.ValidateDigest(digest); err != nil {
		return err
	}
	path := s.attributionPath(digest)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("attribution of %s: %w", digest, ErrNotStored)
	}
	if _, err := write(s.erasedPath(digest), []byte(now.UTC().Format(time.RFC3339)+"\n")); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("erasing the attribution of %s: %w", digest, err)
	}
	return fsutil.SyncDir(filepath.Dir(path))
}

// remove deletes a file the store wrote for a registration that failed.
func (s *Store) remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
