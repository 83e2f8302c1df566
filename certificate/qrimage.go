package certificate

import (
	"strconv"

	"github.com/sceau/sceau/qrcode"
)

// appendQRImage writes the QR image of symbol: the symbol with its quiet
// zone, qrcode.ModulePixels pixels a module, one bit a pixel (DeviceGray:
// 0 is black, 1 white), Flate-compressed with PNG predictors (every row
// of pixels under filter None). qrcode writes the compressed stream
// itself, as it does a PNG's (Symbol.AppendPDFImage): the rows of a module
// row said once and then copied, in a hundredth of compress/flate's time
// and smaller (1.8 kB for a Pix certificate's version 15).
func (p *pdfFile) appendQRImage(symbol *qrcode.Symbol, s *scratch) {
	side := (len(symbol.Modules) + 2*qrcode.QuietZoneModules) * qrcode.ModulePixels
	s.qrImage = symbol.AppendPDFImage(s.qrImage[:0])
	d := append(s.dict[:0], " /Type /XObject /Subtype /Image /Width "...)
	d = strconv.AppendInt(d, int64(side), 10)
	d = append(d, " /Height "...)
	d = strconv.AppendInt(d, int64(side), 10)
	d = append(d, " /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode"+
		" /DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 1 /Columns "...)
	d = strconv.AppendInt(d, int64(side), 10)
	d = append(d, " >>"...)
	s.dict = d
	p.stream(objQRImage, d, s.qrImage)
}
