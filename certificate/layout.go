package certificate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Page geometry, in millimetres: A4 portrait.
const (
	pageWidth    = 210.0
	pageHeight   = 297.0
	margin       = 18.0
	contentWidth = pageWidth - 2*margin
)

// mmPerPoint converts font sizes, in points, to millimetres.
const mmPerPoint = 25.4 / 72

// lineSpacing is the height of a line of text as a multiple of its size.
const lineSpacing = 1.3

// rgb is a colour.
type rgb struct{ r, g, b uint8 }

// Colours of the page.
var (
	inkColor    = rgb{0x1e, 0x1e, 0x1e}
	mutedColor  = rgb{0x5c, 0x5c, 0x66}
	accentColor = rgb{0x00, 0x00, 0x91}
	ruleColor   = rgb{0xc6, 0xc6, 0xd6}
	bandColor   = rgb{0xf2, 0xf2, 0xf9}
)

// style is how a text is set: its font, size (points) and colour.
type style struct {
	font  fontID
	size  float64
	color rgb
}

// align is where a line of text sits in its column.
type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// Text styles of the page, at full scale.
var (
	kickerStyle   = style{sansBold, 8.5, accentColor}
	issuerStyle   = style{sansBold, 14, inkColor}
	titleStyle    = style{sansBold, 26, accentColor}
	leadStyle     = style{sans, 11, mutedColor}
	holderStyle   = style{sansBold, 22, inkColor}
	birthStyle    = style{sans, 11, inkColor}
	labelStyle    = style{sans, 10.5, mutedColor}
	valueStyle    = style{sansBold, 10.5, inkColor}
	sectionStyle  = style{sansBold, 10.5, accentColor}
	compIDStyle   = style{sans, 9.5, mutedColor}
	compNameStyle = style{sans, 9.5, inkColor}
	compLvlStyle  = style{sansBold, 9.5, inkColor}
	compNoneStyle = style{sans, 9.5, mutedColor}
	footLblStyle  = style{sans, 8.5, mutedColor}
	footValStyle  = style{sans, 8.5, inkColor}
	captionStyle  = style{sansBold, 9, accentColor}
	noticeStyle   = style{sans, 8, mutedColor}
)

// Column widths, in millimetres.
const (
	detailLabelWidth = 58.0
	compIDWidth      = 11.0
	compLevelWidth   = 30.0
	footLabelWidth   = 26.0
)

// Shares of the spare vertical room that compose puts above the title and
// above the details; the rest stays above the footer.
const (
	spareAboveTitle   = 0.35
	spareAboveDetails = 0.2
)

// footerClearance is the least room, in millimetres at full scale, between
// the body and the footer.
const footerClearance = 12.0

// QR code geometry, in millimetres.
const (
	// qrImageWidth is the printed side of the QR image, quiet zone
	// included: the symbol itself is at least 33 mm wide (version 1) and
	// about 42 mm for an SC1 credential (version 15, 77 modules of 0.54
	// mm, printed at about 375 pixels per inch).
	qrImageWidth = 46.0
	// qrColumnGap separates the footer's text from the QR code.
	qrColumnGap = 8.0
)

// composer sets text on the page from top to bottom. Every text size is
// multiplied by scale, which Render lowers until the content fits the
// page. y is the top of the next line, in millimetres. A composer without
// out only measures: it places everything and draws nothing.
type composer struct {
	t     *typesetter
	out   *pageContent
	scale float64
	y     float64
	// line is lines' buffer.
	line [1]run
}

// pageContent is what a composer draws: the page's content stream and the
// glyphs it prints of each font.
type pageContent struct {
	ops  []byte
	used [fontCount]glyphUse
	// size and sizeText are the last font size written, and how.
	size     float64
	sizeText []byte
}

func (p *pageContent) reset(fonts *[fontCount]*ttfont) {
	p.ops = p.ops[:0]
	for i, f := range fonts {
		p.used[i].reset(len(f.glyphs))
	}
}

// lineHeight returns the height, in millimetres, of a line of text of
// size points.
func lineHeight(size float64) float64 { return size * lineSpacing * mmPerPoint }

// millimetres returns the width, in millimetres, of advance thousandths of
// an em at size points.
func millimetres(advance int, size float64) float64 {
	return float64(advance) * (size / 1000) / pointsPerMM
}

// lines splits text, set in s at size points, in words where it can, into
// lines no wider than width millimetres (typesetter.wrap). The lines are
// valid until the next call.
func (c *composer) lines(field, text string, s style, size, width float64) ([]run, error) {
	r, err := c.t.run(field, text, s.font)
	if err != nil {
		return nil, err
	}
	if millimetres(r.advance, size) <= width {
		c.line[0] = r
		return c.line[:], nil
	}
	return c.t.wrap(text, s.font, r, size, width), nil
}

// drawLines writes lines, already split, in style s at size points, from
// the current y in the column [x, x+width], aligned a, and moves y below
// them.
func (c *composer) drawLines(lines []run, s style, size, x, width float64, a align) {
	h := lineHeight(size)
	for _, line := range lines {
		if c.out != nil {
			c.out.text(c.t.fonts[s.font], s, size, x, c.y, width, h, a, line)
		}
		c.y += h
	}
}

// text writes text in style s (scaled), wrapped in the column [x, x+width].
func (c *composer) text(field, text string, s style, x, width float64, a align) error {
	size := s.size * c.scale
	lines, err := c.lines(field, text, s, size, width)
	if err != nil {
		return err
	}
	c.drawLines(lines, s, size, x, width, a)
	return nil
}

// headline writes text on one line at the largest size, from s.size down to
// minSize points (both scaled), at which it fits width; a text that does not
// fit even at minSize is wrapped at minSize.
func (c *composer) headline(field, text string, s style, minSize, x, width float64, a align) error {
	size, minSize := s.size*c.scale, minSize*c.scale
	r, err := c.t.run(field, text, s.font)
	if err != nil {
		return err
	}
	if w := millimetres(r.advance, size); w > width {
		// Text width is proportional to the size: shrink to fit, in
		// steps of a quarter point, but not below minSize.
		size = max(minSize, math.Floor(4*size*width/w)/4)
	}
	lines, err := c.lines(field, text, s, size, width)
	if err != nil {
		return err
	}
	c.drawLines(lines, s, size, x, width, a)
	return nil
}

// gap moves y down by mm millimetres, scaled.
func (c *composer) gap(mm float64) { c.y += mm * c.scale }

// rule draws a horizontal line across the content width at y.
func (c *composer) rule(y float64, color rgb, width float64) {
	if c.out != nil {
		c.out.line(margin, y, pageWidth-margin, y, color, width)
	}
}

// fill paints the rectangle of top left corner (x, y) in color.
func (c *composer) fill(x, y, w, h float64, color rgb) {
	if c.out != nil {
		c.out.rect(x, y, w, h, color)
	}
}

// row writes a label and its value side by side, the label in the first
// labelWidth millimetres of the column [x, x+width].
func (c *composer) row(d detail, ls, vs style, x, width, labelWidth float64) error {
	top := c.y
	if d.label != "" {
		if err := c.text("label", d.label, ls, x, labelWidth-2, alignLeft); err != nil {
			return fmt.Errorf("%s %w", d.field, err)
		}
	}
	labelBottom := c.y
	c.y = top
	if err := c.text(d.field, d.value, vs, x+labelWidth, width-labelWidth, alignLeft); err != nil {
		return err
	}
	c.y = max(c.y, labelBottom)
	return nil
}

// compose lays the page out with text at scale of its normal size and
// spare millimetres of extra room spread around the body, drawing into
// out unless out is nil. It returns the room left between the body and
// the footer beyond footerClearance: when it is negative the content does
// not fit, and the footer is not drawn.
func (p *page) compose(t *typesetter, out *pageContent, scale, spare float64) (left float64, err error) {
	c := &composer{t: t, out: out, scale: scale}

	c.fill(0, 0, pageWidth, 5, accentColor)
	c.y = 13
	if err := c.text("kicker", p.wording.kicker, kickerStyle, margin, contentWidth, alignLeft); err != nil {
		return 0, err
	}
	if err := c.headline("issuer name", p.issuerName, issuerStyle, 10, margin, contentWidth, alignLeft); err != nil {
		return 0, err
	}
	c.gap(4)
	c.rule(c.y, ruleColor, 0.3)
	c.gap(12)
	c.y += spare * spareAboveTitle

	if err := c.headline("title", p.title, titleStyle, 15, margin, contentWidth, alignCenter); err != nil {
		return 0, err
	}
	c.gap(5)
	if err := c.text("awarded to", p.awardedTo, leadStyle, margin, contentWidth, alignCenter); err != nil {
		return 0, err
	}
	c.gap(3)
	if err := c.headline("given_name and family_name", p.holder, holderStyle, 13, margin, contentWidth, alignCenter); err != nil {
		return 0, err
	}
	c.gap(2)
	if err := c.text("birth_date", p.birthDate, birthStyle, margin, contentWidth, alignCenter); err != nil {
		return 0, err
	}
	c.gap(10)
	c.y += spare * spareAboveDetails

	for _, d := range p.details {
		vs := valueStyle
		if d.mono {
			vs.font = mono
		}
		if err := c.row(d, labelStyle, vs, margin, contentWidth, detailLabelWidth); err != nil {
			return 0, err
		}
		c.gap(2.2)
	}
	if len(p.competences) > 0 {
		c.gap(6)
		if err := c.text("competences", p.wording.competences, sectionStyle, margin, contentWidth, alignLeft); err != nil {
			return 0, err
		}
		c.gap(2)
		if err := c.competenceTable(p.competences); err != nil {
			return 0, err
		}
	}

	footerTop, err := p.footerTop(t, scale)
	if err != nil {
		return 0, err
	}
	left = footerTop - footerClearance*scale - c.y
	if left < 0 || out == nil {
		// Measuring needs no more: footerTop laid the footer's text out,
		// and drawing it will say what it cannot print.
		return left, nil
	}
	if err := p.footer(c, footerTop); err != nil {
		return 0, err
	}
	return left, nil
}

// competenceTable writes the competences, one row each, on alternating
// tinted bands, with a rule between the framework's domains.
func (c *composer) competenceTable(rows []competenceRow) error {
	nameX := margin + compIDWidth
	nameWidth := contentWidth - compIDWidth - compLevelWidth
	pad := 1.1 * c.scale
	for i, r := range rows {
		newDomain := i > 0 && domain(rows[i-1].id) != domain(r.id)
		if err := c.competence(i, r, nameX, nameWidth, pad, newDomain); err != nil {
			return fmt.Errorf("competences[%d] (%s) %w", i, r.id, err)
		}
	}
	return nil
}

// competence writes row i of the competence table, after a rule if
// newDomain.
func (c *composer) competence(i int, r competenceRow, nameX, nameWidth, pad float64, newDomain bool) error {
	nameSize := compNameStyle.size * c.scale
	names, err := c.lines("name", r.name, compNameStyle, nameSize, nameWidth-2)
	if err != nil {
		return err
	}
	// A single line is in c.line, which the id and level overwrite;
	// wrapped lines are kept by the typesetter.
	var single [1]run
	if len(names) == 1 {
		single[0] = names[0]
		names = single[:]
	}
	h := float64(len(names))*lineHeight(nameSize) + 2*pad
	top := c.y
	if i%2 == 0 {
		c.fill(margin, top, contentWidth, h, bandColor)
	}
	if newDomain {
		c.rule(top, ruleColor, 0.3)
	}
	c.y = top + pad
	if err := c.text("id", r.id, compIDStyle, margin+1.5, compIDWidth-1.5, alignLeft); err != nil {
		return err
	}
	c.y = top + pad
	c.drawLines(names, compNameStyle, nameSize, nameX, nameWidth, alignLeft)
	c.y = top + pad
	ls := compLvlStyle
	if !r.passed {
		ls = compNoneStyle
	}
	if err := c.text("level", r.level, ls, pageWidth-margin-compLevelWidth, compLevelWidth-1.5, alignRight); err != nil {
		return err
	}
	c.y = top + h
	return nil
}

// domain returns the CRCN domain of a competence id: "2" for "2.3".
func domain(id string) string {
	d, _, _ := strings.Cut(id, ".")
	return d
}

// footerTop returns where the footer starts so that it ends at the bottom
// margin: the taller of the QR column and the text column.
// It is computed once for each scale: measuring the page and drawing it
// ask for it at the same scale.
func (p *page) footerTop(t *typesetter, scale float64) (float64, error) {
	if p.footerTopKnown && p.footerTopScale == scale {
		return p.footerTopAt, nil
	}
	m := &composer{t: t, scale: scale}
	if err := p.footerText(m, contentWidth-qrImageWidth-qrColumnGap); err != nil {
		return 0, err
	}
	p.footerTopAt = pageHeight - margin - max(m.y, qrColumnHeight(scale))
	p.footerTopScale, p.footerTopKnown = scale, true
	return p.footerTopAt, nil
}

// qrColumnHeight is the height of the QR image and its caption.
func qrColumnHeight(scale float64) float64 {
	return qrImageWidth + 1 + lineHeight(captionStyle.size*scale)
}

// footer writes, from top, the credential's id, issuer and dates, the
// notice, and the QR code with its caption on the right.
func (p *page) footer(c *composer, top float64) error {
	c.rule(top-6*c.scale, ruleColor, 0.3)
	c.y = top
	if err := p.footerText(c, contentWidth-qrImageWidth-qrColumnGap); err != nil {
		return err
	}
	qrX := pageWidth - margin - qrImageWidth
	if c.out != nil {
		c.out.image(qrResourceName, qrX, top, qrImageWidth, qrImageWidth)
	}
	c.y = top + qrImageWidth + 1
	return c.text("caption", p.wording.scanToVerify, captionStyle, qrX, qrImageWidth, alignCenter)
}

// footerText writes the footer's text column, width millimetres wide, from
// c.y at the left margin: the credential's id, issuer and dates, the
// notice, and the verifier's address when there is one.
func (p *page) footerText(c *composer, width float64) error {
	for _, d := range p.footnotes {
		vs := footValStyle
		if d.mono {
			vs.font = mono
		}
		if err := c.row(d, footLblStyle, vs, margin, width, footLabelWidth); err != nil {
			return err
		}
		c.gap(1)
	}
	c.gap(3)
	if err := c.text("notice", p.wording.notice, noticeStyle, margin, width, alignLeft); err != nil {
		return err
	}
	if p.address == nil {
		return nil
	}
	c.gap(addressGap)
	return c.row(*p.address, footLblStyle, footValStyle.with(mono), margin, width, footLabelWidth)
}

// addressGap separates the notice from the verifier's address under it,
// in millimetres at full scale.
const addressGap = 2.0

// with returns s set in font f.
func (s style) with(f fontID) style {
	s.font = f
	return s
}

// Drawing operators of the content stream. Positions are given in
// millimetres from the top left corner of the page and written in points
// from its bottom left corner, to a hundredth of a point.

// text draws line in font f, style s at size points, in the cell of top
// left corner (x, y), width w and height h, vertically centred on the
// font's typographic ascender and descender, aligned a.
func (p *pageContent) text(f *ttfont, s style, size, x, y, w, h float64, a align, line run) {
	if len(line.glyphs) == 0 {
		return
	}
	xPt, yPt, wPt, hPt := x*pointsPerMM, y*pointsPerMM, w*pointsPerMM, h*pointsPerMM
	textWidth := float64(line.advance) * (size / 1000)
	switch a {
	case alignRight:
		xPt += wPt - textWidth
	case alignCenter:
		xPt += wPt*0.5 - textWidth*0.5
	}
	ascender, descender := f.typographic(f.typoAscender, size), f.typographic(f.typoDescender, size)
	baseline := pageHeightPt - yPt - hPt*0.5 - (descender+ascender)*0.5

	b := appendColor(p.ops, s.color, "rg")
	b = append(b, "BT\n/"...)
	b = append(b, s.font.resourceName()...)
	b = append(b, ' ')
	// Sizes to a thousandth of a point: scaled sizes such as 9.975 (95 %
	// of 10.5) are printed as they were measured.
	if size != p.size || p.sizeText == nil {
		p.size = size
		p.sizeText = strconv.AppendFloat(p.sizeText[:0], math.Round(size*1000)/1000, 'f', -1, 64)
	}
	b = append(b, p.sizeText...)
	b = append(b, " Tf\n"...)
	b = appendNumber(b, xPt)
	b = append(b, ' ')
	b = appendNumber(b, baseline)
	b = append(b, " Td\n<"...)
	b = append(b, line.hex...)
	p.ops = append(b, "> Tj\nET\n"...)
	used := &p.used[s.font]
	for i, g := range line.glyphs {
		used.add(g, line.chars[i])
	}
}

// typographic returns a vertical metric of the font, in font units, in
// points at size points.
func (f *ttfont) typographic(v int, size float64) float64 {
	return float64(v) * 1000 / float64(f.unitsPerEm) * size / 1000
}

// line strokes the segment from (x1, y1) to (x2, y2), width millimetres wide.
func (p *pageContent) line(x1, y1, x2, y2 float64, color rgb, width float64) {
	b := appendColor(p.ops, color, "RG")
	b = appendNumber(b, width*pointsPerMM)
	b = append(b, " w\n"...)
	b = appendNumbers(b, x1*pointsPerMM, pageHeightPt-y1*pointsPerMM)
	b = append(b, " m "...)
	b = appendNumbers(b, x2*pointsPerMM, pageHeightPt-y2*pointsPerMM)
	p.ops = append(b, " l S\n"...)
}

// rect fills the rectangle of top left corner (x, y).
func (p *pageContent) rect(x, y, w, h float64, color rgb) {
	b := appendColor(p.ops, color, "rg")
	b = appendNumbers(b, x*pointsPerMM, pageHeightPt-(y+h)*pointsPerMM, w*pointsPerMM, h*pointsPerMM)
	p.ops = append(b, " re f\n"...)
}

// image draws the image XObject name in the rectangle of top left corner
// (x, y).
func (p *pageContent) image(name string, x, y, w, h float64) {
	b := append(p.ops, "q\n"...)
	b = appendNumbers(b, w*pointsPerMM, 0, 0, h*pointsPerMM, x*pointsPerMM, pageHeightPt-(y+h)*pointsPerMM)
	b = append(b, " cm\n/"...)
	b = append(b, name...)
	p.ops = append(b, " Do\nQ\n"...)
}

// appendColor writes the operator op (rg: fill, RG: stroke) setting color.
func appendColor(b []byte, c rgb, op string) []byte {
	for _, v := range [3]uint8{c.r, c.g, c.b} {
		b = appendComponent(b, v)
		b = append(b, ' ')
	}
	b = append(b, op...)
	return append(b, '\n')
}

// appendComponent writes the colour component v/255 with three decimals,
// as strconv.AppendFloat(b, float64(v)/255, 'f', 3, 64) does, in integers:
// v/255 in thousandths is v*200/51, never halfway between two
// thousandths (51 is odd), so rounding it to the nearest is rounding
// the float.
func appendComponent(b []byte, v uint8) []byte {
	thousandths := (int(v)*400 + 51) / 102
	return append(b, byte('0'+thousandths/1000), '.',
		byte('0'+thousandths/100%10), byte('0'+thousandths/10%10), byte('0'+thousandths%10))
}

// appendNumbers writes vs separated by spaces.
func appendNumbers(b []byte, vs ...float64) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendNumber(b, v)
	}
	return b
}
