package qrcode

import "math/bits"

// line is a row or a column of a symbol, one bit per module (1 is dark):
// module i is bit i%64 of word i/64. Three words hold the 177 modules of a
// version 40 side; the bits past the side are kept zero. Working on 64
// modules per instruction is what makes scoring the eight masks cheap.
type line [3]uint64

// Shifts across the three words, by 0 < k < 64.

// shr moves every module k places towards the start: bit i of the result
// is module i+k.
func shr(a line, k uint) line {
	return line{a[0]>>k | a[1]<<(64-k), a[1]>>k | a[2]<<(64-k), a[2] >> k}
}

// shl moves every module k places towards the end: bit i of the result is
// module i−k, zero for i < k.
func shl(a line, k uint) line {
	return line{a[0] << k, a[1]<<k | a[0]>>(64-k), a[2]<<k | a[1]>>(64-k)}
}

func (a line) has(i int) bool { return a[i>>6]>>(i&63)&1 != 0 }

func (a *line) set(i int) { a[i>>6] |= 1 << (i & 63) }

func (a line) count() int {
	return bits.OnesCount64(a[0]) + bits.OnesCount64(a[1]) + bits.OnesCount64(a[2])
}

// firstModules is the line whose first n modules are set.
func firstModules(n int) line {
	var l line
	for w := range l {
		switch {
		case n >= 64*(w+1):
			l[w] = ^uint64(0)
		case n > 64*w:
			l[w] = 1<<(n-64*w) - 1
		}
	}
	return l
}

// matrix is a symbol being built, held both as rows and as columns so that
// the penalty rules read columns as cheaply as rows.
type matrix struct {
	side int
	// dark holds the dark modules before masking: function patterns
	// and data. free holds the modules that carry data, the ones a mask
	// inverts. Each has rows (index y, bit x) and columns (index x, bit y).
	darkRows, darkCols []line
	freeRows, freeCols []line
}

// newMatrix returns the matrix of version v with its function patterns
// drawn (format information left light, to be written with the mask) and
// every other module free for data.
func newMatrix(v int) *matrix {
	side := symbolSide(v)
	lines := make([]line, 4*side)
	m := &matrix{
		side:     side,
		darkRows: lines[0*side : 1*side],
		darkCols: lines[1*side : 2*side],
		freeRows: lines[2*side : 3*side],
		freeCols: lines[3*side : 4*side],
	}
	all := firstModules(side)
	for i := range side {
		m.freeRows[i], m.freeCols[i] = all, all
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
	return m
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fix makes (x, y) a function module, dark or light.
func (m *matrix) fix(x, y int, dark bool) {
	m.freeRows[y][x>>6] &^= 1 << (x & 63)
	m.freeCols[x][y>>6] &^= 1 << (y & 63)
	if dark {
		m.darkRows[y].set(x)
		m.darkCols[x].set(y)
	}
}

// place writes the codewords, most significant bit first, in the free
// modules: in columns two modules wide, from the right edge leftwards,
// going up then down in turn, right module before left; column 6 (the
// timing pattern) is skipped. The free modules left over (the remainder
// bits, 0 to 7) stay light.
func (m *matrix) place(codewords []byte) {
	i, total := 0, 8*len(codewords)
	side := m.side
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
			for x := right; x >= right-1; x-- {
				if !m.freeRows[y].has(x) {
					continue
				}
				if i < total && codewords[i>>3]>>(7-i&7)&1 != 0 {
					m.darkRows[y].set(x)
					m.darkCols[x].set(y)
				}
				i++
			}
		}
	}
}

// masked writes into rows and cols the symbol with the given mask: free
// modules inverted where the mask pattern is dark, and the format
// information of level and mask.
func (m *matrix) masked(level Level, mask int, rows, cols []line) {
	for _, t := range [2]struct {
		dark, free, out []line
		pattern         *[maskPeriod]line
	}{
		{m.darkRows, m.freeRows, rows, &maskRows[mask]},
		{m.darkCols, m.freeCols, cols, &maskCols[mask]},
	} {
		for i, phase := 0, 0; i < m.side; i++ {
			p := &t.pattern[phase]
			d, f := &t.dark[i], &t.free[i]
			t.out[i] = line{d[0] ^ p[0]&f[0], d[1] ^ p[1]&f[1], d[2] ^ p[2]&f[2]}
			if phase++; phase == maskPeriod {
				phase = 0
			}
		}
	}
	info := formatInfo(level, mask)
	formatModules(m.side, func(bit, x, y int) {
		if info>>bit&1 != 0 {
			rows[y].set(x)
			cols[x].set(y)
		}
	})
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
	pairs := firstModules(side - 1) // positions that have a next module
	score, dark := 0, 0
	for i := range side {
		score += linePenalty(rows[i], pairs) + linePenalty(cols[i], pairs)
		dark += rows[i].count()
	}
	// N2: 2×2 blocks, counted from their top left module.
	blocks := 0
	for y := range side - 1 {
		a, b := rows[y], rows[y+1]
		same := line{^(a[0] ^ b[0]) & all[0], ^(a[1] ^ b[1]) & all[1], ^(a[2] ^ b[2]) & all[2]}
		nextSame, na := shr(same, 1), shr(a, 1)
		blocks += line{
			same[0] & nextSame[0] &^ (a[0] ^ na[0]),
			same[1] & nextSame[1] &^ (a[1] ^ na[1]),
			same[2] & nextSame[2] &^ (a[2] ^ na[2]),
		}.count()
	}
	score += penaltyBlock * blocks
	// N4: k whole 5 % steps between the share of dark modules and half.
	total := side * side
	score += penaltyBalance * (abs(2*dark-total) * 10 / total)
	return score
}

// linePenalty scores one row or column by rules N1 and N3.
func linePenalty(a line, pairs line) int {
	a1 := shr(a, 1)
	// N1: same[i] when modules i and i+1 have one colour; run5[i] when
	// modules i to i+4 do. A run of n ≥ 5 scores 3 + (n−5): its n−4 bits
	// of run5, and 2 more at its start.
	same := line{^(a[0] ^ a1[0]) & pairs[0], ^(a[1] ^ a1[1]) & pairs[1], ^(a[2] ^ a1[2]) & pairs[2]}
	s1, s2, s3 := shr(same, 1), shr(same, 2), shr(same, 3)
	run5 := line{
		same[0] & s1[0] & s2[0] & s3[0],
		same[1] & s1[1] & s2[1] & s3[1],
		same[2] & s1[2] & s2[2] & s3[2],
	}
	r1 := shl(run5, 1)
	starts := line{run5[0] &^ r1[0], run5[1] &^ r1[1], run5[2] &^ r1[2]}
	score := run5.count() + (penaltyRun-1)*starts.count()

	// N3: dark-light-dark-dark-dark-light-dark from module i, with four
	// light modules before it or after it.
	a2, a3, a4, a5, a6 := shr(a, 2), shr(a, 3), shr(a, 4), shr(a, 5), shr(a, 6)
	a7, a8, a9, a10 := shr(a, 7), shr(a, 8), shr(a, 9), shr(a, 10)
	b1, b2, b3, b4 := shl(a, 1), shl(a, 2), shl(a, 3), shl(a, 4)
	var finders int
	for w := range 3 {
		core := a[w] &^ a1[w] & a2[w] & a3[w] & a4[w] &^ a5[w] & a6[w]
		darkBefore := b1[w] | b2[w] | b3[w] | b4[w]
		darkAfter := a7[w] | a8[w] | a9[w] | a10[w]
		finders += bits.OnesCount64(core &^ (darkBefore & darkAfter))
	}
	return score + penaltyFinder*finders
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
