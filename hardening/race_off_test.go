//go:build !race

package hardening

// raceDetector is set when the tests run with -race, which makes each
// verification several times slower: the sampled tests then sample less.
const raceDetector = false
