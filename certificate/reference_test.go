package certificate

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/signintech/gopdf"
	"golang.org/x/text/unicode/norm"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// The renderer Sceau used before Renderer, on gopdf: it parses the fonts,
// subsets and compresses them, lays the page out three times and encodes
// the QR code as a PNG for every certificate (about 30 ms each). It is kept
// here, and only here, as the reference of the certificate's look
// (TestRendererLooksLikeTheReference) and of speed (BenchmarkRender).

// renderReference prints c as the old Render did.
func renderReference(c *credential.Credential, qrText string, opts Options) ([]byte, error) {
	w, err := wordingFor(opts.Language)
	if err != nil {
		return nil, err
	}
	p, err := newPage(c, w, opts.IssuerName, opts.PublicURL)
	if err != nil {
		return nil, err
	}
	if err := checkQRText(qrText, c.ID); err != nil {
		return nil, err
	}
	if qrText, err = qrContent(qrText, opts.PublicURL); err != nil {
		return nil, err
	}
	qrPNG, err := qrcode.EncodePNG(qrText)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	scratch, err := refNewDocument()
	if err != nil {
		return nil, err
	}
	for percent := 100; percent >= minScalePercent; percent -= scaleStepPercent {
		scale := float64(percent) / 100
		pdf, spare, err := p.refCompose(qrPNG, scale, 0, scratch)
		if err != nil {
			return nil, err
		}
		if spare < 0 {
			continue
		}
		if spare >= 1 {
			// Lay the page out again with the spare room spread around
			// the body, rather than left in one block above the footer.
			if pdf, _, err = p.refCompose(qrPNG, scale, spare, scratch); err != nil {
				return nil, err
			}
		}
		out, err := pdf.GetBytesPdfReturnErr()
		if err != nil {
			return nil, fmt.Errorf("writing the PDF: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("certificate of %s: the content does not fit on one A4 page, even with text at %d%% of its size", c.ID, minScalePercent)
}

// newDocument returns an empty A4 document, in millimetres, with the
// certificate's fonts loaded.
func refNewDocument() (*gopdf.GoPdf, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	for _, f := range fontFiles {
		if err := pdf.AddTTFFontData(f.name, f.data); err != nil {
			return nil, fmt.Errorf("loading font %s: %w", f.name, err)
		}
	}
	pdf.AddPage()
	return pdf, nil
}

// refComposer is composer on gopdf.
type refComposer struct {
	pdf   *gopdf.GoPdf
	scale float64
	y     float64
}

// setStyle makes s, at size points, the style of the next texts.
func (c *refComposer) setStyle(s style, size float64) error {
	if err := c.pdf.SetFont(fontFiles[s.font].name, "", size); err != nil {
		return fmt.Errorf("font %s: %w", fontFiles[s.font].name, err)
	}
	c.pdf.SetTextColor(s.color.r, s.color.g, s.color.b)
	return nil
}

// printable returns text in Unicode normalization form C, so that a letter
// followed by a combining accent is printed with the font's accented glyph,
// or an error naming field when the current font has no glyph for one of
// its characters: a certificate never silently drops a letter of a name.
func (c *refComposer) printable(field, text string) (string, error) {
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
func (c *refComposer) lines(field, text string, s style, size, width float64) ([]string, error) {
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
func (c *refComposer) drawLines(field string, lines []string, size, x, width float64, align int) error {
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
func (c *refComposer) text(field, text string, s style, x, width float64, align int) error {
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
func (c *refComposer) headline(field, text string, s style, minSize, x, width float64, align int) error {
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
func (c *refComposer) gap(mm float64) { c.y += mm * c.scale }

// rule draws a horizontal line across the content width at y.
func (c *refComposer) rule(y float64, color rgb, width float64) {
	c.pdf.SetStrokeColor(color.r, color.g, color.b)
	c.pdf.SetLineWidth(width)
	c.pdf.Line(margin, y, pageWidth-margin, y)
}

// fill paints the rectangle of top left corner (x, y) in color.
func (c *refComposer) fill(x, y, w, h float64, color rgb) {
	c.pdf.SetFillColor(color.r, color.g, color.b)
	c.pdf.RectFromUpperLeftWithStyle(x, y, w, h, "F")
}

// compose lays the page out, in a new document, with text at scale of its
// normal size and spare millimetres of extra room spread around the body.
// It returns the room left between the body and the footer beyond
// footerClearance: when it is negative the content does not fit and the
// document must not be used. scratch is a document to measure the footer in.
func (p *page) refCompose(qrPNG []byte, scale, spare float64, scratch *gopdf.GoPdf) (pdf *gopdf.GoPdf, left float64, err error) {
	pdf, err = refNewDocument()
	if err != nil {
		return nil, 0, err
	}
	pdf.SetInfo(gopdf.PdfInfo{
		Title:        p.title,
		Author:       p.issuerName,
		Subject:      p.subject,
		Creator:      "Sceau",
		CreationDate: p.created,
	})
	c := &refComposer{pdf: pdf, scale: scale}

	c.fill(0, 0, pageWidth, 5, accentColor)
	c.y = 13
	if err := c.text("kicker", p.wording.kicker, kickerStyle, margin, contentWidth, gopdf.Left); err != nil {
		return nil, 0, err
	}
	if err := c.headline("issuer name", p.issuerName, issuerStyle, 10, margin, contentWidth, gopdf.Left); err != nil {
		return nil, 0, err
	}
	c.gap(4)
	c.rule(c.y, ruleColor, 0.3)
	c.gap(12)
	c.y += spare * spareAboveTitle

	if err := c.headline("title", p.title, titleStyle, 15, margin, contentWidth, gopdf.Center); err != nil {
		return nil, 0, err
	}
	c.gap(5)
	if err := c.text("awarded to", p.awardedTo, leadStyle, margin, contentWidth, gopdf.Center); err != nil {
		return nil, 0, err
	}
	c.gap(3)
	if err := c.headline("given_name and family_name", p.holder, holderStyle, 13, margin, contentWidth, gopdf.Center); err != nil {
		return nil, 0, err
	}
	c.gap(2)
	if err := c.text("birth_date", p.birthDate, birthStyle, margin, contentWidth, gopdf.Center); err != nil {
		return nil, 0, err
	}
	c.gap(10)
	c.y += spare * spareAboveDetails

	for _, d := range p.details {
		vs := valueStyle
		if d.mono {
			vs.font = mono
		}
		if err := c.row(d, labelStyle, vs, margin, contentWidth, detailLabelWidth); err != nil {
			return nil, 0, err
		}
		c.gap(2.2)
	}
	if len(p.competences) > 0 {
		c.gap(6)
		if err := c.text("competences", p.wording.competences, sectionStyle, margin, contentWidth, gopdf.Left); err != nil {
			return nil, 0, err
		}
		c.gap(2)
		if err := c.competenceTable(p.competences); err != nil {
			return nil, 0, err
		}
	}

	footerTop, err := p.refFooterTop(scale, scratch)
	if err != nil {
		return nil, 0, err
	}
	left = footerTop - footerClearance*scale - c.y
	if left < 0 {
		return nil, left, nil
	}
	if err := p.refFooter(c, qrPNG, footerTop); err != nil {
		return nil, 0, err
	}
	return pdf, left, nil
}

// row writes a label and its value side by side, the label in the first
// labelWidth millimetres of the column [x, x+width].
func (c *refComposer) row(d detail, ls, vs style, x, width, labelWidth float64) error {
	top := c.y
	if d.label != "" {
		if err := c.text(d.field+" label", d.label, ls, x, labelWidth-2, gopdf.Left); err != nil {
			return err
		}
	}
	labelBottom := c.y
	c.y = top
	if err := c.text(d.field, d.value, vs, x+labelWidth, width-labelWidth, gopdf.Left); err != nil {
		return err
	}
	c.y = max(c.y, labelBottom)
	return nil
}

// competenceTable writes the competences, one row each, on alternating
// tinted bands, with a rule between the framework's domains.
func (c *refComposer) competenceTable(rows []competenceRow) error {
	nameX := margin + compIDWidth
	nameWidth := contentWidth - compIDWidth - compLevelWidth
	pad := 1.1 * c.scale
	for i, r := range rows {
		field := fmt.Sprintf("competences[%d] (%s)", i, r.id)
		nameSize := compNameStyle.size * c.scale
		names, err := c.lines(field+" name", r.name, compNameStyle, nameSize, nameWidth-2)
		if err != nil {
			return err
		}
		h := float64(len(names))*lineHeight(nameSize) + 2*pad
		top := c.y
		if i%2 == 0 {
			c.fill(margin, top, contentWidth, h, bandColor)
		}
		if i > 0 && domain(rows[i-1].id) != domain(r.id) {
			c.rule(top, ruleColor, 0.3)
		}
		c.y = top + pad
		if err := c.text(field+" id", r.id, compIDStyle, margin+1.5, compIDWidth-1.5, gopdf.Left); err != nil {
			return err
		}
		c.y = top + pad
		if err := c.setStyle(compNameStyle, nameSize); err != nil {
			return err
		}
		if err := c.drawLines(field+" name", names, nameSize, nameX, nameWidth, gopdf.Left); err != nil {
			return err
		}
		c.y = top + pad
		ls := compLvlStyle
		if !r.passed {
			ls = compNoneStyle
		}
		if err := c.text(field+" level", r.level, ls, pageWidth-margin-compLevelWidth, compLevelWidth-1.5, gopdf.Right); err != nil {
			return err
		}
		c.y = top + h
	}
	return nil
}

// footerTop returns where the footer starts so that it ends at the bottom
// margin: the taller of the QR column and the text column, measured in
// scratch.
func (p *page) refFooterTop(scale float64, scratch *gopdf.GoPdf) (float64, error) {
	m := &refComposer{pdf: scratch, scale: scale}
	if err := p.refFooterText(m, contentWidth-qrImageWidth-qrColumnGap); err != nil {
		return 0, err
	}
	return pageHeight - margin - max(m.y, qrColumnHeight(scale)), nil
}

// footer writes, from top, the credential's id, issuer and dates, the
// notice, and the QR code with its caption on the right.
func (p *page) refFooter(c *refComposer, qrPNG []byte, top float64) error {
	c.rule(top-6*c.scale, ruleColor, 0.3)
	c.y = top
	if err := p.refFooterText(c, contentWidth-qrImageWidth-qrColumnGap); err != nil {
		return err
	}
	qrX := pageWidth - margin - qrImageWidth
	holder, err := gopdf.ImageHolderByBytes(qrPNG)
	if err != nil {
		return fmt.Errorf("QR image: %w", err)
	}
	if err := c.pdf.ImageByHolder(holder, qrX, top, &gopdf.Rect{W: qrImageWidth, H: qrImageWidth}); err != nil {
		return fmt.Errorf("QR image: %w", err)
	}
	c.y = top + qrImageWidth + 1
	return c.text("caption", p.wording.scanToVerify, captionStyle, qrX, qrImageWidth, gopdf.Center)
}

// footerText writes the footer's text column, width millimetres wide, from
// c.y at the left margin.
func (p *page) refFooterText(c *refComposer, width float64) error {
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
	if err := c.text("notice", p.wording.notice, noticeStyle, margin, width, gopdf.Left); err != nil {
		return err
	}
	if p.address == nil {
		return nil
	}
	c.gap(addressGap)
	return c.row(*p.address, footLblStyle, footValStyle.with(mono), margin, width, footLabelWidth)
}

// TestRendererLooksLikeTheReference rasterises certificates as Renderer
// and the reference renderer print them (diplomas and Pix certifications
// with all 16 competences, in both languages, and with texts so long that
// they are shrunk and wrapped), and holds the pages nearly identical.
func TestRendererLooksLikeTheReference(t *testing.T) {
	type lookCase struct {
		name   string
		record schemas.Record
		opts   Options
	}
	var cases []lookCase
	for _, tc := range renderCases {
		cases = append(cases, lookCase{tc.name, tc.record(), tc.opts})
	}
	longPix := samplePix()
	longPix.GivenName, longPix.FamilyName = longDiploma().GivenName, longDiploma().FamilyName
	longPix.CertificationCenter = strings.Repeat("Centre ", 28) + "Lyon"
	otherScripts := sampleDiploma()
	otherScripts.GivenName, otherScripts.FamilyName = "Łukasz Αλέξανδρος", "Wałęsa-Кузнецова"
	cases = append(cases,
		lookCase{"names in other scripts", otherScripts, Options{IssuerName: "Académie de Lyon"}},
		lookCase{"longest diploma", longDiploma(), Options{IssuerName: strings.Repeat("Rectorat de la région académique Auvergne-Rhône-Alpes ", 4)}},
		lookCase{"Pix certification with the longest names", longPix, Options{IssuerName: "Pix"}},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, qr := issue(t, tc.record)
			want, err := renderReference(c, qr, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Render(c, qr, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, dpi := range []int{50, 150} {
				differing, total := pixelsThatDiffer(t, rasterize(t, want, dpi), rasterize(t, got, dpi))
				share := float64(differing) / float64(total)
				t.Logf("%d dpi: %d of %d pixels differ (%.3f %%)", dpi, differing, total, 100*share)
				if share > maxDifferingShare {
					t.Errorf("%d dpi: %.2f %% of the pixels differ from the reference's, want at most %.2f %%", dpi, 100*share, 100*maxDifferingShare)
				}
			}
		})
	}
}

// Two renderings look the same when at most maxDifferingShare of their
// pixels differ by more than pixelTolerance gray levels (of 255).
const (
	maxDifferingShare = 0.005
	pixelTolerance    = 48
)

// pixelsThatDiffer counts the pixels of a and b, of the same size, whose
// gray levels differ by more than pixelTolerance.
func pixelsThatDiffer(t *testing.T, a, b image.Image) (differing, total int) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("the pages are %v and %v pixels", a.Bounds(), b.Bounds())
	}
	ga, gb := grayLevels(a), grayLevels(b)
	for i := range ga {
		if max(ga[i], gb[i])-min(ga[i], gb[i]) > pixelTolerance {
			differing++
		}
	}
	return differing, len(ga)
}

// grayLevels returns the gray level of every pixel of img, row by row.
func grayLevels(img image.Image) []uint8 {
	r := img.Bounds()
	if g, ok := img.(*image.Gray); ok && g.Stride == r.Dx() {
		return g.Pix
	}
	levels := make([]uint8, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			levels = append(levels, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	return levels
}
