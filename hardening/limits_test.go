package hardening

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// pdfBomb returns a PDF of one page showing one 100 × 100 grey image whose
// FlateDecode stream inflates to inflated bytes (1 GiB fits in about 1 MB).
func pdfBomb(t testing.TB, inflated int64) []byte {
	t.Helper()
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for n := int64(0); n < inflated; n += int64(len(chunk)) {
		zw.Write(chunk[:min(int64(len(chunk)), inflated-n)])
	}
	zw.Close()
	var b bytes.Buffer
	var offsets []int
	object := func(format string, args ...any) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, format, args...)
	}
	b.WriteString("%PDF-1.7\n")
	object("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	object("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	object("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>\nendobj\n")
	object("4 0 obj\n<< /Type /XObject /Subtype /Image /Width 100 /Height 100 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n", z.Len(), z.Bytes())
	content := "q 200 0 0 200 0 0 cm /Im1 Do Q"
	object("5 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", len(content), content)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// upload is a multipart form holding data as its "file" field.
func upload(t testing.TB, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// TestBombsAndLargeUploadsKeepTheServerSmall sends a running `sceau
// serve` — unauthenticated, as anyone may — four 1 MB PDFs whose image
// stream inflates to 1 GiB, all at once, then eight uploads of 32 MiB at
// once, twice over. Each bomb is refused within a second naming the
// limit, and the server's peak memory stays under 400 MB (it reached
// 2.2 GB for the bombs and 825 MB for the uploads before their limits were
// the ones that apply).
func TestBombsAndLargeUploadsKeepTheServerSmall(t *testing.T) {
	t.Parallel()
	bin := buildSceau(t)
	w := newWorld(t)
	s := serve(t, bin, w.home)
	client := &http.Client{Timeout: 2 * time.Minute}
	post := func(contentType string, body []byte) (int, string, time.Duration) {
		start := time.Now()
		resp, err := client.Post(s.url+"/v1/verify", contentType, bytes.NewReader(body))
		if err != nil {
			return 0, err.Error(), time.Since(start)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(data), time.Since(start)
	}

	bomb := pdfBomb(t, 1<<30)
	t.Logf("the bomb: a PDF of %d bytes", len(bomb))
	ct, body := upload(t, "bomb.pdf", bomb)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			status, answer, took := post(ct, body)
			if status != http.StatusOK || !strings.Contains(answer, `"verdict": "invalid"`) || !strings.Contains(answer, "decompression bomb") {
				t.Errorf("a PDF bomb: status %d after %s:\n%.600s", status, took, answer)
			}
			if took > time.Second {
				t.Errorf("a PDF bomb refused after %s, more than a second", took)
			}
		})
	}
	wg.Wait()
	if rss := s.peakRSS(t); rss > 400<<20 {
		t.Errorf("after the PDF bombs the server's peak memory is %d MB, more than 400 MB", rss>>20)
	}

	junk := bytes.Repeat([]byte("not an image "), (32<<20)/13)
	ct, body = upload(t, "junk.png", junk)
	statuses := map[int]int{}
	var mu sync.Mutex
	for range 2 {
		for range 8 {
			wg.Go(func() {
				status, answer, _ := post(ct, body)
				mu.Lock()
				statuses[status]++
				mu.Unlock()
				if status != http.StatusOK && status != http.StatusServiceUnavailable {
					t.Errorf("a 32 MiB upload: status %d:\n%.300s", status, answer)
				}
			})
		}
		wg.Wait()
	}
	rss := s.peakRSS(t)
	t.Logf("16 uploads of 32 MiB, 8 at a time: statuses %v; the server's peak memory %d MB", statuses, rss>>20)
	if rss > 400<<20 {
		t.Errorf("the server's peak memory is %d MB, more than 400 MB", rss>>20)
	}
}
