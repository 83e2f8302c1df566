// Package certificate prints Sceau credentials as one-page A4 PDF
// certificates carrying the credential's QR code. Reading the QR code back
// out of a PDF is qrcode.DecodePDF's job, which credential.Decode uses:
// this package only prints.
//
// # Use
//
// A run builds one Renderer (NewRenderer, a few milliseconds) and prints
// every certificate with it (Renderer.Render, well under a millisecond of
// its own work on top of encoding the QR symbol), from as many goroutines as
// it likes. The function Render prints a single certificate, with a
// Renderer of its own.
//
// # The page
//
// The page names the issuer, the diploma or certification, the holder, its
// details (a Pix certification's 16 competences in a table), then, at the
// bottom, the credential's id, issuer and dates, a notice, and the QR code.
// With Options.PublicURL, the verifier's address is printed under the
// notice, beside the QR code ("Vérifier sur" / "Verify at"), and the QR
// code holds the credential's link to that verifier
// (credential.Link: <address>/v#sc1=…) rather than its SC1 text, so that a
// phone's camera app opens the verifier's page, which verifies it at once;
// a link over the QR code's budget (credential.QRBudget, 450 characters)
// leaves the SC1 text in the QR code. Nothing else on the page moves.
// Texts are measured with the fonts' advance widths and wrapped between
// words; when the page overflows, every text is set smaller, by steps of
// 5 %, down to 60 % (layout.go). The same credential always gives the
// same bytes: nothing is read from the clock.
//
// The text is set in the Go fonts (regular, bold, mono), embedded as
// subsets, so every accent of French names prints, and Latin, Greek and
// Cyrillic letters beyond; a character the fonts cannot print is an error,
// never a silent gap.
//
// The QR code is embedded once, as a black and white image: 8 pixels per
// module (qrcode.ModulePixels), a 4-module quiet zone, error correction
// level Q, printed 46 mm wide (the symbol itself about 42 mm; a Pix
// certification's link, version 19, has modules of 0.45 mm, its SC1 text,
// version 15, of 0.54 mm). Module
// edges fall on pixel edges and the image is not interpolated, so it
// prints as sharply as vector squares; and the image the verifier extracts
// is exactly the one that is printed: there is no hidden second copy that
// could say something other than the visible one. It is a one-bit DeviceGray
// image, Flate-compressed with PNG predictors, a kind of image
// qrcode.DecodePDF reads.
//
// # Why the PDF is written here
//
// Certificates used to be written with a general PDF library (gopdf),
// which took about 45 ms each: for every certificate it parsed the three
// fonts, laid the page out three times through a slow text measurer,
// subset and compressed the fonts, and encoded the QR code as a PNG at the
// default compression. A certificate is always the same single page with
// different words, so this package writes the PDF itself (pdfwrite.go) and
// does once per run whatever does not depend on the credential:
//
//   - the fonts are parsed once (truetype.go): glyph indices, advance
//     widths, outlines;
//   - a font subset keeps the font's glyph indices, leaving unused glyphs
//     empty, so only its glyph outlines and index (glyf, loca, head)
//     change from one certificate to the next; the other tables are
//     compressed once, and each certificate's zlib stream splices that
//     compressed data between its own stored pieces;
//   - the PDF objects that never change (catalog, page, font dictionaries
//     and descriptors) are written once, and copied;
//   - the texts every certificate prints (labels, notice, the CRCN
//     competences' names, the issuer's name) are made ready to set once
//     (typeset.go): normalised, checked against the fonts, turned into
//     glyphs and their codes, and measured. A certificate's own texts are
//     made ready once per certificate, however many times the layout
//     sets them, and wrapped once per size.
//
// What is left for each certificate is laying the page out (once for each
// size tried until one fits, once more to draw), compressing its content
// stream (klauspost/compress's DEFLATE, the fastest level), writing its QR
// image (qrcode compresses it itself, as a PNG's: rows said once, then
// copied), and copying; it allocates almost nothing but the PDF it
// returns. The glyph outlines are stored, not compressed: compressing them
// would save 10 to 15 kB of a 45 to 50 kB file, and take longer than
// everything else.
//
// The previous renderer is kept in the tests as the reference: the tests
// rasterise both and hold the pages the same (reference_test.go), and
// BenchmarkRender measures one against the other.
//
// # Imports
//
// It imports credential (what to print), schemas (the subject's fields)
// and qrcode (the QR symbol), and no other Sceau package; credential must
// not import it.
package certificate
