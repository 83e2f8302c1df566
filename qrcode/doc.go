// Package qrcode draws credential texts (SC1) as QR codes and reads QR
// codes back: from images (clean renderings, scans and phone photos;
// DecodeBytes, Decode) and from PDF files such as printed certificates
// (DecodePDF). Everything it reads comes from outside, so every decoder is
// bounded in bytes, pixels, pages and images.
//
// It imports no other Sceau package: it knows QR codes, not credentials.
//
// # Writing a symbol
//
// Encode builds a QR symbol (ISO/IEC 18004) in the time of a signature,
// for `sceau issue` draws one per credential. The steps, each in its file:
//
//  1. Segments (segment.go). The text is cut into runs of digits
//     (numeric mode, 3 in 10 bits), of the 45 alphanumeric characters
//     0–9 A–Z space $%*+-./: (2 in 11 bits) and of other bytes (8 bits
//     each). A run swallows the following runs of its mode or narrower while
//     that saves the 4-bit mode and character count headers of a new
//     segment; if one segment of the widest mode is no longer, that is
//     it. An SC1 text, "SC1:" and base45, is all alphanumeric: 5.5 bits
//     a character.
//  2. Version (version.go). The smallest of the 40 versions whose data
//     codewords hold the segments at the level asked: level Q for
//     credentials. The character counts are wider from version 10 and
//     from 27, so the segments are chosen again for each of these three
//     ranges.
//  3. Codewords (segment.go). The segments, a terminator of up to four
//     zero bits, zero bits to a whole byte, then pad bytes 0xEC and 0x11
//     in turn up to the capacity.
//  4. Error correction (reedsolomon.go). The data codewords are split
//     into blocks; each block gets its Reed–Solomon codewords over
//     GF(256), a table row per data codeword (the generator polynomial
//     times that codeword, built once per length); the blocks are
//     interleaved codeword by codeword.
//  5. Placement (matrix.go). Finder, separator, timing and alignment
//     patterns, the version information from version 7; the codewords
//     fill the other modules in two-module columns, zigzagging up and
//     down from the bottom right corner. All of that depends on the
//     version only: its layout (function patterns, free modules, and the
//     runs of rows the codewords fill) is built on first use and shared,
//     read-only, after. Placing is then a 64-bit read of the codewords
//     and a few shifts per run of up to 28 rows.
//  6. Mask (penalty.go). Each of the eight mask patterns inverts the data
//     modules where it is dark; with the format information (level and
//     mask, BCH-coded) written in, each masked symbol is scored by the
//     four penalty rules (runs of one colour, 2×2 blocks, finder-like
//     patterns, balance of dark and light) and the lowest score wins.
//
// The symbol is held as rows and columns of bits, 64 modules to a machine
// word. The penalty rules read it across: a word holds module i of 64
// lines (rows and columns alike), so that a step along the lines is a
// step to the next word, with no shifting, and the rules test 64 lines
// per instruction; the layout keeps, for each mask, the modules it
// inverts in the same form, so that masking is one XOR per word. For a
// Pix certificate's symbol, scoring the eight masks, the largest part of
// the work, takes 12 to 20 µs, the whole symbol about 31 µs and its PNG
// 11 µs more on the shared 2-core development machine: a third of the
// time and of the instructions of the encoder this one replaced, which
// the tests keep as the reference it must equal module for module
// (BenchmarkEncode and BenchmarkStages run both). EncodePNG writes the
// PNG from the rows of bits, without the rows of booleans of a Symbol.
//
// # Why this encoder
//
// Sceau used github.com/skip2/go-qrcode, which took 8.8 ms for a Pix
// certificate's symbol (version 15): a hundred times the three signatures
// of a credential. It stores a module per bool, builds each masked symbol
// anew and scores it module by module. Of the maintained Go libraries the
// module proxy serves, github.com/piglig/go-qr publishes about 1 ms for a
// version 20 symbol (three times faster than go-qrcode, not thirty), and
// github.com/yeqown/go-qrcode/v2 writes a whole text in one mode; with
// either, a credential's symbol would also differ from the one Sceau drew so
// far. This encoder chooses segments, version and codewords exactly as
// go-qrcode does, so that for a text and a mask both draw the same
// modules: the tests hold it to that over every version, with go-qrcode
// kept as a test dependency for that only. The mask is the one of the
// standard's penalty rules read as ZXing reads them (the tests score with
// gozxing's encoder); go-qrcode's own scoring departs from the standard
// (it misses runs of exactly five and finder-like patterns whose light
// side runs off the edge), so the two may pick different masks for the
// same text.
//
// # Writing the PNG
//
// Symbol.PNG writes the image file directly (png.go): one bit per pixel,
// a module of 8 pixels one byte, equal rows written as copies of the row
// before; a few per cent larger than image/png's default compression,
// a hundred times faster. The literals of a row are written eight pixel
// bytes at a time from a table, and the Adler-32 checksum of a run of
// equal rows is computed at once. Image gives the same pixels as an image.Paletted.
//
// # Reading
//
// Decode and DecodeBytes read a QR code from an image with gozxing, trying
// several scales, and bound what an image from outside may cost.
package qrcode
