// Package qrcode renders credential texts (SC1) as QR code images and reads
// QR codes back: from images (clean renderings, scans and phone photos;
// DecodeBytes, Decode) and from PDF files such as printed certificates
// (DecodePDF). Everything it reads comes from outside, so every decoder is
// bounded in bytes, pixels, pages and images.
//
// It imports no other Sceau package: it knows QR codes, not credentials.
package qrcode

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	goqrcode "github.com/skip2/go-qrcode"
)

// Rendering parameters of EncodePNG.
const (
	// ModulePixels is the side, in pixels, of one QR module.
	ModulePixels = 8
	// QuietZoneModules is the width, in modules, of the white margin
	// around the symbol (ISO/IEC 18004 requires 4).
	QuietZoneModules = 4
)

// recoveryLevel is the error correction of Sceau's QR codes: level Q
// (25 % of the symbol can be damaged), as the EU Digital COVID
// Certificate recommends for codes printed on paper and photographed by
// phones. go-qrcode calls it High.
const recoveryLevel = goqrcode.High

// Symbol is a QR code ready to draw.
type Symbol struct {
	// Version is the QR version, 1 to 40: the symbol has 17 + 4×Version
	// modules per side.
	Version int
	// Modules holds the dark modules, Modules[y][x], without quiet zone.
	Modules [][]bool
}

// Encode returns the QR symbol of text, with error correction level Q.
func Encode(text string) (*Symbol, error) {
	q, err := goqrcode.New(text, recoveryLevel)
	if err != nil {
		return nil, fmt.Errorf("QR code of %d characters: %w", len(text), err)
	}
	q.DisableBorder = true
	return &Symbol{Version: q.VersionNumber, Modules: q.Bitmap()}, nil
}

// Image draws the symbol, black on white, each module modulePixels wide,
// inside a quiet zone of QuietZoneModules modules.
func (s *Symbol) Image(modulePixels int) *image.Paletted {
	n := len(s.Modules)
	side := (n + 2*QuietZoneModules) * modulePixels
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for y, row := range s.Modules {
		for x, dark := range row {
			if !dark {
				continue
			}
			x0 := (x + QuietZoneModules) * modulePixels
			y0 := (y + QuietZoneModules) * modulePixels
			for py := y0; py < y0+modulePixels; py++ {
				line := img.Pix[py*img.Stride+x0 : py*img.Stride+x0+modulePixels]
				for i := range line {
					line[i] = 1
				}
			}
		}
	}
	return img
}

// EncodePNG returns a PNG image of the QR code of text: error correction
// level Q, modules of ModulePixels pixels, a quiet zone of
// QuietZoneModules modules, two colours.
func EncodePNG(text string) ([]byte, error) {
	s, err := Encode(text)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	// The default level: BestCompression is about ten times slower on these
	// two-colour images and gives no smaller file.
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, s.Image(ModulePixels)); err != nil {
		return nil, fmt.Errorf("encoding the QR code as PNG: %w", err)
	}
	return buf.Bytes(), nil
}
