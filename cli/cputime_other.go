//go:build !unix

package cli

import "time"

// processCPU returns the CPU time the process has used so far; this
// platform does not tell it (false).
func processCPU() (time.Duration, bool) { return 0, false }
