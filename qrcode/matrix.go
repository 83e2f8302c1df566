package qrcode

import "math/bits"

// line is a row or a column of a symbol, one bit per module (1 is dark):
// module i is bit i%64 of word i/64. Three words hold the 177 modules of a
// version 40 side; the bits past the side are kept zero. Working on 64
// modules per instruction is what makes scoring the eight masks cheap. (A
// struct, not an array: the compiler keeps a struct's words in registers.)
type line struct{ w0, w1, w2 uint64 }

// shr moves every module k places towards the start (0 < k < 64): bit i
// of the result is module i+k.
func (a line) shr(k uint) line {
	return line{a.w0>>k | a.w1<<(64-k), a.w1>>k | a.w2<<(64-k), a.w2 >> k}
}

// shl moves every module k places towards the end (0 < k < 64): bit i of
// the result is module i−k, zero for i < k.
func (a line) shl(k uint) line {
	return line{a.w0 << k, a.w1<<k | a.w0>>(64-k), a.w2<<k | a.w1>>(64-k)}
}

func (a line) and(b line) line    { return line{a.w0 & b.w0, a.w1 & b.w1, a.w2 & b.w2} }
func (a line) andNot(b line) line { return line{a.w0 &^ b.w0, a.w1 &^ b.w1, a.w2 &^ b.w2} }
func (a line) or(b line) line     { return line{a.w0 | b.w0, a.w1 | b.w1, a.w2 | b.w2} }
func (a line) xor(b line) line    { return line{a.w0 ^ b.w0, a.w1 ^ b.w1, a.w2 ^ b.w2} }

func (a line) count() int {
	return bits.OnesCount64(a.w0) + bits.OnesCount64(a.w1) + bits.OnesCount64(a.w2)
}

// word returns a pointer to word w (0 to 2).
func (a *line) word(w int) *uint64 {
	switch w {
	case 0:
		return &a.w0
	case 1:
		return &a.w1
	}
	return &a.w2
}

func (a *line) set(i int) { *a.word(i >> 6) |= 1 << (i & 63) }

// firstModules is the line whose first n modules are set.
func firstModules(n int) line {
	var l line
	for w := range 3 {
		switch {
		case n >= 64*(w+1):
			*l.word(w) = ^uint64(0)
		case n > 64*w:
			*l.word(w) = 1<<(n-64*w) - 1
		}
	}
	return l
}

// bits3 is a line as the matrix stores it, where its words are indexed.
type bits3 [3]uint64

func (b *bits3) line() line { return line{b[0], b[1], b[2]} }

func (b *bits3) set(i int) { b[i>>6] |= 1 << (i & 63) }

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

// matrix is a symbol being built, held both as rows and as columns so that
// the penalty rules read columns as cheaply as rows.
type matrix struct {
	side int
	// dark holds the dark modules before masking: function patterns
	// and data. free holds the modules that carry data, the ones a mask
	// inverts. Each has rows (index y, bit x) and columns (index x, bit y).
	darkRows, darkCols []bits3
	freeRows, freeCols []bits3
}

// newMatrix returns the matrix of version v with its function patterns
// drawn (format information left light, to be written with the mask) and
// every other module free for data. Its dark columns are left to place.
func newMatrix(v int) *matrix {
	side := symbolSide(v)
	lines := make([]bits3, 4*side)
	m := &matrix{
		side:     side,
		darkRows: lines[0*side : 1*side],
		darkCols: lines[1*side : 2*side],
		freeRows: lines[2*side : 3*side],
		freeCols: lines[3*side : 4*side],
	}
	all := firstModules(side)
	for i := range side {
		m.freeRows[i] = bits3{all.w0, all.w1, all.w2}
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
	return m
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fix makes (x, y) a function module, dark or light. (Rows only: the
// columns are the rows transposed, once all is drawn.)
func (m *matrix) fix(x, y int, dark bool) {
	m.freeRows[y][x>>6] &^= 1 << (x & 63)
	if dark {
		m.darkRows[y].set(x)
	}
}

// place writes the codewords, most significant bit first, in the free
// modules: in columns two modules wide, from the right edge leftwards,
// going up then down in turn, right module before left; column 6 (the
// timing pattern) is skipped. The free modules left over (the remainder
// bits, 0 to 7) stay light.
func (m *matrix) place(codewords []byte) {
	side := m.side
	// Without branches on the bits, which are random: a module takes the
	// next bit if it is free, and the bit index moves on by as much. The
	// codewords get a zero byte for the remainder bits.
	data := append(codewords[:len(codewords):len(codewords)], 0)
	bit := uint(0)
	for right := side - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		upward := (right+1)&2 == 0
		for vert := range side {
			y := vert
			if upward {
				y = side - 1 - vert
			}
			free, dark := &m.freeRows[y], &m.darkRows[y]
			for x := right; x >= right-1; x-- {
				w, b := x>>6, uint(x&63)
				isFree := free[w] >> b & 1
				value := uint64(data[bit>>3]>>(7-bit&7)) & 1
				dark[w] |= isFree & value << b
				bit += uint(isFree)
			}
		}
	}
	transpose(m.darkRows, m.darkCols, side)
}

// masked writes into rows and cols the symbol with the given mask: free
// modules inverted where the mask pattern is dark, and the format
// information of level and mask.
func (m *matrix) masked(level Level, mask int, rows, cols []line) {
	applyMask(m.darkRows, m.freeRows, &maskRows[mask], rows)
	applyMask(m.darkCols, m.freeCols, &maskCols[mask], cols)
	info := formatInfo(level, mask)
	formatModules(m.side, func(bit, x, y int) {
		if info>>bit&1 != 0 {
			rows[y].set(x)
			cols[x].set(y)
		}
	})
}

// applyMask writes into out the lines dark with the free modules inverted
// where the pattern (which repeats every maskPeriod lines) is dark.
func applyMask(dark, free []bits3, pattern *[maskPeriod]line, out []line) {
	phase := 0
	for i := range out {
		out[i] = dark[i].line().xor(pattern[phase].and(free[i].line()))
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
var maskRows, maskCols = func() (rows, cols [8][maskPeriod]line) {
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
// outside the symbol count as light.
func penalty(side int, rows, cols []line) int {
	all := firstModules(side)
	pairs := firstModules(side - 1) // the modules that have a next one
	score, blocks, dark := 0, 0, 0
	for y, a := range rows {
		score += linePenalty(a, pairs)
		dark += a.count()
		if y+1 < side {
			// N2: the 2×2 blocks of one colour, counted from their
			// top left module: same colour as the module below, and
			// so is the next module, of the same colour as this one.
			below := all.andNot(a.xor(rows[y+1]))
			blocks += below.and(below.shr(1)).andNot(a.xor(a.shr(1))).count()
		}
	}
	for _, a := range cols {
		score += linePenalty(a, pairs)
	}
	score += penaltyBlock * blocks
	// N4: k whole 5 % steps between the share of dark modules and half.
	total := side * side
	return score + penaltyBalance*(abs(2*dark-total)*10/total)
}

// linePenalty scores one row or column by rules N1 and N3.
func linePenalty(a, pairs line) int {
	a1, a2 := a.shr(1), a.shr(2)

	// N1: same[i] when modules i and i+1 have one colour, run5[i] when
	// modules i to i+4 do. A run of n ≥ 5 scores 3 + (n−5): the n−4 bits
	// of run5 it sets, and 2 more at its start.
	same := pairs.andNot(a.xor(a1))
	same2 := same.and(same.shr(1))
	run5 := same2.and(same2.shr(2))
	starts := run5.andNot(run5.shl(1))
	score := run5.count() + (penaltyRun-1)*starts.count()

	// N3: dark-light-dark-dark-dark-light-dark from module i, "10" at i,
	// "111" at i+2, "01" at i+5, with four light modules before it or
	// after it. back4[i] when one of modules i−3 to i is dark.
	core := a.andNot(a1).and(a1.andNot(a).shr(5)).and(a.and(a1).and(a2).shr(2))
	back4 := a.or(a.shl(1)).or(a.shl(2)).or(a.shl(3))
	darkAround := back4.shl(1).and(back4.shr(10))
	return score + penaltyFinder*core.andNot(darkAround).count()
}

// bestMask returns the mask of lowest penalty (the lowest-numbered one
// among equals), using rows and cols as scratch space.
func (m *matrix) bestMask(level Level, rows, cols []line) int {
	best, bestScore := 0, 0
	for mask := range 8 {
		m.masked(level, mask, rows, cols)
		if score := penalty(m.side, rows, cols); mask == 0 || score < bestScore {
			best, bestScore = mask, score
		}
	}
	return best
}
