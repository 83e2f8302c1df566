package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qrencode "github.com/skip2/go-qrcode"
)

// pixelsPerModule is the side, in image pixels, of one QR module in the
// image embedded in the PDF. At the printed width (qrImageWidth) this is
// more than 400 pixels per inch for the longest SC1 texts, and module edges
// fall on pixel edges, so a viewer or printer that scales the image without
// interpolation prints it as sharply as vector squares.
const pixelsPerModule = 10

// darkIndex is the palette index of dark modules in the QR image.
const darkIndex = 1

// encodeQRImage encodes text in a QR code at error correction level M and
// draws it as a two-colour (1 bit per pixel) PNG of pixelsPerModule pixels
// per module, quiet zone included.
func encodeQRImage(text string) ([]byte, error) {
	if text == "" {
		return nil, errors.New("QR text is empty")
	}
	code, err := qrencode.New(text, qrencode.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR code of a %d-character text: %w", len(text), err)
	}
	bitmap := code.Bitmap()
	side := len(bitmap) * pixelsPerModule
	// Index 0, the background, is white; darkIndex is black.
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}})
	for y, row := range bitmap {
		for x, dark := range row {
			if dark {
				fillSquare(img, x*pixelsPerModule, y*pixelsPerModule, pixelsPerModule, darkIndex)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("QR image: %w", err)
	}
	return buf.Bytes(), nil
}

// fillSquare paints the side×side square of img whose top left pixel is
// (x, y) in colour index.
func fillSquare(img *image.Paletted, x, y, side int, index uint8) {
	for dy := range side {
		row := img.Pix[img.PixOffset(x, y+dy):]
		for dx := range side {
			row[dx] = index
		}
	}
}
