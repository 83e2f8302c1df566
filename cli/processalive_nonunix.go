//go:build !unix

package cli

import "os"

// processAlive reports whether process pid exists. Windows has no signal
// 0, but os.FindProcess opens the process, and fails when there is none.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
