package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// WriteFileRenamed writes data to path through a temporary file and a
// rename, so readers never see a half-written file, but without syncing:
// for many files at once, follow with one SyncFS instead of an fsync each.
// The file is created with perm (less the umask), as os.WriteFile does.
//
// Creating files in one folder from several goroutines at once makes the
// kernel spin on the folder's lock: callers writing many files should write
// them from one goroutine.
func WriteFileRenamed(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	var (
		tmp     *os.File
		tmpName string
		err     error
	)
	// The temporary name is random, as os.CreateTemp's; opening it with perm
	// saves the chmod CreateTemp's 0600 would need.
	for range 100 {
		tmpName = filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(uint64(rand.Uint32()), 10))
		tmp, err = os.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
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
