// Package certificate prints a Sceau credential as a one-page A4 PDF
// certificate carrying the credential's QR code (Render). Reading the QR
// code back out of a PDF is qrcode.DecodePDF's job, which
// credential.Decode uses: this package only renders.
//
// The QR code is embedded once, as the black and white image (a 1-bit PNG,
// 8 pixels per module, 4-module quiet zone, error correction level Q) that
// qrcode.EncodePNG draws, printed 46 mm wide (the symbol itself about
// 42 mm). Module edges fall on pixel edges
// and the image is not interpolated, so it prints as sharply as vector
// squares; and the image the verifier extracts is exactly the one that is
// printed: there is no hidden second copy that could say something other
// than the visible one.
//
// The text is set in the Go fonts (regular, bold, mono), embedded as
// subsets, so every accent of French names prints; a character the fonts
// cannot print is an error, never a silent gap.
//
// It imports credential (what to print), schemas (the subject's fields)
// and qrcode (the QR image), and no other Sceau package; credential must
// not import it.
package certificate
