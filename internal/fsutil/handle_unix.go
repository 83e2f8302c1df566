//go:build unix

package fsutil

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// fileHandle is what createTemp opens: a bare descriptor on Unix.
type fileHandle = int

// createTemp creates a hidden temporary file beside path, ".<name>.tmp-N",
// with perm (less the umask), and returns its descriptor and name.
//
// The file is opened with the system calls alone, not as an *os.File:
// os.OpenFile adds five more (fcntl calls and an attempt to register the
// file with the network poller, refused for a regular file), which cost
// as much as creating the file when writing thousands.
func createTemp(path string, perm os.FileMode) (fileHandle, string, error) {
	dir, base := filepath.Split(path)
	var (
		fd      int
		tmpName string
		err     error
	)
	// The temporary name is random, as os.CreateTemp's; opening it with perm
	// saves the chmod CreateTemp's 0600 would need.
	for range 100 {
		tmpName = tempName(dir, base)
		for {
			fd, err = syscall.Open(tmpName, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm.Perm()))
			if err != syscall.EINTR {
				break
			}
		}
		if err != syscall.EEXIST {
			break
		}
	}
	if err != nil {
		return -1, "", &os.PathError{Op: "open", Path: tmpName, Err: err}
	}
	return fd, tmpName, nil
}

// writeFD writes all of data to descriptor fd.
func writeFD(fd fileHandle, data []byte) error {
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "write", Path: "temporary file", Err: err}
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		data = data[n:]
	}
	return nil
}

// closeFD closes descriptor fd. On Linux, a close interrupted by a signal
// has closed the descriptor all the same: it is not retried.
func closeFD(fd fileHandle) error {
	if err := syscall.Close(fd); err != nil && err != syscall.EINTR {
		return &os.PathError{Op: "close", Path: "temporary file", Err: err}
	}
	return nil
}

// closeCopy closes a copy PlaceFile made; SyncFS flushes it with the rest.
func closeCopy(f *os.File) error { return f.Close() }
