package credential

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sceau/sceau/qrcode"
)

// Decoding any input: what a verifier, a wallet or a status command is
// given is a file or a paste whose kind it does not know. Decode recognises
// it, in this order:
//
//   - a PNG or JPEG image (by its signature): the text of its QR code;
//   - a PDF (by its "%PDF-" header): the text of the QR code it embeds,
//     such as a certificate prints;
//   - else the input itself, trimmed of white space.
//
// Then the text is a bundle when it starts with "{" (never from a QR code),
// a certificate's link to the verifier carrying an SC1 text when it starts
// with "https://" or "http://" (link.go), an SD-JWT (as issued or
// presented) when it contains "~", an SC1 text when it starts with "SC1:",
// a vc+jwt when it has two dots.

// MaxInputSize bounds what Decode reads: the largest image accepted
// (qrcode.MaxImageBytes). A PDF is held to qrcode.DefaultMaxPDFBytes, and
// each text form to its own limit (MaxBundleSize, MaxJWTSize…).
const MaxInputSize = qrcode.MaxImageBytes

// pdfTimeout bounds the reading of one PDF: a hostile file must not keep a
// verifier busy.
const pdfTimeout = 20 * time.Second

// File signatures of the inputs that carry a QR code.
var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pdfMagic  = []byte("%PDF-")
)

// Kind is what an input holds, as verdicts report it (Decoded.Label).
type Kind string

// The kinds of input.
const (
	// KindBundle is an issuer's bundle (JSON) with every form.
	KindBundle Kind = "bundle"
	// KindJWT is a compact vc+jwt.
	KindJWT Kind = "vc+jwt"
	// KindSC1 is the SC1 text of a QR code.
	KindSC1 Kind = "sc1"
	// KindSDJWT is an SD-JWT VC, as issued or presented.
	KindSDJWT Kind = "dc+sd-jwt"
)

// Carrier is what carried the credential's text, when it was not given as
// text.
type Carrier string

// The carriers of a credential's text.
const (
	// CarrierText: the input is the text itself.
	CarrierText Carrier = ""
	// CarrierQRImage: a PNG or JPEG image of its QR code.
	CarrierQRImage Carrier = "QR image"
	// CarrierPDF: a PDF, such as a printed certificate, embedding its QR
	// code.
	CarrierPDF Carrier = "PDF certificate"
)

// ErrUnrecognized is the error of Decode for an input that is none of the
// kinds it reads.
var ErrUnrecognized = errors.New("the input is neither a bundle (JSON), a vc+jwt, an SC1 text, a PNG or JPEG image of a QR code nor a PDF certificate")

// ErrMismatch is wrapped by Decode's error for a bundle whose forms, each
// well formed, do not describe the same credential as each other or as the
// bundle names it: one of them was altered or swapped.
var ErrMismatch = errors.New("the bundle's forms do not match")

// mismatch is a bundle error that wraps ErrMismatch, saying how the forms
// differ.
type mismatch string

func (m mismatch) Error() string        { return string(m) }
func (m mismatch) Is(target error) bool { return target == ErrMismatch }

// Decoded is an input Decode read. Even when Decode fails, it says as much
// as was recognised (Kind and Carrier), so that a verdict can name what it
// rejects.
type Decoded struct {
	// Kind is what the input holds; empty when it was not recognised.
	Kind Kind
	// Carrier is what carried the text: CarrierText, or an image or a PDF.
	Carrier Carrier
	// Text is the credential as text: the input trimmed of white space, or
	// the text of the QR code of an image or a PDF.
	Text string
	// Bundle is the bundle, with its anchor (the Merkle proof of the
	// credential's digests in its batch); nil unless Kind is KindBundle.
	Bundle *Bundle
	// Forms are the forms to check: the one form of the input, or a
	// bundle's in leaf order (vc+jwt, SC1, then SD-JWT when it has one).
	// They all describe the same credential. Nil when Decode failed.
	Forms []Form
}

// Label names the input as verdicts report it: its kind, and the carrier
// in parentheses when it was not given as text ("sc1 (QR image)"); the
// carrier alone when its text was not recognised ("QR image").
func (d *Decoded) Label() string {
	switch {
	case d.Kind == "":
		return string(d.Carrier)
	case d.Carrier == CarrierText:
		return string(d.Kind)
	}
	return string(d.Kind) + " (" + string(d.Carrier) + ")"
}

// Credential returns the credential the forms carry: the first form's
// Envelope, whole unless the input is an SD-JWT on its own.
func (d *Decoded) Credential() *Credential { return d.Forms[0].Envelope() }

// Presentation returns the SD-JWT when the input is one on its own, as
// issued or presented (not a bundle's), and nil otherwise: what it shows
// is only the claims it discloses, and the holder may have bound it to a
// verifier with a key-binding JWT.
func (d *Decoded) Presentation() *SignedSDJWT {
	if d.Bundle != nil || len(d.Forms) != 1 {
		return nil
	}
	s, _ := d.Forms[0].(*SignedSDJWT)
	return s
}

// Digests returns the digests the ledger anchors for the forms, in the
// order of Forms.
func (d *Decoded) Digests() []string {
	out := make([]string, len(d.Forms))
	for i, f := range d.Forms {
		out[i] = f.Digest()
	}
	return out
}

// Decode recognises what input is (see above) and reads its forms, strictly
// and within every size limit, without verifying any signature. It never
// returns a nil *Decoded: when it fails, the Decoded says what was
// recognised, and the error why it does not decode. An input that is none
// of the kinds is ErrUnrecognized. ctx bounds the reading of images and
// PDFs; a PDF is also given at most 20 seconds.
func Decode(ctx context.Context, input []byte) (*Decoded, error) {
	if len(input) > MaxInputSize {
		return &Decoded{}, fmt.Errorf("input: %d bytes is more than the %d allowed", len(input), MaxInputSize)
	}
	switch CarrierOf(input) {
	case CarrierQRImage:
		if err := ctx.Err(); err != nil {
			return &Decoded{Carrier: CarrierQRImage}, err
		}
		text, err := qrcode.DecodeBytes(input)
		return decodeCarried(CarrierQRImage, text, err)
	case CarrierPDF:
		ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
		defer cancel()
		text, err := qrcode.DecodePDF(ctx, input, qrcode.PDFLimits{})
		return decodeCarried(CarrierPDF, text, err)
	}
	text := bytes.TrimSpace(input)
	if bytes.HasPrefix(text, []byte("{")) {
		return decodeBundle(text)
	}
	return decodeText(string(text))
}

// CarrierOf returns what carries the credential's text in input, by its
// file signature: CarrierQRImage for a PNG or JPEG image, CarrierPDF for a
// PDF, CarrierText otherwise. Reading an image or a PDF costs far more CPU
// than a text: a service may want to ration it.
func CarrierOf(input []byte) Carrier {
	switch {
	case bytes.HasPrefix(input, pngMagic) || bytes.HasPrefix(input, jpegMagic):
		return CarrierQRImage
	case bytes.HasPrefix(input, pdfMagic):
		return CarrierPDF
	}
	return CarrierText
}

// decodeCarried decodes the text of a QR code read from carrier (or
// returns err, the failure to read it).
func decodeCarried(carrier Carrier, text string, err error) (*Decoded, error) {
	if err != nil {
		return &Decoded{Carrier: carrier}, err
	}
	d, err := decodeText(strings.TrimSpace(text))
	d.Carrier = carrier
	return d, err
}

// decodeText decodes an SD-JWT VC, an SC1 text (or a link carrying one,
// see Link) or a compact vc+jwt.
func decodeText(text string) (*Decoded, error) {
	if IsLink(text) {
		if !CarriesCredential(text) {
			// A web address, but not a verifier's link.
			return &Decoded{}, ErrUnrecognized
		}
		sc1, err := SC1FromLink(text)
		if err != nil {
			return &Decoded{Kind: KindSC1, Text: text}, err
		}
		text = sc1
	}
	var kind Kind
	var parse func(string) (Form, error)
	switch {
	case strings.Contains(text, "~"):
		kind, parse = KindSDJWT, func(s string) (Form, error) { return ParseSDJWT(s) }
	case strings.HasPrefix(text, QRPrefix):
		kind, parse = KindSC1, func(s string) (Form, error) { return ParseQR(s) }
	case strings.Count(text, ".") == 2:
		kind, parse = KindJWT, func(s string) (Form, error) { return ParseJWT(s) }
	default:
		return &Decoded{}, ErrUnrecognized
	}
	d := &Decoded{Kind: kind, Text: text}
	f, err := parse(text)
	if err != nil {
		return d, err
	}
	d.Forms = []Form{f}
	return d, nil
}

// decodeBundle decodes a bundle and its forms, and checks that they
// describe the same credential as the bundle names.
func decodeBundle(data []byte) (*Decoded, error) {
	d := &Decoded{Kind: KindBundle, Text: string(data)}
	b, err := ParseBundle(data)
	if err != nil {
		return d, err
	}
	jwt, err := ParseJWT(b.VCJWT)
	if err != nil {
		return d, fmt.Errorf("bundle vc_jwt: %w", err)
	}
	sc1, err := ParseQR(b.QR)
	if err != nil {
		return d, fmt.Errorf("bundle qr: %w", err)
	}
	c := jwt.Credential
	if diff := c.Differences(sc1.Credential); len(diff) > 0 {
		return d, mismatch(fmt.Sprintf("bundle: its vc_jwt and qr forms describe different credentials (they differ in %s)", strings.Join(diff, ", ")))
	}
	switch {
	case b.ID != c.ID:
		return d, mismatch(fmt.Sprintf("bundle: id %s is not the credential's id %s", b.ID, c.ID))
	case b.Type != c.Type:
		return d, mismatch(fmt.Sprintf("bundle: type %s is not the credential's type %s", b.Type, c.Type))
	case b.Issuer != IssuerURI(c.IssuerID):
		return d, mismatch(fmt.Sprintf("bundle: issuer %s is not the credential's issuer %s", b.Issuer, IssuerURI(c.IssuerID)))
	}
	forms := []Form{jwt, sc1}
	if b.SDJWT != "" {
		sd, err := ParseSDJWT(b.SDJWT)
		if err != nil {
			return d, fmt.Errorf("bundle sd_jwt: %w", err)
		}
		if sd.KeyBinding != nil {
			return d, mismatch("bundle sd_jwt: it is a presentation (it has a key-binding JWT), not the SD-JWT as issued")
		}
		if diff := sd.Credential.Differences(c); len(diff) > 0 {
			return d, mismatch(fmt.Sprintf("bundle: its vc_jwt and sd_jwt forms describe different credentials (they differ in %s)", strings.Join(diff, ", ")))
		}
		forms = append(forms, sd)
	}
	d.Bundle, d.Forms = b, forms
	return d, nil
}
