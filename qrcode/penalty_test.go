package qrcode

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestMarksDisjoint checks what markScore relies on: within four steps,
// the starts of runs and the finder-like patterns of a line never share
// a bit, whatever the lines: random ones of several densities, and lines
// of repeated finder-like and run patterns, the worst cases.
func TestMarksDisjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	const side = 177
	starts, finders := 0, 0
	patterns := []string{"1011101", "10111010", "101110111010", "00000111110000011111", "1111100000", "10111"}
	for trial := range 200 {
		var c [crossLead + side + crossTrail]uint64
		density := float64(trial%10) / 10
		for lane := range 64 {
			p := patterns[lane%len(patterns)]
			shift := r.IntN(len(p))
			for i := range side {
				var dark bool
				if trial%2 == 0 {
					dark = r.Float64() < density
				} else {
					dark = p[(i+shift)%len(p)] == '1'
				}
				if dark {
					c[crossLead+i] |= 1 << lane
				}
			}
		}
		marks := make([][4]uint64, side-1)
		crossMarks(c[:], make([]uint64, len(c)), ^uint64(0), 0, marks)
		want := 0
		for i, m := range marks {
			want += bits.OnesCount64(m[0]) + (penaltyRun-1)*bits.OnesCount64(m[1]) + penaltyFinder*bits.OnesCount64(m[2])
			starts += bits.OnesCount64(m[1])
			finders += bits.OnesCount64(m[2])
			for k := 1; k <= 3 && i+k < len(marks); k++ {
				if m[1]&marks[i+k][1] != 0 || m[2]&marks[i+k][2] != 0 {
					t.Fatalf("trial %d: steps %d and %d share a mark", trial, i, i+k)
				}
			}
		}
		if got := markScore(marks); got != want {
			t.Fatalf("trial %d: markScore %d, counted one by one %d", trial, got, want)
		}
	}
	if starts < 1000 || finders < 1000 {
		t.Fatalf("only %d starts of runs and %d finder-like patterns: the lines test nothing", starts, finders)
	}
	t.Logf("%d starts of runs, %d finder-like patterns", starts, finders)
}
