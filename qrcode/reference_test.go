package qrcode

// The encoder and PNG writer as they were before they were made faster
// (segmentation without per-call tables, module-by-module placement,
// penalties scored along each line, Reed–Solomon a product at a time,
// PNG rows a pixel at a time), kept as the reference the new ones must
// equal output for output, and as the "before" of the benchmarks.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image/png"
	"io"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// encode builds the symbol of text at level, of the given version (0: the
// smallest that holds the text) and mask (−1: the one of lowest penalty).
// Tests force both to compare with other encoders.
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

func (b *bits3) line() line { return line{b[0], b[1], b[2]} }

// refMaskRows[mask][y%12] is the row y of a mask pattern; refMaskCols[mask][x%12]
// is its column x.
var refMaskRows, refMaskCols = func() (rows, cols [8][maskPeriod]line) {
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

// indicator is the 4-bit mode indicator that opens a segment.
func refIndicator(m mode) uint32 {
	return [...]uint32{modeNumeric: 1, modeAlphanumeric: 2, modeByte: 4}[m]
}

// countBits is the width of a segment's character count (ISO/IEC 18004
// table 3).
func refCountBits(m mode, r versionRange) int {
	return [...][3]int{
		modeNumeric:      {10, 12, 14},
		modeAlphanumeric: {9, 11, 13},
		modeByte:         {8, 16, 16},
	}[m][r]
}

// segmentBits is the length in bits of a segment of n characters in mode
// m, header included; ok is false when n overflows the character count.
func refSegmentBits(m mode, n int, r versionRange) (bits int, ok bool) {
	count := refCountBits(m, r)
	if n >= 1<<count {
		return 0, false
	}
	bits = 4 + count
	switch m {
	case modeNumeric:
		bits += 10*(n/3) + [3]int{0, 4, 7}[n%3]
	case modeAlphanumeric:
		bits += 11*(n/2) + 6*(n%2)
	default:
		bits += 8 * n
	}
	return bits, true
}

// modeOf is the narrowest mode that writes c.
func refModeOf(c byte) mode {
	switch {
	case c >= '0' && c <= '9':
		return modeNumeric
	case alphanumericValue[c] >= 0:
		return modeAlphanumeric
	}
	return modeByte
}

// classify cuts text into its maximal runs of characters of the same
// narrowest mode, and returns the widest mode it needs.
func refClassify(text string) (runs []segment, widest mode) {
	runs = make([]segment, 0, 16)
	for i := 0; i < len(text); {
		m := refModeOf(text[i])
		j := i + 1
		for j < len(text) && refModeOf(text[j]) == m {
			j++
		}
		runs = append(runs, segment{m, i, j})
		widest = max(widest, m)
		i = j
	}
	return runs, widest
}

// segmentText chooses the segments of a text for the versions of range r,
// from its runs (see classify), the way go-qrcode does so that both write
// the same bits: each run absorbs the following runs of narrower or equal
// modes as long as that is shorter than keeping them apart; then, if a
// single segment of the widest mode is no longer, it is that. ok is false
// when a segment overflows its character count in this range.
func refSegmentText(text string, runs []segment, widest mode, r versionRange) (s segmentation, ok bool) {
	if single, fits := refSegmentBits(widest, len(text), r); fits {
		s = segmentation{segments: []segment{{widest, 0, len(text)}}, bits: single}
		if len(runs) == 1 {
			return s, true
		}
	}
	var merged []segment
	total := 0
	for i := 0; i < len(runs); {
		m, n := runs[i].mode, runs[i].end-runs[i].start
		j := i + 1
		for ; j < len(runs); j++ {
			next, nextN := runs[j].mode, runs[j].end-runs[j].start
			if next > m {
				break
			}
			joined, fits := refSegmentBits(m, n+nextN, r)
			if !fits {
				break
			}
			apart, _ := refSegmentBits(m, n, r)
			nextBits, _ := refSegmentBits(next, nextN, r)
			if joined >= apart+nextBits {
				break
			}
			n += nextN
		}
		bits, fits := refSegmentBits(m, n, r)
		if !fits {
			return s, s.segments != nil
		}
		merged = append(merged, segment{m, runs[i].start, runs[i].start + n})
		total += bits
		i = j
	}
	if s.segments != nil && s.bits <= total {
		return s, true
	}
	return segmentation{segments: merged, bits: total}, true
}

// smallestVersion returns the smallest version that holds text at level,
// its range and the segments; ok is false when none does. The ranges are
// tried in turn: each counts characters on its own widths, so the segments
// may differ.
func refSmallestVersion(text string, runs []segment, widest mode, level Level) (version int, r versionRange, seg segmentation, ok bool) {
	for r = range 3 {
		// Fewer bits than 10 per 3 characters is impossible.
		if 10*len(text)/3 > 8*dataCodewords(rangeLast[r], level) {
			continue
		}
		s, fits := refSegmentText(text, runs, widest, r)
		if !fits {
			continue
		}
		for v := rangeFirst[r]; v <= rangeLast[r]; v++ {
			if s.bits <= 8*dataCodewords(v, level) {
				return v, r, s, true
			}
		}
	}
	return 0, 0, segmentation{}, false
}

// dataCodewordsOf writes the segments of text, then the terminator and
// the padding, as the capacity data codewords of the symbol.
func refDataCodewordsOf(text string, s segmentation, r versionRange, capacity int) []byte {
	w := bitWriter{buf: make([]byte, 0, capacity)}
	for _, seg := range s.segments {
		data := text[seg.start:seg.end]
		w.write(refIndicator(seg.mode), 4)
		w.write(uint32(len(data)), refCountBits(seg.mode, r))
		switch seg.mode {
		case modeNumeric:
			for len(data) >= 3 {
				w.write(uint32(data[0]-'0')*100+uint32(data[1]-'0')*10+uint32(data[2]-'0'), 10)
				data = data[3:]
			}
			switch len(data) {
			case 2:
				w.write(uint32(data[0]-'0')*10+uint32(data[1]-'0'), 7)
			case 1:
				w.write(uint32(data[0]-'0'), 4)
			}
		case modeAlphanumeric:
			for len(data) >= 2 {
				w.write(uint32(alphanumericValue[data[0]])*45+uint32(alphanumericValue[data[1]]), 11)
				data = data[2:]
			}
			if len(data) == 1 {
				w.write(uint32(alphanumericValue[data[0]]), 6)
			}
		default:
			for i := 0; i < len(data); i++ {
				w.write(uint32(data[i]), 8)
			}
		}
	}
	// The terminator: up to four zero bits, as many as there is room for.
	w.write(0, min(4, 8*capacity-w.bitLen()))
	w.flush()
	// Pad codewords, alternately 11101100 and 00010001, fill the rest.
	for i := 0; len(w.buf) < capacity; i++ {
		w.buf = append(w.buf, [2]byte{0xEC, 0x11}[i%2])
	}
	return w.buf
}

func refEncode(text string, level Level, version, mask int) (*Symbol, error) {
	if level > LevelH {
		return nil, fmt.Errorf("QR code: no error correction level %d", level)
	}
	if text == "" {
		return nil, errors.New("QR code: empty text")
	}
	if len(text) > maxTextBytes {
		return nil, fmt.Errorf("QR code of %d bytes: %w (at most %d digits at level L)", len(text), errTooLong, maxTextBytes)
	}
	runs, widest := refClassify(text)
	var (
		seg segmentation
		r   versionRange
		ok  bool
	)
	if version == 0 {
		if version, r, seg, ok = refSmallestVersion(text, runs, widest, level); !ok {
			return nil, fmt.Errorf("QR code of %d bytes: %w at level %s", len(text), errTooLong, level)
		}
	} else {
		if version < minVersion || version > maxVersion {
			return nil, fmt.Errorf("QR code: no version %d", version)
		}
		r = rangeOf(version)
		if seg, ok = refSegmentText(text, runs, widest, r); !ok || seg.bits > 8*dataCodewords(version, level) {
			return nil, fmt.Errorf("QR code of %d bytes: %w in version %d at level %s", len(text), errTooLong, version, level)
		}
	}
	data := refDataCodewordsOf(text, seg, r, dataCodewords(version, level))
	m := refNewMatrix(version)
	m.place(refInterleave(data, version, level))
	work := make([]line, 2*m.side)
	rows, cols := work[:m.side], work[m.side:]
	if mask < 0 {
		mask = m.bestMask(level, rows, cols)
	}
	m.masked(level, mask, rows, cols)
	return &Symbol{Version: version, Level: level, Mask: mask, Modules: refModules(rows, m.side)}, nil
}

// modules unpacks rows of bits into rows of booleans.
func refModules(rows []line, side int) [][]bool {
	cells := make([]bool, side*side)
	out := make([][]bool, side)
	for y, r := range rows {
		row := cells[y*side : (y+1)*side : (y+1)*side]
		for x := 0; x < side; x += 64 {
			w := *r.word(x >> 6)
			for i := x; i < min(x+64, side); i++ {
				row[i] = w&1 != 0
				w >>= 1
			}
		}
		out[y] = row
	}
	return out
}

// matrix is a symbol being built, held both as rows and as columns so that
// the penalty rules read columns as cheaply as rows.
type refMatrix struct {
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
func refNewMatrix(v int) *refMatrix {
	side := symbolSide(v)
	lines := make([]bits3, 4*side)
	m := &refMatrix{
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

// fix makes (x, y) a function module, dark or light. (Rows only: the
// columns are the rows transposed, once all is drawn.)
func (m *refMatrix) fix(x, y int, dark bool) {
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
func (m *refMatrix) place(codewords []byte) {
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
func (m *refMatrix) masked(level Level, mask int, rows, cols []line) {
	refApplyMask(m.darkRows, m.freeRows, &refMaskRows[mask], rows)
	refApplyMask(m.darkCols, m.freeCols, &refMaskCols[mask], cols)
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
func refApplyMask(dark, free []bits3, pattern *[maskPeriod]line, out []line) {
	phase := 0
	for i := range out {
		out[i] = dark[i].line().xor(pattern[phase].and(free[i].line()))
		if phase++; phase == maskPeriod {
			phase = 0
		}
	}
}

// penalty scores a masked symbol by the four rules; the mask of lowest
// score is chosen. The rules are read as ZXing reads them: a finder-like
// pattern counts once whether light on one side or both, and modules
// outside the symbol count as light.
func refPenalty(side int, rows, cols []line) int {
	all := firstModules(side)
	pairs := firstModules(side - 1) // the modules that have a next one
	score, blocks, dark := 0, 0, 0
	for y, a := range rows {
		score += refLinePenalty(a, pairs)
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
		score += refLinePenalty(a, pairs)
	}
	score += penaltyBlock * blocks
	// N4: k whole 5 % steps between the share of dark modules and half.
	total := side * side
	return score + penaltyBalance*(abs(2*dark-total)*10/total)
}

// linePenalty scores one row or column by rules N1 and N3.
func refLinePenalty(a, pairs line) int {
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
func (m *refMatrix) bestMask(level Level, rows, cols []line) int {
	best, bestScore := 0, 0
	for mask := range 8 {
		m.masked(level, mask, rows, cols)
		if score := refPenalty(m.side, rows, cols); mask == 0 || score < bestScore {
			best, bestScore = mask, score
		}
	}
	return best
}

// rsECC writes into ecc the error correction codewords of data: the
// remainder of data·x^len(ecc) divided by the generator polynomial.
func refRSECC(data, ecc []byte) {
	gen := rsGenerators[len(ecc)]
	clear(ecc)
	last := len(ecc) - 1
	for _, b := range data {
		factor := b ^ ecc[0]
		copy(ecc, ecc[1:])
		ecc[last] = 0
		if factor == 0 {
			continue
		}
		lf := int(gfLog[factor])
		for i, g := range gen {
			ecc[i] ^= gfExp[lf+int(g)]
		}
	}
}

// interleave splits the data codewords of a symbol of version v at level l
// into its blocks, computes each block's error correction, and returns all
// codewords in the order they are placed: the first data codeword of every
// block, then the second…, then the error correction codewords likewise.
// Blocks come in two lengths: the last ones have one data codeword more.
func refInterleave(data []byte, v int, l Level) []byte {
	blocks := int(eccBlocks[l][v])
	eccLen := int(eccPerBlock[l][v])
	total := rawModules(v) / 8
	shortBlocks := blocks - total%blocks
	shortData := total/blocks - eccLen

	out := make([]byte, total)
	ecc := out[len(data):] // the error correction part, filled block by block
	scratch := make([]byte, eccLen)
	start := 0
	for b := range blocks {
		n := shortData
		if b >= shortBlocks {
			n++
		}
		block := data[start : start+n]
		start += n
		// Data codeword i of block b goes at i·blocks + b, except the
		// long blocks' last one, which comes after all the short ones'.
		for i, c := range block {
			pos := i*blocks + b
			if i == shortData {
				pos = shortData*blocks + (b - shortBlocks)
			}
			out[pos] = c
		}
		refRSECC(block, scratch)
		for i, c := range scratch {
			ecc[i*blocks+b] = c
		}
	}
	return out
}

// PNG returns the symbol as a PNG image: black modules of ModulePixels
// pixels on white, inside a quiet zone of QuietZoneModules modules. Its
// pixels are those of s.Image(ModulePixels).
func refPNG(s *Symbol) []byte {
	n := len(s.Modules)
	modulesWide := n + 2*QuietZoneModules
	width := modulesWide * ModulePixels
	rowLen := 1 + modulesWide*bytesPerModule // filter byte, then pixels

	out := make([]byte, 0, 1024+modulesWide*(rowLen/4+12))
	out = append(out, "\x89PNG\r\n\x1a\n"...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(width))
	ihdr[8], ihdr[9] = 1, 3 // 1 bit per pixel, paletted
	out = appendChunk(out, "IHDR", ihdr[:])
	out = appendChunk(out, "PLTE", []byte{0xFF, 0xFF, 0xFF, 0, 0, 0})

	// The IDAT chunk: its length, patched below, then the zlib stream.
	idat := len(out)
	out = append(out, 0, 0, 0, 0, 'I', 'D', 'A', 'T')
	out = refAppendPixels(s, out, 0xFF)
	binary.BigEndian.PutUint32(out[idat:], uint32(len(out)-idat-8))
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[idat+4:]))
	return appendChunk(out, "IEND", nil)
}

// appendPixels appends the zlib stream of the symbol's rows of pixels,
// each led by filter byte 0, in which a dark module is 8 pixels of byte
// dark (0xFF or 0x00) and a light one the other byte.
func refAppendPixels(s *Symbol, out []byte, dark byte) []byte {
	n := len(s.Modules)
	modulesWide := n + 2*QuietZoneModules
	rowLen := 1 + modulesWide*bytesPerModule // filter byte, then pixels
	// A zlib stream: deflate, 32 KiB window, no dictionary, check bits
	// of 0x7801.
	out = append(out, 0x78, 0x01)
	w := deflateWriter{out: out}
	dist := w.header(rowLen)
	var check adler32
	// moduleRow returns module row y of the image, quiet zone included:
	// nil for a row of the quiet zone.
	moduleRow := func(y int) []bool {
		if y < QuietZoneModules || y >= QuietZoneModules+n {
			return nil
		}
		return s.Modules[y-QuietZoneModules]
	}
	for y := 0; y < modulesWide; {
		// A run of equal module rows, y to next−1.
		next := y + 1
		for next < modulesWide && slices.Equal(moduleRow(next), moduleRow(y)) {
			next++
		}
		// Its first row of pixels, in literals, with the byte sum and
		// the weighted sum of the row for the Adler-32 checksum.
		sum, weighted := refPixelRow(&w, moduleRow(y), n, dark)
		// Then every other row of pixels of the run, as copies of the
		// row before.
		rows := (next - y) * ModulePixels
		w.copies((rows-1)*rowLen, dist)
		for range rows {
			refAddRow(&check, rowLen, sum, weighted)
		}
		y = next
	}
	out = w.finish()
	out = binary.BigEndian.AppendUint32(out, check.sum())
	return out
}

// pixelRow writes, in literals, the row of pixels of a row of n modules
// (nil for the quiet zone): its filter byte 0, the quiet zone, a byte per
// module (dark for a dark one, its complement for a light one), the quiet
// zone. It returns the sums of the row's bytes, plain and weighted, that
// adler32.addRow takes.
//
// The modules are random, so the loop does not branch on them: a branch
// the processor mispredicts half the time would cost more than the rest.
// The codes, a bit or two each, gather in a local word.
func refAddRow(a *adler32, n int, sum, weighted uint64) {
	s1 := a.s1 + 1 // s1 starts at 1
	a.s2 = (a.s2 + uint64(n)*s1 + weighted) % adlerModulus
	a.s1 = (a.s1 + sum) % adlerModulus
}

func refPixelRow(w *deflateWriter, modules []bool, n int, dark byte) (sum, weighted uint64) {
	rowLen := uint64(1 + (2*QuietZoneModules+n)*bytesPerModule)
	light := ^dark
	lightCode, lightLen := uint64(literalCodes[light]), uint(literalLengths[light])
	darkCode, darkLen := uint64(literalCodes[dark]), uint(literalLengths[dark])
	lightValue, flip := uint64(light), uint64(light^dark)
	var acc uint64
	var pending uint
	// The filter byte, 0: it adds nothing to the sums.
	acc, pending = uint64(literalCodes[0]), uint(literalLengths[0])
	pos := uint64(1) // of the next byte
	quiet := func(count int) {
		for range count {
			acc |= lightCode << pending
			if pending += lightLen; pending >= 32 {
				w.bits(uint32(acc), 32)
				acc >>= 32
				pending -= 32
			}
			sum += lightValue
			weighted += lightValue * (rowLen - pos)
			pos++
		}
	}
	quiet(QuietZoneModules * bytesPerModule)
	for _, isDark := range modules {
		var d uint64 // 1 if dark
		if isDark {
			d = 1
		}
		code := lightCode ^ d*(lightCode^darkCode)
		length := lightLen ^ uint(d)*(lightLen^darkLen)
		v := lightValue ^ d*flip
		for range bytesPerModule {
			acc |= code << pending
			if pending += length; pending >= 32 {
				w.bits(uint32(acc), 32)
				acc >>= 32
				pending -= 32
			}
			sum += v
			weighted += v * (rowLen - pos)
			pos++
		}
	}
	quiet((QuietZoneModules + n - len(modules)) * bytesPerModule)
	w.bits(uint32(acc), pending)
	return sum, weighted
}

// TestMatchesReference holds Encode to the encoder it replaced: for texts
// of every mode and length, at every level, in every version 1 to 40 and
// with every mask, the same symbol module for module, and the same mask
// chosen by the lowest penalty.
func TestMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	check := func(text string, level Level, version, mask int) {
		t.Helper()
		got, gotErr := encode(text, level, version, mask)
		want, wantErr := refEncode(text, level, version, mask)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("level %s, version %d, %d bytes: error %v, reference %v", level, version, len(text), gotErr, wantErr)
		}
		if gotErr != nil {
			return
		}
		if got.Version != want.Version || got.Mask != want.Mask || got.Level != want.Level {
			t.Fatalf("level %s, %d bytes: version %d mask %d, reference version %d mask %d", level, len(text), got.Version, got.Mask, want.Version, want.Mask)
		}
		if diff := firstDifference(got.Modules, want.Modules); diff != "" {
			t.Fatalf("level %s, version %d, mask %d, %d bytes: %s", level, got.Version, got.Mask, len(text), diff)
		}
	}
	for _, level := range []Level{LevelL, LevelM, LevelQ, LevelH} {
		for _, text := range referenceTexts() {
			check(text, level, 0, -1)
		}
		for v := minVersion; v <= maxVersion; v++ {
			// A short text forced into version v, and the longest of
			// each mode v holds: every mask, and the one chosen.
			texts := []string{"SC1:" + randomText(r, base45Alphabet, 5+r.IntN(10))}
			if level == LevelQ {
				for _, text := range versionTexts(t, v) {
					texts = append(texts, text)
				}
			}
			for _, text := range texts {
				for mask := -1; mask < 8; mask++ {
					check(text, level, v, mask)
				}
			}
		}
	}
	// Random SC1 texts of every length a credential may have: the mask
	// choice, which depends on every module, must agree each time.
	for range 300 {
		check("SC1:"+randomText(r, base45Alphabet, 1+r.IntN(1200)), LevelQ, 0, -1)
	}
}

// TestPNGMatchesReference: Symbol.PNG and AppendPDFImage write the very
// bytes the previous writer wrote, for symbols of every version.
func TestPNGMatchesReference(t *testing.T) {
	symbols := pngSymbols(t)
	for v := minVersion; v <= maxVersion; v++ {
		for _, text := range versionTexts(t, v) {
			s, err := Encode(text)
			if err != nil {
				t.Fatal(err)
			}
			symbols = append(symbols, s)
		}
	}
	// A symbol built by hand, rows of unequal lengths included.
	symbols = append(symbols, &Symbol{Version: 1, Modules: [][]bool{{true, false, true}, {true}, nil, {false, true, true}}})
	for _, s := range symbols {
		if got, want := s.PNG(), refPNG(s); !bytes.Equal(got, want) {
			t.Fatalf("version %d: the PNG differs from the reference's (%d bytes, %d)", s.Version, len(got), len(want))
		}
		if got, want := s.AppendPDFImage([]byte("x")), refAppendPixels(s, []byte("x"), 0x00); !bytes.Equal(got, want) {
			t.Fatalf("version %d: the PDF image differs from the reference's (%d bytes, %d)", s.Version, len(got), len(want))
		}
	}
}

// TestLayoutMatchesReference holds every version's layout to the symbol
// the reference drew module by module: the same function patterns and
// free modules, and codewords placed by the runs where the reference's
// zigzag put them, bit for bit, the remainder bits light.
func TestLayoutMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(40, 40))
	for v := minVersion; v <= maxVersion; v++ {
		l := layouts[v]()
		if l != layouts[v]() {
			t.Fatalf("version %d: the layout is built again on a second call", v)
		}
		bits := 0
		for _, run := range l.runs {
			if run.rows == 0 || run.rows > maxRunRows || int(run.at) != bits {
				t.Fatalf("version %d: run %+v after %d bits", v, run, bits)
			}
			bits += int(run.rows) * (1 + int(run.kind&runPair))
		}
		if bits != rawModules(v) {
			t.Fatalf("version %d: the runs hold %d modules, the version %d", v, bits, rawModules(v))
		}
		for trial := range 3 {
			codewords := make([]byte, rawModules(v)/8)
			for i := range codewords {
				switch trial {
				case 0:
					codewords[i] = byte(r.IntN(256))
				case 1:
					codewords[i] = 0xFF
				}
			}
			got, want := newMatrix(v), refNewMatrix(v)
			got.place(codewords)
			want.place(codewords)
			for i := range l.side {
				if got.darkRows[i] != want.darkRows[i] || got.darkCols[i] != want.darkCols[i] {
					t.Fatalf("version %d, trial %d: line %d differs from the reference's", v, trial, i)
				}
				if l.freeRows[i] != want.freeRows[i] || l.freeCols[i] != want.freeCols[i] {
					t.Fatalf("version %d: the free modules of line %d differ from the reference's", v, i)
				}
			}
		}
	}
}

// TestEncodeConcurrently encodes from several goroutines at once, in
// versions whose layouts are being built on first use (run with -race).
func TestEncodeConcurrently(t *testing.T) {
	texts := make([]string, 0, 16)
	r := rand.New(rand.NewPCG(5, 5))
	for range cap(texts) {
		texts = append(texts, "SC1:"+randomText(r, base45Alphabet, 1+r.IntN(2000)))
	}
	want := make([]*Symbol, len(texts))
	for i, text := range texts {
		s, err := refEncode(text, LevelQ, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = s
	}
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for k := range texts {
				i := (k + 4*g) % len(texts)
				s, err := Encode(texts[i])
				if err == nil && (s.Mask != want[i].Mask || firstDifference(s.Modules, want[i].Modules) != "") {
					err = fmt.Errorf("%d characters: not the reference's symbol", len(texts[i]))
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestEncodePNGMatchesReference: EncodePNG, which writes from the rows of
// bits, gives the very bytes of the reference's symbol written by the
// reference's writer.
func TestEncodePNGMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	texts := []string{sc1Text(), frenchText}
	for range 40 {
		texts = append(texts, "SC1:"+randomText(r, base45Alphabet, 1+r.IntN(2400)))
	}
	for _, text := range texts {
		got, err := EncodePNG(text)
		if err != nil {
			t.Fatal(err)
		}
		s, err := refEncode(text, LevelQ, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		if want := refPNG(s); !bytes.Equal(got, want) {
			t.Fatalf("%d characters, version %d: EncodePNG's bytes differ from the reference's", len(text), s.Version)
		}
	}
}

// TestLargeSymbolImages: a Symbol built by hand wider than any QR symbol
// is still drawn, the general way.
func TestLargeSymbolImages(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	n := maxSymbolSide + 23
	s := &Symbol{Modules: make([][]bool, n)}
	for y := range s.Modules {
		s.Modules[y] = make([]bool, n)
		for x := range s.Modules[y] {
			s.Modules[y][x] = r.IntN(2) == 0
		}
	}
	img, err := png.Decode(bytes.NewReader(s.PNG()))
	if err != nil {
		t.Fatal(err)
	}
	want := s.Image(ModulePixels)
	if img.Bounds() != want.Bounds() {
		t.Fatalf("the PNG is %v, want %v", img.Bounds(), want.Bounds())
	}
	for y := range want.Rect.Dy() {
		for x := range want.Rect.Dx() {
			if gr, _, _, _ := img.At(x, y).RGBA(); (gr == 0) != (want.ColorIndexAt(x, y) == 1) {
				t.Fatalf("pixel (%d,%d) differs", x, y)
			}
		}
	}
	z, err := zlib.NewReader(bytes.NewReader(s.AppendPDFImage(nil)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	rowBytes := 1 + (want.Rect.Dx()+7)/8
	if len(raw) != rowBytes*want.Rect.Dy() {
		t.Fatalf("the PDF image has %d bytes, want %d", len(raw), rowBytes*want.Rect.Dy())
	}
	for y := range want.Rect.Dy() {
		for x := range want.Rect.Dx() {
			white := raw[y*rowBytes+1+x/8]&(0x80>>(x%8)) != 0
			if white != (want.ColorIndexAt(x, y) == 0) {
				t.Fatalf("PDF image pixel (%d,%d) differs", x, y)
			}
		}
	}
}
