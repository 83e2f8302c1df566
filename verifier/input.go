package verifier

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/qrcode"
)

// MaxInputSize bounds what Verify reads: the largest image accepted.
const MaxInputSize = qrcode.MaxImageBytes

// Input kinds, as Result.Input reports them.
const (
	inputBundle   = "bundle"
	inputJWT      = "vc+jwt"
	inputSC1      = "sc1"
	inputQRImage  = "QR image"
	fromImageNote = " (QR image)"
)

// Image signatures.
var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
)

// form is one secured form of the credential under verification.
type form struct {
	// name is how reasons name the form: "vc+jwt", "SC1" or "SD-JWT".
	name string
	// digest is the hex SHA-256 the ledger anchors for the form.
	digest string
	jwt    *credential.SignedJWT
	qr     *credential.SignedQR
	sd     *credential.SignedSDJWT
	// sdEnvelope is the SD-JWT's credential without its subject.
	sdEnvelope *credential.Credential
}

func (f *form) credential() *credential.Credential {
	switch {
	case f.jwt != nil:
		return f.jwt.Credential
	case f.sd != nil:
		return f.sdEnvelope
	}
	return f.qr.Credential
}

// kid returns the form's key id as reasons show it.
func (f *form) kid() string {
	switch {
	case f.jwt != nil:
		return f.jwt.KID
	case f.sd != nil:
		return f.sd.KID
	}
	return fmt.Sprintf("%x", f.qr.KID)
}

// names reports whether the form's key id names key: the full thumbprint
// for a vc+jwt or an SD-JWT, its ShortKIDSize-byte prefix for SC1.
func (f *form) names(key network.IssuerKey) bool {
	switch {
	case f.jwt != nil:
		return key.KID == f.jwt.KID
	case f.sd != nil:
		return key.KID == f.sd.KID
	}
	short, err := credential.ShortKIDOf(key.KID)
	return err == nil && bytes.Equal(short, f.qr.KID)
}

func (f *form) algorithm() credential.Algorithm {
	switch {
	case f.jwt != nil:
		return f.jwt.Algorithm
	case f.sd != nil:
		return f.sd.Algorithm
	}
	return f.qr.Algorithm
}

func (f *form) verify(pub *credential.PublicKey) error {
	switch {
	case f.jwt != nil:
		return f.jwt.Verify(pub)
	case f.sd != nil:
		return f.sd.Verify(pub)
	}
	return f.qr.Verify(pub)
}

// parsedInput is a decoded input: one form, or a bundle's two or three.
type parsedInput struct {
	kind   string
	bundle *credential.Bundle
	forms  []*form
}

// credential returns the credential the forms carry (all the same).
func (p *parsedInput) credential() *credential.Credential { return p.forms[0].credential() }

// describe says what was decoded, for the format check.
func (p *parsedInput) describe() string {
	c := p.credential()
	if p.bundle != nil {
		forms := "vc+jwt and SC1 forms"
		if len(p.forms) == 3 {
			forms = "vc+jwt, SC1 and SD-JWT forms"
		}
		return fmt.Sprintf("bundle whose %s carry the same %s credential %s", forms, c.Type, c.ID)
	}
	f := p.forms[0]
	if f.sd != nil {
		return describeSDJWT(f)
	}
	return fmt.Sprintf("%s form (%s) of %s credential %s", f.name, f.algorithm(), c.Type, c.ID)
}

// parseInput detects the kind of input and decodes it.
func parseInput(input []byte) (*parsedInput, error) {
	if len(input) > MaxInputSize {
		return nil, fmt.Errorf("input: %d bytes is more than the %d allowed", len(input), MaxInputSize)
	}
	if bytes.HasPrefix(input, pngMagic) || bytes.HasPrefix(input, jpegMagic) {
		text, err := qrcode.DecodeBytes(input)
		if err != nil {
			return &parsedInput{kind: inputQRImage}, err
		}
		p, err := parseText(strings.TrimSpace(text))
		if p != nil {
			p.kind += fromImageNote
		} else {
			p = &parsedInput{kind: inputQRImage}
		}
		return p, err
	}
	if bytes.HasPrefix(input, pdfMagic) {
		return parsePDF(input)
	}
	text := bytes.TrimSpace(input)
	if bytes.HasPrefix(text, []byte("{")) {
		return parseBundle(text)
	}
	return parseText(string(text))
}

// parseText decodes an SC1 text, an SD-JWT VC or a compact vc+jwt.
func parseText(text string) (*parsedInput, error) {
	switch {
	case strings.Contains(text, "~"):
		p := &parsedInput{kind: inputSDJWT}
		f, err := parseSDJWT(text)
		if err != nil {
			return p, err
		}
		p.forms = []*form{f}
		return p, nil
	case strings.HasPrefix(text, credential.QRPrefix):
		p := &parsedInput{kind: inputSC1}
		f, err := parseSC1(text)
		if err != nil {
			return p, err
		}
		p.forms = []*form{f}
		return p, nil
	case strings.Count(text, ".") == 2:
		p := &parsedInput{kind: inputJWT}
		f, err := parseJWT(text)
		if err != nil {
			return p, err
		}
		p.forms = []*form{f}
		return p, nil
	}
	return nil, errors.New("the input is neither a bundle (JSON), a vc+jwt, an SC1 text, a PNG or JPEG image of a QR code nor a PDF certificate")
}

func parseJWT(compact string) (*form, error) {
	j, err := credential.ParseJWT(compact)
	if err != nil {
		return nil, err
	}
	return &form{name: "vc+jwt", digest: j.Digest(), jwt: j}, nil
}

func parseSC1(text string) (*form, error) {
	q, err := credential.ParseQR(text)
	if err != nil {
		return nil, err
	}
	return &form{name: "SC1", digest: q.Digest(), qr: q}, nil
}

// parseBundle decodes a bundle and its forms, and checks that they
// describe the same credential as the bundle names.
func parseBundle(data []byte) (*parsedInput, error) {
	p := &parsedInput{kind: inputBundle}
	b, err := credential.ParseBundle(data)
	if err != nil {
		return p, err
	}
	jwt, err := parseJWT(b.VCJWT)
	if err != nil {
		return p, fmt.Errorf("bundle vc_jwt: %w", err)
	}
	sc1, err := parseSC1(b.QR)
	if err != nil {
		return p, fmt.Errorf("bundle qr: %w", err)
	}
	if diff := differences(jwt.credential(), sc1.credential()); len(diff) > 0 {
		return p, fmt.Errorf("bundle: its vc_jwt and qr forms describe different credentials (they differ in %s)", strings.Join(diff, ", "))
	}
	c := jwt.credential()
	switch {
	case b.ID != c.ID:
		return p, fmt.Errorf("bundle: id %s is not the credential's id %s", b.ID, c.ID)
	case b.Type != c.Type:
		return p, fmt.Errorf("bundle: type %s is not the credential's type %s", b.Type, c.Type)
	case b.Issuer != credential.IssuerURI(c.IssuerID):
		return p, fmt.Errorf("bundle: issuer %s is not the credential's issuer %s", b.Issuer, credential.IssuerURI(c.IssuerID))
	}
	forms := []*form{jwt, sc1}
	if b.SDJWT != "" {
		sd, err := parseBundleSDJWT(b.SDJWT, c)
		if err != nil {
			return p, err
		}
		forms = append(forms, sd)
	}
	p.bundle = b
	p.forms = forms
	return p, nil
}

// differences names the members in which two credentials differ.
func differences(a, b *credential.Credential) []string {
	var diff []string
	if a.ID != b.ID {
		diff = append(diff, "id")
	}
	if a.Type != b.Type {
		diff = append(diff, "type")
	}
	if a.IssuerID != b.IssuerID {
		diff = append(diff, "issuer")
	}
	if !a.ValidFrom.Equal(b.ValidFrom) {
		diff = append(diff, "validFrom")
	}
	if !a.ValidUntil.Equal(b.ValidUntil) {
		diff = append(diff, "validUntil")
	}
	sa, errA := a.SubjectJSON()
	sb, errB := b.SubjectJSON()
	if errA != nil || errB != nil || !bytes.Equal(sa, sb) {
		diff = append(diff, "credentialSubject")
	}
	return diff
}
