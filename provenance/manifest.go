package provenance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sceau/sceau/chaincode/record"
	"golang.org/x/text/unicode/norm"
)

// ManifestHeader is the first line of every manifest, newline included.
const ManifestHeader = "sceau-resource-manifest-v1\n"

// Limits of what a resource may hold.
const (
	// MaxFiles is the most files a folder resource holds.
	MaxFiles = 10000
	// MaxPathLength is the longest relative path, in bytes.
	MaxPathLength = 1024
	// MaxFileSize is the largest file, in bytes.
	MaxFileSize = 4 << 30
	// MaxManifestSize is the largest manifest, in bytes.
	MaxManifestSize = len(ManifestHeader) + MaxFiles*(64+2+MaxPathLength+1)
)

// Entry is one file of a folder resource.
type Entry struct {
	// Path is the file's path relative to the folder: '/'-separated, NFC.
	Path string
	// Digest is the hex SHA-256 of the file's content.
	Digest string
}

// Manifest is the canonical list of a folder's files (see the package
// documentation for its format). It is immutable.
type Manifest struct {
	entries []Entry // sorted by path bytes, no path twice
}

// Entries returns the manifest's files, sorted by path.
func (m *Manifest) Entries() []Entry { return slices.Clone(m.entries) }

// Len returns the number of files.
func (m *Manifest) Len() int { return len(m.entries) }

// Lookup returns the digest of the file at path.
func (m *Manifest) Lookup(path string) (string, bool) {
	i, found := slices.BinarySearchFunc(m.entries, path, func(e Entry, p string) int { return strings.Compare(e.Path, p) })
	if !found {
		return "", false
	}
	return m.entries[i].Digest, true
}

// Bytes returns the manifest in its canonical text form.
func (m *Manifest) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString(ManifestHeader)
	for _, e := range m.entries {
		b.WriteString(e.Digest)
		b.WriteString("  ")
		b.WriteString(e.Path)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Digest returns the resource digest of the folder: the hex SHA-256 of
// the manifest's bytes.
func (m *Manifest) Digest() string {
	sum := sha256.Sum256(m.Bytes())
	return hex.EncodeToString(sum[:])
}

// NewManifest builds a manifest from entries in any order. Paths must be
// valid relative paths in NFC, digests lowercase hex SHA-256.
func NewManifest(entries []Entry) (*Manifest, error) {
	if len(entries) == 0 {
		return nil, errors.New("manifest: no file")
	}
	if len(entries) > MaxFiles {
		return nil, fmt.Errorf("manifest: %d files, the limit is %d", len(entries), MaxFiles)
	}
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	for i, e := range sorted {
		if err := checkPath(e.Path); err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		if !norm.NFC.IsNormalString(e.Path) {
			return nil, fmt.Errorf("manifest: path %q is not in Unicode NFC", e.Path)
		}
		if err := record.ValidateDigest(e.Digest); err != nil {
			return nil, fmt.Errorf("manifest: file %q: %w", e.Path, err)
		}
		if i > 0 && sorted[i-1].Path == e.Path {
			return nil, fmt.Errorf("manifest: path %q is listed twice", e.Path)
		}
	}
	return &Manifest{entries: sorted}, nil
}

// ParseManifest reads a manifest in its canonical text form, strictly:
// the header, then at least one line "<64 lowercase hex>  <path>\n" per
// file, sorted by path bytes, no path twice. Errors name the line (the
// header is line 1).
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("manifest is %d bytes, the limit is %d", len(data), MaxManifestSize)
	}
	rest, ok := bytes.CutPrefix(data, []byte(ManifestHeader))
	if !ok {
		return nil, fmt.Errorf("manifest line 1: want the header %q", strings.TrimSuffix(ManifestHeader, "\n"))
	}
	if len(rest) == 0 {
		return nil, errors.New("manifest lists no file")
	}
	if rest[len(rest)-1] != '\n' {
		return nil, errors.New("manifest does not end with a newline")
	}
	lines := strings.Split(string(rest[:len(rest)-1]), "\n")
	if len(lines) > MaxFiles {
		return nil, fmt.Errorf("manifest lists %d files, the limit is %d", len(lines), MaxFiles)
	}
	entries := make([]Entry, len(lines))
	for i, line := range lines {
		no := i + 2
		digest, path, ok := strings.Cut(line, "  ")
		if !ok {
			return nil, fmt.Errorf("manifest line %d: want \"<sha256 hex>  <path>\"", no)
		}
		if err := record.ValidateDigest(digest); err != nil {
			return nil, fmt.Errorf("manifest line %d: %w", no, err)
		}
		if err := checkPath(path); err != nil {
			return nil, fmt.Errorf("manifest line %d: %w", no, err)
		}
		if !norm.NFC.IsNormalString(path) {
			return nil, fmt.Errorf("manifest line %d: path %q is not in Unicode NFC", no, path)
		}
		if i > 0 && strings.Compare(entries[i-1].Path, path) >= 0 {
			return nil, fmt.Errorf("manifest line %d: path %q is not after %q: paths are sorted by bytes and unique", no, path, entries[i-1].Path)
		}
		entries[i] = Entry{Path: path, Digest: digest}
	}
	return &Manifest{entries: entries}, nil
}

// checkPath checks a manifest path: relative, '/'-separated, valid UTF-8,
// no empty, "." or ".." component, no control character or backslash, at
// most MaxPathLength bytes.
func checkPath(p string) error {
	if p == "" {
		return errors.New("empty path")
	}
	if len(p) > MaxPathLength {
		return fmt.Errorf("path %.60q… is %d bytes, the limit is %d", p, len(p), MaxPathLength)
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("path %q is not valid UTF-8", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fmt.Errorf("path %q contains %U: control characters and backslashes are not allowed", p, r)
		}
	}
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "":
			return fmt.Errorf("path %q is absolute or has an empty component", p)
		case ".", "..":
			return fmt.Errorf("path %q has a %q component", p, part)
		}
	}
	return nil
}

// BuildManifest walks folder dir and returns its manifest: every regular
// file, hidden ones included, by its path relative to dir normalised to
// NFC. Empty folders are ignored; symbolic links and special files are
// refused (naming them), as their content is not the folder's.
func BuildManifest(ctx context.Context, dir string) (*Manifest, error) {
	var entries []Entry
	seen := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		switch mode := d.Type(); {
		case mode.IsDir():
			return nil
		case mode&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link: a resource folder holds regular files only", p)
		case !mode.IsRegular():
			return fmt.Errorf("%s is not a regular file (%s): a resource folder holds regular files only", p, mode)
		}
		name := norm.NFC.String(filepath.ToSlash(rel))
		if err := checkPath(name); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if other, dup := seen[name]; dup {
			return fmt.Errorf("%s and %s have the same name once normalised to Unicode NFC", other, p)
		}
		seen[name] = p
		if len(entries) == MaxFiles {
			return fmt.Errorf("%s holds more than %d files", dir, MaxFiles)
		}
		digest, err := FileDigest(p)
		if err != nil {
			return err
		}
		entries = append(entries, Entry{Path: name, Digest: digest})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("building the manifest of %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("folder %s holds no file", dir)
	}
	return NewManifest(entries)
}

// FileDigest returns the hex SHA-256 of the content of the regular file at
// path, which may be at most MaxFileSize bytes.
func FileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		return "", fmt.Errorf("%s is %d bytes, the limit is %d", path, st.Size(), int64(MaxFileSize))
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	if n > MaxFileSize {
		return "", fmt.Errorf("%s grew past %d bytes while being read", path, int64(MaxFileSize))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Changes are the files that differ between two manifests.
type Changes struct {
	// Modified lists the paths in both whose content differs; Added the
	// paths only in the newer, Removed the paths only in the older. Each is
	// sorted.
	Modified []string `json:"modified,omitempty"`
	Added    []string `json:"added,omitempty"`
	Removed  []string `json:"removed,omitempty"`
}

// Empty reports whether nothing differs.
func (c Changes) Empty() bool { return len(c.Modified)+len(c.Added)+len(c.Removed) == 0 }

// Diff returns what changed from manifest older to manifest newer.
func Diff(older, newer *Manifest) Changes {
	var c Changes
	i, j := 0, 0
	for i < len(older.entries) || j < len(newer.entries) {
		switch {
		case j == len(newer.entries) || i < len(older.entries) && older.entries[i].Path < newer.entries[j].Path:
			c.Removed = append(c.Removed, older.entries[i].Path)
			i++
		case i == len(older.entries) || newer.entries[j].Path < older.entries[i].Path:
			c.Added = append(c.Added, newer.entries[j].Path)
			j++
		default:
			if older.entries[i].Digest != newer.entries[j].Digest {
				c.Modified = append(c.Modified, newer.entries[j].Path)
			}
			i++
			j++
		}
	}
	return c
}

// similarity scores how close two manifests are: files of the same path
// count one, and files of the same path and content one more.
func similarity(a, b *Manifest) int {
	score := 0
	i, j := 0, 0
	for i < len(a.entries) && j < len(b.entries) {
		switch c := strings.Compare(a.entries[i].Path, b.entries[j].Path); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			score++
			if a.entries[i].Digest == b.entries[j].Digest {
				score++
			}
			i++
			j++
		}
	}
	return score
}
