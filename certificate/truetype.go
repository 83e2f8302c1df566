package certificate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"math"
	"slices"
	"strings"
)

// A TrueType font, read once per Renderer: what layout needs (glyph
// indices, advance widths, vertical metrics) and what embedding a subset
// of it in a PDF needs (the glyphs' outlines and the tables that do not
// depend on which glyphs are used).
//
// Subsets keep the font's glyph indices: a glyph the certificate does not
// use is left empty (a zero-length entry in loca) rather than removed, so
// the content stream writes the font's own glyph indices (Identity-H
// encoding, identity CIDToGIDMap) and only loca, glyf and head change from
// one certificate to the next.

// ttfont is a parsed TrueType font.
type ttfont struct {
	// name is the font's name in the PDF (BaseFont, FontName).
	name string
	// unitsPerEm is the size of the em square in font units.
	unitsPerEm int
	// bmp is the glyph index of every character of the Basic Multilingual
	// Plane, 0 where the font has none.
	bmp []uint16
	// astral holds the glyph indices of characters beyond U+FFFF.
	astral map[rune]uint16
	// widths are the glyphs' advance widths in thousandths of an em,
	// rounded down as PDF widths and text measurement both use them.
	widths []int
	// typoAscender and typoDescender (OS/2, font units) place a line of
	// text in its cell.
	typoAscender, typoDescender int
	// descriptor holds the FontDescriptor's metrics, in thousandths of an em.
	descriptor fontMetrics
	// glyphs holds each glyph's outline (glyf data), nil for an empty glyph.
	glyphs [][]byte
	// components lists, for a composite glyph, every glyph it is drawn
	// from, directly or through other composites.
	components [][]uint16
	// tables are the tables embedded unchanged in every subset (cvt, fpgm,
	// hhea, hmtx, maxp, prep), sorted by tag.
	tables []sfntTable
	// head is the head table of the subsets: long loca offsets unless a
	// subset's glyphs allow short ones, and checkSumAdjustment zero until
	// a subset's is computed.
	head []byte
}

// fontMetrics are the metrics a PDF FontDescriptor states.
type fontMetrics struct {
	ascent, descent, capHeight, xHeight int
	bbox                                [4]int
}

// sfntTable is a table of a TrueType font.
type sfntTable struct {
	tag      string
	data     []byte
	checksum uint32
}

// Tables the subsets embed: those a PDF reader needs to draw TrueType
// glyphs (ISO 32000-1, 9.9), hinting included.
var (
	constantTables = []string{"cvt ", "fpgm", "hhea", "hmtx", "maxp", "prep"}
	requiredTables = []string{"glyf", "head", "hhea", "hmtx", "loca", "maxp"}
)

// parseTrueType reads the TrueType font data, to be named name in PDFs.
// The fonts are the package's own (fontFiles): the parser checks what it
// reads against the data's bounds, but is no validator of fonts from
// outside.
func parseTrueType(name string, data []byte) (*ttfont, error) {
	f := &ttfont{name: name, astral: map[rune]uint16{}}
	if err := f.parse(data); err != nil {
		return nil, fmt.Errorf("font %s: %w", name, err)
	}
	return f, nil
}

func (f *ttfont) parse(data []byte) error {
	tables, err := sfntTables(data)
	if err != nil {
		return err
	}
	for _, tag := range requiredTables {
		if tables[tag] == nil {
			return fmt.Errorf("no %q table", tag)
		}
	}
	head, hhea, maxp := tables["head"], tables["hhea"], tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return errors.New("head, hhea or maxp table too short")
	}
	f.unitsPerEm = int(u16(head, 18))
	if f.unitsPerEm == 0 {
		return errors.New("unitsPerEm is 0")
	}
	numGlyphs := int(u16(maxp, 4))
	if err := f.parseGlyphs(tables["loca"], tables["glyf"], numGlyphs, int16(u16(head, 50)) != 0); err != nil {
		return err
	}
	if err := f.parseWidths(tables["hmtx"], int(u16(hhea, 34)), numGlyphs); err != nil {
		return err
	}
	if err := f.parseCmap(tables["cmap"], numGlyphs); err != nil {
		return err
	}
	f.parseMetrics(head, hhea, tables["OS/2"])

	for _, tag := range constantTables {
		if t := tables[tag]; t != nil {
			f.tables = append(f.tables, sfntTable{tag: tag, data: t, checksum: sfntChecksum(t)})
		}
	}
	f.head = slices.Clone(head[:54])
	binary.BigEndian.PutUint32(f.head[8:], 0)  // checkSumAdjustment
	binary.BigEndian.PutUint16(f.head[50:], 1) // indexToLocFormat: long
	return nil
}

// sfntTables returns the tables of a TrueType font by tag.
func sfntTables(data []byte) (map[string][]byte, error) {
	if len(data) < 12 || binary.BigEndian.Uint32(data) != 0x00010000 {
		return nil, errors.New("not a TrueType font")
	}
	n := int(u16(data, 4))
	if len(data) < 12+16*n {
		return nil, errors.New("table directory truncated")
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		e := data[12+16*i:]
		off, length := binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fmt.Errorf("table %q runs past the end of the font", e[:4])
		}
		tables[string(e[:4])] = data[off : off+length]
	}
	return tables, nil
}

// parseGlyphs splits glyf into glyphs along loca and lists the components
// of composite glyphs.
func (f *ttfont) parseGlyphs(loca, glyf []byte, numGlyphs int, longOffsets bool) error {
	offset := func(i int) int {
		if longOffsets {
			return int(binary.BigEndian.Uint32(loca[4*i:]))
		}
		return 2 * int(u16(loca, 2*i))
	}
	entrySize := 2
	if longOffsets {
		entrySize = 4
	}
	if len(loca) < entrySize*(numGlyphs+1) {
		return errors.New("loca table too short")
	}
	f.glyphs = make([][]byte, numGlyphs)
	for i := range numGlyphs {
		start, end := offset(i), offset(i+1)
		if start > end || end > len(glyf) {
			return fmt.Errorf("glyph %d: bad loca offsets", i)
		}
		if start < end {
			f.glyphs[i] = glyf[start:end]
		}
	}
	f.components = make([][]uint16, numGlyphs)
	for i := range numGlyphs {
		seen := map[uint16]bool{}
		if err := f.addComponents(uint16(i), seen, 0); err != nil {
			return fmt.Errorf("glyph %d: %w", i, err)
		}
		for g := range seen {
			f.components[i] = append(f.components[i], g)
		}
		slices.Sort(f.components[i])
	}
	return nil
}

// Flags of a composite glyph's components (OpenType glyf table).
const (
	argsAreWords        = 0x0001
	weHaveAScale        = 0x0008
	moreComponents      = 0x0020
	weHaveXYScale       = 0x0040
	weHaveTwoByTwo      = 0x0080
	maxCompositeNesting = 8
)

// addComponents adds to seen the glyphs glyph g is composed of.
func (f *ttfont) addComponents(g uint16, seen map[uint16]bool, depth int) error {
	data := f.glyphs[g]
	if len(data) < 10 || int16(u16(data, 0)) >= 0 {
		return nil // empty or simple glyph
	}
	if depth == maxCompositeNesting {
		return errors.New("composite glyphs nested too deep")
	}
	for p := 10; ; {
		if p+4 > len(data) {
			return errors.New("composite glyph truncated")
		}
		flags, component := u16(data, p), u16(data, p+2)
		if int(component) >= len(f.glyphs) {
			return fmt.Errorf("component %d does not exist", component)
		}
		if !seen[component] {
			seen[component] = true
			if err := f.addComponents(component, seen, depth+1); err != nil {
				return err
			}
		}
		p += 4 + 2
		if flags&argsAreWords != 0 {
			p += 2
		}
		switch {
		case flags&weHaveAScale != 0:
			p += 2
		case flags&weHaveXYScale != 0:
			p += 4
		case flags&weHaveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			return nil
		}
	}
}

// parseWidths reads the advance widths of hmtx.
func (f *ttfont) parseWidths(hmtx []byte, numberOfHMetrics, numGlyphs int) error {
	if numberOfHMetrics < 1 || len(hmtx) < 4*numberOfHMetrics {
		return errors.New("hmtx table too short")
	}
	f.widths = make([]int, numGlyphs)
	for i := range f.widths {
		m := min(i, numberOfHMetrics-1)
		f.widths[i] = int(u16(hmtx, 4*m)) * 1000 / f.unitsPerEm
	}
	return nil
}

// parseCmap reads the font's Unicode character map: its format 12 subtable
// (all of Unicode) when it has one, else its format 4 one (the BMP).
func (f *ttfont) parseCmap(cmap []byte, numGlyphs int) error {
	if len(cmap) < 4 {
		return errors.New("no cmap table")
	}
	var format4, format12 []byte
	for i := range int(u16(cmap, 2)) {
		e := 4 + 8*i
		if e+8 > len(cmap) {
			return errors.New("cmap table truncated")
		}
		platform, encoding, off := u16(cmap, e), u16(cmap, e+2), int(binary.BigEndian.Uint32(cmap[e+4:]))
		unicode := platform == 0 || platform == 3 && (encoding == 1 || encoding == 10)
		if !unicode || off+4 > len(cmap) {
			continue
		}
		switch u16(cmap, off) {
		case 4:
			format4 = cmap[off:]
		case 12:
			format12 = cmap[off:]
		}
	}
	f.bmp = make([]uint16, 0x10000)
	switch {
	case format12 != nil:
		return f.parseCmap12(format12, numGlyphs)
	case format4 != nil:
		return f.parseCmap4(format4, numGlyphs)
	}
	return errors.New("no Unicode character map of format 4 or 12")
}

func (f *ttfont) parseCmap4(t []byte, numGlyphs int) error {
	if len(t) < 14 {
		return errors.New("cmap format 4 truncated")
	}
	segments := int(u16(t, 6)) / 2
	ends, starts, deltas, rangeOffsets := 14, 16+2*segments, 16+4*segments, 16+6*segments
	if len(t) < rangeOffsets+2*segments {
		return errors.New("cmap format 4 truncated")
	}
	for s := range segments {
		start, end := int(u16(t, starts+2*s)), int(u16(t, ends+2*s))
		delta, rangeOffset := u16(t, deltas+2*s), int(u16(t, rangeOffsets+2*s))
		for c := start; c <= end && c < 0xFFFF; c++ {
			g := uint16(c) + delta
			if rangeOffset != 0 {
				at := rangeOffsets + 2*s + rangeOffset + 2*(c-start)
				if at+2 > len(t) {
					return errors.New("cmap format 4: glyph index outside the table")
				}
				if g = u16(t, at); g != 0 {
					g += delta
				}
			}
			if int(g) < numGlyphs {
				f.bmp[c] = g
			}
		}
	}
	return nil
}

func (f *ttfont) parseCmap12(t []byte, numGlyphs int) error {
	if len(t) < 16 {
		return errors.New("cmap format 12 truncated")
	}
	groups := int(binary.BigEndian.Uint32(t[12:]))
	if groups > (len(t)-16)/12 {
		return errors.New("cmap format 12 truncated")
	}
	for i := range groups {
		e := t[16+12*i:]
		start, end, g := binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:])
		if end < start || end > unicodeMax {
			return errors.New("cmap format 12: bad group")
		}
		for c := start; c <= end; c, g = c+1, g+1 {
			if int(g) >= numGlyphs {
				break
			}
			if c < 0x10000 {
				f.bmp[c] = uint16(g)
			} else {
				f.astral[rune(c)] = uint16(g)
			}
		}
	}
	return nil
}

// unicodeMax is the largest Unicode code point.
const unicodeMax = 0x10FFFF

// parseMetrics reads the vertical metrics of layout and of the FontDescriptor.
func (f *ttfont) parseMetrics(head, hhea, os2 []byte) {
	ascender, descender := int(int16(u16(hhea, 4))), int(int16(u16(hhea, 6)))
	capHeight, xHeight := ascender, 0
	f.typoAscender, f.typoDescender = ascender, descender
	if len(os2) >= 72 {
		f.typoAscender, f.typoDescender = int(int16(u16(os2, 68))), int(int16(u16(os2, 70)))
		if u16(os2, 0) >= 2 && len(os2) >= 90 {
			xHeight, capHeight = int(int16(u16(os2, 86))), int(int16(u16(os2, 88)))
		}
	}
	if f.typoAscender != 0 {
		ascender = f.typoAscender
	}
	toPDF := func(v int) int { return int(math.Round(float64(v) * 1000 / float64(f.unitsPerEm))) }
	f.descriptor = fontMetrics{
		ascent:    toPDF(ascender),
		descent:   toPDF(descender),
		capHeight: toPDF(capHeight),
		xHeight:   toPDF(xHeight),
	}
	for i := range f.descriptor.bbox {
		f.descriptor.bbox[i] = toPDF(int(int16(u16(head, 36+2*i))))
	}
}

// glyph returns the glyph of r, 0 (the missing glyph) when the font has none.
func (f *ttfont) glyph(r rune) uint16 {
	if r >= 0 && r < 0x10000 {
		return f.bmp[r]
	}
	return f.astral[r]
}

// subsetProgram appends to dst the font program of the subset that draws
// the glyphs marked in used (and the glyphs they are composed of): a
// TrueType font with this font's glyph indices, in a zlib stream. It
// returns dst and the program's length before compression.
//
// The tables that do not depend on the subset were compressed once, by
// newEmbeddedFont. The subset's own tables (loca, glyf, head) are stored
// as they are: compressing them would halve the glyphs' 5 to 10 kB, and
// take longer than everything else a certificate costs.
func (e *embeddedFont) subsetProgram(dst []byte, used []bool, s *scratch) ([]byte, int) {
	f := e.font
	n := len(f.glyphs)
	keep := append(s.keep[:0], used...)
	keep[0] = true // .notdef
	for g, u := range used {
		if u {
			for _, c := range f.components[g] {
				keep[c] = true
			}
		}
	}
	s.keep = keep
	// The kept glyphs, in order; glyf's length and checksum: each glyph
	// starts on 4 bytes, so the table sums to the sum of its glyphs'
	// checksums.
	kept := s.kept[:0]
	glyfLength, glyfChecksum := 0, uint32(0)
	for g, k := range keep {
		if k {
			kept = append(kept, uint16(g))
			glyfLength += len(f.glyphs[g]) + pad4(len(f.glyphs[g]))
			glyfChecksum += e.glyphChecksum[g]
		}
	}
	s.kept = kept
	// Short loca offsets (halved, on 16 bits) when the glyphs allow, as
	// they mostly do: loca has an entry for every glyph of the font.
	short := glyfLength/2 <= math.MaxUint16
	entrySize := 4
	if short {
		entrySize = 2
	}

	// loca, then glyf, then head: the subset's own tables, after the
	// constant ones. loca's entries are the same from one kept glyph to
	// the next.
	tail := resize(s.fontTail, entrySize*(n+1))
	offset, from := 0, 0
	putOffsets := func(to int) {
		if short {
			v := uint16(offset / 2)
			for g := from; g <= to; g++ {
				binary.BigEndian.PutUint16(tail[2*g:], v)
			}
		} else {
			for g := from; g <= to; g++ {
				binary.BigEndian.PutUint32(tail[4*g:], uint32(offset))
			}
		}
		from = to + 1
	}
	for _, g := range kept {
		putOffsets(int(g))
		offset += len(f.glyphs[g]) + pad4(len(f.glyphs[g]))
	}
	putOffsets(n)
	locaEnd := len(tail)
	tail = append(tail, make([]byte, pad4(locaEnd))...)
	glyfStart := len(tail)
	for _, g := range kept {
		if f.glyphs[g] != nil {
			tail = append(tail, f.glyphs[g]...)
			tail = append(tail, make([]byte, pad4(len(f.glyphs[g])))...)
		}
	}
	glyfEnd := len(tail)
	tail = append(tail, f.head...)
	tail = append(tail, make([]byte, pad4(len(f.head)))...)
	s.fontTail = tail

	loca, glyf, head := tail[:locaEnd], tail[glyfStart:glyfEnd], tail[glyfEnd:]
	if short {
		binary.BigEndian.PutUint16(head[50:], 0) // indexToLocFormat
	}
	tables := [...]sfntTable{
		{tag: "loca", data: loca, checksum: sfntChecksum(loca)},
		{tag: "glyf", data: glyf, checksum: glyfChecksum},
		{tag: "head", data: head[:len(f.head)], checksum: sfntChecksum(head)},
	}
	dir := e.directory(s.fontDir[:0], tables[:])
	s.fontDir = dir
	// checkSumAdjustment makes the whole font sum to 0xB1B0AFBA; the sum of
	// a font is the sum of its directory and of its tables' checksums.
	sum := sfntChecksum(dir) + e.constantChecksum
	for _, t := range tables {
		sum += t.checksum
	}
	binary.BigEndian.PutUint32(head[8:], 0xB1B0AFBA-sum)

	z := zlibStream{dst: dst}
	z.start()
	z.stored(dir, false)
	z.sum(dir)
	z.dst = append(z.dst, e.constantDeflated...)
	z.sumOf(e.constantAdler, len(e.constantRaw))
	z.stored(tail, true)
	z.sum(tail[:glyfStart])
	for _, g := range kept {
		if f.glyphs[g] != nil {
			z.sumOf(e.glyphAdler[g], len(f.glyphs[g])+pad4(len(f.glyphs[g])))
		}
	}
	z.sum(tail[glyfEnd:])
	z.end()
	return z.dst, len(dir) + len(e.constantRaw) + len(tail)
}

// directory appends the table directory of a subset whose last tables
// (after the constant ones, in that order) are tail.
func (e *embeddedFont) directory(dst []byte, tail []sfntTable) []byte {
	type entry struct {
		tag            string
		checksum       uint32
		offset, length int
	}
	var entries [16]entry
	count := 0
	offset := 12 + 16*(len(e.font.tables)+len(tail))
	for _, tables := range [][]sfntTable{e.font.tables, tail} {
		for _, t := range tables {
			entries[count] = entry{t.tag, t.checksum, offset, len(t.data)}
			count++
			offset += len(t.data) + pad4(len(t.data))
		}
	}
	sorted := entries[:count]
	slices.SortFunc(sorted, func(a, b entry) int { return strings.Compare(a.tag, b.tag) })

	searchRange, entrySelector := 1, 0
	for searchRange*2 <= count {
		searchRange *= 2
		entrySelector++
	}
	dst = binary.BigEndian.AppendUint32(dst, 0x00010000)
	dst = binary.BigEndian.AppendUint16(dst, uint16(count))
	dst = binary.BigEndian.AppendUint16(dst, uint16(16*searchRange))
	dst = binary.BigEndian.AppendUint16(dst, uint16(entrySelector))
	dst = binary.BigEndian.AppendUint16(dst, uint16(16*(count-searchRange)))
	for _, t := range sorted {
		dst = append(dst, t.tag...)
		dst = binary.BigEndian.AppendUint32(dst, t.checksum)
		dst = binary.BigEndian.AppendUint32(dst, uint32(t.offset))
		dst = binary.BigEndian.AppendUint32(dst, uint32(t.length))
	}
	return dst
}

// sfntChecksum is the checksum of a TrueType table: the sum of its
// big-endian 32-bit words, the last one padded with zeros.
func sfntChecksum(data []byte) uint32 {
	var sum uint32
	for len(data) >= 4 {
		sum += binary.BigEndian.Uint32(data)
		data = data[4:]
	}
	if len(data) > 0 {
		var last [4]byte
		copy(last[:], data)
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}

// pad4 is the number of zero bytes that align a table or glyph of n bytes
// on 4 bytes.
func pad4(n int) int { return (4 - n%4) % 4 }

func u16(b []byte, at int) uint16 { return binary.BigEndian.Uint16(b[at:]) }

// embeddedFont is a font ready to embed in certificates: the tables every
// subset shares are laid out and compressed once.
type embeddedFont struct {
	font *ttfont
	// constantRaw is the constant tables, each padded to 4 bytes, in the
	// order of font.tables; constantDeflated is the same compressed, as
	// DEFLATE blocks that a subset's own compressed tables follow.
	constantRaw, constantDeflated []byte
	// constantChecksum is the sum of the constant tables' checksums.
	constantChecksum uint32
	// constantAdler and glyphAdler are the Adler-32 checksums of
	// constantRaw and of each glyph padded to 4 bytes, for the subsets'
	// zlib streams.
	constantAdler uint32
	glyphAdler    []uint32
	// glyphChecksum are the glyphs' TrueType checksums (sfntChecksum).
	glyphChecksum []uint32
}

func newEmbeddedFont(f *ttfont) (*embeddedFont, error) {
	e := &embeddedFont{font: f}
	for _, t := range f.tables {
		e.constantRaw = append(e.constantRaw, t.data...)
		e.constantRaw = append(e.constantRaw, make([]byte, pad4(len(t.data)))...)
		e.constantChecksum += t.checksum
	}
	e.constantAdler = adler32.Checksum(e.constantRaw)
	e.glyphAdler = make([]uint32, len(f.glyphs))
	e.glyphChecksum = make([]uint32, len(f.glyphs))
	for g, data := range f.glyphs {
		e.glyphAdler[g] = adler32.Checksum(append(slices.Clip(data), make([]byte, pad4(len(data)))...))
		e.glyphChecksum[g] = sfntChecksum(data)
	}
	var err error
	if e.constantDeflated, err = deflatePrefix(e.constantRaw); err != nil {
		return nil, fmt.Errorf("font %s: compressing its tables: %w", f.name, err)
	}
	return e, nil
}
