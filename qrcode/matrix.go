package qrcode

import (
	"math/bits"
	"sync"
)

// bits3 is a row or a column of a symbol, one bit per module (1 is dark):
// module i is bit i%64 of word i/64. Three words hold the 177 modules of a
// version 40 side; the bits past the side are kept zero.
type bits3 [3]uint64

func (b *bits3) set(i int) { b[i>>6] |= 1 << (i & 63) }

// maxSymbolSide is the side of a version 40 symbol.
const maxSymbolSide = 17 + 4*maxVersion

// transpose writes into cols the columns of the side×side matrix rows,
// 64×64 blocks at a time.
func transpose(rows, cols []bits3, side int) {
	var block [64]uint64
	words := (side + 63) / 64
	for by := range words {
		for bx := range words {
			for i := range 64 {
				block[i] = 0
				if y := 64*by + i; y < side {
					block[i] = rows[y][bx]
				}
			}
			transpose64(&block)
			for i := range 64 {
				if x := 64*bx + i; x < side {
					cols[x][by] = block[i]
				}
			}
		}
	}
}

// transpose64 transposes a 64×64 bit matrix, bit c of b[r] being (r, c):
// it swaps the off-diagonal 32×32 blocks, then within each half the
// off-diagonal 16×16 blocks, and so on down to single bits.
func transpose64(b *[64]uint64) {
	mask := uint64(0x00000000FFFFFFFF)
	for j := uint(32); j != 0; j >>= 1 {
		for k := 0; k < 64; k = (k + int(j) + 1) &^ int(j) {
			t := (b[k]>>j ^ b[k+int(j)]) & mask
			b[k] ^= t << j
			b[k+int(j)] ^= t
		}
		mask ^= mask << (j / 2)
	}
}

// layout is what every symbol of one version shares: its function
// patterns, which modules carry data, and where each data bit goes. It is
// built once per version, on first use (layouts), and never changed after,
// so any number of encodings may read it at once.
type layout struct {
	side int
	// dark holds the dark modules of the function patterns, as rows
	// (index y, bit x); the format information is left light, to be
	// written with the mask. free holds the modules that carry data, the
	// ones a mask inverts, as rows and as columns (index x, bit y).
	dark               []bits3
	freeRows, freeCols []bits3
	// steps lists where the data bits go, in order (see placeSteps).
	steps []placeStep
}

// layouts[v]() is the layout of version v, built on its first call (by
// sync.OnceValue) and shared, read-only, by every symbol of that version
// after: placing the codewords is then a table lookup per two bits, where
// it was a walk of every module of the symbol. A version's layout takes
// 3 side×24 bytes plus four bytes per two data bits: 12 KB for version 15.
var layouts = func() (l [maxVersion + 1]func() *layout) {
	for v := minVersion; v <= maxVersion; v++ {
		l[v] = sync.OnceValue(func() *layout { return newLayout(v) })
	}
	return l
}()

// newLayout draws the function patterns of version v and lists, in the
// order codewords fill them, the modules left free for data.
func newLayout(v int) *layout {
	side := symbolSide(v)
	lines := make([]bits3, 3*side)
	m := &layout{
		side:     side,
		dark:     lines[0*side : 1*side],
		freeRows: lines[1*side : 2*side],
		freeCols: lines[2*side : 3*side],
	}
	all := bits3{}
	for i := range side {
		all.set(i)
	}
	for i := range side {
		m.freeRows[i] = all
	}
	// Finder patterns in three corners, 7×7 rings around a 3×3 square,
	// each with a light separator on its inner sides.
	for _, corner := range [3][2]int{{0, 0}, {side - 7, 0}, {0, side - 7}} {
		for dy := -1; dy <= 7; dy++ {
			for dx := -1; dx <= 7; dx++ {
				x, y := corner[0]+dx, corner[1]+dy
				if x < 0 || y < 0 || x >= side || y >= side {
					continue
				}
				ring := max(abs(dx-3), abs(dy-3))
				m.fix(x, y, ring != 2 && ring != 4)
			}
		}
	}
	// Timing patterns: row 6 and column 6, alternately dark and light.
	for i := 8; i < side-8; i++ {
		m.fix(i, 6, i%2 == 0)
		m.fix(6, i, i%2 == 0)
	}
	// Alignment patterns: 5×5 rings around a dark module, at every pair
	// of centres except where the finder patterns are.
	centres := alignmentCentres(v)
	last := len(centres) - 1
	for i, cx := range centres {
		for j, cy := range centres {
			if i == 0 && j == 0 || i == 0 && j == last || i == last && j == 0 {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					m.fix(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	// Format information, written for each mask (see formatModules);
	// reserved here, with the module that is always dark.
	formatModules(side, func(_, x, y int) { m.fix(x, y, false) })
	m.fix(8, side-8, true)
	// Version information, from version 7: two 6×3 blocks, beside the
	// top right and the bottom left finder patterns.
	if v >= 7 {
		info := versionInfo(v)
		for i := range 18 {
			dark := info>>i&1 != 0
			a, b := side-11+i%3, i/3
			m.fix(a, b, dark)
			m.fix(b, a, dark)
		}
	}
	transpose(m.freeRows, m.freeCols, side)
	m.steps = placeSteps(m.freeRows, side)
	return m
}

// placeStep puts one or two data bits in one word of a row: bit at of
// the codewords (counted from the most significant bit of the first) and,
// for n = 2, the next one; they go in row y, word w, from bit s up, the
// first most significant. It is at<<17 | y<<9 | w<<7 | (n−1)<<6 | s: a
// step does not depend on the one before, so the processor runs several
// at once.
type placeStep uint32

func placeSteps(free []bits3, side int) []placeStep {
	var steps []placeStep
	isFree := func(x, y int) bool { return free[y][x>>6]>>(x&63)&1 != 0 }
	at := 0
	step := func(x, y, n int) placeStep {
		s := placeStep(at<<17 | y<<9 | x>>6<<7 | (n-1)<<6 | x&63)
		at += n
		return s
	}
	for right := side - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		left := right - 1
		upward := (right+1)&2 == 0
		for vert := range side {
			y := vert
			if upward {
				y = side - 1 - vert
			}
			r, l := isFree(right, y), isFree(left, y)
			switch {
			case r && l && right>>6 == left>>6:
				steps = append(steps, step(left, y, 2))
			default:
				if r {
					steps = append(steps, step(right, y, 1))
				}
				if l {
					steps = append(steps, step(left, y, 1))
				}
			}
		}
	}
	return steps
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fix makes (x, y) a function module, dark or light. (Rows only: the
// columns are the rows transposed, once all is drawn.)
func (m *layout) fix(x, y int, dark bool) {
	m.freeRows[y][x>>6] &^= 1 << (x & 63)
	if dark {
		m.dark[y].set(x)
	}
}

// matrix is a symbol being built, held both as rows and as columns so that
// the penalty rules read columns as cheaply as rows.
type matrix struct {
	*layout
	// darkRows and darkCols hold the dark modules before masking:
	// function patterns and data. rows and cols hold the masked symbol.
	darkRows, darkCols []bits3
	rows, cols         []bits3
	scratch            *scratch // for penalty
}

// newMatrix returns the matrix of version v with its function patterns
// drawn, ready to place the codewords.
func newMatrix(v int) *matrix {
	l := layouts[v]()
	side := l.side
	lines := make([]bits3, 4*side)
	m := &matrix{
		layout:   l,
		darkRows: lines[0*side : 1*side],
		darkCols: lines[1*side : 2*side],
		rows:     lines[2*side : 3*side],
		cols:     lines[3*side : 4*side],
		scratch:  newScratch(side),
	}
	copy(m.darkRows, l.dark)
	return m
}

// place writes the codewords, most significant bit first, in the free
// modules, by the steps of the layout. The free modules past the last
// codeword (the remainder bits, 0 to 7) stay light. There are no
// branches on the bits, which are random, and the steps one after the
// other write different rows, so none waits for the one before.
func (m *matrix) place(codewords []byte) {
	// The codewords, then two zero bytes: the remainder bits, and room to
	// read two bytes from any codeword.
	stream := make([]byte, len(codewords)+2)
	copy(stream, codewords)
	rows := m.darkRows
	for _, s := range m.steps {
		at := s >> 17
		pair := uint32(stream[at>>3])<<8 | uint32(stream[at>>3+1])
		n := s>>6&1 + 1
		bits := pair << (16 + at&7) >> (32 - n)
		rows[s>>9&0xFF][s>>7&3] |= uint64(bits) << (s & 63)
	}
	transpose(m.darkRows, m.darkCols, m.side)
}

// masked writes into m.rows and m.cols the symbol with the given mask:
// free modules inverted where the mask pattern is dark, and the format
// information of level and mask.
func (m *matrix) masked(level Level, mask int) {
	applyMask(m.darkRows, m.freeRows, &maskRows[mask], m.rows)
	applyMask(m.darkCols, m.freeCols, &maskCols[mask], m.cols)
	info := formatInfo(level, mask)
	rows, cols := m.rows, m.cols
	formatModules(m.side, func(bit, x, y int) {
		if info>>bit&1 != 0 {
			rows[y].set(x)
			cols[x].set(y)
		}
	})
}

// applyMask writes into out the lines dark with the free modules inverted
// where the pattern (which repeats every maskPeriod lines) is dark.
func applyMask(dark, free []bits3, pattern *[maskPeriod]bits3, out []bits3) {
	dark, free = dark[:len(out)], free[:len(out)]
	phase := 0
	for i := range out {
		p, d, f := &pattern[phase], &dark[i], &free[i]
		out[i] = bits3{d[0] ^ p[0]&f[0], d[1] ^ p[1]&f[1], d[2] ^ p[2]&f[2]}
		if phase++; phase == maskPeriod {
			phase = 0
		}
	}
}

// formatModules calls f for each of the 30 modules of the format
// information, with the index of the bit it shows (0 is the least
// significant) and its place: the 15 bits are written twice, around the
// top left finder pattern and split between the two others.
func formatModules(side int, f func(bit, x, y int)) {
	for i := range 6 {
		f(i, 8, i)
	}
	f(6, 8, 7)
	f(7, 8, 8)
	f(8, 7, 8)
	for i := 9; i < 15; i++ {
		f(i, 14-i, 8)
	}
	for i := range 8 {
		f(i, side-1-i, 8)
	}
	for i := 8; i < 15; i++ {
		f(i, 8, side-15+i)
	}
}

// formatInfo is the 15-bit format information: the level and the mask
// (5 bits), a BCH(15,5) code of them (10 bits), XOR 101010000010010 so
// that it is never all light.
func formatInfo(level Level, mask int) uint32 {
	data := level.formatBits()<<3 | uint32(mask)
	rem := data
	for range 10 {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	return (data<<10 | rem&0x3FF) ^ 0x5412
}

// versionInfo is the 18-bit version information of version v ≥ 7: the
// version (6 bits) and a BCH(18,6) code of it (12 bits).
func versionInfo(v int) uint32 {
	rem := uint32(v)
	for range 12 {
		rem = rem<<1 ^ (rem>>11)*0x1F25
	}
	return uint32(v)<<12 | rem&0xFFF
}

// The eight mask patterns (ISO/IEC 18004 table 10): a free module at row
// y, column x is inverted when the condition holds. Every pattern repeats
// every 12 modules in each direction.
func maskDark(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

const maskPeriod = 12

// maskRows[mask][y%12] is the row y of a mask pattern; maskCols[mask][x%12]
// is its column x.
var maskRows, maskCols = func() (rows, cols [8][maskPeriod]bits3) {
	for mask := range 8 {
		for p := range maskPeriod {
			for i := range 3 * 64 {
				if maskDark(mask, i, p) {
					rows[mask][p].set(i)
				}
				if maskDark(mask, p, i) {
					cols[mask][p].set(i)
				}
			}
		}
	}
	return rows, cols
}()

// Penalty weights of the mask rules (ISO/IEC 18004 section 7.8.3.1).
const (
	penaltyRun     = 3  // N1: a run of 5 same-coloured modules, +1 each beyond
	penaltyBlock   = 3  // N2: each 2×2 block of one colour
	penaltyFinder  = 40 // N3: each finder-like 1:1:3:1:1 pattern beside 4 light modules
	penaltyBalance = 10 // N4: each 5 % of dark modules away from half
)

// penalty scores a masked symbol by the four rules; the mask of lowest
// score is chosen. The rules are read as ZXing reads them: a finder-like
// pattern counts once whether light on one side or both, and modules
// outside the symbol count as light. scratch is space for the lines
// across (newScratch).
//
// The rules along a line (N1 and N3) are scored on the lines across
// them, 64 lines at once: the rows and the columns of the symbol, one
// after the other, are the 2·side bits of a "line across", and the i-th
// line across (module i of every row, then module i of every column) is
// cols[i] followed by rows[i]. A step along the lines is then a step to
// the next line across, which needs no shifting, and rows and columns
// share words: a version 15 symbol's 154 lines take 3 words, not 4.
func penalty(side int, rows, cols []bits3, scratch *scratch) int {
	stride := crossLead + side + crossTrail
	groups := (2*side + 63) / 64
	across := scratch.across[:(groups+1)*stride]
	rows, cols = rows[:side], cols[:side]
	shift := uint(side & 63) // where the columns start in their first word
	first := side >> 6
	for i := range side {
		a, b := &cols[i], &rows[i]
		var w [8]uint64
		w[0], w[1], w[2] = a[0], a[1], a[2]
		w[first&7] |= b[0] << shift // b[k] >> (64 − shift) is 0 if shift is 0
		w[(first+1)&7] |= b[0]>>(64-shift) | b[1]<<shift
		w[(first+2)&7] |= b[1]>>(64-shift) | b[2]<<shift
		w[(first+3)&7] |= b[2] >> (64 - shift)
		at := crossLead + i
		for g := range groups {
			across[at] = w[g]
			at += stride
		}
	}
	dark := 0
	for i := range rows {
		dark += bits.OnesCount64(rows[i][0]) + bits.OnesCount64(rows[i][1]) + bits.OnesCount64(rows[i][2])
	}
	score := 0
	marks := scratch.marks[:side-1]
	for g := range groups {
		// valid: the lines of this word; pairs: the rows j of this
		// word that have a row j+1 (for N2).
		valid := firstBits(2*side - 64*g)
		pairs := firstBits(side - 1 - 64*g)
		crossMarks(across[g*stride:(g+1)*stride], across[(g+1)*stride:(g+2)*stride], valid, pairs, marks)
		// Counted apart: bits.OnesCount64 may call a function (on
		// processors without POPCNT), so the compiler saves every
		// register around it, which in crossMarks' loop cost more
		// than the rest.
		for i := range marks {
			m := &marks[i]
			score += bits.OnesCount64(m[0]) + (penaltyRun-1)*bits.OnesCount64(m[1]) +
				penaltyFinder*bits.OnesCount64(m[2]) + penaltyBlock*bits.OnesCount64(m[3])
		}
	}
	// N4: k whole 5 % steps between the share of dark modules and half.
	total := side * side
	return score + penaltyBalance*(abs(2*dark-total)*10/total)
}

// scratch is the space penalty works in, for one symbol side.
type scratch struct {
	// across holds the lines across, word by word: 64 lines each, and
	// one word of light lines after them.
	across []uint64
	// marks[i] has, for each of the 64 lines, the bits that score from
	// module i: the runs of five (N1, weight 1), the starts of runs (N1,
	// weight 2), the finder-like patterns (N3) and the 2×2 blocks (N2).
	marks [][4]uint64
}

// crossLead and crossTrail are the light lines across kept before and
// after the symbol's, as ZXing reads the outside: N3 looks four modules
// before a pattern and up to ten after its first.
const crossLead, crossTrail = 4, 11

// newScratch returns the space penalty needs for a symbol of the given
// side.
func newScratch(side int) *scratch {
	return &scratch{
		across: make([]uint64, ((2*side+63)/64+1)*(crossLead+side+crossTrail)),
		marks:  make([][4]uint64, side-1),
	}
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

// crossMarks marks in marks what scores by rules N1 and N3 along 64
// lines, held across: c[crossLead+i] has bit j when module i of line j is
// dark (c's first and last words are light). valid holds the lines there
// are. It also marks N2's 2×2 blocks of one colour whose top left module
// is on a row of pairs, below which is row j+1: the next bit, or bit 0 of
// next.
func crossMarks(c, next []uint64, valid, pairs uint64, marks [][4]uint64) {
	side := len(marks) + 1
	c, next = c[:crossLead+side+crossTrail], next[crossLead:crossLead+side]
	// vertical(i) has bit j when module i of rows j and j+1 have one
	// colour.
	vertical := func(i int) uint64 {
		w := c[crossLead+i]
		return ^(w ^ (w>>1 | next[i]<<63)) & pairs
	}
	vHere := vertical(0)
	// same1..3 are same of the three steps before; run that of run5
	// the step before.
	var same1, same2, same3, run uint64
	for i := range marks {
		w := (*[crossLead + 11]uint64)(c[i:]) // w[crossLead+k] is module i+k
		a, b := w[crossLead], w[crossLead+1]
		m := &marks[i]

		// N1: same has bit j when modules i and i+1 of line j have one
		// colour; run5 when modules i−3 to i+1 do, a run of 5 ending at
		// i+1. A run of n ≥ 5 scores 3 + (n−5): the n−4 steps it sets
		// run5, and 2 more at its start.
		same := valid &^ (a ^ b)
		run5 := same & same1 & same2 & same3
		m[0], m[1] = run5, run5&^run
		same1, same2, same3, run = same, same1, same2, run5

		// N3: dark-light-dark-dark-dark-light-dark from module i, with
		// four light modules before it (i−4 to i−1) or after it (i+7
		// to i+10).
		core := a &^ b & w[crossLead+2] & w[crossLead+3] & w[crossLead+4] &^ w[crossLead+5] & w[crossLead+6]
		darkBefore := w[crossLead-4] | w[crossLead-3] | w[crossLead-2] | w[crossLead-1]
		darkAfter := w[crossLead+7] | w[crossLead+8] | w[crossLead+9] | w[crossLead+10]
		m[2] = core &^ (darkBefore & darkAfter)

		// N2: blocks from module i of rows j and j+1 to module i+1 of
		// both.
		vNext := vertical(i + 1)
		m[3] = same & vHere & vNext
		vHere = vNext
	}
}

// bestMask returns the mask of lowest penalty (the lowest-numbered one
// among equals), leaving m.rows and m.cols to be overwritten.
func (m *matrix) bestMask(level Level) int {
	best, bestScore := 0, 0
	for mask := range 8 {
		m.masked(level, mask)
		if score := penalty(m.side, m.rows, m.cols, m.scratch); mask == 0 || score < bestScore {
			best, bestScore = mask, score
		}
	}
	return best
}
