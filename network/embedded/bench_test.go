package embedded

import (
	"context"
	"fmt"
	"strconv"
	"testing"
)

// BenchmarkSubmit commits write-heavy transactions: each writes n new keys
// of 400-byte values (about the size of a digest status record), as an
// anchoring of n credentials does.
func BenchmarkSubmit(b *testing.B) {
	for _, n := range []int{1, 1000, 50000} {
		b.Run(fmt.Sprintf("writes=%d", n), func(b *testing.B) {
			l, _ := newTestLedger(b)
			ctx := context.Background()
			count, size := strconv.Itoa(n), "400"
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := l.Submit(ctx, "ministry", "putmany", fmt.Sprintf("b%06d-", i), count, size); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// BenchmarkEvaluate reads one key, as a verifier checking a status does.
func BenchmarkEvaluate(b *testing.B) {
	l, _ := newTestLedger(b)
	mustSubmit(b, l, "ministry", "putmany", "k", "10000", "400")
	ctx := context.Background()
	for b.Loop() {
		if _, err := l.Evaluate(ctx, "", "get", "k00005000"); err != nil {
			b.Fatal(err)
		}
	}
}
