package qrcode

import (
	"encoding/binary"
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
	rows, cols = rows[:side], cols[:side]
	for by := 0; by < side; by += 64 {
		band := rows[by:min(by+64, side)]
		for bx := 0; bx < side; bx += 64 {
			for i, row := range band {
				block[i] = row[bx>>6]
			}
			clear(block[len(band):])
			transpose64(&block)
			for i := range cols[bx:min(bx+64, side)] {
				cols[bx+i][by>>6] = block[i]
			}
		}
	}
}

// transpose64 transposes a 64×64 bit matrix, bit c of b[r] being (r, c):
// it swaps the off-diagonal 32×32 blocks, then within each half the
// off-diagonal 16×16 blocks, and so on down to single bits. Each level is
// written out with its shift and mask as constants.
func transpose64(b *[64]uint64) {
	swapBlocks(b, 32, 0x00000000FFFFFFFF)
	swapBlocks(b, 16, 0x0000FFFF0000FFFF)
	swapBlocks(b, 8, 0x00FF00FF00FF00FF)
	swapBlocks(b, 4, 0x0F0F0F0F0F0F0F0F)
	swapBlocks(b, 2, 0x3333333333333333)
	swapBlocks(b, 1, 0x5555555555555555)
}

// swapBlocks swaps, in every 2j×2j block on the diagonal of b, its
// off-diagonal j×j blocks: the bits of mask in the rows k (k&j = 0)
// shifted by j, with the bits of mask in the rows k+j.
func swapBlocks(b *[64]uint64, j uint, mask uint64) {
	for i := range 32 {
		k := (i&^int(j-1))<<1 | i&int(j-1) // the i-th row with bit j clear
		top, bottom := &b[k&63], &b[(k+int(j))&63]
		t := (*top>>j ^ *bottom) & mask
		*top ^= t << j
		*bottom ^= t
	}
}

// layout is what every symbol of one version shares: its function
// patterns, which modules carry data, and where each data bit goes. It is
// built once per version, on first use (layouts), and never changed after,
// so any number of encodings may read it at once.
type layout struct {
	version, side int
	// dark holds the dark modules of the function patterns, as rows
	// (index y, bit x); the format information is left light, to be
	// written with the mask. free holds the modules that carry data, the
	// ones a mask inverts, as rows and as columns (index x, bit y).
	dark               []bits3
	freeRows, freeCols []bits3
	// darkCols is dark as columns. runs lists where the data bits go,
	// in order (see placeRuns).
	darkCols []bits3
	runs     []placeRun
	// formatAcross[i] is where the modules of bit i of the format
	// information are in the lines across (see scratch.acrossPlace).
	formatAcross [15][4]uint32
	// maskAcross[k] holds, as lines across, the modules mask k inverts:
	// the free modules where its pattern is dark.
	maskAcross [8][]uint64
}

// layouts[v]() is the layout of version v, built on its first call (by
// sync.OnceValue) and shared, read-only, by every symbol of that version
// after: placing the codewords is then a few shifts per run of rows, where
// it was a walk of every module of the symbol, and masking one XOR per
// word. A version's layout takes 4 side×24 bytes, 8 bytes per run of rows
// and 8 words per module of the side and 64 lines across: 27 KB for
// version 15, 100 KB for version 40.
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
	lines := make([]bits3, 4*side)
	m := &layout{
		version:  v,
		side:     side,
		dark:     lines[0*side : 1*side],
		freeRows: lines[1*side : 2*side],
		freeCols: lines[2*side : 3*side],
		darkCols: lines[3*side : 4*side],
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
	transpose(m.dark, m.darkCols, side)
	m.runs = placeRuns(m.freeRows, side)
	across, copies := newScratch(side), [15]int{}
	none := make([]bits3, side)
	for mask := range m.maskAcross {
		across.gather(none, none, m.freeRows, m.freeCols, &maskRows[mask], &maskCols[mask])
		m.maskAcross[mask] = append([]uint64(nil), across.across[:across.groups*across.stride]...)
	}
	formatModules(side, func(bit, x, y int) {
		c, r := across.acrossPlace(x, y)
		m.formatAcross[bit][copies[bit]], m.formatAcross[bit][copies[bit]+1] = c, r
		copies[bit] += 2
	})
	return m
}

// placeRun is a run of rows, one after the other in a column pair, whose
// modules take the next data bits: both modules of each row (kind&pair),
// the right one first, or only one, in column x. The rows go upward
// (kind&up) or downward; low is the lowest, and there are at most
// maxRunRows, so that their bits, from bit at of the codewords (counted
// from the most significant bit of the first), are in one 64-bit word
// read from the codewords.
type placeRun struct {
	at            uint32
	low, rows     uint8
	x, left, kind uint8
}

const (
	runPair    = 1 // both modules of each row, x then left
	runUp      = 2 // from the highest row (low+rows−1) to the lowest
	maxRunRows = 28
)

// placeRuns lists the runs of rows that take the data bits, in the order
// the bits fill them: in columns two modules wide, from the right edge
// leftwards, going up then down in turn, right module before left;
// column 6 (the timing pattern) is skipped. A run ends where the free
// modules of the column pair change: a function pattern, or the edge.
func placeRuns(free []bits3, side int) []placeRun {
	var runs []placeRun
	isFree := func(x, y int) bool { return free[y][x>>6]>>(x&63)&1 != 0 }
	at := 0
	for right := side - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		left := right - 1
		upward := (right+1)&2 == 0
		var run *placeRun
		for vert := range side {
			y := vert
			if upward {
				y = side - 1 - vert
			}
			r, l := isFree(right, y), isFree(left, y)
			if !r && !l {
				run = nil
				continue
			}
			x, other, kind, bits := right, left, uint8(0), 1
			switch {
			case r && l:
				kind, bits = runPair, 2
			case l:
				x = left
			}
			if upward {
				kind |= runUp
			}
			if run == nil || run.kind != kind || int(run.x) != x || run.rows == maxRunRows {
				runs = append(runs, placeRun{at: uint32(at), low: uint8(y), x: uint8(x), kind: kind})
				if kind&runPair != 0 {
					runs[len(runs)-1].left = uint8(other)
				}
				run = &runs[len(runs)-1]
			}
			run.rows++
			run.low = uint8(min(int(run.low), y))
			at += bits
		}
	}
	return runs
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
	// function patterns and data. rows holds the masked symbol.
	darkRows, darkCols []bits3
	rows               []bits3
	scratch            *scratch // for penalty
}

// newMatrix returns the matrix of version v with its function patterns
// drawn, ready to place the codewords.
func newMatrix(v int) *matrix {
	l := layouts[v]()
	side := l.side
	lines := make([]bits3, 3*side)
	m := &matrix{
		layout:   l,
		darkRows: lines[0*side : 1*side],
		darkCols: lines[1*side : 2*side],
		rows:     lines[2*side : 3*side],
		scratch:  newScratch(side),
	}
	return m
}

// place writes the codewords, most significant bit first, in the free
// modules, run by run (see placeRun), into the columns; the rows are
// their transpose. The free modules past the last codeword (the remainder
// bits, 0 to 7) stay light. A run of up to 28 rows, or 56 bits, costs a
// few dozen word operations: its bits are read at once, the right and
// left modules' bits pulled apart (the even and the odd ones), and each
// column's written with a shift.
func (m *matrix) place(codewords []byte) {
	// The codewords, then zero bytes: the remainder bits, and room to
	// read eight bytes from any codeword. (interleave leaves that room,
	// zero, after its codewords.)
	stream := codewords[:len(codewords):len(codewords)]
	if cap(codewords) >= len(codewords)+8 {
		stream = codewords[:len(codewords)+8]
	} else {
		stream = append(stream, make([]byte, 8)...)
	}
	cols := m.darkCols
	copy(cols, m.layout.darkCols)
	for _, r := range m.runs {
		// The run's bits, the first at bit 63.
		x := binary.BigEndian.Uint64(stream[r.at>>3:]) << (r.at & 7)
		n := uint(r.rows)
		if r.kind&runPair == 0 {
			// Bit k of the run goes to row low+n−1−k going up,
			// low+k going down.
			v := x >> (64 - n)
			if r.kind&runUp == 0 {
				v = bits.Reverse64(x) & (1<<n - 1)
			}
			setRun(&cols[r.x], uint(r.low), v)
			continue
		}
		// Bits 2k and 2k+1 of the run go to the right and the left
		// module of its k-th row.
		if r.kind&runUp != 0 {
			// Bit 2k at 63−2k, odd, and 2k+1 at 62−2k: squeezed to
			// bit 31−k, then shifted to row low+n−1−k.
			setRun(&cols[r.x], uint(r.low), evenBits(x>>1)>>(32-n))
			setRun(&cols[r.left], uint(r.low), evenBits(x)>>(32-n))
		} else {
			// Reversed: bit 2k at 2k, 2k+1 at 2k+1, squeezed to bit
			// k, which is row low+k.
			x = bits.Reverse64(x)
			setRun(&cols[r.x], uint(r.low), evenBits(x)&(1<<n-1))
			setRun(&cols[r.left], uint(r.low), evenBits(x>>1)&(1<<n-1))
		}
	}
	transpose(m.darkCols, m.darkRows, m.side)
}

// evenBits returns bits 0, 2, 4… 62 of x as bits 0 to 31.
func evenBits(x uint64) uint64 {
	x &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	return (x | x>>16) & 0x00000000FFFFFFFF
}

// setRun ORs into line the bits of v from module low up (v has fewer than
// 64 bits, and ends inside the line).
func setRun(line *bits3, low uint, v uint64) {
	w, s := low>>6, low&63
	line[w] |= v << s
	line[min(w+1, 2)] |= v >> (64 - s) // 0 unless the run crosses a word; 0 if s is 0
}

// masked writes into m.rows the symbol with the given mask: free modules
// inverted where the mask pattern is dark, and the format information of
// level and mask.
func (m *matrix) masked(level Level, mask int) {
	applyMask(m.darkRows, m.freeRows, &maskRows[mask], m.rows)
	info := formatInfo(level, mask)
	rows := m.rows
	formatModules(m.side, func(bit, x, y int) {
		if info>>bit&1 != 0 {
			rows[y].set(x)
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
