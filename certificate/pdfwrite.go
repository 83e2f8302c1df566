package certificate

import (
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"

	kflate "github.com/klauspost/compress/flate"
)

// Writing the PDF file. Every certificate is the same file with different
// contents: the same objects under the same numbers, of which the catalog,
// the page, the fonts' dictionaries and descriptors never change. A
// Renderer writes those once (template); each certificate adds the
// objects that depend on it (the page's content stream, the QR image, the
// fonts' widths, subsets and ToUnicode maps, the document information) and
// the cross-reference table.

// Object numbers of a certificate's PDF.
const (
	objCatalog = 1 + iota
	objPages
	objPage
	objInfo
	objContents
	objQRImage
	// objFirstFont is the first object of the first font. Each font has
	// objectsPerFont objects, in the order of the fontObj constants.
	objFirstFont
)

// A font's objects, from its first.
const (
	fontObjType0 = iota
	fontObjCIDFont
	fontObjDescriptor
	fontObjFile
	fontObjToUnicode
	objectsPerFont
)

// objCount is the number of objects of a certificate's PDF.
const objCount = objFirstFont - 1 + int(fontCount)*objectsPerFont

// fontObj returns the number of object which (a fontObj constant) of font f.
func fontObj(f fontID, which int) int {
	return objFirstFont + int(f)*objectsPerFont + which
}

// Page size in points: A4 as Sceau's certificates have always declared it
// (A4 is 595.28 × 841.89 points), so that they keep their look: content is
// placed from the top of this box.
const (
	pageWidthPt  = 595.0
	pageHeightPt = 842.0
	pointsPerMM  = 72 / 25.4
)

// pdfFile is a PDF file being written: its bytes and where each object starts.
type pdfFile struct {
	b       []byte
	offsets [objCount + 1]int
}

func (p *pdfFile) begin(obj int) {
	p.offsets[obj] = len(p.b)
	p.b = strconv.AppendInt(p.b, int64(obj), 10)
	p.b = append(p.b, " 0 obj\n"...)
}

func (p *pdfFile) end() { p.b = append(p.b, "\nendobj\n"...) }

// object writes object obj, a dictionary or other direct object.
func (p *pdfFile) object(obj int, body string) {
	p.begin(obj)
	p.b = append(p.b, body...)
	p.end()
}

// stream writes object obj, a stream whose dictionary holds, besides its
// length, the entries extra; data is written as it is.
func (p *pdfFile) stream(obj int, extra, data []byte) {
	p.begin(obj)
	p.b = append(p.b, "<< /Length "...)
	p.b = strconv.AppendInt(p.b, int64(len(data)), 10)
	p.b = append(p.b, extra...)
	p.b = append(p.b, " >>\nstream\n"...)
	p.b = append(p.b, data...)
	p.b = append(p.b, "\nendstream"...)
	p.end()
}

// finish writes the cross-reference table and the trailer.
func (p *pdfFile) finish() {
	xref := len(p.b)
	p.b = append(p.b, "xref\n0 "...)
	p.b = strconv.AppendInt(p.b, int64(objCount+1), 10)
	p.b = append(p.b, "\n0000000000 65535 f \n"...)
	b := p.b
	for _, off := range p.offsets[1:] {
		b = appendPadded(b, off)
		b = append(b, " 00000 n \n"...)
	}
	p.b = b
	p.b = append(p.b, "trailer\n<< /Size "...)
	p.b = strconv.AppendInt(p.b, int64(objCount+1), 10)
	p.b = append(p.b, " /Root "...)
	p.b = strconv.AppendInt(p.b, objCatalog, 10)
	p.b = append(p.b, " 0 R /Info "...)
	p.b = strconv.AppendInt(p.b, objInfo, 10)
	p.b = append(p.b, " 0 R >>\nstartxref\n"...)
	p.b = strconv.AppendInt(p.b, int64(xref), 10)
	p.b = append(p.b, "\n%%EOF\n"...)
}

// appendPadded writes the offset off, 0 or more, as a cross-reference
// entry does: ten digits, zeros in front.
func appendPadded(b []byte, off int) []byte {
	var digits [10]byte
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = byte('0' + off%10)
		off /= 10
	}
	return append(b, digits[:]...)
}

// newTemplate writes the objects every certificate shares.
func newTemplate(fonts *[fontCount]*embeddedFont) *pdfFile {
	p := &pdfFile{b: []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")}
	p.object(objCatalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", objPages))
	p.object(objPages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", objPage))
	fontResources := ""
	for f := range fontID(fontCount) {
		fontResources += fmt.Sprintf(" /%s %d 0 R", f.resourceName(), fontObj(f, fontObjType0))
	}
	p.object(objPage, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] "+
		"/Resources << /ProcSet [/PDF /Text /ImageB] /Font <<%s >> /XObject << /%s %d 0 R >> >> /Contents %d 0 R >>",
		objPages, formatNumber(pageWidthPt), formatNumber(pageHeightPt), fontResources, qrResourceName, objQRImage, objContents))
	for f, e := range fonts {
		id := fontID(f)
		name, m := e.font.name, e.font.descriptor
		p.object(fontObj(id, fontObjType0), fmt.Sprintf(
			"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
			name, fontObj(id, fontObjCIDFont), fontObj(id, fontObjToUnicode)))
		flags := 32 // nonsymbolic
		if id == mono {
			flags |= 1 // fixed pitch
		}
		p.object(fontObj(id, fontObjDescriptor), fmt.Sprintf(
			"<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle 0 "+
				"/Ascent %d /Descent %d /CapHeight %d /XHeight %d /StemV 0 /FontFile2 %d 0 R >>",
			name, flags, m.bbox[0], m.bbox[1], m.bbox[2], m.bbox[3],
			m.ascent, m.descent, m.capHeight, m.xHeight, fontObj(id, fontObjFile)))
	}
	return p
}

// qrResourceName is the name the page's content draws the QR image by.
const qrResourceName = "QR"

// resourceName is the name the page's content selects font f by.
func (f fontID) resourceName() string { return fontResourceNames[f] }

var fontResourceNames = [fontCount]string{"F1", "F2", "F3"}

// appendInfo writes the document information dictionary.
func (p *pdfFile) appendInfo(title, author, subject string, created time.Time) {
	p.begin(objInfo)
	p.b = append(p.b, "<< /Title "...)
	p.b = appendTextString(p.b, title)
	p.b = append(p.b, " /Author "...)
	p.b = appendTextString(p.b, author)
	p.b = append(p.b, " /Subject "...)
	p.b = appendTextString(p.b, subject)
	p.b = append(p.b, " /Creator "...)
	p.b = appendTextString(p.b, "Sceau")
	p.b = append(p.b, " /CreationDate(D:"...)
	p.b = created.UTC().AppendFormat(p.b, "20060102150405")
	p.b = append(p.b, "+00'00') >>"...)
	p.end()
}

// appendTextString writes s as a PDF text string: UTF-16BE with a byte
// order mark, in hexadecimal.
func appendTextString(b []byte, s string) []byte {
	b = append(b, "<FEFF"...)
	var units [2]uint16
	for _, r := range s {
		for _, u := range utf16.AppendRune(units[:0], r) {
			b = appendHex16(b, u)
		}
	}
	return append(b, '>')
}

const hexDigits = "0123456789ABCDEF"

func appendHex16(b []byte, v uint16) []byte {
	return append(b, hexDigits[v>>12], hexDigits[v>>8&0xF], hexDigits[v>>4&0xF], hexDigits[v&0xF])
}

// appendFont writes the objects of font id (embedded as e) that depend on
// the certificate: the widths of the glyphs it prints (used), its subset
// and its ToUnicode map.
func (p *pdfFile) appendFont(id fontID, e *embeddedFont, used *glyphUse, s *scratch) {
	p.begin(fontObj(id, fontObjCIDFont))
	p.b = append(p.b, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /"...)
	p.b = append(p.b, e.font.name...)
	p.b = append(p.b, " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor "...)
	p.b = strconv.AppendInt(p.b, int64(fontObj(id, fontObjDescriptor)), 10)
	p.b = append(p.b, " 0 R /CIDToGIDMap /Identity /DW 1000 /W ["...)
	// Runs of consecutive glyphs: "first [w1 w2 …]".
	b := p.b
	list := used.sorted()
	for i, g := range list {
		if i == 0 || list[i-1] != g-1 {
			if i > 0 {
				b[len(b)-1] = ']'
				b = append(b, ' ')
			}
			b = strconv.AppendInt(b, int64(g), 10)
			b = append(b, " ["...)
		}
		b = strconv.AppendInt(b, int64(e.font.widths[g]), 10)
		b = append(b, ' ')
	}
	if len(list) > 0 {
		b[len(b)-1] = ']'
		b = append(b, ' ')
	}
	p.b = b
	p.b = append(p.b, "] >>"...)
	p.end()

	program, rawLength := e.subsetProgram(s.fontProgram[:0], used.glyphs, s)
	s.fontProgram = program
	s.dict = append(s.dict[:0], " /Length1 "...)
	s.dict = strconv.AppendInt(s.dict, int64(rawLength), 10)
	s.dict = append(s.dict, " /Filter /FlateDecode"...)
	p.stream(fontObj(id, fontObjFile), s.dict, program)

	s.cmap = used.appendToUnicode(s.cmap[:0])
	p.stream(fontObj(id, fontObjToUnicode), nil, s.cmap)
}

// glyphUse records which glyphs of a font a certificate prints, and the
// character each stands for.
type glyphUse struct {
	glyphs []bool
	// chars holds the first character printed with each glyph.
	chars []rune
	// list holds the glyphs printed, in the order of their first use
	// until sorted.
	list []uint16
}

func (u *glyphUse) reset(numGlyphs int) {
	u.glyphs = resize(u.glyphs, numGlyphs)
	u.chars = resize(u.chars, numGlyphs)
	u.list = u.list[:0]
}

// sorted returns the glyphs printed, in order.
func (u *glyphUse) sorted() []uint16 {
	slices.Sort(u.list)
	return u.list
}

// resize returns a zeroed slice of n elements, reusing s's storage.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func (u *glyphUse) add(g uint16, r rune) {
	if !u.glyphs[g] {
		u.glyphs[g] = true
		u.chars[g] = r
		u.list = append(u.list, g)
	}
}

// appendToUnicode writes the ToUnicode CMap that maps the used glyphs back
// to their characters, for text extraction and search.
func (u *glyphUse) appendToUnicode(b []byte) []byte {
	b = append(b, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"+
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"+
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"...)
	// At most 100 mappings per bfchar section.
	const perSection = 100
	glyphs := u.sorted()
	if len(glyphs) > 0 && glyphs[0] == 0 {
		glyphs = glyphs[1:]
	}
	var units [2]uint16
	for len(glyphs) > 0 {
		section := glyphs[:min(len(glyphs), perSection)]
		glyphs = glyphs[len(section):]
		b = strconv.AppendInt(b, int64(len(section)), 10)
		b = append(b, " beginbfchar\n"...)
		for _, g := range section {
			b = append(b, '<')
			b = appendHex16(b, g)
			b = append(b, "> <"...)
			for _, unit := range utf16.AppendRune(units[:0], u.chars[g]) {
				b = appendHex16(b, unit)
			}
			b = append(b, ">\n"...)
		}
		b = append(b, "endbfchar\n"...)
	}
	return append(b, "endcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend"...)
}

// zlibStream assembles a zlib stream (RFC 1950) from pieces of DEFLATE
// data (RFC 1951) that each start and end on a byte boundary: stored
// blocks, blocks compressed once per run, and blocks compressed here. The
// last piece holds the final block. Writing a piece and adding its data
// to the stream's checksum (sum, sumOf) are separate steps: the checksum
// of data that is the same in every certificate is computed once.
type zlibStream struct {
	dst   []byte
	adler uint32
}

func (z *zlibStream) start() {
	z.dst = append(z.dst, 0x78, 0x01) // DEFLATE, 32 KiB window, fastest
	z.adler = 1                       // the Adler-32 checksum of nothing
}

// sum adds data to the checksum.
func (z *zlibStream) sum(data []byte) { z.sumOf(adler32.Checksum(data), len(data)) }

// sumOf adds to the checksum n bytes of data whose own checksum is adler.
func (z *zlibStream) sumOf(adler uint32, n int) { z.adler = adler32Combine(z.adler, adler, n) }

// stored appends b in stored blocks, the last of them final if final.
func (z *zlibStream) stored(b []byte, final bool) {
	for {
		n := min(len(b), math.MaxUint16)
		var header byte
		if final && n == len(b) {
			header = 1 // BFINAL
		}
		z.dst = append(z.dst, header, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		z.dst = append(z.dst, b[:n]...)
		b = b[n:]
		if len(b) == 0 {
			return
		}
	}
}

// compressed appends raw compressed by w, through out, ending in the
// final block. It does not add raw to the checksum.
func (z *zlibStream) compressed(raw []byte, w *kflate.Writer, out *appendWriter) error {
	out.b = z.dst
	w.Reset(out)
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	z.dst = out.b
	out.b = nil
	return nil
}

// end appends the checksum.
func (z *zlibStream) end() {
	z.dst = binary.BigEndian.AppendUint32(z.dst, z.adler)
}

// adler32Combine returns the Adler-32 checksum of the concatenation of
// data of checksum adler1 and n bytes of checksum adler2 (as zlib's
// adler32_combine).
func adler32Combine(adler1, adler2 uint32, n int) uint32 {
	const mod = 65521
	rem := uint32(n % mod)
	sum1 := adler1 & 0xFFFF
	sum2 := rem * sum1 % mod
	sum1 += adler2&0xFFFF + mod - 1
	sum2 += adler1>>16 + adler2>>16 + mod - rem
	if sum1 >= mod {
		sum1 -= mod
	}
	if sum1 >= mod {
		sum1 -= mod
	}
	if sum2 >= 2*mod {
		sum2 -= 2 * mod
	}
	if sum2 >= mod {
		sum2 -= mod
	}
	return sum2<<16 | sum1
}

// appendWriter is an io.Writer that appends to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// deflatePrefix returns raw compressed as non-final DEFLATE blocks that
// end on a byte boundary, to be followed by other blocks: compressed
// once per run, so as hard as DEFLATE can.
func deflatePrefix(raw []byte) ([]byte, error) {
	var out appendWriter
	w, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	// Flush ends on a byte boundary without a final block.
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return out.b, nil
}

// appendHundredths writes n hundredths as appendNumber does: at most two
// decimals, no trailing zeros, and 0 rather than -0.
func appendHundredths(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/100, 10)
	switch frac := n % 100; {
	case frac == 0:
	case frac%10 == 0:
		b = append(b, '.', byte('0'+frac/10))
	default:
		b = append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	}
	return b
}

// formatNumber writes v with at most two decimals, as content streams
// place things (to a hundredth of a point).
func formatNumber(v float64) string { return string(appendNumber(nil, v)) }

func appendNumber(b []byte, v float64) []byte {
	// Hundredths in integers, as fast as it goes: below 1e9, v*100 is
	// within 1e-7 of the exact product of the float v by 100, so it
	// rounds as the decimal expansion of v does unless it is about halfway
	// between two integers; then, and for large values or NaN, strconv
	// decides.
	if h := v * 100; math.Abs(h) < 1e9 {
		n := math.Round(h)
		if d := math.Abs(h - n); d < 0.4999 {
			return appendHundredths(b, int64(n))
		}
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', 2, 64)
	// Trim "1.50" to "1.5", "2.00" to "2", "-0.00" to "0".
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}
