//go:build !unix

package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// fileHandle is what createTemp opens: an *os.File where there are no Unix
// descriptors (Windows).
type fileHandle = *os.File

// createTemp creates a hidden temporary file beside path, ".<name>.tmp-N",
// with perm, and returns it and its name.
func createTemp(path string, perm os.FileMode) (fileHandle, string, error) {
	dir, base := filepath.Split(path)
	var lastErr error
	for range 100 {
		tmpName := tempName(dir, base)
		f, err := os.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			return f, tmpName, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
		lastErr = err
	}
	return nil, "", lastErr
}

// writeFD writes all of data to f.
func writeFD(f fileHandle, data []byte) error {
	_, err := f.Write(data)
	return err
}

// closeFD flushes f to disk and closes it. Windows cannot flush a whole
// volume without administrator rights, so SyncFS has nothing to do there:
// each file is flushed here instead, before its rename makes it visible.
func closeFD(f fileHandle) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// closeCopy closes a copy PlaceFile made, flushed first as closeFD does.
func closeCopy(f *os.File) error { return closeFD(f) }
