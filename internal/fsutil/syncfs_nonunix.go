//go:build !unix

package fsutil

// SyncFS has nothing left to flush where there are no Unix file systems
// (Windows): WriteFileRenamed flushes each file before renaming it, and
// NTFS journals the directory entries themselves.
func SyncFS(string) error { return nil }

// SyncDir does nothing where a directory cannot be flushed (Windows opens
// directories read-only, and FlushFileBuffers refuses them): NTFS journals
// the directory entries a rename or a create changes.
func SyncDir(string) error { return nil }
