package verifier

import (
	"errors"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/sdjwt"
)

// MaxInputSize bounds what Verify reads: what credential.Decode reads, the
// largest image accepted.
const MaxInputSize = credential.MaxInputSize

// describeInput says what was decoded, for the format check.
func describeInput(in *credential.Decoded) message {
	c := in.Credential()
	if in.Bundle != nil {
		forms := say(msgFormsJWTSC1)
		if len(in.Forms) == 3 {
			forms = say(msgFormsJWTSC1SDJWT)
		}
		return say(msgFormatBundle, forms, c.Type, c.ID)
	}
	if s := in.Presentation(); s != nil {
		return describeSDJWT(s)
	}
	f := in.Forms[0]
	return say(msgFormatForm, f.Name(), f.SignatureAlgorithm(), c.Type, c.ID)
}

// failDecoding fails the format check for what credential.Decode could not
// read: unreadable — no QR code in the image or the PDF, a text that is
// none of the forms, or a form that breaks its rules — unless the input is
// a bundle whose forms, each readable, disagree, or an SD-JWT with a
// disclosure its issuer did not sign: altered.
func (r *run) failDecoding(in *credential.Decoded, err error) {
	switch {
	case errors.Is(err, credential.ErrMismatch):
		r.failSaying(CheckFormat, ReasonAltered, say(msgSumAlteredContent), say(msgFormsDisagree, err))
		return
	case sdjwt.CheckOf(err) == sdjwt.CheckDisclosure:
		r.failSaying(CheckFormat, ReasonAltered, say(msgSumAlteredContent), say(msgDisclosuresAltered, err))
		return
	}
	summary, m := say(msgSumUnreadableText), say(msgTextUnreadable, err)
	switch {
	case errors.Is(err, credential.ErrUnrecognized):
		summary, m = say(msgSumNotSceau), say(msgUnrecognized, err)
	case in.Kind != "":
		// The text of a form that does not decode: the default.
	case errors.Is(err, qrcode.ErrNoQRCode):
		summary, m = say(msgSumUnreadableImage), say(msgNoQRInImage, err)
	case errors.Is(err, qrcode.ErrNoQRCodeInPDF):
		summary, m = say(msgSumUnreadablePDF), say(msgNoQRInPDF, err)
	case in.Carrier == credential.CarrierQRImage:
		summary, m = say(msgSumUnreadableImage), say(msgImageUnreadable, err)
	case in.Carrier == credential.CarrierPDF:
		summary, m = say(msgSumUnreadablePDF), say(msgPDFUnreadable, err)
	case in.Kind == "":
		summary = say(msgSumNotSceau)
	}
	r.failSaying(CheckFormat, ReasonUnreadable, summary, m)
}
