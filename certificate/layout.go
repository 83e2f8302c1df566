package certificate

import (
	"fmt"
	"math"
	"unicode"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/text/unicode/norm"
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

// Font families embedded in every certificate, from the Go fonts (which
// cover Latin-1, Latin Extended-A and more: é, è, ê, à, ç, œ, É…).
const (
	sans     = "GoRegular"
	sansBold = "GoBold"
	mono     = "GoMono"
)

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
	font  string
	size  float64
	color rgb
}

// newDocument returns an empty A4 document, in millimetres, with the
// certificate's fonts loaded.
func newDocument() (*gopdf.GoPdf, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	fonts := []struct {
		family string
		data   []byte
	}{
		{sans, goregular.TTF},
		{sansBold, gobold.TTF},
		{mono, gomono.TTF},
	}
	for _, f := range fonts {
		if err := pdf.AddTTFFontData(f.family, f.data); err != nil {
			return nil, fmt.Errorf("loading font %s: %w", f.family, err)
		}
	}
	pdf.AddPage()
	return pdf, nil
}

// composer sets text on a page from top to bottom. Every text size is
// multiplied by scale, which Render lowers until the content fits the
// page. y is the top of the next line, in millimetres.
type composer struct {
	pdf   *gopdf.GoPdf
	scale float64
	y     float64
}

// lineHeight returns the height, in millimetres, of a line of text of
// size points.
func lineHeight(size float64) float64 { return size * lineSpacing * mmPerPoint }

// setStyle makes s, at size points, the style of the next texts.
func (c *composer) setStyle(s style, size float64) error {
	if err := c.pdf.SetFont(s.font, "", size); err != nil {
		return fmt.Errorf("font %s: %w", s.font, err)
	}
	c.pdf.SetTextColor(s.color.r, s.color.g, s.color.b)
	return nil
}

// printable returns text in Unicode normalization form C, so that a letter
// followed by a combining accent is printed with the font's accented glyph,
// or an error naming field when the current font has no glyph for one of
// its characters: a certificate never silently drops a letter of a name.
func (c *composer) printable(field, text string) (string, error) {
	text = norm.NFC.String(text)
	for _, r := range text {
		ok, err := c.pdf.IsCurrFontContainGlyph(r)
		if err != nil {
			return "", fmt.Errorf("%s: looking up %U in the font: %w", field, r, err)
		}
		if !ok || unicode.IsControl(r) {
			return "", fmt.Errorf("%s: character %U %q cannot be printed: the certificate font has no glyph for it", field, r, r)
		}
	}
	return text, nil
}

// lines sets s at size points and splits text, in words where it can, into
// lines no wider than width millimetres.
func (c *composer) lines(field, text string, s style, size, width float64) ([]string, error) {
	if err := c.setStyle(s, size); err != nil {
		return nil, err
	}
	text, err := c.printable(field, text)
	if err != nil {
		return nil, err
	}
	w, err := c.pdf.MeasureTextWidth(text)
	if err != nil {
		return nil, fmt.Errorf("%s: measuring text: %w", field, err)
	}
	if w <= width {
		return []string{text}, nil
	}
	lines, err := c.pdf.SplitTextWithWordWrap(text, width)
	if err != nil {
		return nil, fmt.Errorf("%s: splitting text into lines: %w", field, err)
	}
	return lines, nil
}

// drawLines writes lines, already split and set, from the current y in the
// column [x, x+width], aligned (gopdf.Left, Center or Right), and moves y
// below them.
func (c *composer) drawLines(field string, lines []string, size, x, width float64, align int) error {
	h := lineHeight(size)
	for _, line := range lines {
		c.pdf.SetXY(x, c.y)
		if err := c.pdf.CellWithOption(&gopdf.Rect{W: width, H: h}, line, gopdf.CellOption{Align: align | gopdf.Middle}); err != nil {
			return fmt.Errorf("%s: writing text: %w", field, err)
		}
		c.y += h
	}
	return nil
}

// text writes text in style s (scaled), wrapped in the column [x, x+width].
func (c *composer) text(field, text string, s style, x, width float64, align int) error {
	size := s.size * c.scale
	lines, err := c.lines(field, text, s, size, width)
	if err != nil {
		return err
	}
	return c.drawLines(field, lines, size, x, width, align)
}

// headline writes text on one line at the largest size, from s.size down to
// minSize points (both scaled), at which it fits width; a text that does not
// fit even at minSize is wrapped at minSize.
func (c *composer) headline(field, text string, s style, minSize, x, width float64, align int) error {
	size, minSize := s.size*c.scale, minSize*c.scale
	if err := c.setStyle(s, size); err != nil {
		return err
	}
	text, err := c.printable(field, text)
	if err != nil {
		return err
	}
	w, err := c.pdf.MeasureTextWidth(text)
	if err != nil {
		return fmt.Errorf("%s: measuring text: %w", field, err)
	}
	if w > width {
		// Text width is proportional to the size: shrink to fit, in
		// steps of a quarter point, but not below minSize.
		size = max(minSize, math.Floor(4*size*width/w)/4)
	}
	lines, err := c.lines(field, text, s, size, width)
	if err != nil {
		return err
	}
	return c.drawLines(field, lines, size, x, width, align)
}

// gap moves y down by mm millimetres, scaled.
func (c *composer) gap(mm float64) { c.y += mm * c.scale }

// rule draws a horizontal line across the content width at y.
func (c *composer) rule(y float64, color rgb, width float64) {
	c.pdf.SetStrokeColor(color.r, color.g, color.b)
	c.pdf.SetLineWidth(width)
	c.pdf.Line(margin, y, pageWidth-margin, y)
}

// fill paints the rectangle of top left corner (x, y) in color.
func (c *composer) fill(x, y, w, h float64, color rgb) {
	c.pdf.SetFillColor(color.r, color.g, color.b)
	c.pdf.RectFromUpperLeftWithStyle(x, y, w, h, "F")
}
