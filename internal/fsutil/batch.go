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
//
// Where the system allows it (Linux, a file system with O_TMPFILE), the
// file is written nameless and linked under path once whole, which is the
// same guarantee for about a third less system time than a temporary name
// and a rename; a path already taken (a file written again) falls back to
// the rename, which replaces it.
func WriteFileRenamed(path string, data []byte, perm os.FileMode) error {
	if linked, err := writeFileLinked(path, data, perm); linked || err != nil {
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	fd, tmpName, err := createTemp(path, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	werr := writeFD(fd, data)
	if cerr := closeFD(fd); werr == nil {
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

// tempName returns a random hidden name beside dir/base.
func tempName(dir, base string) string {
	return filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(uint64(rand.Uint32()), 10))
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
	// The link (or copy) takes a random hidden name, a new one when the
	// name is taken; no file is created only to reserve a name.
	dir, base := filepath.Split(dst)
	var tmpName string
	placed := false
	for try := 0; !placed && try < 100; try++ {
		tmpName = tempName(dir, base)
		err := os.Link(src, tmpName)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			// Another file system, or no hard links: a copy.
			if err := copyFile(src, tmpName, perm); err != nil {
				if errors.Is(err, fs.ErrExist) {
					continue
				}
				os.Remove(tmpName)
				return fmt.Errorf("writing %s: %w", dst, err)
			}
		}
		placed = true
	}
	if !placed {
		return fmt.Errorf("writing %s: no free temporary name beside it", dst)
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
	if cerr := closeCopy(out); err == nil {
		err = cerr
	}
	return err
}
