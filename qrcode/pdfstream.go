package qrcode

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pdfcpu decodes a stream into memory with a limit of its own (512 MiB in
// v0.15.0, whatever the configuration says, on the image extraction path),
// so a small PDF whose image stream inflates to a gigabyte would take the
// verifier to gigabytes of memory and seconds of CPU before being refused.
// checkImageStream therefore decodes every image stream first, itself,
// streaming and bounded by what the image can hold at its declared size,
// and refuses a stream that decodes to more: pdfcpu only ever decodes
// streams already known to be small.

// imageStreamSlack is decoded output tolerated beyond an image's size
// (padding some writers add).
const imageStreamSlack = 64 << 10

// checkImageStream checks that the stream of an image of width × height
// pixels decodes to no more than the image can hold: components × bits
// per component for each pixel, plus a predictor byte per row. A DCT
// (JPEG) stream must declare at most lim.MaxImagePixels pixels. Filters
// other than those Sceau's readers know are refused.
func checkImageStream(doc *model.Context, sd *types.StreamDict, width, height int, lim PDFLimits) error {
	raw := sd.Raw
	if raw == nil {
		return errors.New("its stream is not loaded")
	}
	components := imageComponents(doc, sd)
	bpc := 8
	if obj, ok := sd.Find("BitsPerComponent"); ok {
		if n, err := doc.DereferenceInteger(obj); err == nil && n != nil && n.Value() > 0 && n.Value() <= 16 {
			bpc = n.Value()
		}
	}
	rowBytes := (int64(width)*int64(components)*int64(bpc) + 7) / 8
	max := int64(height)*(rowBytes+1) + imageStreamSlack
	var r io.Reader = bytes.NewReader(raw)
	for i, f := range sd.FilterPipeline {
		// Each stage is bounded too: a filter may expand what it reads
		// (ASCII hex doubles it), never by more than this.
		r = &boundedReader{r: r, left: 4*max + int64(len(raw))}
		switch f.Name {
		case "FlateDecode", "Fl":
			zr, err := zlib.NewReader(r)
			if err != nil {
				return fmt.Errorf("its FlateDecode stream: %w", err)
			}
			defer zr.Close()
			r = zr
		case "ASCIIHexDecode", "AHx":
			r = &hexReader{r: bufio.NewReader(r)}
		case "ASCII85Decode", "A85":
			r = ascii85.NewDecoder(&a85Trimmer{r: bufio.NewReader(r)})
		case "RunLengthDecode", "RL":
			r = &runLengthReader{r: bufio.NewReader(r)}
		case "DCTDecode", "DCT":
			if i != len(sd.FilterPipeline)-1 {
				return errors.New("DCTDecode is not its last filter")
			}
			cfg, _, err := image.DecodeConfig(r)
			if err != nil {
				return fmt.Errorf("its JPEG stream: %w", err)
			}
			if int64(cfg.Width)*int64(cfg.Height) > lim.MaxImagePixels {
				return fmt.Errorf("%w: its JPEG stream has %d × %d pixels, more than %d", ErrPDFLimit, cfg.Width, cfg.Height, lim.MaxImagePixels)
			}
			return nil
		default:
			return fmt.Errorf("its filter %s is not one this reader decodes", f.Name)
		}
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r, max+1))
	if errors.Is(err, errStageLimit) || n > max {
		return fmt.Errorf("%w: its stream decodes to more than the %d bytes a %d × %d image holds (a decompression bomb)", ErrPDFLimit, max, width, height)
	}
	if err != nil {
		return fmt.Errorf("its stream does not decode: %w", err)
	}
	return nil
}

// imageComponents returns the colour components of an image's colour
// space: 1 for an image mask or DeviceGray, 3 for DeviceRGB, and 4 (the
// most a PDF colour space has) otherwise.
func imageComponents(doc *model.Context, sd *types.StreamDict) int {
	if obj, ok := sd.Find("ImageMask"); ok {
		if b, err := doc.DereferenceBoolean(obj, model.V10); err == nil && b != nil && b.Value() {
			return 1
		}
	}
	obj, ok := sd.Find("ColorSpace")
	if !ok {
		return 4
	}
	if name, err := doc.DereferenceName(obj, model.V10, nil); err == nil {
		switch name.Value() {
		case "DeviceGray", "G", "CalGray":
			return 1
		case "DeviceRGB", "RGB", "CalRGB":
			return 3
		}
	}
	return 4
}

// errStageLimit is what a boundedReader returns past its bound.
var errStageLimit = errors.New("decoded output over its bound")

// boundedReader fails once more than left bytes were read through it.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errStageLimit
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// hexReader decodes ASCIIHexDecode: hex digits, white space ignored, up
// to '>' (an odd last digit is followed by 0).
type hexReader struct {
	r    *bufio.Reader
	done bool
}

func (h *hexReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !h.done {
		var digits [2]byte
		got := 0
		for got < 2 {
			c, err := h.r.ReadByte()
			if err == io.EOF || c == '>' {
				h.done = true
				break
			}
			if err != nil {
				return n, err
			}
			switch {
			case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
				digits[got] = c
				got++
			case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0:
			default:
				return n, fmt.Errorf("ASCIIHexDecode: %q is not a hex digit", c)
			}
		}
		if got == 0 {
			break
		}
		if got == 1 {
			digits[1] = '0'
		}
		p[n] = unhex(digits[0])<<4 | unhex(digits[1])
		n++
	}
	if n == 0 && h.done {
		return 0, io.EOF
	}
	return n, nil
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// a85Trimmer ends an ASCII85Decode stream at its "~>" end marker.
type a85Trimmer struct {
	r    *bufio.Reader
	done bool
}

func (a *a85Trimmer) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !a.done {
		c, err := a.r.ReadByte()
		if err == io.EOF || c == '~' {
			a.done = true
			break
		}
		if err != nil {
			return n, err
		}
		p[n] = c
		n++
	}
	if n == 0 && a.done {
		return 0, io.EOF
	}
	return n, nil
}

// runLengthReader decodes RunLengthDecode.
type runLengthReader struct {
	r      *bufio.Reader
	repeat byte
	left   int // bytes left of the current run
	copy   bool
	done   bool
}

func (rl *runLengthReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if rl.left == 0 {
			if rl.done {
				break
			}
			length, err := rl.r.ReadByte()
			if err == io.EOF || length == 128 {
				rl.done = true
				break
			}
			if err != nil {
				return n, err
			}
			if length < 128 {
				rl.left, rl.copy = int(length)+1, true
			} else {
				b, err := rl.r.ReadByte()
				if err != nil {
					return n, fmt.Errorf("RunLengthDecode: %w", io.ErrUnexpectedEOF)
				}
				rl.left, rl.copy, rl.repeat = 257-int(length), false, b
			}
		}
		if rl.copy {
			b, err := rl.r.ReadByte()
			if err != nil {
				return n, fmt.Errorf("RunLengthDecode: %w", io.ErrUnexpectedEOF)
			}
			p[n] = b
		} else {
			p[n] = rl.repeat
		}
		n++
		rl.left--
	}
	if n == 0 && rl.done {
		return 0, io.EOF
	}
	return n, nil
}
