package fsutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
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
	tmp, tmpName, err := createTemp(path, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = rename(tmpName, path)
	}
	if werr != nil {
		os.Remove(tmpName)
		return fmt.Errorf("writing %s: %w", path, werr)
	}
	return nil
}

// createTemp creates a hidden temporary file beside path, ".<name>.tmp-N",
// with perm (less the umask).
func createTemp(path string, perm os.FileMode) (*os.File, string, error) {
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
	return tmp, tmpName, err
}

// PlaceFile makes dst a copy of the file src, as WriteFileRenamed would
// write it (whole or not at all, without syncing), replacing any dst: a
// hard link when both are on one file system, so nothing is copied, else
// a copy with perm.
func PlaceFile(src, dst string, perm os.FileMode) error {
	if a, err := os.Stat(src); err == nil {
		if b, err := os.Stat(dst); err == nil && os.SameFile(a, b) {
			return nil // already linked
		}
	}
	tmp, tmpName, err := createTemp(dst, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	tmp.Close()
	os.Remove(tmpName)
	if err := os.Link(src, tmpName); err != nil {
		if err := copyFile(src, tmpName, perm); err != nil {
			os.Remove(tmpName)
			return fmt.Errorf("writing %s: %w", dst, err)
		}
	}
	if err := rename(tmpName, dst); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	return nil
}

// rename renames the file oldpath to newpath, replacing any file there:
// the rename system call alone. os.Rename first looks newpath up (an
// lstat, 1 system call in 3 of writing a small file) to refuse to replace
// a directory, which the kernel refuses anyway for a file.
func rename(oldpath, newpath string) error {
	if err := syscall.Rename(oldpath, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// copyFile copies src to a new file dst.
func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
