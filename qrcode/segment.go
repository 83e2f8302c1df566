package qrcode

import "errors"

// mode is the way a segment packs its characters; the modes are ordered
// so that each one can also write every character of the ones before it.
type mode uint8

const (
	// modeNumeric packs the digits 0–9, three in 10 bits.
	modeNumeric mode = iota + 1
	// modeAlphanumeric packs the 45 characters 0–9, A–Z, space and
	// $%*+-./: two in 11 bits.
	modeAlphanumeric
	// modeByte writes any byte in 8 bits.
	modeByte
)

// indicator is the 4-bit mode indicator that opens a segment.
func (m mode) indicator() uint32 {
	return uint32(modeIndicators[m])
}

var modeIndicators = [...]uint8{modeNumeric: 1, modeAlphanumeric: 2, modeByte: 4}

// versionRange names the three ranges of versions whose segments have
// character counts of the same width: 1–9, 10–26 and 27–40.
type versionRange uint8

func rangeOf(version int) versionRange {
	switch {
	case version <= 9:
		return 0
	case version <= 26:
		return 1
	}
	return 2
}

// rangeFirst and rangeLast are the versions that open and close each range.
var (
	rangeFirst = [3]int{1, 10, 27}
	rangeLast  = [3]int{9, 26, 40}
)

// countBits is the width of a segment's character count (ISO/IEC 18004
// table 3).
func (m mode) countBits(r versionRange) int {
	return int(countWidths[m][r])
}

// countWidths is countBits' table, a variable so that it is not built
// anew at each call.
var countWidths = [...][3]uint8{
	modeNumeric:      {10, 12, 14},
	modeAlphanumeric: {9, 11, 13},
	modeByte:         {8, 16, 16},
}

// segmentBits is the length in bits of a segment of n characters in mode
// m, header included; ok is false when n overflows the character count.
func segmentBits(m mode, n int, r versionRange) (bits int, ok bool) {
	count := m.countBits(r)
	if n >= 1<<count {
		return 0, false
	}
	bits = 4 + count
	switch m {
	case modeNumeric:
		bits += 10*(n/3) + 3*(n%3) + min(n%3, 1) // 0, 4 or 7 bits for the last 0 to 2 digits
	case modeAlphanumeric:
		bits += 11*(n/2) + 6*(n%2)
	default:
		bits += 8 * n
	}
	return bits, true
}

// alphanumericValue maps the characters of alphanumeric mode to their
// values 0–44, and every other byte to −1.
var alphanumericValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range []byte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") {
		t[c] = int8(i)
	}
	return t
}()

// modeOf is the narrowest mode that writes c.
func modeOf(c byte) mode { return byteModes[c] }

// byteModes[c] is modeOf(c).
var byteModes = func() (t [256]mode) {
	for c := range t {
		switch {
		case c >= '0' && c <= '9':
			t[c] = modeNumeric
		case alphanumericValue[c] >= 0:
			t[c] = modeAlphanumeric
		default:
			t[c] = modeByte
		}
	}
	return t
}()

// segment is a run of text written in one mode: text[start:end].
type segment struct {
	mode       mode
	start, end int
}

// classify cuts text into its maximal runs of characters of the same
// narrowest mode, and returns the widest mode it needs.
func classify(text string) (runs []segment, widest mode) {
	// Counted first, so that runs is allocated once.
	n := 1
	for i := 1; i < len(text); i++ {
		if modeOf(text[i]) != modeOf(text[i-1]) {
			n++
		}
	}
	runs = make([]segment, 0, n)
	for i := 0; i < len(text); {
		m := modeOf(text[i])
		j := i + 1
		for j < len(text) && modeOf(text[j]) == m {
			j++
		}
		runs = append(runs, segment{m, i, j})
		widest = max(widest, m)
		i = j
	}
	return runs, widest
}

// segmentation is how a text is written in the versions of one range.
type segmentation struct {
	segments []segment
	bits     int
}

// segmentText chooses the segments of a text for the versions of range r,
// from its runs (see classify), the way go-qrcode does so that both write
// the same bits: each run absorbs the following runs of narrower or equal
// modes as long as that is shorter than keeping them apart; then, if a
// single segment of the widest mode is no longer, it is that. ok is false
// when a segment overflows its character count in this range.
func segmentText(text string, runs []segment, widest mode, r versionRange) (s segmentation, ok bool) {
	if single, fits := segmentBits(widest, len(text), r); fits {
		s = segmentation{segments: []segment{{widest, 0, len(text)}}, bits: single}
		if len(runs) == 1 {
			return s, true
		}
	}
	merged := make([]segment, 0, len(runs))
	total := 0
	for i := 0; i < len(runs); {
		m, n := runs[i].mode, runs[i].end-runs[i].start
		j := i + 1
		for ; j < len(runs); j++ {
			next, nextN := runs[j].mode, runs[j].end-runs[j].start
			if next > m {
				break
			}
			joined, fits := segmentBits(m, n+nextN, r)
			if !fits {
				break
			}
			apart, _ := segmentBits(m, n, r)
			nextBits, _ := segmentBits(next, nextN, r)
			if joined >= apart+nextBits {
				break
			}
			n += nextN
		}
		bits, fits := segmentBits(m, n, r)
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

// errTooLong is returned (wrapped) when a text does not fit in a version 40
// symbol at the level asked.
var errTooLong = errors.New("too long for a QR code")

// bitWriter appends bits, most significant first, to a byte slice.
type bitWriter struct {
	buf  []byte
	acc  uint64 // pending bits, right-aligned
	nacc uint   // number of pending bits, < 8 between writes
}

// write appends the low n bits of v, n ≤ 32.
func (w *bitWriter) write(v uint32, n int) {
	w.acc = w.acc<<uint(n) | uint64(v)&(1<<uint(n)-1)
	w.nacc += uint(n)
	for w.nacc >= 8 {
		w.nacc -= 8
		w.buf = append(w.buf, byte(w.acc>>w.nacc))
	}
}

// bitLen is the number of bits written.
func (w *bitWriter) bitLen() int { return 8*len(w.buf) + int(w.nacc) }

// flush pads the pending bits with zeros to a whole byte.
func (w *bitWriter) flush() {
	if w.nacc > 0 {
		w.write(0, 8-int(w.nacc))
	}
}

// dataCodewordsOf writes the segments of text, then the terminator and
// the padding, as the capacity data codewords of the symbol.
func dataCodewordsOf(text string, s segmentation, r versionRange, capacity int) []byte {
	w := bitWriter{buf: make([]byte, 0, capacity)}
	for _, seg := range s.segments {
		data := text[seg.start:seg.end]
		w.write(seg.mode.indicator(), 4)
		w.write(uint32(len(data)), seg.mode.countBits(r))
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
