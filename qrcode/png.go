package qrcode

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image/png"
	"sync"
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
	if len(s.Modules) > maxSymbolSide {
		// Not a QR symbol (version 40 is 177 modules wide): drawn
		// and compressed the general way.
		var buf bytes.Buffer
		if err := png.Encode(&buf, s.Image(ModulePixels)); err != nil {
			panic(err) // writing to memory cannot fail
		}
		return buf.Bytes()
	}
	return writePNG(s.packed())
}

// writePNG writes the PNG of the rows.
func writePNG(p packedRows) []byte {
	modulesWide := p.side + 2*QuietZoneModules
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
	out = appendPixels(out, 0xFF, p)
	binary.BigEndian.PutUint32(out[idat:], uint32(len(out)-idat-8))
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[idat+4:]))
	return appendChunk(out, "IEND", nil)
}

// packedRows is a symbol's rows as the image writers read them: bits[y]
// has bit x when module x of row y is dark, modules at x ≥ side cut off.
// Two rows are drawn alike when they are equal as Modules rows: lens[y]
// is the length of row y (nil when each is side long).
type packedRows struct {
	side int
	bits []bits3
	lens []int
}

// packed packs s.Modules into bits, eight modules at a time.
func (s *Symbol) packed() packedRows {
	n := len(s.Modules)
	p := packedRows{side: n, bits: make([]bits3, n), lens: make([]int, n)}
	for y, row := range s.Modules {
		p.lens[y] = len(row)
		row = row[:min(len(row), n, maxSymbolSide)]
		b := &p.bits[y]
		x := 0
		for ; x+8 <= len(row); x += 8 {
			m := (*[8]bool)(row[x : x+8])
			v := uint64(b2u(m[0])) | uint64(b2u(m[1]))<<1 | uint64(b2u(m[2]))<<2 | uint64(b2u(m[3]))<<3 |
				uint64(b2u(m[4]))<<4 | uint64(b2u(m[5]))<<5 | uint64(b2u(m[6]))<<6 | uint64(b2u(m[7]))<<7
			b[x>>6] |= v << (x & 63) // x is a multiple of 8: the byte is in one word
		}
		for ; x < len(row); x++ {
			b[x>>6] |= uint64(b2u(row[x])) << (x & 63)
		}
	}
	return p
}

// sameRows reports whether module rows i and j of p (−1: a row of the
// quiet zone, which is empty) are drawn alike.
func (p *packedRows) sameRows(i, j int) bool {
	length := func(y int) int {
		switch {
		case y < 0:
			return 0
		case p.lens == nil:
			return p.side
		}
		return p.lens[y]
	}
	if length(i) != length(j) {
		return false
	}
	return i < 0 || j < 0 || p.bits[i] == p.bits[j]
}

// AppendPDFImage appends to dst the symbol's image as the zlib stream
// (FlateDecode) of a PDF image of one bit a pixel in DeviceGray, 0 black
// and 1 white: the pixels of s.Image(ModulePixels), quiet zone included,
// each row of them led by PNG filter byte 0 (none), as the stream's
// /DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 1 /Columns
// width >> say. It is the PNG's compressed data with the bits inverted,
// written as fast.
func (s *Symbol) AppendPDFImage(dst []byte) []byte {
	if len(s.Modules) > maxSymbolSide {
		// Not a QR symbol: its rows compressed the general way.
		img := s.Image(ModulePixels)
		rowBytes := (img.Rect.Dx() + 7) / 8
		var buf bytes.Buffer
		z := zlib.NewWriter(&buf)
		row := make([]byte, 1+rowBytes)
		for y := range img.Rect.Dy() {
			clear(row)
			for x, c := range img.Pix[y*img.Stride : y*img.Stride+img.Rect.Dx()] {
				if c == 0 { // white is 1 in DeviceGray
					row[1+x/8] |= 0x80 >> (x % 8)
				}
			}
			z.Write(row) // writing to memory cannot fail
		}
		z.Close()
		return append(dst, buf.Bytes()...)
	}
	return appendPixels(dst, 0x00, s.packed())
}

// appendPixels appends the zlib stream of the rows of pixels of p, each
// led by filter byte 0, in which a dark module is 8 pixels of byte dark
// (0xFF or 0x00) and a light one the other byte.
func appendPixels(out []byte, dark byte, p packedRows) []byte {
	n := p.side
	modulesWide := n + 2*QuietZoneModules
	rowLen := 1 + modulesWide*bytesPerModule // filter byte, then pixels
	// A zlib stream: deflate, 32 KiB window, no dictionary, check bits
	// of 0x7801.
	out = append(out, 0x78, 0x01)
	w := deflateWriter{out: out}
	dist := w.cachedHeader(rowLen)
	var check adler32
	// moduleRow returns the module row of image row y: −1 in the quiet
	// zone.
	moduleRow := func(y int) int {
		if y < QuietZoneModules || y >= QuietZoneModules+n {
			return -1
		}
		return y - QuietZoneModules
	}
	for y := 0; y < modulesWide; {
		// A run of equal module rows, y to next−1.
		next := y + 1
		for next < modulesWide && p.sameRows(moduleRow(next), moduleRow(y)) {
			next++
		}
		// Its first row of pixels, in literals, with the byte sum and
		// the weighted sum of the row for the Adler-32 checksum.
		var row *bits3
		if r := moduleRow(y); r >= 0 {
			row = &p.bits[r]
		}
		sum, weighted := w.pixelRow(row, n, dark)
		// Then every other row of pixels of the run, as copies of the
		// row before.
		rows := (next - y) * ModulePixels
		w.copies((rows-1)*rowLen, dist)
		check.addRows(rowLen, rows, sum, weighted)
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
// s2, so a run of equal rows costs a few operations. The zero value is
// the checksum of nothing: s1 holds the sum less its initial 1.
type adler32 struct{ s1, s2 uint64 }

const adlerModulus = 65521

// addRows adds r equal rows at once: the k-th of them (from 0) finds s1
// grown by k·sum, so s2 grows by r·weighted + n·(r·s1 + sum·r(r−1)/2).
// A row is at most 186 bytes and a run at most 8·185 rows, so nothing
// comes near overflowing 64 bits before the modulo.
func (a *adler32) addRows(n, r int, sum, weighted uint64) {
	s1, rows := a.s1+1, uint64(r)
	a.s2 = (a.s2 + rows*weighted + uint64(n)*(rows*s1+sum*(rows*(rows-1)/2))) % adlerModulus
	a.s1 = (a.s1 + rows*sum) % adlerModulus
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

// blockHeader is a block header as header writes it at the start of a
// deflate stream: its whole bytes, the bits left pending, and the
// distance symbol.
type blockHeader struct {
	bytes []byte
	acc   uint64
	nacc  uint
	dist  distanceCode
}

// blockHeaders[v]() is the block header of the rows of a version v
// symbol's image, built on first use (by sync.OnceValue) and only read
// after.
var blockHeaders = func() (t [maxVersion + 1]func() blockHeader) {
	for v := minVersion; v <= maxVersion; v++ {
		t[v] = sync.OnceValue(func() blockHeader {
			var w deflateWriter
			dist := w.header(1 + (symbolSide(v)+2*QuietZoneModules)*bytesPerModule)
			return blockHeader{bytes: w.out, acc: w.acc, nacc: w.nacc, dist: dist}
		})
	}
	return t
}()

// cachedHeader writes, at the start of the stream, the block header for
// copies at distance rowLen: a version's, the same bits, when rowLen is
// the length of a row of its image.
func (w *deflateWriter) cachedHeader(rowLen int) distanceCode {
	side := (rowLen-1)/bytesPerModule - 2*QuietZoneModules
	if v := (side - 17) / 4; w.nacc != 0 || v < minVersion || v > maxVersion || symbolSide(v) != side ||
		1+(side+2*QuietZoneModules)*bytesPerModule != rowLen {
		return w.header(rowLen)
	}
	h := blockHeaders[(side-17)/4]()
	w.out = append(w.out, h.bytes...)
	w.acc, w.nacc = h.acc, h.nacc
	return h.dist
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
// (bits, nil for the quiet zone): its filter byte 0, the quiet zone, a
// byte per module (dark for a dark one, its complement for a light one),
// the quiet zone. It returns the sums of the row's bytes, plain and
// weighted, that adler32.addRows takes.
//
// The modules are random, so nothing branches on them: the row's bits,
// shifted past the quiet zone, are written eight pixel bytes at a time,
// each eight taking their codes from a table (octets), and the sums come
// from the number and the places of the dark bytes.
func (w *deflateWriter) pixelRow(modules *bits3, n int, dark byte) (sum, weighted uint64) {
	wide := 2*QuietZoneModules + n // bytes of pixels, one a module
	rowLen := uint64(1 + wide)

	// The row's bytes as bits, 1 for dark: quiet zone, modules, quiet
	// zone.
	var row [(2*QuietZoneModules+maxSymbolSide+63)/64 + 1]uint64
	if modules != nil {
		const q = QuietZoneModules
		row[0] = modules[0] << q
		row[1] = modules[1]<<q | modules[0]>>(64-q)
		row[2] = modules[2]<<q | modules[1]>>(64-q)
		row[3] = modules[2] >> (64 - q)
	}

	table := &octets[b2u(dark == 0xFF)]
	// The filter byte, 0, then the pixel bytes, eight at a time.
	acc, pending := uint64(literalCodes[0]), uint(literalLengths[0])
	var darkBytes, darkPlaces uint64 // places counted from the first pixel byte
	k := 0
	for ; k+8 <= wide; k += 8 {
		o := table[byte(row[k>>6]>>(k&63))]
		acc |= uint64(o.code) << pending
		if pending += uint(o.length); pending >= 32 {
			w.bits(uint32(acc), 32)
			acc >>= 32
			pending -= 32
		}
		darkBytes += uint64(o.dark)
		darkPlaces += uint64(o.places) + uint64(k)*uint64(o.dark)
	}
	// The last pixel bytes, fewer than eight: their octet, whose bytes
	// past the row are light (the row's bits there are 0), less those
	// bytes' codes, which come last.
	if k < wide {
		o := table[byte(row[k>>6]>>(k&63))]
		length := uint(o.length) - uint(8-(wide-k))*uint(literalLengths[^dark])
		acc |= uint64(o.code) & (1<<length - 1) << pending
		if pending += length; pending >= 32 {
			w.bits(uint32(acc), 32)
			acc >>= 32
			pending -= 32
		}
		darkBytes += uint64(o.dark)
		darkPlaces += uint64(o.places) + uint64(k)*uint64(o.dark)
	}
	w.bits(uint32(acc), pending)

	// The byte at place k (from 0, the filter byte before it) weighs
	// rowLen−1−k; the dark ones together weigh darkWeight, all together
	// the sum of 1 to rowLen−1.
	darkValue, lightValue := uint64(dark), uint64(^dark)
	darkWeight := darkBytes*(rowLen-1) - darkPlaces
	allWeight := rowLen * (rowLen - 1) / 2
	sum = darkBytes*darkValue + (uint64(wide)-darkBytes)*lightValue
	weighted = darkWeight*darkValue + (allWeight-darkWeight)*lightValue
	return sum, weighted
}

// octet is the deflate codes of eight pixel bytes, the first in the low
// bits, their length in bits, how many of them are dark and the sum of
// their places (0 to 7).
type octet struct {
	code                 uint32
	length, dark, places uint8
}

// octets[d][b] is the octet of the eight pixel bytes of bits b (bit i for
// byte i, 1 when dark), the dark byte being 0x00 for d = 0 and 0xFF for
// d = 1. Built once, only read after.
var octets = func() (t [2][256]octet) {
	for d, darkByte := range [2]byte{0x00, 0xFF} {
		for b := range 256 {
			var o octet
			for i := range 8 {
				v := ^darkByte
				if b>>i&1 != 0 {
					v = darkByte
					o.dark++
					o.places += uint8(i)
				}
				o.code |= uint32(literalCodes[v]) << o.length
				o.length += literalLengths[v]
			}
			t[d][b] = o
		}
	}
	return t
}()

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// copies writes n bytes, each a copy of the one d.distance before, in
// copies of at most 258 bytes and at least 3.
func (w *deflateWriter) copies(n int, d distanceCode) {
	full, fullBits := copyCode(258, d)
	for n > 0 {
		length := min(n, 258)
		if rest := n - length; rest > 0 && rest < 3 {
			length = n - 3
		}
		if length == 258 {
			w.bits(full, fullBits)
		} else {
			w.bits(copyCode(length, d))
		}
		n -= length
	}
}

// copyCode returns the bits of a copy of length bytes at distance d: the
// length symbol, its extra bits, the distance symbol, its extra bits (at
// most 7+5+1+13 bits).
func copyCode(length int, d distanceCode) (code uint32, n uint) {
	s := &lengthSymbols[length]
	code, n = uint32(literalCodes[s.symbol]), uint(literalLengths[s.symbol])
	code |= uint32(length-s.base) << n
	n += s.extra
	code |= uint32(d.code) << n
	n++
	code |= uint32(d.distance-d.base) << n
	return code, n + d.extra
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

// lengthSymbols[n] is lengthSymbolOf(n), for n from 3 to 258.
var lengthSymbols = func() (t [259]lengthSymbol) {
	for n := 3; n <= 258; n++ {
		t[n] = lengthSymbolOf(n)
	}
	return t
}()

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
