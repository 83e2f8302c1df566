package verifierapi

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// cameraFrame draws what a phone's camera sees of a printed QR code: a
// width×height view of a greyish desk with a sheet of paper on it, the
// code of text printed on the sheet at modulePixels pixels a module,
// slightly grey ink on slightly grey paper.
func cameraFrame(t testing.TB, text string, width, height, modulePixels int) *image.RGBA {
	t.Helper()
	frame := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(frame, frame.Bounds(), &image.Uniform{color.RGBA{0x70, 0x66, 0x5c, 0xff}}, image.Point{}, draw.Src)
	sheet := image.Rect(width/8, height/16, width*7/8, height*15/16)
	draw.Draw(frame, sheet, &image.Uniform{color.RGBA{0xee, 0xec, 0xe6, 0xff}}, image.Point{}, draw.Src)
	if text == "" {
		return frame
	}
	symbol, err := qrcode.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	code := symbol.Image(modulePixels)
	at := image.Pt((width-code.Bounds().Dx())/2, (height-code.Bounds().Dy())/2)
	for y := 0; y < code.Bounds().Dy(); y++ {
		for x := 0; x < code.Bounds().Dx(); x++ {
			c := color.RGBA{0xee, 0xec, 0xe6, 0xff}
			if code.ColorIndexAt(x, y) == 1 {
				c = color.RGBA{0x2a, 0x28, 0x2c, 0xff}
			}
			frame.SetRGBA(at.X+x, at.Y+y, c)
		}
	}
	return frame
}

func jpegOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// scanAnswer is the JSON of POST /v1/scan.
type scanAnswer struct {
	Found      bool   `json:"found"`
	Credential string `json:"credential"`
	Error      string `json:"error"`
}

func (s *server) postFrame(t *testing.T, contentType string, frame []byte) (*response, scanAnswer) {
	t.Helper()
	resp := s.do(t, http.MethodPost, "/v1/scan", contentType, bytes.NewReader(frame))
	var a scanAnswer
	if err := json.Unmarshal(resp.body, &a); err != nil {
		t.Fatalf("POST /v1/scan answered %d %q: not JSON: %v", resp.status, resp.body, err)
	}
	return resp, a
}

// TestScanReadsCameraFrames posts frames as the page does: a frame
// without a code is "not found yet", a frame showing the printed code
// gives its text, and the text verifies.
func TestScanReadsCameraFrames(t *testing.T) {
	e := newEnv(t)
	is := e.issue(pix(e.issuedAt.AddDate(0, -1, 0)))[0]
	s := newServer(t, e)

	resp, a := s.postFrame(t, "image/jpeg", jpegOf(t, cameraFrame(t, "", 800, 600, 0)))
	if resp.status != http.StatusOK || a.Found || a.Credential != "" {
		t.Errorf("a frame without a code: %d %+v, want 200 not found", resp.status, a)
	}
	for _, tc := range []struct {
		name, contentType string
		frame             []byte
	}{
		{"jpeg 800×600", "image/jpeg", jpegOf(t, cameraFrame(t, is.qr, 800, 600, 5))},
		{"jpeg 640×480, 4 pixels a module", "image/jpeg", jpegOf(t, cameraFrame(t, is.qr, 640, 480, 4))},
		{"png", "image/png", pngOf(t, cameraFrame(t, is.qr, 800, 600, 5))},
	} {
		resp, a = s.postFrame(t, tc.contentType, tc.frame)
		if resp.status != http.StatusOK || !a.Found || a.Credential != is.qr {
			t.Errorf("%s: %d found %v %.40q, want the SC1 text", tc.name, resp.status, a.Found, a.Credential)
		}
		if cc := resp.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", tc.name, cc)
		}
	}
	res := s.postJSON(t, "/v1/verify", map[string]string{"credential": a.Credential})
	if !strings.Contains(string(res.body), `"verdict": "valid"`) {
		t.Errorf("the scanned text does not verify: %s", res.body)
	}
}

// TestScanRefusesWhatIsNotAFrame: each refusal says what is wrong, with
// its status, and decodes nothing.
func TestScanRefusesWhatIsNotAFrame(t *testing.T) {
	e := newEnv(t)
	s := newServer(t, e, func(c *Config) { c.ScanBurst = 100 })
	huge := image.NewGray(image.Rect(0, 0, MaxScanFrameSide+1, 16))
	truncated := jpegOf(t, cameraFrame(t, "", 320, 240, 0))
	truncated = truncated[:len(truncated)/2]
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		status            int
		says              string
	}{
		{"multipart", "multipart/form-data; boundary=x", []byte("--x--"), http.StatusUnsupportedMediaType, "image/jpeg or image/png"},
		{"no type", "", []byte("x"), http.StatusUnsupportedMediaType, "image/jpeg"},
		{"empty", "image/jpeg", nil, http.StatusBadRequest, "empty"},
		{"not an image", "image/jpeg", []byte("SC1:NOTANIMAGE"), http.StatusBadRequest, "not a JPEG or PNG"},
		{"a GIF", "image/png", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), http.StatusBadRequest, "not a JPEG or PNG"},
		{"too many bytes", "image/jpeg", append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, MaxScanFrame)...), http.StatusRequestEntityTooLarge, "bytes allowed"},
		{"too wide", "image/png", pngOf(t, huge), http.StatusRequestEntityTooLarge, "2049×16 pixels"},
		{"truncated jpeg", "image/jpeg", truncated, http.StatusBadRequest, "cannot be read"},
	} {
		resp, a := s.postFrame(t, tc.contentType, tc.body)
		if resp.status != tc.status || !strings.Contains(a.Error, tc.says) {
			t.Errorf("%s: %d %q, want %d saying %q", tc.name, resp.status, a.Error, tc.status, tc.says)
		}
	}
}

// TestScanRateAndSlots: a client sending frames faster than its rate gets
// 429 with Retry-After, while another client is served; a verifier with
// every decoding slot taken answers 503 at once, without queueing frames.
func TestScanRateAndSlots(t *testing.T) {
	e := newEnv(t)
	s := newServer(t, e, func(c *Config) { c.ScanRate, c.ScanBurst, c.DecodeSlots = 0.01, 3, 1 })
	frame := jpegOf(t, cameraFrame(t, "", 320, 240, 0))
	for i := range 3 {
		if resp, a := s.postFrame(t, "image/jpeg", frame); resp.status != http.StatusOK {
			t.Fatalf("frame %d within the burst: %d %q", i+1, resp.status, a.Error)
		}
	}
	resp, a := s.postFrame(t, "image/jpeg", frame)
	if resp.status != http.StatusTooManyRequests || resp.header.Get("Retry-After") == "" || !strings.Contains(a.Error, "too many frames") {
		t.Errorf("a frame over the rate: %d Retry-After %q %q, want 429", resp.status, resp.header.Get("Retry-After"), a.Error)
	}

	// Another client (here the handler called directly, from another
	// address) still has its burst; with the only slot taken, it is told
	// at once that the verifier is busy.
	s.api.decodes <- struct{}{}
	defer func() { <-s.api.decodes }()
	req := httptest.NewRequest(http.MethodPost, "/v1/scan", bytes.NewReader(frame))
	req.RemoteAddr = "192.0.2.7:50000"
	req.Header.Set("Content-Type", "image/jpeg")
	rec := httptest.NewRecorder()
	start := time.Now()
	s.api.scan(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("a frame with every slot taken: %d %q, want 503 with Retry-After", rec.Code, rec.Body)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("a frame waited %v for a slot: frames must not queue", waited)
	}
}

// FuzzScanFrame posts any bytes as a frame: the answer is always one of
// the documented ones, never a failure of the server.
func FuzzScanFrame(f *testing.F) {
	e := newEnv(f)
	validator, err := schemas.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	api, err := New(Config{
		Registry: verifier.NewRegistry(e.contract, verifier.RegistryOptions{}), Validator: validator,
		ScanRate: 1e9, ScanBurst: 1 << 30,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(jpegOf(f, cameraFrame(f, "SC1:ABC", 320, 240, 3)))
	f.Add(pngOf(f, cameraFrame(f, "", 64, 64, 0)))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		for _, contentType := range []string{"image/jpeg", "image/png"} {
			req := httptest.NewRequest(http.MethodPost, "/v1/scan", bytes.NewReader(frame))
			req.Header.Set("Content-Type", contentType)
			rec := httptest.NewRecorder()
			api.scan(rec, req)
			switch rec.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusServiceUnavailable:
			default:
				t.Fatalf("frame of %d bytes: status %d %q", len(frame), rec.Code, rec.Body)
			}
		}
	})
}

// TestVerifyTakesALink: a certificate's link, pasted or as the text of a
// QR photo, verifies like the SC1 text it carries; GET /v serves the page
// the link opens.
func TestVerifyTakesALink(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	s := newServer(t, e)
	link, err := credential.Link("https://verifier.example", is.qr)
	if err != nil {
		t.Fatal(err)
	}
	res := s.postJSON(t, "/v1/verify", map[string]string{"credential": link})
	if !strings.Contains(string(res.body), `"verdict": "valid"`) || !strings.Contains(string(res.body), `"input": "sc1"`) {
		t.Errorf("POST /v1/verify of the link: %d %s", res.status, res.body)
	}
	photo, err := qrcode.EncodePNG(link)
	if err != nil {
		t.Fatal(err)
	}
	res = s.postFile(t, "/v1/verify", "image", "link.png", photo)
	if !strings.Contains(string(res.body), `"verdict": "valid"`) || !strings.Contains(string(res.body), `"input": "sc1 (QR image)"`) {
		t.Errorf("POST /v1/verify of the link's QR image: %d %s", res.status, res.body)
	}
	page := s.do(t, http.MethodGet, "/v?lang=fr", "", nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "Vérifier une attestation") {
		t.Errorf("GET /v: %d, want the page", page.status)
	}
}
