package qrcode

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
)

// Writing the PNG directly.
//
// A QR image is two colours in square modules, so its PNG needs none of
// a general encoder's search. The image is paletted with one bit per pixel
// (index 0 white, 1 black), the format image/png itself writes for a
// two-colour image, so a module of 8 pixels is one byte, 0x00 or 0xFF.
// Each row starts with filter byte 0 (none). The rows of one module row
// are equal, and so are the rows of equal module rows (the quiet zone,
// above all): such a run is written as its first row in literals, then
// copies of the row before, which deflate says as (length, distance =
// one row) pairs. The literals are 0x00 and 0xFF only, so one dynamic
// Huffman code, the same for every symbol, spends 1 bit on 0x00 and 2 on
// 0xFF; the file is a few per cent larger than image/png's default
// compression makes it, in a hundredth of the time.

// bytesPerModule is the bytes a module takes in a row of pixels.
const bytesPerModule = ModulePixels / 8

// ModulePixels must be a whole number of bytes at one bit per pixel.
var _ [0]struct{} = [ModulePixels % 8]struct{}{}

// PNG returns the symbol as a PNG image: black modules of ModulePixels
// pixels on white, inside a quiet zone of QuietZoneModules modules. Its
// pixels are those of s.Image(ModulePixels).
func (s *Symbol) PNG() []byte {
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
	out = s.appendPixels(out, 0xFF)
	binary.BigEndian.PutUint32(out[idat:], uint32(len(out)-idat-8))
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[idat+4:]))
	return appendChunk(out, "IEND", nil)
}

// AppendPDFImage appends to dst the symbol's image as the zlib stream
// (FlateDecode) of a PDF image of one bit a pixel in DeviceGray, 0 black
// and 1 white: the pixels of s.Image(ModulePixels), quiet zone included,
// each row of them led by PNG filter byte 0 (none), as the stream's
// /DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 1 /Columns
// width >> say. It is the PNG's compressed data with the bits inverted,
// written as fast.
func (s *Symbol) AppendPDFImage(dst []byte) []byte {
	return s.appendPixels(dst, 0x00)
}

// appendPixels appends the zlib stream of the symbol's rows of pixels,
// each led by filter byte 0, in which a dark module is 8 pixels of byte
// dark (0xFF or 0x00) and a light one the other byte.
func (s *Symbol) appendPixels(out []byte, dark byte) []byte {
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
		sum, weighted := w.pixelRow(moduleRow(y), n, dark)
		// Then every other row of pixels of the run, as copies of the
		// row before.
		rows := (next - y) * ModulePixels
		w.copies((rows-1)*rowLen, dist)
		for range rows {
			check.addRow(rowLen, sum, weighted)
		}
		y = next
	}
	out = w.finish()
	out = binary.BigEndian.AppendUint32(out, check.sum())
	return out
}

// appendChunk appends a PNG chunk: length, type, data, CRC of type and data.
func appendChunk(out []byte, kind string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, kind...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// adler32 is the checksum that ends a zlib stream, computed a row at a
// time: a row of n bytes b₀…bₙ₋₁ adds Σbᵢ to s1 and n·s1 + Σ(n−i)·bᵢ to
// s2, so the rows of a run cost a few operations each. The zero value is
// the checksum of nothing: s1 holds the sum less its initial 1.
type adler32 struct{ s1, s2 uint64 }

const adlerModulus = 65521

func (a *adler32) addRow(n int, sum, weighted uint64) {
	s1 := a.s1 + 1 // s1 starts at 1
	a.s2 = (a.s2 + uint64(n)*s1 + weighted) % adlerModulus
	a.s1 = (a.s1 + sum) % adlerModulus
}

func (a *adler32) sum() uint32 {
	return uint32(a.s2)<<16 | uint32((a.s1+1)%adlerModulus)
}

// deflateWriter writes one dynamic-Huffman deflate block (RFC 1951) of
// the literals 0x00 and 0xFF and of copies at one distance, least
// significant bit first.
type deflateWriter struct {
	out  []byte
	acc  uint64 // pending bits, the first in bit 0
	nacc uint   // number of pending bits, < 32 between calls
}

// bits writes the n ≤ 32 low bits of v.
func (w *deflateWriter) bits(v uint32, n uint) {
	w.acc |= uint64(v) << w.nacc
	w.nacc += n
	if w.nacc >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.nacc -= 32
	}
}

// The Huffman codes of the block. Literal/length codes: 0x00 1 bit, 0xFF
// 2 bits, end of block and length 258 6 bits, the other lengths 7 bits;
// a complete code, as inflaters demand. The code lengths themselves are
// sent with 3 bits each for the eight code length symbols used.
var (
	literalLengths = func() (l [286]uint8) {
		l[0x00], l[0xFF], l[endOfBlock], l[285] = 1, 2, 6, 6
		for s := 257; s < 285; s++ {
			l[s] = 7
		}
		return l
	}()
	literalCodes    = huffmanCodes(literalLengths[:])
	codeLengthCodes = huffmanCodes(codeLengthLengths[:])
)

const endOfBlock = 256

// codeLengthLengths are the lengths of the codes of the code length
// symbols 0–18: the lengths 0, 1, 2, 6 and 7, 16 (unused but completing
// the code), 17 and 18 (runs of zeros).
var codeLengthLengths = [19]uint8{0: 3, 1: 3, 2: 3, 6: 3, 7: 3, 16: 3, 17: 3, 18: 3}

// codeLengthOrder is the order in which a block header lists
// codeLengthLengths; it sends the first 18, up to symbol 1.
var codeLengthOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// huffmanCodes returns the canonical Huffman codes of the given code
// lengths (RFC 1951 section 3.2.2), bit-reversed, ready for bits.
func huffmanCodes(lengths []uint8) []uint16 {
	var count [16]int
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	var next [16]int
	code := 0
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	codes := make([]uint16, len(lengths))
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		var reversed uint16
		for range l {
			reversed = reversed<<1 | uint16(c&1)
			c >>= 1
		}
		codes[s] = reversed
	}
	return codes
}

// header writes the block header for copies at distance dist, and
// returns the distance symbol.
func (w *deflateWriter) header(dist int) distanceCode {
	d := distanceCodeOf(dist)
	w.bits(1, 1) // the last block
	w.bits(2, 2) // dynamic Huffman codes
	w.bits(uint32(len(literalLengths)-257), 5)
	w.bits(uint32(d.symbol), 5) // d.symbol+1 distance codes
	w.bits(18-4, 4)
	for _, s := range codeLengthOrder[:18] {
		w.bits(uint32(codeLengthLengths[s]), 3)
	}
	// The distance code: symbols 0 and d.symbol, 1 bit each (complete;
	// symbol 0, distance 1, is never used).
	lengths := make([]uint8, len(literalLengths)+d.symbol+1)
	copy(lengths, literalLengths[:])
	lengths[len(literalLengths)] = 1
	lengths[len(lengths)-1] = 1
	for i := 0; i < len(lengths); {
		l := lengths[i]
		run := 1
		for i+run < len(lengths) && lengths[i+run] == l {
			run++
		}
		switch {
		case l == 0 && run >= 11:
			run = min(run, 138)
			w.codeLength(18)
			w.bits(uint32(run-11), 7)
		case l == 0 && run >= 3:
			w.codeLength(17)
			w.bits(uint32(run-3), 3)
		default:
			run = 1
			w.codeLength(int(l))
		}
		i += run
	}
	d.code = huffmanCodes(lengths[len(literalLengths):])[d.symbol]
	return d
}

func (w *deflateWriter) codeLength(s int) {
	w.bits(uint32(codeLengthCodes[s]), uint(codeLengthLengths[s]))
}

// symbol writes a literal/length symbol.
func (w *deflateWriter) symbol(s int) {
	w.bits(uint32(literalCodes[s]), uint(literalLengths[s]))
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
func (w *deflateWriter) pixelRow(modules []bool, n int, dark byte) (sum, weighted uint64) {
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

// copies writes n bytes, each a copy of the one d.distance before, in
// copies of at most 258 bytes and at least 3.
func (w *deflateWriter) copies(n int, d distanceCode) {
	for n > 0 {
		length := min(n, 258)
		if rest := n - length; rest > 0 && rest < 3 {
			length = n - 3
		}
		s := lengthSymbolOf(length)
		w.symbol(s.symbol)
		w.bits(uint32(length-s.base), s.extra)
		w.bits(uint32(d.code), 1)
		w.bits(uint32(d.distance-d.base), d.extra)
		n -= length
	}
}

// finish writes the end of block and the last, partial byte.
func (w *deflateWriter) finish() []byte {
	w.symbol(endOfBlock)
	for ; w.nacc > 0; w.nacc -= min(w.nacc, 8) {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
	}
	return w.out
}

// lengthSymbol is the literal/length symbol of a copy length: base plus
// extra bits.
type lengthSymbol struct {
	symbol, base int
	extra        uint
}

// lengthSymbolOf returns the symbol of a length of 3 to 258 (RFC 1951
// section 3.2.5).
func lengthSymbolOf(length int) lengthSymbol {
	if length == 258 {
		return lengthSymbol{285, 258, 0}
	}
	base, symbol := 3, 257
	for extra := uint(0); ; extra++ {
		// Symbols come four per number of extra bits (eight for 0).
		groups := 4
		if extra == 0 {
			groups = 8
		}
		for range groups {
			if length < base+1<<extra {
				return lengthSymbol{symbol, base, extra}
			}
			base += 1 << extra
			symbol++
		}
	}
}

// distanceCode is the distance symbol of a copy distance, with its extra
// bits and its Huffman code.
type distanceCode struct {
	symbol, base, distance int
	extra                  uint
	code                   uint16
}

// distanceCodeOf returns the symbol of a distance of 1 to 32768 (RFC 1951
// section 3.2.5): 1 to 4 alone, then two symbols per number of extra bits.
func distanceCodeOf(distance int) distanceCode {
	base, symbol := 1, 0
	for extra := uint(0); ; extra++ {
		groups := 2
		if extra == 0 {
			groups = 4
		}
		for range groups {
			if distance < base+1<<extra {
				return distanceCode{symbol: symbol, base: base, distance: distance, extra: extra}
			}
			base += 1 << extra
			symbol++
		}
	}
}
