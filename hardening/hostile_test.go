package hardening

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"runtime"
	"strings"
	"testing"
	"time"

	base45 "github.com/adrianrudnik/base45-go"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/verifier"
)

// hostileInput is outside data built to exhaust a decoder.
type hostileInput struct {
	name  string
	input []byte
	// words must all appear in the format check's reason.
	words []string
	// maxAlloc bounds the bytes the verification may allocate.
	maxAlloc uint64
}

// TestHostileInputIsRefusedQuicklyWithAClearError gives the verifier input
// built to exhaust its decoders — a zlib bomb in an SC1 text, CBOR nested
// thousands deep or announcing billions of elements, indefinite lengths,
// JSON nested a hundred thousand deep, every form over its size limit,
// PNG images announcing more pixels than allowed or at the limit, an
// SD-JWT with thousands of disclosures — and checks that each is refused
// at the format check with a reason naming the limit, within ten seconds,
// allocating a bounded amount of memory: a few times the input, never
// what the input announces. An image within the pixel cap is decoded: it
// may allocate up to 16 bytes a pixel (4 for the decoded image, 1 for its
// gray copy, the rest for the scaled copies the reader tries), so that the
// cap (qrcode.MaxImagePixels) bounds what one image costs: a white PNG of
// 150 KB at the 50 megapixel cap costs about 320 MB and two seconds.
//
// It does not run in parallel with other tests, so that the memory it
// measures is its own.
func TestHostileInputIsRefusedQuicklyWithAClearError(t *testing.T) {
	w := newWorld(t)
	v := newVerifier(t, w.openLedger(), verifier.Options{})
	const mb = 1 << 20
	capSide := 3200 // 10 megapixels; at the 50 megapixel cap in long mode
	if long() {
		capSide = 7071
	}
	inputs := []hostileInput{
		{"SC1 zlib bomb: 2 KB inflating to 2.5 MB", sc1Text(zlibOf(t, append([]byte{0xD2}, make([]byte, 5<<19)...))),
			[]string{"zlib", "decompresses to more than"}, 1 * mb},
		{"SC1 zlib stream with data after its end", sc1Text(append(zlibOf(t, []byte{0xD2, 0x80}), 0, 0, 0)),
			[]string{"after the end of the zlib stream"}, 1 * mb},
		{"COSE nested 8000 arrays deep", sc1Text(zlibOf(t, append(append([]byte{0xD2}, bytes.Repeat([]byte{0x81}, 8000)...), 0x00))),
			[]string{"nested"}, 1 * mb},
		{"COSE announcing 2^64-1 array elements", sc1Text([]byte{0xD2, 0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}),
			[]string{"COSE_Sign1"}, 1 * mb},
		{"COSE announcing a 4 GiB byte string", sc1Text([]byte{0xD2, 0x84, 0x5A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}),
			[]string{"COSE_Sign1"}, 1 * mb},
		{"COSE with an indefinite-length array", sc1Text([]byte{0xD2, 0x9F, 0x40, 0xA0, 0x40, 0x40, 0xFF}),
			[]string{"indefinite"}, 1 * mb},
		{"SC1 text longer than a QR code holds", []byte(credential.QRPrefix + strings.Repeat("0", credential.MaxQRTextSize)),
			[]string{"more than the 4296"}, 1 * mb},
		{"vc+jwt over 64 KiB", []byte("eyJh." + strings.Repeat("A", credential.MaxJWTSize) + ".AA"),
			[]string{"more than the 65536 allowed"}, 2 * mb},
		{"bundle over 256 KiB", []byte(`{"id":"` + strings.Repeat("a", credential.MaxBundleSize) + `"}`),
			[]string{"more than the 262144 allowed"}, 2 * mb},
		{"bundle nested 100 000 arrays deep", []byte(`{"id":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`),
			[]string{"depth"}, 16 * mb},
		{"input over 32 MiB", append([]byte("{"), make([]byte, qrcode.MaxImageBytes)...),
			[]string{"more than the 33554432 allowed"}, 2 * mb},
		{"PNG announcing 100 000 × 100 000 pixels", pngHeader(t, 100_000, 100_000),
			[]string{"megapixels", "more than"}, 1 * mb},
		{"PNG announcing 0 × 7 pixels", pngHeader(t, 0, 7),
			[]string{"image"}, 1 * mb},
		{"blank PNG of " + megapixels(capSide), blankPNG(t, capSide),
			[]string{"no readable QR code"}, 16 * uint64(capSide*capSide)},
		{"SD-JWT with 5000 disclosures", []byte("eyJhbGciOiJFUzI1NiJ9.e30.AA" + strings.Repeat("~WyJzIiwibiIsMV0", 5000) + "~"),
			[]string{"5000 disclosures", "more than"}, 2 * mb},
		{"PDF over 20 MiB", append([]byte("%PDF-1.7\n"), make([]byte, 21<<20)...),
			[]string{"PDF"}, 2 * mb},
		{"PDF of 1 MB whose image stream inflates to 1 GiB", pdfBomb(t, 1<<30),
			[]string{"decompression bomb"}, 32 * mb},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := v.Verify(context.Background(), in.input)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d bytes refused in %s, allocating %d KiB: %s", len(in.input), elapsed.Round(time.Millisecond), allocated>>10, r.Checks[0].Reason)
			failed := firstFailure(r)
			if r.Verdict != verifier.Invalid || failed == nil || failed.Name != verifier.CheckFormat {
				t.Fatalf("verdict %s, want invalid at the format check:\n%s", r.Verdict, describe(r))
			}
			for _, word := range in.words {
				if !strings.Contains(failed.Reason, word) {
					t.Errorf("the reason does not say %q: %s", word, failed.Reason)
				}
			}
			if limit := 10 * time.Second; elapsed > limit {
				t.Errorf("refused after %s, more than %s", elapsed, limit)
			}
			if allocated > in.maxAlloc {
				t.Errorf("allocated %d KiB, more than the %d KiB allowed", allocated>>10, in.maxAlloc>>10)
			}
		})
	}
}

// sc1Text returns the SC1 text of body (not compressed again).
func sc1Text(body []byte) []byte {
	return append([]byte(credential.QRPrefix), base45.Encode(body)...)
}

// zlibOf compresses data with zlib, best compression.
func zlibOf(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader returns a PNG signature and an IHDR chunk announcing a
// width × height RGBA image, and no pixel.
func pngHeader(t *testing.T, width, height uint32) []byte {
	t.Helper()
	ihdr := binary.BigEndian.AppendUint32(nil, width)
	ihdr = binary.BigEndian.AppendUint32(ihdr, height)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8 bits, RGBA, deflate, no filter, no interlace
	chunk := append([]byte("IHDR"), ihdr...)
	out := append([]byte("\x89PNG\r\n\x1a\n"), binary.BigEndian.AppendUint32(nil, uint32(len(ihdr)))...)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

// blankPNG returns a white side × side RGBA PNG: a few hundred kilobytes
// that decode to 4 bytes a pixel.
func blankPNG(t *testing.T, side int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// megapixels names the size of a side × side image.
func megapixels(side int) string {
	return fmt.Sprintf("%d×%d pixels (%.0f megapixels)", side, side, float64(side*side)/1e6)
}
