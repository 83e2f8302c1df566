package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// Options are how a Renderer prints certificates.
type Options struct {
	// IssuerName is the issuer's name as the header and the footer print
	// it, e.g. "Académie de Lyon — Division des examens". When empty, the
	// issuer id is printed instead.
	IssuerName string
	// Language is the language of the labels, dates and mentions; the
	// empty Language is French.
	Language Language
	// PublicURL is the verifier's public base URL (sceau --public-url),
	// e.g. "https://verifier.example.fr", or empty. When set, the footer
	// prints it beside the QR code ("Vérifier sur" / "Verify at"), and the
	// QR code holds the credential's link to it (credential.QRText), which
	// a phone's camera app opens as a web address, unless the link would
	// not fit the QR code's budget: then it holds the SC1 text.
	PublicURL string
}

// fontID names one of the certificate's fonts.
type fontID int

// The certificate's fonts.
const (
	sans fontID = iota
	sansBold
	mono
	fontCount
)

// fontFiles are the certificate's fonts: the Go fonts, which cover
// Latin-1, Latin Extended-A and more (é, è, ê, à, ç, œ, É…), Greek and
// Cyrillic; the names are those the PDF gives them.
var fontFiles = [fontCount]struct {
	name string
	data []byte
}{
	sans:     {"GoRegular", goregular.TTF},
	sansBold: {"GoBold", gobold.TTF},
	mono:     {"GoMono", gomono.TTF},
}

// Renderer prints credentials as PDF certificates. It holds everything
// that does not change from one certificate to the next (the parsed fonts,
// the parts of their subsets that every certificate shares, compressed,
// the PDF objects every certificate shares, the wording of its language),
// so a run builds one and prints every certificate with it. It is safe for
// concurrent use.
type Renderer struct {
	wording    *wording
	issuerName string
	publicURL  string
	fonts      [fontCount]*ttfont
	embedded   [fontCount]*embeddedFont
	template   *pdfFile
	// known are the texts every certificate prints, ready to set.
	known knownRuns
	// scratch holds *scratch: the buffers of renderings under way.
	scratch sync.Pool
}

// NewRenderer prepares the printing of certificates with opts: it reads
// and prepares the fonts (a few milliseconds) and writes the parts of the
// PDF that every certificate shares.
func NewRenderer(opts Options) (*Renderer, error) {
	w, err := wordingFor(opts.Language)
	if err != nil {
		return nil, err
	}
	if opts.PublicURL != "" {
		if _, err := credential.Link(opts.PublicURL, minimalSC1); err != nil {
			return nil, err
		}
	}
	r := &Renderer{wording: w, issuerName: opts.IssuerName, publicURL: opts.PublicURL}
	for id, file := range fontFiles {
		if r.fonts[id], err = parseTrueType(file.name, file.data); err != nil {
			return nil, err
		}
		if r.embedded[id], err = newEmbeddedFont(r.fonts[id]); err != nil {
			return nil, err
		}
	}
	r.template = newTemplate(&r.embedded)
	r.known = newKnownRuns(&r.fonts, w, r.issuerName, r.publicURL)
	r.scratch.New = func() any { return newScratch() }
	return r, nil
}

// Render prints credential c as a one-page A4 PDF certificate carrying the
// QR code of qrText, the SC1 text of c (see credential.SignQR) or its
// link (credential.Link), with the options of NewRenderer: with a
// PublicURL, the QR code holds the link to it when it fits. It refuses a
// qrText that does not decode to a credential of the same id. Render reads
// no clock: every date it prints comes from the credential, and the same
// arguments give the same bytes.
//
// Long texts are set smaller, then wrapped; when the whole content does
// not fit on the page even at 60% of its size, Render fails.
func (r *Renderer) Render(c *credential.Credential, qrText string) ([]byte, error) {
	p, err := newPage(c, r.wording, r.issuerName, r.publicURL)
	if err != nil {
		return nil, err
	}
	if err := checkQRText(qrText, c.ID); err != nil {
		return nil, err
	}
	return r.renderPage(p, qrText)
}

// RenderSignedQR prints the credential of q, an SC1 text as
// credential.ParseQR returns it, with its QR code: Render(q.Credential,
// q.Text) without reading the text again (a tenth of the printing's
// time), for callers that have just parsed it.
func (r *Renderer) RenderSignedQR(q *credential.SignedQR) ([]byte, error) {
	if q == nil || q.Text == "" {
		return nil, errors.New("the SC1 text was not read (credential.ParseQR)")
	}
	p, err := newPage(q.Credential, r.wording, r.issuerName, r.publicURL)
	if err != nil {
		return nil, err
	}
	return r.renderPage(p, q.Text)
}

// renderPage prints page p with the QR code of qrText, an SC1 text or
// link of its credential.
func (r *Renderer) renderPage(p *page, qrText string) ([]byte, error) {
	qrText, err := qrContent(qrText, r.publicURL)
	if err != nil {
		return nil, err
	}
	symbol, err := qrcode.Encode(qrText)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	s := r.scratch.Get().(*scratch)
	defer r.scratch.Put(s)
	return r.render(p, symbol, s)
}

// Render prints one certificate: NewRenderer(opts), then its Render. A run
// that prints several builds the Renderer once.
func Render(c *credential.Credential, qrText string, opts Options) ([]byte, error) {
	r, err := NewRenderer(opts)
	if err != nil {
		return nil, err
	}
	return r.Render(c, qrText)
}

// Render sets the text at 100% of its size, then 95%, 90%… down to
// minScalePercent, until the content fits on the page.
const (
	minScalePercent  = 60
	scaleStepPercent = 5
)

// render lays page p out and writes its PDF, with the QR code symbol.
func (r *Renderer) render(p *page, symbol *qrcode.Symbol, s *scratch) ([]byte, error) {
	t := s.typesetter(r)
	for percent := 100; percent >= minScalePercent; percent -= scaleStepPercent {
		scale := float64(percent) / 100
		left, err := p.compose(t, nil, scale, 0)
		if err != nil {
			return nil, err
		}
		if left < 0 {
			continue
		}
		// Lay the page out again, drawing, with the spare room spread
		// around the body rather than left in one block above the footer.
		spare := 0.0
		if left >= 1 {
			spare = left
		}
		s.content.reset(&r.fonts)
		if _, err := p.compose(t, &s.content, scale, spare); err != nil {
			return nil, err
		}
		return r.write(p, symbol, s)
	}
	return nil, fmt.Errorf("certificate of %s: the content does not fit on one A4 page, even with text at %d%% of its size", p.subject, minScalePercent)
}

// write writes the PDF of the page drawn in s.content.
func (r *Renderer) write(p *page, symbol *qrcode.Symbol, s *scratch) ([]byte, error) {
	f := &s.file
	f.b = append(f.b[:0], r.template.b...)
	f.offsets = r.template.offsets
	f.appendInfo(p.title, p.issuerName, p.subject, p.created)
	content, err := s.zlib(s.contentZ[:0], s.content.ops)
	if err != nil {
		return nil, fmt.Errorf("compressing the page: %w", err)
	}
	s.contentZ = content
	f.stream(objContents, []byte(" /Filter /FlateDecode"), content)
	f.appendQRImage(symbol, s)
	for id, e := range r.embedded {
		f.appendFont(fontID(id), e, &s.content.used[id], s)
	}
	f.finish()
	return bytes.Clone(f.b), nil
}

// scratch is the working memory of one rendering, reused by the next.
type scratch struct {
	// flate compresses what changes from one certificate to the next, as
	// fast as DEFLATE goes: klauspost/compress's level 1, twice as fast as
	// compress/flate's BestSpeed on a page's content (50 against 70 to
	// 120 µs) and 9 % smaller.
	flate    *flate.Writer
	flateOut appendWriter
	text     *typesetter
	content  pageContent
	file     pdfFile
	// Buffers of the fonts' subsets, ToUnicode maps, the QR image and the
	// page's compressed content.
	keep                                 []bool
	kept                                 []uint16
	fontTail, fontDir, fontProgram, cmap []byte
	qrImage, contentZ                    []byte
	// dict holds the extra entries of a stream's dictionary.
	dict []byte
}

func newScratch() *scratch {
	w, err := flate.NewWriter(io.Discard, flate.BestSpeed)
	if err != nil {
		panic(err) // only for a bad level
	}
	return &scratch{flate: w}
}

// typesetter returns the typesetter of a rendering by r, which forgets
// the texts of the previous rendering.
func (s *scratch) typesetter(r *Renderer) *typesetter {
	if s.text == nil || s.text.fonts != &r.fonts {
		s.text = newTypesetter(&r.fonts, r.known)
	}
	s.text.reset()
	return s.text
}

// zlib appends raw compressed as a zlib stream (FlateDecode) to dst.
func (s *scratch) zlib(dst, raw []byte) ([]byte, error) {
	z := zlibStream{dst: dst}
	z.start()
	if err := z.compressed(raw, s.flate, &s.flateOut); err != nil {
		return nil, err
	}
	z.sum(raw)
	z.end()
	return z.dst, nil
}

// minimalSC1 is the shortest SC1 text: NewRenderer builds a link with it
// to check a public URL once.
const minimalSC1 = credential.QRPrefix + "00"

// qrContent returns what the QR code of a credential holds: qrText, an
// SC1 text or a link (checkQRText), but an SC1 text becomes its link to
// publicURL when publicURL is set and the link fits (credential.QRText).
// A link is printed as given.
func qrContent(qrText, publicURL string) (string, error) {
	if publicURL == "" || credential.IsLink(qrText) {
		return qrText, nil
	}
	return credential.QRText(publicURL, qrText)
}

// checkQRText reports whether qrText is an SC1 text, or a link carrying
// one, of credential id.
func checkQRText(qrText, id string) error {
	if credential.IsLink(qrText) {
		sc1, err := credential.SC1FromLink(qrText)
		if err != nil {
			return fmt.Errorf("QR text: %w", err)
		}
		qrText = sc1
	}
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
	mono  bool // whether the value is set in the monospaced font
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
	// address is the verifier's public URL, printed under the notice
	// (after it, so that nothing above moves); nil without one.
	address *detail
	// subject and created are the PDF's subject (the credential id) and
	// creation date (its issuance).
	subject string
	created time.Time
	// footerTopAt is where the footer starts at footerTopScale, once
	// footerTopKnown (footerTop).
	footerTopAt, footerTopScale float64
	footerTopKnown              bool
}

// newPage writes credential c in words; issuerName is the issuer's name,
// empty for its id; publicURL the verifier's address the footer prints,
// if any.
func newPage(c *credential.Credential, w *wording, issuerName, publicURL string) (*page, error) {
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
	p := &page{wording: w, issuerName: issuerName, subject: c.ID, created: c.ValidFrom.UTC()}
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
		{field: "id", label: w.credentialID, value: c.ID, mono: true},
		{field: "issuer name", label: w.issuer, value: p.issuerName},
		{field: "issuer", value: credential.IssuerURI(c.IssuerID), mono: true},
		{field: "validFrom", label: w.issuedOn, value: w.day(c.ValidFrom.UTC())},
	}
	if !c.ValidUntil.IsZero() {
		p.footnotes = append(p.footnotes, detail{field: "validUntil", label: w.expiresOn, value: w.day(c.ValidUntil.UTC())})
	}
	if publicURL != "" {
		p.address = &detail{field: "public URL", label: w.verifyAt, value: publicURL, mono: true}
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
		p.details = append(p.details, detail{field: "verification_code", label: w.verificationCode, value: c.VerificationCode, mono: true})
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
