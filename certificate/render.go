package certificate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// Options are how Render prints a certificate.
type Options struct {
	// IssuerName is the issuer's name as the header and the footer print
	// it, e.g. "Académie de Lyon — Division des examens". When empty, the
	// issuer id is printed instead.
	IssuerName string
	// Language is the language of the labels, dates and mentions; the
	// empty Language is French.
	Language Language
}

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

// Render sets the text at 100% of its size, then 95%, 90%… down to
// minScalePercent, until the content fits on the page.
const (
	minScalePercent  = 60
	scaleStepPercent = 5
)

// Render prints credential c as a one-page A4 PDF certificate carrying the
// QR code of qrText, the SC1 text of c (see credential.SignQR). It refuses
// a qrText that does not decode to a credential of the same id. Render
// reads no clock: every date it prints comes from the credential, and the
// same arguments give the same bytes.
//
// Long texts are set smaller, then wrapped; when the whole content does
// not fit on the page even at 60% of its size, Render fails.
func Render(c *credential.Credential, qrText string, opts Options) ([]byte, error) {
	w, err := wordingFor(opts.Language)
	if err != nil {
		return nil, err
	}
	p, err := newPage(c, w, opts)
	if err != nil {
		return nil, err
	}
	if err := checkQRText(qrText, c.ID); err != nil {
		return nil, err
	}
	qrPNG, err := qrcode.EncodePNG(qrText)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	scratch, err := newDocument()
	if err != nil {
		return nil, err
	}
	for percent := 100; percent >= minScalePercent; percent -= scaleStepPercent {
		scale := float64(percent) / 100
		pdf, spare, err := p.compose(qrPNG, scale, 0, scratch)
		if err != nil {
			return nil, err
		}
		if spare < 0 {
			continue
		}
		if spare >= 1 {
			// Lay the page out again with the spare room spread around
			// the body, rather than left in one block above the footer.
			if pdf, _, err = p.compose(qrPNG, scale, spare, scratch); err != nil {
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

// checkQRText reports whether qrText is an SC1 text of credential id.
func checkQRText(qrText, id string) error {
	q, err := credential.ParseQR(qrText)
	if err != nil {
		return fmt.Errorf("QR text: %w", err)
	}
	if q.Credential.ID != id {
		return fmt.Errorf("QR text carries credential %s, not %s", q.Credential.ID, id)
	}
	return nil
}

// detail is one "label: value" line of the page.
type detail struct {
	field string // the credential field, for errors
	label string
	value string
	font  string // of the value
}

// competenceRow is one line of a Pix certification's competence table.
type competenceRow struct {
	id, name, level string
	passed          bool
}

// page is everything a certificate prints, in words, before layout.
type page struct {
	wording     *wording
	title       string
	awardedTo   string
	holder      string
	birthDate   string
	details     []detail
	competences []competenceRow
	issuerName  string
	footnotes   []detail
	pdfInfo     gopdf.PdfInfo
}

// newPage writes credential c in words.
func newPage(c *credential.Credential, w *wording, opts Options) (*page, error) {
	if c == nil {
		return nil, errors.New("credential is nil")
	}
	if c.Subject == nil {
		return nil, fmt.Errorf("credential %s has no subject", c.ID)
	}
	if got := c.Subject.CredentialType(); got != c.Type {
		return nil, fmt.Errorf("credential %s: type %q does not match its subject, a %s", c.ID, c.Type, got)
	}
	if c.ValidFrom.IsZero() {
		return nil, fmt.Errorf("credential %s: validFrom is not set", c.ID)
	}
	p := &page{wording: w, issuerName: opts.IssuerName}
	if p.issuerName == "" {
		p.issuerName = c.IssuerID
	}
	var err error
	switch s := c.Subject.(type) {
	case *schemas.Diploma:
		err = p.setDiploma(s)
	case *schemas.PixCertification:
		err = p.setPix(s)
	default:
		err = fmt.Errorf("subject of type %T cannot be printed", c.Subject)
	}
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", c.ID, err)
	}
	if err := p.setHolder(c.Subject.Holder()); err != nil {
		return nil, fmt.Errorf("credential %s: %w", c.ID, err)
	}
	p.footnotes = []detail{
		{field: "id", label: w.credentialID, value: c.ID, font: mono},
		{field: "issuer name", label: w.issuer, value: p.issuerName, font: sans},
		{field: "issuer", value: credential.IssuerURI(c.IssuerID), font: mono},
		{field: "validFrom", label: w.issuedOn, value: w.day(c.ValidFrom.UTC()), font: sans},
	}
	if !c.ValidUntil.IsZero() {
		p.footnotes = append(p.footnotes, detail{field: "validUntil", label: w.expiresOn, value: w.day(c.ValidUntil.UTC()), font: sans})
	}
	p.pdfInfo = gopdf.PdfInfo{
		Title:        p.title,
		Author:       p.issuerName,
		Subject:      c.ID,
		Creator:      "Sceau",
		CreationDate: c.ValidFrom.UTC(),
	}
	return p, nil
}

// setHolder writes the holder's name, family name in capitals, and birth date.
func (p *page) setHolder(s schemas.Student) error {
	if s.GivenName == "" || s.FamilyName == "" {
		return errors.New("given_name and family_name: the holder's names must not be empty")
	}
	p.holder = s.GivenName + " " + cases.Upper(language.French).String(s.FamilyName)
	birth, err := p.wording.date("birth_date", s.BirthDate)
	if err != nil {
		return err
	}
	p.birthDate = p.wording.birthDate + p.wording.colon + birth
	return nil
}

// setDiploma writes a diploma's title and details.
func (p *page) setDiploma(d *schemas.Diploma) error {
	w := p.wording
	if d.Diploma == "" {
		return errors.New("diploma: the title must not be empty")
	}
	p.title = d.Diploma
	p.awardedTo = w.diplomaAwardedTo
	awarded, err := w.date("awarded_on", d.AwardedOn)
	if err != nil {
		return err
	}
	p.details = append(p.details, detail{field: "awarded_on", label: w.awardedOn, value: awarded})
	if d.Mention != "" {
		mention, err := w.mentionWords(d.Mention)
		if err != nil {
			return err
		}
		p.details = append(p.details, detail{field: "mention", label: w.mention, value: mention})
	}
	if len(d.Specialities) > 0 {
		p.details = append(p.details, detail{field: "specialities", label: w.specialities, value: strings.Join(d.Specialities, ", ")})
	}
	if d.EQFLevel < 1 || d.EQFLevel > 8 {
		return fmt.Errorf("eqf_level %d: want 1 to 8", d.EQFLevel)
	}
	p.details = append(p.details, detail{field: "eqf_level", label: w.eqfLevel, value: strconv.Itoa(d.EQFLevel)})
	if d.Session != "" {
		p.details = append(p.details, detail{field: "session", label: w.session, value: d.Session})
	}
	if d.RNCP != "" {
		p.details = append(p.details, detail{field: "rncp", label: w.rncp, value: d.RNCP})
	}
	return nil
}

// setPix writes a Pix certification's details and competence table.
func (p *page) setPix(c *schemas.PixCertification) error {
	w := p.wording
	p.title = w.pixTitle
	p.awardedTo = w.pixAwardedTo
	certified, err := w.date("certified_on", c.CertifiedOn)
	if err != nil {
		return err
	}
	p.details = append(p.details,
		detail{field: "certified_on", label: w.certifiedOn, value: certified},
		detail{field: "certification_center", label: w.center, value: c.CertificationCenter},
		detail{field: "pix_score", label: w.score, value: strconv.Itoa(c.PixScore) + " " + w.scoreUnit},
	)
	if c.VerificationCode != "" {
		p.details = append(p.details, detail{field: "verification_code", label: w.verificationCode, value: c.VerificationCode, font: mono})
	}
	if len(c.Competences) != len(schemas.CompetenceFramework) {
		return fmt.Errorf("competences: want the %d CRCN competences, got %d", len(schemas.CompetenceFramework), len(c.Competences))
	}
	for i, comp := range c.Competences {
		if comp.Level < -1 || comp.Level > 8 {
			return fmt.Errorf("competences[%d] (%s) level %d: want -1 (not passed) to 8", i, comp.ID, comp.Level)
		}
		p.competences = append(p.competences, competenceRow{
			id:     comp.ID,
			name:   comp.Name,
			level:  w.levelWords(comp.Level),
			passed: comp.Level >= 0,
		})
	}
	return nil
}

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

// compose lays the page out, in a new document, with text at scale of its
// normal size and spare millimetres of extra room spread around the body.
// It returns the room left between the body and the footer beyond
// footerClearance: when it is negative the content does not fit and the
// document must not be used. scratch is a document to measure the footer in.
func (p *page) compose(qrPNG []byte, scale, spare float64, scratch *gopdf.GoPdf) (pdf *gopdf.GoPdf, left float64, err error) {
	pdf, err = newDocument()
	if err != nil {
		return nil, 0, err
	}
	pdf.SetInfo(p.pdfInfo)
	c := &composer{pdf: pdf, scale: scale}

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
		if d.font != "" {
			vs.font = d.font
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

	footerTop, err := p.footerTop(scale, scratch)
	if err != nil {
		return nil, 0, err
	}
	left = footerTop - footerClearance*scale - c.y
	if left < 0 {
		return nil, left, nil
	}
	if err := p.footer(c, qrPNG, footerTop); err != nil {
		return nil, 0, err
	}
	return pdf, left, nil
}

// row writes a label and its value side by side, the label in the first
// labelWidth millimetres of the column [x, x+width].
func (c *composer) row(d detail, ls, vs style, x, width, labelWidth float64) error {
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
func (c *composer) competenceTable(rows []competenceRow) error {
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

// domain returns the CRCN domain of a competence id: "2" for "2.3".
func domain(id string) string {
	d, _, _ := strings.Cut(id, ".")
	return d
}

// footerTop returns where the footer starts so that it ends at the bottom
// margin: the taller of the QR column and the text column, measured in
// scratch.
func (p *page) footerTop(scale float64, scratch *gopdf.GoPdf) (float64, error) {
	m := &composer{pdf: scratch, scale: scale}
	if err := p.footerText(m, contentWidth-qrImageWidth-qrColumnGap); err != nil {
		return 0, err
	}
	return pageHeight - margin - max(m.y, qrColumnHeight(scale)), nil
}

// qrColumnHeight is the height of the QR image and its caption.
func qrColumnHeight(scale float64) float64 {
	return qrImageWidth + 1 + lineHeight(captionStyle.size*scale)
}

// footer writes, from top, the credential's id, issuer and dates, the
// notice, and the QR code with its caption on the right.
func (p *page) footer(c *composer, qrPNG []byte, top float64) error {
	c.rule(top-6*c.scale, ruleColor, 0.3)
	c.y = top
	if err := p.footerText(c, contentWidth-qrImageWidth-qrColumnGap); err != nil {
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
func (p *page) footerText(c *composer, width float64) error {
	for _, d := range p.footnotes {
		vs := footValStyle
		vs.font = d.font
		if err := c.row(d, footLblStyle, vs, margin, width, footLabelWidth); err != nil {
			return err
		}
		c.gap(1)
	}
	c.gap(3)
	return c.text("notice", p.wording.notice, noticeStyle, margin, width, gopdf.Left)
}
