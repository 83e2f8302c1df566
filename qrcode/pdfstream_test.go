package qrcode

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
)

// bombPDF is a one-page PDF showing a 100 × 100 grey image whose stream,
// under filters, decodes to inflated bytes.
func bombPDF(t testing.TB, inflated int, filters string, encode func([]byte) []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, inflated))
	zw.Close()
	stream := encode(z.Bytes())
	var b bytes.Buffer
	var offsets []int
	object := func(format string, args ...any) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, format, args...)
	}
	b.WriteString("%PDF-1.7\n")
	object("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	object("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	object("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Im1 4 0 R >> >> >>\nendobj\n")
	object("4 0 obj\n<< /Type /XObject /Subtype /Image /Width 100 /Height 100 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter %s /Length %d >>\nstream\n%s\nendstream\nendobj\n", filters, len(stream), stream)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

func TestImageStreamsAreBoundedByTheirImage(t *testing.T) {
	hexed := func(b []byte) []byte { return []byte(fmt.Sprintf("%x>", b)) }
	same := func(b []byte) []byte { return b }
	for _, c := range []struct {
		name     string
		inflated int
		filters  string
		encode   func([]byte) []byte
		bomb     bool
	}{
		{"Flate, the image's size", 100 * 100, "/FlateDecode", same, false},
		{"Flate, 64 MiB", 64 << 20, "/FlateDecode", same, true},
		{"hex then Flate, 64 MiB", 64 << 20, "[/ASCIIHexDecode /FlateDecode]", hexed, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodePDF(context.Background(), bombPDF(t, c.inflated, c.filters, c.encode), PDFLimits{})
			if got := errors.Is(err, ErrPDFLimit); got != c.bomb {
				t.Fatalf("DecodePDF: %v; want a limit error: %v", err, c.bomb)
			}
			if !c.bomb && !errors.Is(err, ErrNoQRCodeInPDF) {
				t.Fatalf("DecodePDF of a blank image: %v, want no QR code", err)
			}
		})
	}
}

func TestStreamFilterReaders(t *testing.T) {
	for _, c := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"hex", &hexReader{r: bufio.NewReader(bytes.NewReader([]byte("48 65\n6c6C6f7>")))}, "Hellop"},
		{"ASCII85 end marker", &a85Trimmer{r: bufio.NewReader(bytes.NewReader([]byte("87cURD]i,\"Ebo80~>junk")))}, "87cURD]i,\"Ebo80"},
		{"run length", &runLengthReader{r: bufio.NewReader(bytes.NewReader([]byte{2, 'a', 'b', 'c', 254, 'x', 128, 'z'}))}, "abcxxx"},
	} {
		got, err := io.ReadAll(c.r)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

// FuzzStreamFilterReaders feeds the stream decoders DecodePDF runs before
// pdfcpu anything: they must end, without panicking, within their bound.
func FuzzStreamFilterReaders(f *testing.F) {
	f.Add([]byte("48656c6c6f>"))
	f.Add([]byte{2, 'a', 'b', 'c', 254, 'x', 128})
	f.Add([]byte("87cURD]i,\"Ebo80~>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range []io.Reader{
			&hexReader{r: bufio.NewReader(bytes.NewReader(data))},
			&a85Trimmer{r: bufio.NewReader(bytes.NewReader(data))},
			&runLengthReader{r: bufio.NewReader(bytes.NewReader(data))},
		} {
			n, _ := io.Copy(io.Discard, &boundedReader{r: r, left: 1 << 20})
			if n > 1<<20 {
				t.Fatalf("%d bytes through a bound of 1 MiB", n)
			}
		}
	})
}
