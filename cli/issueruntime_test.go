package cli

import (
	"runtime"
	"runtime/debug"
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

// The soft memory limit of an issuance is 128 MiB while little is live,
// then follows twice the live heap up to 224 MiB.
func TestIssuanceMemoryLimitFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, 128 * mib},
		{50 * mib, 128 * mib},
		{64 * mib, 128 * mib},
		{80 * mib, 160 * mib},
		{80*mib + 1, 161 * mib},
		{110 * mib, 220 * mib},
		{112 * mib, 224 * mib},
		{500 * mib, 224 * mib},
		{1 << 62, 224 * mib},
	} {
		if got := issuanceMemoryLimitFor(tc.live); got != tc.want {
			t.Errorf("live heap %d MiB: limit %d MiB, want %d MiB", tc.live/mib, got/mib, tc.want/mib)
		}
	}
}

// issuanceGC's restore stops following the live heap and gives back the
// settings it found.
func TestIssuanceGCRestores(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	percent := debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	restore := issuanceGC()
	if got := debug.SetMemoryLimit(-1); got != issuanceMemoryLimit {
		t.Errorf("soft limit during an issuance = %d, want %d", got, issuanceMemoryLimit)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("soft limit after = %d, want %d as before", got, before)
	}
	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("GOGC after = %d, want %d as before", got, percent)
	}
}

// The soft limit follows the most that was live lately, not the latest
// sample: a collection during a ledger commit sees a batch's pages live,
// the next one does not.
func TestRecentPeak(t *testing.T) {
	p := newRecentPeak(3)
	for i, tc := range []struct{ add, want uint64 }{
		{50, 50},
		{110, 110},
		{60, 110},
		{70, 110}, // 110 is still among the latest 3
		{65, 70},  // 110 is not
		{40, 70},
		{30, 65},
	} {
		if got := p.add(tc.add); got != tc.want {
			t.Errorf("after adding %d (step %d): peak %d, want %d", tc.add, i, got, tc.want)
		}
	}
}
