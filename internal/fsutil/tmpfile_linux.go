package fsutil

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// writeFileLinked writes data to a nameless file (O_TMPFILE) in path's
// folder, then links it as path: whole or not at all, as a rename would,
// with one directory change instead of two. It returns false, and no
// error, when the file system has no nameless files or path is taken, for
// the caller to write through a temporary name instead; an error is a
// failure to write.
func writeFileLinked(path string, data []byte, perm os.FileMode) (bool, error) {
	dir := filepath.Dir(path)
	var (
		fd  int
		err error
	)
	for {
		fd, err = unix.Open(dir, unix.O_WRONLY|unix.O_TMPFILE|unix.O_CLOEXEC, uint32(perm.Perm()))
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		// Kernels and file systems without O_TMPFILE answer EISDIR or
		// EOPNOTSUPP; anything else (a missing folder) the rename path
		// meets and reports in its own words.
		return false, nil
	}
	if err := writeFD(fd, data); err != nil {
		closeFD(fd)
		return false, err
	}
	// Linking a descriptor by its /proc name needs no privilege (AT_EMPTY_PATH
	// would need CAP_DAC_READ_SEARCH).
	err = unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
	cerr := closeFD(fd)
	switch {
	case err == nil && cerr != nil:
		// Linked whole: a failed close of a file written without error
		// loses nothing, but is reported as os.WriteFile would.
		return true, cerr
	case err == nil:
		return true, nil
	case err == syscall.EEXIST, err == syscall.ENOENT, err == syscall.EPERM, err == syscall.EXDEV:
		// Taken (written again), or no /proc: the rename path.
		return false, nil
	default:
		return false, &os.PathError{Op: "link", Path: path, Err: err}
	}
}
