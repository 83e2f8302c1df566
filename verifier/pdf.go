package verifier

import (
	"context"
	"strings"
	"time"

	"github.com/sceau/sceau/certificate"
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

// parsePDF reads the QR code a Sceau PDF certificate embeds, within the
// certificate package's default limits, and decodes its text.
func parsePDF(input []byte) (*parsedInput, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pdfTimeout)
	defer cancel()
	text, err := certificate.ExtractQR(ctx, input, certificate.ExtractOptions{})
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
