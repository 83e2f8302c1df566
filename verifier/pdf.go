package verifier

import (
	"context"
	"strings"
	"time"

	"github.com/sceau/sceau/qrcode"
)

// pdfMagic starts every PDF file.
var pdfMagic = []byte("%PDF-")

const (
	inputPDF    = "PDF certificate"
	fromPDFNote = " (PDF certificate)"
	// pdfTimeout bounds the reading of one PDF: a hostile file must not
	// keep a verifier busy.
	pdfTimeout = 20 * time.Second
)

// parsePDF reads the QR code a Sceau PDF certificate embeds, within
// qrcode's default limits, and decodes its text.
func parsePDF(input []byte) (*parsedInput, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pdfTimeout)
	defer cancel()
	text, err := qrcode.DecodePDF(ctx, input, qrcode.PDFLimits{})
	if err != nil {
		return &parsedInput{kind: inputPDF}, err
	}
	p, err := parseText(strings.TrimSpace(text))
	if p == nil {
		return &parsedInput{kind: inputPDF}, err
	}
	p.kind += fromPDFNote
	return p, err
}
