package qrcode

import (
	"errors"
	"fmt"
	"image"
	"image/color"
)

// Rendering parameters of EncodePNG and Symbol.PNG.
const (
	// ModulePixels is the side, in pixels, of one QR module.
	ModulePixels = 8
	// QuietZoneModules is the width, in modules, of the white margin
	// around the symbol (ISO/IEC 18004 requires 4).
	QuietZoneModules = 4
)

// credentialLevel is the error correction of Sceau's credential codes:
// level Q (25 % of the symbol can be damaged), as the EU Digital COVID
// Certificate recommends for codes printed on paper and photographed by
// phones.
const credentialLevel = LevelQ

// Symbol is a QR code ready to draw.
type Symbol struct {
	// Version is the QR version, 1 to 40: the symbol has 17 + 4×Version
	// modules per side.
	Version int
	// Level is the error correction level.
	Level Level
	// Mask is the mask pattern, 0 to 7, the one of lowest penalty.
	Mask int
	// Modules holds the dark modules, Modules[y][x], without quiet zone.
	Modules [][]bool
}

// maxTextBytes is a bound on the texts worth analysing: the digits a
// version 40 symbol holds at level L. Longer texts are refused at once.
const maxTextBytes = 7089

// Encode returns the QR symbol of text at level Q (credentialLevel): the
// smallest version that holds it. Version 40 holds 2420 characters of an
// SC1 text (alphanumeric mode), and any text of 1663 bytes; a longer text
// is an error.
func Encode(text string) (*Symbol, error) {
	return EncodeLevel(text, credentialLevel)
}

// EncodeLevel returns the QR symbol of text at the given error correction
// level: the smallest version that holds it. A text longer than version
// 40 holds at that level is an error.
func EncodeLevel(text string, level Level) (*Symbol, error) {
	return encode(text, level, 0, -1)
}

// encode builds the symbol of text at level, of the given version (0: the
// smallest that holds the text) and mask (−1: the one of lowest penalty).
// Tests force both to compare with other encoders.
func encode(text string, level Level, version, mask int) (*Symbol, error) {
	m, mask, err := encodeMatrix(text, level, version, mask)
	if err != nil {
		return nil, err
	}
	return &Symbol{Version: m.version, Level: level, Mask: mask, Modules: modules(m.rows, m.side)}, nil
}

// encodeMatrix is encode up to the masked symbol, in m.rows, and the mask.
func encodeMatrix(text string, level Level, version, mask int) (*matrix, int, error) {
	if level > LevelH {
		return nil, 0, fmt.Errorf("QR code: no error correction level %d", level)
	}
	if text == "" {
		return nil, 0, errors.New("QR code: empty text")
	}
	if len(text) > maxTextBytes {
		return nil, 0, fmt.Errorf("QR code of %d bytes: %w (at most %d digits at level L)", len(text), errTooLong, maxTextBytes)
	}
	runs, widest := classify(text)
	var (
		seg segmentation
		r   versionRange
		ok  bool
	)
	if version == 0 {
		if version, r, seg, ok = smallestVersion(text, runs, widest, level); !ok {
			return nil, 0, fmt.Errorf("QR code of %d bytes: %w at level %s", len(text), errTooLong, level)
		}
	} else {
		if version < minVersion || version > maxVersion {
			return nil, 0, fmt.Errorf("QR code: no version %d", version)
		}
		r = rangeOf(version)
		if seg, ok = segmentText(text, runs, widest, r); !ok || seg.bits > 8*dataCodewords(version, level) {
			return nil, 0, fmt.Errorf("QR code of %d bytes: %w in version %d at level %s", len(text), errTooLong, version, level)
		}
	}
	data := dataCodewordsOf(text, seg, r, dataCodewords(version, level))
	m := newMatrix(version)
	m.place(interleave(data, version, level))
	if mask < 0 {
		mask = m.bestMask(level)
	}
	m.masked(level, mask)
	return m, mask, nil
}

// smallestVersion returns the smallest version that holds text at level,
// its range and the segments; ok is false when none does. The ranges are
// tried in turn: each counts characters on its own widths, so the segments
// may differ.
func smallestVersion(text string, runs []segment, widest mode, level Level) (version int, r versionRange, seg segmentation, ok bool) {
	for r = range 3 {
		// Fewer bits than 10 per 3 characters is impossible.
		if 10*len(text)/3 > 8*dataCodewords(rangeLast[r], level) {
			continue
		}
		s, fits := segmentText(text, runs, widest, r)
		if !fits {
			continue
		}
		for v := rangeFirst[r]; v <= rangeLast[r]; v++ {
			if s.bits <= 8*dataCodewords(v, level) {
				return v, r, s, true
			}
		}
	}
	return 0, 0, segmentation{}, false
}

// modules unpacks rows of bits into rows of booleans, eight at a time.
func modules(rows []bits3, side int) [][]bool {
	cells := make([]bool, side*side)
	out := make([][]bool, side)
	for y, r := range rows[:side] {
		row := cells[y*side : (y+1)*side : (y+1)*side]
		x := 0
		for ; x+8 <= side; x += 8 {
			*(*[8]bool)(row[x:]) = byteModules[byte(r[x>>6]>>(x&63))]
		}
		for ; x < side; x++ {
			row[x] = r[x>>6]>>(x&63)&1 != 0
		}
		out[y] = row
	}
	return out
}

// byteModules[b] is the byte b as eight modules, bit 0 first.
var byteModules = func() (t [256][8]bool) {
	for b := range t {
		for i := range 8 {
			t[b][i] = b>>i&1 != 0
		}
	}
	return t
}()

// Image draws the symbol, black on white, each module modulePixels wide,
// inside a quiet zone of QuietZoneModules modules: a two-colour paletted
// image, white at index 0 and black at index 1.
func (s *Symbol) Image(modulePixels int) *image.Paletted {
	n := len(s.Modules)
	side := (n + 2*QuietZoneModules) * modulePixels
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for y, row := range s.Modules {
		top := (y + QuietZoneModules) * modulePixels
		first := img.Pix[top*img.Stride : top*img.Stride+side]
		for x, dark := range row {
			if dark {
				x0 := (x + QuietZoneModules) * modulePixels
				for i := range modulePixels {
					first[x0+i] = 1
				}
			}
		}
		for py := top + 1; py < top+modulePixels; py++ {
			copy(img.Pix[py*img.Stride:py*img.Stride+side], first)
		}
	}
	return img
}

// EncodePNG returns a PNG image of the QR code of text: error correction
// level Q, modules of ModulePixels pixels, a quiet zone of
// QuietZoneModules modules, two colours (see Symbol.PNG).
func EncodePNG(text string) ([]byte, error) {
	// The same bytes as Encode(text).PNG(), written from the rows of bits
	// without the rows of booleans in between.
	m, _, err := encodeMatrix(text, credentialLevel, 0, -1)
	if err != nil {
		return nil, err
	}
	return writePNG(packedRows{side: m.side, bits: m.rows[:m.side]}), nil
}
