//go:build !linux

package fsutil

import "os"

// writeFileLinked is Linux's nameless file then link; elsewhere, the caller
// writes through a temporary name and a rename.
func writeFileLinked(string, []byte, os.FileMode) (bool, error) { return false, nil }
