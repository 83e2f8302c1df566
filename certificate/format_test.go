package certificate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// formatWithStrconv is how appendNumber wrote numbers before it counted
// hundredths in integers: the reference it must equal.
func formatWithStrconv(v float64) string {
	b := strconv.AppendFloat(nil, v, 'f', 2, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b) == "-0" {
		return "0"
	}
	return string(b)
}

// TestNumbersAreWrittenAsStrconvRoundsThem holds the content stream's
// numbers to strconv's rounding of the float, halfway cases included:
// the page places things where it always has, to the hundredth of a point.
func TestNumbersAreWrittenAsStrconvRoundsThem(t *testing.T) {
	values := []float64{
		0, math.Copysign(0, -1), 1, -1, 0.5, 0.005, -0.005, 0.004, -0.004, 0.006, -0.006,
		0.015, 0.025, 1.005, 2.675, 1.115, 842, 595, 841.89, 595.28, 0.3 * pointsPerMM,
		51.02362204724409, 785.1968503937007, 1e8, -1e8, 1e9, 1e12, -123456.785,
		math.Nextafter(0.125, 1), math.Nextafter(0.125, 0), 0.125, 0.375, 10.995, 9.999,
		math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		values = append(values, (rng.Float64()-0.2)*1000)
	}
	// Every hundredth and halfway point of the page, as floats give them.
	for i := -100_000; i <= 100_000; i++ {
		values = append(values, float64(i)/100, (float64(i)+0.5)/100, float64(i)*0.01+0.005)
	}
	for _, v := range values {
		if got, want := string(appendNumber(nil, v)), formatWithStrconv(v); got != want {
			t.Errorf("appendNumber(%v) = %q, want %q", v, got, want)
		}
	}
	if got := string(appendNumber(nil, math.NaN())); got != formatWithStrconv(math.NaN()) {
		t.Errorf("appendNumber(NaN) = %q", got)
	}
}

func TestColourComponentsAreWrittenAsStrconvRoundsThem(t *testing.T) {
	for v := range 256 {
		got := string(appendComponent(nil, uint8(v)))
		if want := strconv.FormatFloat(float64(v)/255, 'f', 3, 64); got != want {
			t.Errorf("appendComponent(%d) = %q, want %q", v, got, want)
		}
	}
}
