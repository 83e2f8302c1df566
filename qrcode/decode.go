package qrcode

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	stddraw "image/draw"
	_ "image/jpeg" // JPEG photos, and the DCT images of PDFs
	_ "image/png"  // PNG images, and the Flate images of PDFs

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/draw"
)

// Limits on images from outside.
const (
	// MaxImageBytes bounds the encoded image DecodeBytes accepts.
	MaxImageBytes = 32 << 20
	// MaxImagePixels bounds the pixels of an image to decode (50 megapixels).
	MaxImagePixels = 50_000_000
)

// ErrNoQRCode is returned (wrapped) when no QR code could be read in an image.
var ErrNoQRCode = errors.New("no readable QR code in the image")

// maxSide is the longest side tried: beyond it, reading takes seconds
// and a phone photo's code is found at the working sides anyway.
const maxSide = 4000

// minSide is the smallest longest side worth trying: a QR code needs at
// least a pixel per module, and Sceau's codes have about 70 per side.
const minSide = 150

// smallSide is the longest side under which an image is also tried
// enlarged: a QR code shrunk to a few pixels per module reads better
// smoothed up.
const smallSide = 800

// DecodeBytes reads the QR code of a PNG or JPEG image. It checks the
// format and the dimensions from the header before decoding any pixel.
func DecodeBytes(data []byte) (string, error) {
	if len(data) > MaxImageBytes {
		return "", fmt.Errorf("image: %d bytes is more than the %d allowed", len(data), MaxImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("image: not a PNG or JPEG image: %w", err)
	}
	if format != "png" && format != "jpeg" {
		return "", fmt.Errorf("image: format %s: want PNG or JPEG", format)
	}
	if err := checkDimensions(cfg.Width, cfg.Height); err != nil {
		return "", err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("image: decoding the %s: %w", format, err)
	}
	return Decode(img)
}

func checkDimensions(width, height int) error {
	if width <= 0 || height <= 0 {
		return fmt.Errorf("image: %d×%d pixels is empty", width, height)
	}
	if int64(width)*int64(height) > MaxImagePixels {
		return fmt.Errorf("image: %d×%d pixels (%.1f megapixels) is more than the %d megapixels allowed",
			width, height, float64(width)*float64(height)/1e6, MaxImagePixels/1_000_000)
	}
	return nil
}

// Decode reads the QR code of an image. It tries the image at several
// scales (large photos shrunk first, then full size, halved, and small
// images enlarged), each with two binarizers, as a pure barcode, turned a
// quarter and inverted, and returns the first text read. It wraps
// ErrNoQRCode when every attempt fails.
func Decode(img image.Image) (string, error) {
	b := img.Bounds()
	if err := checkDimensions(b.Dx(), b.Dy()); err != nil {
		return "", err
	}
	gray := toGray(img)
	for _, side := range sidesToTry(max(b.Dx(), b.Dy())) {
		if text, err := decodeGray(resize(gray, side)); err == nil {
			return text, nil
		}
	}
	return "", fmt.Errorf("%w (%d×%d pixels)", ErrNoQRCode, b.Dx(), b.Dy())
}

// sidesToTry returns the longest sides, in pixels, to try an image of
// longest side side at, in order.
func sidesToTry(side int) []int {
	var sides []int
	// Large photos are tried first at working sizes, where the detector is
	// fastest and most reliable.
	for _, s := range []int{1600, 1000, 2600} {
		if s < side {
			sides = append(sides, s)
		}
	}
	if side <= maxSide {
		sides = append(sides, side)
	}
	if side/2 >= minSide && side/2 <= maxSide {
		// Halving averages out speckle noise.
		sides = append(sides, side/2)
	}
	if side < smallSide {
		sides = append(sides, 2*side, 3*side)
	}
	return sides
}

// toGray converts img to an 8-bit gray image whose bounds start at 0,0.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	gray := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	stddraw.Draw(gray, gray.Bounds(), img, b.Min, stddraw.Src)
	return gray
}

// resize scales gray so that its longest side is about side pixels:
// shrinking averages blocks of pixels, enlarging interpolates.
func resize(gray *image.Gray, side int) *image.Gray {
	b := gray.Bounds()
	longest := max(b.Dx(), b.Dy())
	switch {
	case side == longest:
		return gray
	case side < longest:
		return shrink(gray, (longest+side-1)/side)
	}
	dst := image.NewGray(image.Rect(0, 0, b.Dx()*side/longest, b.Dy()*side/longest))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), gray, b, draw.Src, nil)
	return dst
}

// shrink returns gray with each block of factor×factor pixels averaged
// into one.
func shrink(gray *image.Gray, factor int) *image.Gray {
	b := gray.Bounds()
	w, h := b.Dx()/factor, b.Dy()/factor
	dst := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	area := factor * factor
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for dy := 0; dy < factor; dy++ {
				row := gray.Pix[(y*factor+dy)*gray.Stride+x*factor:]
				for dx := 0; dx < factor; dx++ {
					sum += int(row[dx])
				}
			}
			dst.Pix[y*dst.Stride+x] = uint8(sum / area)
		}
	}
	return dst
}

// decodeGray tries the reader's strategies on one gray image.
func decodeGray(gray *image.Gray) (string, error) {
	tryHarder := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	upright := func() (gozxing.LuminanceSource, error) { return luminance(gray) }
	attempts := []struct {
		source    func() (gozxing.LuminanceSource, error)
		binarizer func(gozxing.LuminanceSource) gozxing.Binarizer
		hints     map[gozxing.DecodeHintType]any
	}{
		{upright, gozxing.NewHybridBinarizer, tryHarder},
		{upright, gozxing.NewHybridBinarizer, pure},
		{upright, gozxing.NewGlobalHistgramBinarizer, tryHarder},
		{func() (gozxing.LuminanceSource, error) { return luminance(rotate90(gray)) }, gozxing.NewHybridBinarizer, tryHarder},
		{func() (gozxing.LuminanceSource, error) {
			src, err := luminance(gray)
			if err != nil {
				return nil, err
			}
			return src.Invert(), nil
		}, gozxing.NewHybridBinarizer, tryHarder},
	}
	var lastErr error
	for _, a := range attempts {
		src, err := a.source()
		if err != nil {
			return "", err
		}
		bitmap, err := gozxing.NewBinaryBitmap(a.binarizer(src))
		if err != nil {
			return "", err
		}
		result, err := zxingqr.NewQRCodeReader().Decode(bitmap, a.hints)
		if err == nil {
			return result.GetText(), nil
		}
		lastErr = err
	}
	return "", lastErr
}

// luminance returns a zxing luminance source over the gray pixels.
func luminance(gray *image.Gray) (gozxing.LuminanceSource, error) {
	b := gray.Bounds()
	return gozxing.NewPlanarYUVLuminanceSource(gray.Pix, gray.Stride, b.Dy(), 0, 0, b.Dx(), b.Dy(), false)
}

// rotate90 returns gray turned a quarter counter-clockwise.
func rotate90(gray *image.Gray) *image.Gray {
	b := gray.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[(w-1-x)*out.Stride+y] = gray.Pix[y*gray.Stride+x]
		}
	}
	return out
}
