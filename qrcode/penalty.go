package qrcode

import "math/bits"

// Scoring the masks. Of the whole of Encode, this is the part that
// counts: eight masked symbols, each scored by four rules over every row
// and every column.

// Penalty weights of the mask rules (ISO/IEC 18004 section 7.8.3.1).
const (
	penaltyRun     = 3  // N1: a run of 5 same-coloured modules, +1 each beyond
	penaltyBlock   = 3  // N2: each 2×2 block of one colour
	penaltyFinder  = 40 // N3: each finder-like 1:1:3:1:1 pattern beside 4 light modules
	penaltyBalance = 10 // N4: each 5 % of dark modules away from half
)

// The rules are read as ZXing reads them: a finder-like pattern counts
// once whether light on one side or both, and modules outside the symbol
// count as light.
//
// The rules along a line (N1 and N3) are scored on the lines across
// them, 64 lines at once: the rows and the columns of the symbol, one
// after the other, are the 2·side bits of a "line across", and the i-th
// line across (module i of every row, then module i of every column) is
// column i followed by row i. A step along the lines is then a step to
// the next line across, which needs no shifting, and rows and columns
// share words: a version 15 symbol's 154 lines take 3 words, not 4.

// bestMask returns the mask of lowest penalty (the lowest-numbered one
// among equals).
func (m *matrix) bestMask(level Level) int {
	best, bestScore := 0, 0
	for mask := range 8 {
		if score := m.penalty(level, mask); mask == 0 || score < bestScore {
			best, bestScore = mask, score
		}
	}
	return best
}

// penalty returns the penalty of the symbol with the given mask. The
// masked symbol is built straight into the lines across: the unmasked
// symbol's (gathered at the first call), with the modules the mask
// inverts, which the layout keeps for every mask, XORed in.
func (m *matrix) penalty(level Level, mask int) int {
	s := m.scratch
	if !s.gathered {
		s.gather(m.darkRows, m.darkCols, m.darkRows, m.darkCols, &noMask, &noMask)
		copy(s.unmasked, s.across)
		s.gathered = true
	}
	inverted := m.maskAcross[mask]
	across, unmasked := s.across[:len(inverted)], s.unmasked[:len(inverted)]
	for i, w := range inverted {
		across[i] = unmasked[i] ^ w
	}
	// The format information, dark where its bits are 1: each module
	// is in two lines across.
	info := uint64(formatInfo(level, mask))
	for bit, places := range &m.formatAcross {
		dark := info >> bit & 1
		for _, p := range places {
			across[p>>6] |= dark << (p & 63)
		}
	}
	return s.score()
}

// noMask is the pattern of no mask.
var noMask [maskPeriod]bits3

// penalty scores a symbol given as rows and columns (the tests hold it to
// gozxing's scoring).
func penalty(side int, rows, cols []bits3, s *scratch) int {
	s.gather(rows, cols, rows, cols, &noMask, &noMask)
	return s.score()
}

// scratch is the space penalty works in, for one symbol side.
type scratch struct {
	side, groups, stride int
	// across holds the lines across, word by word: groups of 64 lines,
	// each of stride words with the light lines around the symbol's
	// (crossLead before, crossTrail after), then a group of light
	// lines.
	across []uint64
	// marks[i] has, for each of the 64 lines, the bits that score from
	// module i: the runs of five (N1, weight 1), the starts of runs (N1,
	// weight 2), the finder-like patterns (N3) and the 2×2 blocks (N2).
	marks [][4]uint64
	// unmasked is across for the symbol before masking, once gathered.
	unmasked []uint64
	gathered bool
}

// crossLead and crossTrail are the light lines across kept before and
// after the symbol's, as ZXing reads the outside: N3 looks four modules
// before a pattern and up to ten after its first.
const crossLead, crossTrail = 4, 11

// newScratch returns the space penalty needs for a symbol of the given
// side.
func newScratch(side int) *scratch {
	s := &scratch{side: side, groups: (2*side + 63) / 64, stride: crossLead + side + crossTrail}
	words := (s.groups + 1) * s.stride
	lines := make([]uint64, 2*words)
	s.across, s.unmasked = lines[:words:words], lines[words:]
	s.marks = make([][4]uint64, side-1)
	return s
}

// acrossPlace returns where module (x, y) is in the lines across: its
// word in s.across<<6 | its bit, for the column and for the row.
func (s *scratch) acrossPlace(x, y int) (inColumn, inRow uint32) {
	place := func(line, i int) uint32 {
		return uint32((line>>6*s.stride+crossLead+i)<<6 | line&63)
	}
	return place(y, x), place(s.side+x, y)
}

// gather writes the lines across of the symbol dark (rows and columns)
// with the free modules inverted where the mask pattern is dark (its rows
// and columns; pattern[i%maskPeriod] is row or column i).
func (s *scratch) gather(darkRows, darkCols, freeRows, freeCols []bits3, patternRows, patternCols *[maskPeriod]bits3) {
	side, stride, groups := s.side, s.stride, s.groups
	darkRows, darkCols = darkRows[:side], darkCols[:side]
	freeRows, freeCols = freeRows[:side], freeCols[:side]
	across := s.across[:groups*stride]
	shift := uint(side & 63) // where the rows start in their first word
	first := side >> 6
	phase := 0
	for i := range side {
		c, fc, pc := &darkCols[i], &freeCols[i], &patternCols[phase]
		r, fr, pr := &darkRows[i], &freeRows[i], &patternRows[phase]
		r0, r1, r2 := r[0]^pr[0]&fr[0], r[1]^pr[1]&fr[1], r[2]^pr[2]&fr[2]
		var w [8]uint64
		w[0], w[1], w[2] = c[0]^pc[0]&fc[0], c[1]^pc[1]&fc[1], c[2]^pc[2]&fc[2]
		w[first&7] |= r0 << shift // r >> (64 − shift) is 0 if shift is 0
		w[(first+1)&7] |= r0>>(64-shift) | r1<<shift
		w[(first+2)&7] |= r1>>(64-shift) | r2<<shift
		w[(first+3)&7] |= r2 >> (64 - shift)
		at := crossLead + i
		for g := range groups {
			across[at] = w[g]
			at += stride
		}
		if phase++; phase == maskPeriod {
			phase = 0
		}
	}
}

// score returns the penalty of the symbol in the lines across.
func (s *scratch) score() int {
	side, stride := s.side, s.stride
	across := s.across[:(s.groups+1)*stride]
	score, dark := 0, 0
	marks := s.marks[:side-1]
	for g := range s.groups {
		// valid: the lines of this word; pairs: the rows j of this
		// word that have a row j+1 (for N2).
		valid := firstBits(2*side - 64*g)
		pairs := firstBits(side - 1 - 64*g)
		c := across[g*stride : (g+1)*stride]
		crossMarks(c, across[(g+1)*stride:(g+2)*stride], valid, pairs, marks)
		score += markScore(marks)
		// The dark modules, counted on the rows (the first side
		// lines across), the columns having the same.
		if rows := firstBits(side - 64*g); rows != 0 {
			dark += darkModules(c[crossLead:crossLead+side], rows)
		}
	}
	// N4: k whole 5 % steps between the share of dark modules and half.
	total := side * side
	return score + penaltyBalance*(abs(2*dark-total)*10/total)
}

// crossMarks marks in marks what scores by rules N1 and N3 along 64
// lines, held across: c[crossLead+i] has bit j when module i of line j is
// dark (c's first and last words are light). valid holds the lines there
// are. It also marks N2's 2×2 blocks of one colour whose top left module
// is on a row of pairs, below which is row j+1: the next bit, or bit 0 of
// next. Each rule has its own loop, in its own function: together, they
// would need more registers than the processor has, and the compiler
// would keep some in memory.
func crossMarks(c, next []uint64, valid, pairs uint64, marks [][4]uint64) {
	side := len(marks) + 1
	line := c[crossLead : crossLead+side]
	markRuns(line, valid, marks)
	markFinders(c[:crossLead+side+crossTrail], marks)
	markBlocks(line, next[crossLead:crossLead+side], pairs, marks)
}

// markRuns marks rule N1 in marks[i][0] and [1]: same has bit j when
// modules i and i+1 of line j have one colour; run5 when modules i−3 to
// i+1 do, a run of 5 ending at i+1. A run of n ≥ 5 scores 3 + (n−5): the
// n−4 steps it sets run5 (marks[i][0]), and 2 more at its start
// (marks[i][1]).
func markRuns(line []uint64, valid uint64, marks [][4]uint64) {
	// same1..3 are same of the three steps before, run that of run5 the
	// step before.
	var same1, same2, same3, run uint64
	marks = marks[:len(line)-1]
	a := line[0]
	for i, b := range line[1:] {
		same := valid &^ (a ^ b)
		run5 := same & same1 & same2 & same3
		marks[i][0], marks[i][1] = run5, run5&^run
		same1, same2, same3, run, a = same, same1, same2, run5, b
	}
}

// markFinders marks rule N3 in marks[i][2]: dark-light-dark-dark-dark-
// light-dark from module i, with four light modules before it (i−4 to
// i−1) or after it (i+7 to i+10). c[crossLead+k] is module k.
func markFinders(c []uint64, marks [][4]uint64) {
	for w, m := c, marks; len(m) > 0 && len(w) >= crossLead+11; w, m = w[1:], m[1:] {
		w := w[:crossLead+11] // w[crossLead+k] is module i+k
		core := w[crossLead] &^ w[crossLead+1] & w[crossLead+2] & w[crossLead+3] & w[crossLead+4] &^ w[crossLead+5] & w[crossLead+6]
		darkBefore := w[crossLead-4] | w[crossLead-3] | w[crossLead-2] | w[crossLead-1]
		darkAfter := w[crossLead+7] | w[crossLead+8] | w[crossLead+9] | w[crossLead+10]
		m[0][2] = core &^ (darkBefore & darkAfter)
	}
}

// markBlocks marks rule N2 in marks[i][3]: the blocks from module i of
// rows j and j+1 to module i+1 of both, for the rows j of pairs. Row j+1
// is the next bit, or bit 0 of below for bit 63.
func markBlocks(line, below []uint64, pairs uint64, marks [][4]uint64) {
	marks = marks[:len(line)-1]
	if pairs == 0 {
		for i := range marks {
			marks[i][3] = 0
		}
		return
	}
	below = below[:len(line)]
	// vertical has bit j when module i of rows j and j+1 have one
	// colour.
	vertical := func(w, below uint64) uint64 { return ^(w ^ (w>>1 | below<<63)) & pairs }
	a, vHere := line[0], vertical(line[0], below[0])
	for i, b := range line[1:] {
		vNext := vertical(b, below[i+1])
		marks[i][3] = vHere & vNext &^ (a ^ b)
		a, vHere = b, vNext
	}
}

// markScore returns the score of the marks (see scratch.marks). It is
// apart from the loops that mark: bits.OnesCount64 may call a function
// (on processors without POPCNT), so the compiler saves the registers in
// use around it, which in those loops cost more than the rest.
//
// Four steps at a time, the starts of runs and the finder-like patterns
// of the four are counted together, ORed: in a line, two starts are at
// least five modules apart (from a start to the next, the colour must
// change and stay the same for five modules), and two finder-like
// patterns at least four (1011101 shifted by one, two or three modules
// contradicts itself), so the four words have no bit in common.
//
//go:noinline
func markScore(marks [][4]uint64) int {
	score := 0
	for len(marks) >= 4 {
		m := (*[4][4]uint64)(marks[:4])
		score += bits.OnesCount64(m[0][0]) + bits.OnesCount64(m[1][0]) +
			bits.OnesCount64(m[2][0]) + bits.OnesCount64(m[3][0]) +
			(penaltyRun-1)*bits.OnesCount64(m[0][1]|m[1][1]|m[2][1]|m[3][1]) +
			penaltyFinder*bits.OnesCount64(m[0][2]|m[1][2]|m[2][2]|m[3][2]) +
			penaltyBlock*(bits.OnesCount64(m[0][3])+bits.OnesCount64(m[1][3])+
				bits.OnesCount64(m[2][3])+bits.OnesCount64(m[3][3]))
		marks = marks[4:]
	}
	for i := range marks {
		m := &marks[i]
		score += bits.OnesCount64(m[0]) + (penaltyRun-1)*bits.OnesCount64(m[1]) +
			penaltyFinder*bits.OnesCount64(m[2]) + penaltyBlock*bits.OnesCount64(m[3])
	}
	return score
}

// darkModules returns the number of dark bits of words among the bits of
// lines.
func darkModules(words []uint64, lines uint64) int {
	n := 0
	for _, w := range words {
		n += bits.OnesCount64(w & lines)
	}
	return n
}

// firstBits returns the word whose first n bits are set (none if n ≤ 0,
// all if n ≥ 64).
func firstBits(n int) uint64 {
	switch {
	case n <= 0:
		return 0
	case n >= 64:
		return ^uint64(0)
	}
	return 1<<n - 1
}
