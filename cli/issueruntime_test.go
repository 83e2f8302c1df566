package cli

import (
	"runtime"
	"testing"
)

// An issuance runs its signing workers on the cores it was given and one
// scheduler P more, and gives GOMAXPROCS back when it ends; GOMAXPROCS set
// in the environment is left alone.
func TestIssuanceProcs(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	defer runtime.SetDefaultGOMAXPROCS()
	runtime.GOMAXPROCS(2)
	workers, restore := issuanceProcs()
	if workers != 2 {
		t.Errorf("signing workers = %d, want the 2 cores", workers)
	}
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Errorf("GOMAXPROCS during the issuance = %d, want 3", got)
	}
	restore()
	runtime.GOMAXPROCS(2)

	t.Setenv("GOMAXPROCS", "2")
	workers, restore = issuanceProcs()
	if got := runtime.GOMAXPROCS(0); workers != 2 || got != 2 {
		t.Errorf("with GOMAXPROCS=2 in the environment: workers %d, GOMAXPROCS %d; want 2 and 2", workers, got)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != 2 {
		t.Errorf("GOMAXPROCS after an issuance with GOMAXPROCS=2 set = %d, want 2", got)
	}
}
