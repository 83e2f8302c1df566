//go:build unix && !linux

package fsutil

import "golang.org/x/sys/unix"

// SyncFS flushes pending writes to disk. Without Linux's syncfs, it syncs
// every file system.
func SyncFS(dir string) error {
	unix.Sync()
	return SyncDir(dir)
}
