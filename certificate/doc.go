// Package certificate prints a Sceau credential as a one-page A4 PDF
// certificate carrying the credential's QR code (Render), and reads that QR
// code back out of a PDF for the verifier (ExtractQR).
//
// The QR code is embedded once, as a black and white image XObject (a
// 1-bit PNG) of 10 pixels per module with its 4-module quiet zone, drawn
// 46 mm wide (the symbol itself about 40 mm). Module edges fall on pixel edges
// and the image is not interpolated, so it prints as sharply as vector
// squares; and the image the verifier extracts is exactly the one that is
// printed: there is no hidden second copy that could say something other
// than the visible one.
//
// The text is set in the Go fonts (regular, bold, mono), embedded as
// subsets, so every accent of French names prints; a character the fonts
// cannot print is an error, never a silent gap.
package certificate
