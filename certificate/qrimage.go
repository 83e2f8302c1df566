package certificate

import (
	"fmt"
	"hash/adler32"

	"github.com/sceau/sceau/qrcode"
)

// appendQRImage writes the QR image of symbol: the symbol with its quiet
// zone, qrcode.ModulePixels pixels a module, one bit a pixel (DeviceGray:
// 0 is black, 1 white), Flate-compressed with PNG predictors. The first
// row of pixels of each row of modules is written as it is (PNG filter
// None), the others as "the same as the row above" (filter Up: all
// zeros), so the image compresses to 2 or 3 kB, and its checksum is
// computed from one row of pixels for each row of modules.
func (p *pdfFile) appendQRImage(symbol *qrcode.Symbol, s *scratch) error {
	n := len(symbol.Modules) + 2*qrcode.QuietZoneModules
	side := n * qrcode.ModulePixels
	rowBytes := (side + 7) / 8
	stride := 1 + rowBytes // a filter type byte, then the pixels
	raw := resize(s.qrRaw, side*stride)
	s.qrRaw = raw
	for y := range n {
		first := raw[y*qrcode.ModulePixels*stride:]
		first[0] = pngFilterNone
		row := first[1:stride]
		for x := range n {
			mx, my := x-qrcode.QuietZoneModules, y-qrcode.QuietZoneModules
			if mx >= 0 && my >= 0 && mx < len(symbol.Modules) && my < len(symbol.Modules) && symbol.Modules[my][mx] {
				continue // dark: 0
			}
			setBits(row, x*qrcode.ModulePixels, (x+1)*qrcode.ModulePixels)
		}
		for i := 1; i < qrcode.ModulePixels; i++ {
			first[i*stride] = pngFilterUp // and zeros: no change
		}
	}

	z := zlibStream{dst: s.qrImage[:0]}
	z.start()
	if err := z.compressed(raw, s.flate); err != nil {
		return fmt.Errorf("QR image: %w", err)
	}
	repeated := raw[stride : qrcode.ModulePixels*stride] // the same after every row of modules
	repeatedSum := adler32.Checksum(repeated)
	for y := range n {
		z.sum(raw[y*qrcode.ModulePixels*stride:][:stride])
		z.sumOf(repeatedSum, len(repeated))
	}
	z.end()
	s.qrImage = z.dst
	p.stream(objQRImage, fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"+
		" /BitsPerComponent 1 /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 1 /Columns %d >>",
		side, side, side), z.dst)
	return nil
}

// PNG filter types, the first byte of each row of pixels under PNG
// predictors.
const (
	pngFilterNone = 0
	pngFilterUp   = 2
)

// setBits sets bits [from, to) of row, the most significant bit of each
// byte first.
func setBits(row []byte, from, to int) {
	for i := from; i < to; {
		if i%8 == 0 && i+8 <= to {
			row[i/8] = 0xFF
			i += 8
			continue
		}
		row[i/8] |= 0x80 >> (i % 8)
		i++
	}
}
