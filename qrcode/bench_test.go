package qrcode

import (
	"bytes"
	"image/png"
	"testing"

	goqrcode "github.com/skip2/go-qrcode"
)

// The benchmarks draw a Pix certificate's SC1 text (412 characters,
// version 15 at level Q) with this package and, side by side, with the
// reference go-qrcode, as Sceau did before, and with this package's
// previous encoder and PNG writer (reference_test.go):
//
//	go test -run '^$' -bench . -benchmem ./qrcode/

func BenchmarkEncode(b *testing.B) {
	text := sc1Text()
	b.Run("qrcode", func(b *testing.B) {
		for b.Loop() {
			if _, err := Encode(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The encoder before it was made faster (reference_test.go).
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			if _, err := refEncode(text, LevelQ, 0, -1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-qrcode", func(b *testing.B) {
		for b.Loop() {
			q, err := goqrcode.New(text, goqrcode.High)
			if err != nil {
				b.Fatal(err)
			}
			q.DisableBorder = true
			q.Bitmap()
		}
	})
}

func BenchmarkEncodePNG(b *testing.B) {
	text := sc1Text()
	b.Run("qrcode", func(b *testing.B) {
		for b.Loop() {
			if _, err := EncodePNG(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What EncodePNG did before: go-qrcode's symbol, drawn by Image,
	// written by image/png at its default compression.
	b.Run("go-qrcode+image/png", func(b *testing.B) {
		for b.Loop() {
			q, err := goqrcode.New(text, goqrcode.High)
			if err != nil {
				b.Fatal(err)
			}
			q.DisableBorder = true
			s := &Symbol{Version: q.VersionNumber, Modules: q.Bitmap()}
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, s.Image(ModulePixels)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPNG writes the PNG of a symbol already built.
func BenchmarkPNG(b *testing.B) {
	s, err := Encode(sc1Text())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("qrcode", func(b *testing.B) {
		for b.Loop() {
			s.PNG()
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			refPNG(s)
		}
	})
	b.Run("image/png", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, s.Image(ModulePixels)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
