package provenance

import (
	"context"
	"fmt"
	"os"
)

// Content is a resource as found on disk: its digest and, for a folder,
// its manifest.
type Content struct {
	// Digest is the resource digest: the hex SHA-256 of a file's content,
	// or of a folder's manifest.
	Digest string
	// Manifest is the folder's manifest; nil for a file.
	Manifest *Manifest
}

// Hash returns the content of the file or folder at path.
func Hash(ctx context.Context, path string) (*Content, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading resource: %w", err)
	}
	if st.IsDir() {
		m, err := BuildManifest(ctx, path)
		if err != nil {
			return nil, err
		}
		return &Content{Digest: m.Digest(), Manifest: m}, nil
	}
	d, err := FileDigest(path)
	if err != nil {
		return nil, fmt.Errorf("reading resource: %w", err)
	}
	return &Content{Digest: d}, nil
}
