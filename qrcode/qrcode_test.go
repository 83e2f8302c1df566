package qrcode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	base45 "github.com/adrianrudnik/base45-go"
	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// sc1Text returns an SC1-like text of the size of a real Pix certification
// (a 272-byte COSE_Sign1, 412 characters).
func sc1Text() string {
	r := rand.New(rand.NewPCG(1, 2))
	body := make([]byte, 272)
	for i := range body {
		body[i] = byte(r.UintN(256))
	}
	return "SC1:" + string(base45.Encode(body))
}

func renderPNG(t *testing.T, text string) []byte {
	t.Helper()
	data, err := EncodePNG(text)
	if err != nil {
		t.Fatalf("EncodePNG: %v", err)
	}
	return data
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestRoundTrip(t *testing.T) {
	text := sc1Text()
	got, err := DecodeBytes(renderPNG(t, text))
	if err != nil {
		t.Fatalf("DecodeBytes: %v", err)
	}
	if got != text {
		t.Fatalf("decoded %q, want %q", got, text)
	}
}

func TestPNGGeometry(t *testing.T) {
	text := sc1Text()
	s, err := Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	n := 17 + 4*s.Version
	if len(s.Modules) != n {
		t.Fatalf("version %d symbol has %d modules per side, want %d", s.Version, len(s.Modules), n)
	}
	t.Logf("%d characters: QR version %d (%d×%d modules), level Q", len(text), s.Version, n, n)
	img := decodePNG(t, renderPNG(t, text))
	side := (n + 2*QuietZoneModules) * ModulePixels
	if b := img.Bounds(); b.Dx() != side || b.Dy() != side {
		t.Fatalf("image is %v, want %d×%d", b, side, side)
	}
	isDark := func(x, y int) bool {
		r, _, _, _ := img.At(x, y).RGBA()
		return r < 0x8000
	}
	quiet := QuietZoneModules * ModulePixels
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			inQuietZone := x < quiet || y < quiet || x >= side-quiet || y >= side-quiet
			if inQuietZone && isDark(x, y) {
				t.Fatalf("dark pixel (%d,%d) inside the %d-pixel quiet zone", x, y, quiet)
			}
		}
	}
	// The top-left finder pattern's outer ring is 7 modules wide.
	run := 0
	for x := quiet; isDark(x, quiet); x++ {
		run++
	}
	if run != 7*ModulePixels {
		t.Errorf("finder pattern top row is %d pixels, want 7 modules of %d pixels", run, ModulePixels)
	}
}

func TestEncodeTooLong(t *testing.T) {
	if _, err := EncodePNG(strings.Repeat("A", 5000)); err == nil {
		t.Fatal("EncodePNG of 5000 characters succeeded, want an error")
	}
}

// transform draws src through the affine matrix m onto a white canvas of
// the given size.
func transform(src image.Image, w, h int, m f64.Aff3) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	stddraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, stddraw.Src)
	draw.BiLinear.Transform(dst, m, src, src.Bounds(), draw.Over, nil)
	return dst
}

func rotated(src image.Image, degrees float64) *image.RGBA {
	b := src.Bounds()
	side := int(float64(b.Dx()) * 1.5)
	sin, cos := math.Sincos(degrees * math.Pi / 180)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	c := float64(side) / 2
	return transform(src, side, side, f64.Aff3{cos, -sin, c - cos*cx + sin*cy, sin, cos, c - sin*cx - cos*cy})
}

func shrunk(src image.Image, factor float64) *image.RGBA {
	b := src.Bounds()
	w, h := int(float64(b.Dx())*factor), int(float64(b.Dy())*factor)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}

// noisy returns src in gray with random noise and 2 % of pixels flipped to
// black or white, as a poor photo.
func noisy(src image.Image) *image.Gray {
	r := rand.New(rand.NewPCG(3, 4))
	b := src.Bounds()
	dst := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	stddraw.Draw(dst, dst.Bounds(), src, b.Min, stddraw.Src)
	for i, v := range dst.Pix {
		switch p := r.Float64(); {
		case p < 0.01:
			dst.Pix[i] = 0
		case p < 0.02:
			dst.Pix[i] = 255
		default:
			n := int(v) + int(r.NormFloat64()*40)
			dst.Pix[i] = uint8(min(255, max(0, n)))
		}
	}
	return dst
}

// photo returns src small, skewed and dim in a large gray scene, as JPEG.
func photo(t *testing.T, src image.Image) []byte {
	t.Helper()
	b := src.Bounds()
	scene := image.NewRGBA(image.Rect(0, 0, 2400, 1600))
	stddraw.Draw(scene, scene.Bounds(), image.NewUniform(color.RGBA{90, 85, 80, 255}), image.Point{}, stddraw.Src)
	scale := 700 / float64(b.Dx())
	m := f64.Aff3{scale, 0.12 * scale, 800, -0.08 * scale, scale, 400}
	draw.BiLinear.Transform(scene, m, src, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, scene, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeDegradedImages(t *testing.T) {
	text := sc1Text()
	clean := decodePNG(t, renderPNG(t, text))
	tests := []struct {
		name  string
		image func() []byte
	}{
		{"rotated 30°", func() []byte { return encodeJPEG(t, rotated(clean, 30), 90) }},
		{"upside down", func() []byte { return encodeJPEG(t, rotated(clean, 180), 90) }},
		{"shrunk to 3 pixels per module", func() []byte { return encodeJPEG(t, shrunk(clean, 3.0/ModulePixels), 90) }},
		{"noisy", func() []byte { return encodeJPEG(t, noisy(clean), 75) }},
		{"photo of a page", func() []byte { return photo(t, clean) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBytes(tt.image())
			if err != nil {
				t.Fatalf("DecodeBytes: %v", err)
			}
			if got != text {
				t.Fatalf("decoded %q, want %q", got, text)
			}
		})
	}
}

func TestDecodeNoQRCode(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 200, 100))
	_, err := Decode(blank)
	if !errors.Is(err, ErrNoQRCode) {
		t.Fatalf("Decode of a blank image = %v, want ErrNoQRCode", err)
	}
}

// pngHeader returns the signature and IHDR chunk of a PNG of the given
// size: enough for image.DecodeConfig, no pixel data.
func pngHeader(width, height uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], width)
	binary.BigEndian.PutUint32(ihdr[4:], height)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit gray
	chunk := append([]byte("IHDR"), ihdr...)
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&buf, binary.BigEndian, uint32(len(ihdr)))
	buf.Write(chunk)
	binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return buf.Bytes()
}

func TestDecodeBytesRejects(t *testing.T) {
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.White, color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     []byte
		wantText string
	}{
		{"huge dimensions", pngHeader(10000, 8000), "80.0 megapixels"},
		{"GIF", gifData.Bytes(), "PNG or JPEG"},
		{"not an image", []byte("SC1:ABC"), "not a PNG or JPEG"},
		{"too many bytes", make([]byte, MaxImageBytes+1), "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBytes(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("DecodeBytes error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func FuzzDecodeBytes(f *testing.F) {
	f.Add(pngHeader(1, 1))
	data, err := EncodePNG("SC1:ABC")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := DecodeBytes(data)
		if err == nil && text == "" {
			t.Fatal("an empty text decoded without error")
		}
	})
}
