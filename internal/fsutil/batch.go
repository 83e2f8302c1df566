package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileRenamed writes data to path through a temporary file and a
// rename, so readers never see a half-written file, but without syncing:
// for many files at once, follow with one SyncFS instead of an fsync each.
func WriteFileRenamed(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmpName := tmp.Name()
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmpName, path)
	}
	if werr != nil {
		os.Remove(tmpName)
		return fmt.Errorf("writing %s: %w", path, werr)
	}
	return nil
}
