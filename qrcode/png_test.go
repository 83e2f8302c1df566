package qrcode

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

// imagePNG is the PNG image/png writes of the symbol's image, as
// EncodePNG did before writing its own.
func imagePNG(t *testing.T, s *Symbol) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, s.Image(ModulePixels)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngSymbols are symbols of versions small and large, SC1 texts and bytes.
func pngSymbols(t *testing.T) []*Symbol {
	r := rand.New(rand.NewPCG(4, 4))
	var symbols []*Symbol
	for _, text := range []string{"SC1:ABC", sc1Text(), "SC1:" + randomText(r, base45Alphabet, 2400), frenchText} {
		s, err := Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		symbols = append(symbols, s)
	}
	s, err := EncodeLevel(randomText(r, "abcdef", 2900), LevelL)
	if err != nil {
		t.Fatal(err)
	}
	return append(symbols, s)
}

// TestPNGSamePixels decodes Symbol.PNG and image/png's encoding of
// Symbol.Image with image/png: the same paletted image, pixel for pixel.
func TestPNGSamePixels(t *testing.T) {
	for _, s := range pngSymbols(t) {
		data := s.PNG()
		got, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("version %d: image/png cannot read the PNG: %v", s.Version, err)
		}
		ref := imagePNG(t, s)
		want, err := png.Decode(bytes.NewReader(ref))
		if err != nil {
			t.Fatal(err)
		}
		g, ok := got.(*image.Paletted)
		if !ok {
			t.Fatalf("version %d: the PNG reads as a %T, want *image.Paletted", s.Version, got)
		}
		w := want.(*image.Paletted)
		if g.Bounds() != w.Bounds() || !slices.Equal(g.Palette, w.Palette) || !bytes.Equal(g.Pix, w.Pix) {
			t.Fatalf("version %d: the PNG's image differs from image/png's", s.Version)
		}
		if !bytes.Equal(g.Pix, s.Image(ModulePixels).Pix) {
			t.Fatalf("version %d: the PNG's pixels differ from Image's", s.Version)
		}
		// About as small as image/png's default compression.
		if len(data) > len(ref)*5/4 {
			t.Errorf("version %d: %d bytes, image/png writes %d", s.Version, len(data), len(ref))
		}
		t.Logf("version %d: %d bytes (image/png: %d)", s.Version, len(data), len(ref))
	}
}

// TestPNGChunks checks the file byte by byte as a strict reader would:
// signature, chunk CRCs, IHDR, and a zlib stream that inflates, Adler-32
// checked, to exactly the rows of pixels with their filter bytes.
func TestPNGChunks(t *testing.T) {
	for _, s := range pngSymbols(t) {
		data := s.PNG()
		if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatal("no PNG signature")
		}
		var kinds []string
		var ihdr, idat []byte
		for rest := data[8:]; len(rest) > 0; {
			if len(rest) < 12 {
				t.Fatalf("version %d: %d bytes left, too few for a chunk", s.Version, len(rest))
			}
			n := int(binary.BigEndian.Uint32(rest))
			body := rest[4 : 8+n]
			if crc := binary.BigEndian.Uint32(rest[8+n:]); crc != crc32.ChecksumIEEE(body) {
				t.Fatalf("version %d: chunk %s has a wrong CRC", s.Version, body[:4])
			}
			kind := string(body[:4])
			kinds = append(kinds, kind)
			switch kind {
			case "IHDR":
				ihdr = body[4:]
			case "IDAT":
				idat = append(idat, body[4:]...)
			}
			rest = rest[12+n:]
		}
		if !slices.Equal(kinds, []string{"IHDR", "PLTE", "IDAT", "IEND"}) {
			t.Fatalf("version %d: chunks %v", s.Version, kinds)
		}
		side := (len(s.Modules) + 2*QuietZoneModules) * ModulePixels
		want := make([]byte, 13)
		binary.BigEndian.PutUint32(want[0:], uint32(side))
		binary.BigEndian.PutUint32(want[4:], uint32(side))
		want[8], want[9] = 1, 3
		if !bytes.Equal(ihdr, want) {
			t.Fatalf("version %d: IHDR % x, want % x", s.Version, ihdr, want)
		}
		zr, err := zlib.NewReader(bytes.NewReader(idat))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr) // checks the Adler-32 at the end
		if err != nil {
			t.Fatalf("version %d: inflating the image data: %v", s.Version, err)
		}
		img := s.Image(ModulePixels)
		var rows []byte
		for y := range side {
			rows = append(rows, 0)
			for x := 0; x < side; x += 8 {
				var b byte
				for i := range 8 {
					b |= img.Pix[y*img.Stride+x+i] << (7 - i)
				}
				rows = append(rows, b)
			}
		}
		if !bytes.Equal(raw, rows) {
			t.Fatalf("version %d: the inflated data is not the rows of pixels", s.Version)
		}
	}
}

// TestDeflateCodes checks the deflate tables against RFC 1951's.
func TestDeflateCodes(t *testing.T) {
	for _, tt := range []struct {
		length, symbol, base int
		extra                uint
	}{{3, 257, 3, 0}, {10, 264, 10, 0}, {11, 265, 11, 1}, {18, 268, 17, 1}, {19, 269, 19, 2}, {34, 272, 31, 2},
		{35, 273, 35, 3}, {66, 276, 59, 3}, {67, 277, 67, 4}, {130, 280, 115, 4}, {131, 281, 131, 5}, {257, 284, 227, 5}, {258, 285, 258, 0}} {
		if got := lengthSymbolOf(tt.length); got != (lengthSymbol{tt.symbol, tt.base, tt.extra}) {
			t.Errorf("length %d: %+v, want symbol %d, base %d, %d extra bits", tt.length, got, tt.symbol, tt.base, tt.extra)
		}
	}
	for _, tt := range []struct {
		distance, symbol, base int
		extra                  uint
	}{{1, 0, 1, 0}, {4, 3, 4, 0}, {5, 4, 5, 1}, {8, 5, 7, 1}, {25, 9, 25, 3}, {30, 9, 25, 3}, {33, 10, 33, 4},
		{186, 14, 129, 6}, {193, 15, 193, 6}, {32768, 29, 24577, 13}} {
		got := distanceCodeOf(tt.distance)
		if got.symbol != tt.symbol || got.base != tt.base || got.extra != tt.extra {
			t.Errorf("distance %d: %+v, want symbol %d, base %d, %d extra bits", tt.distance, got, tt.symbol, tt.base, tt.extra)
		}
	}
}

// TestPDFImageRows inflates AppendPDFImage's stream with compress/zlib
// (which checks its Adler-32): exactly the rows of pixels of Image, each
// led by filter byte 0, with 0 for black and 1 for white, as a PDF's
// DeviceGray image of one bit a pixel reads them; and it appends, leaving
// what dst held.
func TestPDFImageRows(t *testing.T) {
	for _, s := range pngSymbols(t) {
		img := s.Image(ModulePixels)
		side := img.Bounds().Dx()
		rowLen := 1 + side/8
		var want []byte
		for y := range side {
			row := make([]byte, rowLen)
			for x := range side {
				if img.ColorIndexAt(x, y) == 0 { // white
					row[1+x/8] |= 0x80 >> (x % 8)
				}
			}
			want = append(want, row...)
		}
		stream := s.AppendPDFImage([]byte("kept"))
		if !bytes.HasPrefix(stream, []byte("kept")) {
			t.Fatalf("version %d: dst's bytes were overwritten", s.Version)
		}
		r, err := zlib.NewReader(bytes.NewReader(stream[4:]))
		if err != nil {
			t.Fatalf("version %d: %v", s.Version, err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("version %d: the stream does not inflate: %v", s.Version, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("version %d: the stream inflates to %d bytes that are not the image's %d", s.Version, len(got), len(want))
		}
		t.Logf("version %d: %d bytes for %d×%d pixels", s.Version, len(stream)-4, side, side)
	}
}
