//go:build !unix

package embedded

import (
	"testing"
	"time"
)

// processCPU returns 0: the process's CPU time is read on Unix only, and
// benchmarks then report a CPU time of 0.
func processCPU(*testing.B) time.Duration { return 0 }
