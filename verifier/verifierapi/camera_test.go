package verifierapi

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/image/draw"

	"github.com/sceau/sceau/certificate"
	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// The fake camera's picture, in pixels (4:3, as phone cameras film).
const (
	cameraWidth  = 800
	cameraHeight = 600
)

// printedCertificate returns what a phone's camera sees of the printed
// certificate pdf: the page rasterised at 200 dpi by poppler's pdftoppm,
// cropped to the bottom right corner, where the QR code is, and scaled to
// the camera's picture. Without pdftoppm, it returns the QR code of
// qrText on a sheet of paper (cameraFrame), and says so.
func printedCertificate(t *testing.T, pdf []byte, qrText string) image.Image {
	t.Helper()
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Logf("no pdftoppm (apt-get install poppler-utils): the camera films the QR code on a blank sheet, not the rasterised certificate")
		return cameraFrame(t, qrText, cameraWidth, cameraHeight, 4)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "certificate.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	const dpi = 200
	if out, err := exec.Command(pdftoppm, "-r", fmt.Sprint(dpi), "-png", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The QR code is 46 mm wide, 18 mm from the right and about 20 mm
	// from the bottom edge of the A4 page: an 88 × 66 mm view holds it
	// with the footer's text beside it.
	px := func(mm float64) int { return int(mm / 25.4 * dpi) }
	view := image.Rect(px(120), px(218), px(208), px(284))
	frame := image.NewRGBA(image.Rect(0, 0, cameraWidth, cameraHeight))
	draw.CatmullRom.Scale(frame, frame.Bounds(), page, view, draw.Src, nil)
	return frame
}

// writeY4M writes img as a two-frame YUV4MPEG2 video (4:2:0), the format
// Chromium's fake camera plays (--use-file-for-fake-video-capture).
func writeY4M(t *testing.T, path string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ys := make([]byte, w*h)
	cbs := make([]byte, (w/2)*(h/2))
	crs := make([]byte, (w/2)*(h/2))
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			ys[y*w+x] = yy
			if x%2 == 0 && y%2 == 0 {
				cbs[(y/2)*(w/2)+x/2], crs[(y/2)*(w/2)+x/2] = cb, cr
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriter(f)
	fmt.Fprintf(out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range 2 {
		out.WriteString("FRAME\n")
		out.Write(ys)
		out.Write(cbs)
		out.Write(crs)
	}
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// newCameraBrowser starts a headless Chromium whose camera films video (a
// .y4m file), granted without asking.
func newCameraBrowser(t *testing.T, video string) context.Context {
	t.Helper()
	return newBrowserWith(t,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
	)
}

// TestBrowserScansAPrintedCertificate films a printed certificate with a
// fake camera: the page, whose browser has no BarcodeDetector (it is
// removed, as on Safari and Firefox), sends frames to the server, which
// reads the QR code; the page then shows the verdict, Valide, in French.
// The certificate is a Pix certification printed with the verifier's
// address, so its QR code is the denser link (credential.Link).
func TestBrowserScansAPrintedCertificate(t *testing.T) {
	e := newEnv(t)
	is := e.issue(pix(e.issuedAt.AddDate(0, -1, 0)))[0]
	const publicURL = "https://verification.examens.education.gouv.fr"
	pdf, err := certificate.Render(is.cred, is.qr, certificate.Options{IssuerName: "Académie de Versailles", PublicURL: publicURL})
	if err != nil {
		t.Fatal(err)
	}
	link, err := credential.Link(publicURL, is.qr)
	if err != nil {
		t.Fatal(err)
	}
	frame := printedCertificate(t, pdf, link)
	dir := t.TempDir()
	video := filepath.Join(dir, "certificate.y4m")
	writeY4M(t, video, frame)
	if err := os.WriteFile(filepath.Join(screenshotDir(t), "camera-view.png"), pngOf(t, frame), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := newCameraBrowser(t, video)
	reg := prometheus.NewRegistry()
	s := newServer(t, e, func(c *Config) { c.Metrics = reg })
	do(t, ctx,
		chromedp.Navigate(s.url+"/?lang=fr"),
		chromedp.WaitVisible(chromedp.ID("camera-start")),
		// As on Safari and Firefox: no BarcodeDetector.
		chromedp.Evaluate[chromedp.Void](`delete window.BarcodeDetector; void 0`),
		chromedp.Click(chromedp.ID("camera-start")),
	)
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("camera-video")))
	saveScreenshot(t, ctx, "camera-scanning-fr.png")
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("verdict")))
	verdict := read(t, ctx, chromedp.AttributeValue(chromedp.ID("result"), "data-verdict")).Value
	word := read(t, ctx, chromedp.Text(chromedp.CSS(".verdict-word")))
	saveScreenshot(t, ctx, "camera-verdict-fr.png")
	if verdict != "valid" || word != "Valide" {
		t.Errorf("after scanning the certificate the page shows %q (%s), want Valide", word, verdict)
	}
	if found := frames(t, reg, "found"); found != 1 {
		t.Errorf("%v frames read with a code on the server, want 1: the page must read through POST /v1/scan", found)
	}
}

// frames returns the count of camera frames of result the API counted.
func frames(t *testing.T, reg *prometheus.Registry, result string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "sceau_scan_frames_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestBrowserOpensACertificateLink opens a certificate's link, as a
// phone's camera app does with its QR code: the page verifies the
// credential of the fragment at once, in the browser's language, and the
// address bar no longer shows it.
func TestBrowserOpensACertificateLink(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	creds := e.issue(diploma(), diploma())
	if err := e.contract.Revoke(e.ctx, issuerOrg, creds[1].jwtDigest, record.ReasonFraud); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, e)
	for _, tc := range []struct {
		name, qr, lang, word string
	}{
		{"valid", creds[0].qr, "fr", "Valide"},
		{"revoked", creds[1].qr, "en", "Revoked on " + verifier.LongDate(verifier.English, time.Now().UTC()) + " (fraud)"},
	} {
		link, err := credential.Link(s.url, tc.qr)
		if err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.Navigate(s.url+"/v?lang="+tc.lang+"#"+strings.SplitN(link, "#", 2)[1]), chromedp.WaitVisible(chromedp.ID("verdict")))
		word := read(t, ctx, chromedp.Text(chromedp.CSS(".verdict-word")))
		address := read(t, ctx, chromedp.Evaluate[string](`location.href`))
		saveScreenshot(t, ctx, "link-"+tc.name+"-"+tc.lang+".png")
		if word != tc.word {
			t.Errorf("%s: the banner reads %q, want %q", tc.name, word, tc.word)
		}
		if strings.Contains(address, "sc1=") {
			t.Errorf("%s: the address bar still shows the credential: %s", tc.name, address)
		}
	}
}

// TestBrowserCameraNeedsASecurePage opens the page as a phone would reach
// a verifier on the network: over plain HTTP at a host name, the browser
// gives no camera, and the page says that it needs a secure (https://)
// address instead of offering a button that cannot work; over HTTPS at
// the same name, the camera button is there and scanning reaches the
// verdict.
func TestBrowserCameraNeedsASecurePage(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	dir := t.TempDir()
	video := filepath.Join(dir, "code.y4m")
	writeY4M(t, video, cameraFrame(t, is.qr, cameraWidth, cameraHeight, 5))
	ctx := newBrowserWith(t,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
		// verifier.test is this machine, under a name that is not
		// localhost: plain HTTP to it is not a secure page.
		chromedp.Flag("host-resolver-rules", "MAP verifier.test 127.0.0.1"),
		// The test server's certificate is its own.
		chromedp.Flag("ignore-certificate-errors", true),
	)
	plain := newServer(t, e)
	secure := newTLSServer(t, e)
	named := func(url string) string { return strings.Replace(url, "127.0.0.1", "verifier.test", 1) }

	do(t, ctx, chromedp.Navigate(named(plain.url)+"/?lang=en"), chromedp.WaitVisible(chromedp.ID("camera-status")))
	status := read(t, ctx, chromedp.Text(chromedp.ID("camera-status")))
	buttonShown := read(t, ctx, chromedp.Evaluate[bool](`!document.getElementById("camera-start").hidden`))
	saveScreenshot(t, ctx, "camera-insecure-en.png")
	if buttonShown || !strings.Contains(status, "secure page (an https:// address)") {
		t.Errorf("over plain HTTP: camera button shown %v, status %q; want no button and the https:// hint", buttonShown, status)
	}

	do(t, ctx,
		chromedp.Navigate(named(secure.url)+"/?lang=en"),
		chromedp.WaitVisible(chromedp.ID("camera-start")),
		chromedp.Evaluate[chromedp.Void](`delete window.BarcodeDetector; void 0`),
		chromedp.Click(chromedp.ID("camera-start")),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	)
	if word := read(t, ctx, chromedp.Text(chromedp.CSS(".verdict-word"))); word != "Valid" {
		t.Errorf("over HTTPS, scanning gives %q, want Valid", word)
	}
}

// newTLSServer is newServer over HTTPS, with the test server's own
// certificate.
func newTLSServer(t *testing.T, e *env) *server {
	t.Helper()
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(Config{
		Registry: verifier.NewRegistry(e.contract, verifier.RegistryOptions{}), Validator: validator,
		Options: verifier.Options{Now: func() time.Time { return e.now }},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Group(api.Routes)
	ts := httptest.NewTLSServer(r)
	t.Cleanup(ts.Close)
	return &server{env: e, api: api, url: ts.URL}
}

// TestBrowserCameraReaders drives the page's two readers: a browser whose
// BarcodeDetector reads the code (a stand-in, as Chrome on Android has
// one) submits it without sending any frame to the server; a browser
// whose BarcodeDetector fails falls back to the server's reader.
func TestBrowserCameraReaders(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	video := filepath.Join(t.TempDir(), "code.y4m")
	writeY4M(t, video, cameraFrame(t, is.qr, cameraWidth, cameraHeight, 5))
	ctx := newCameraBrowser(t, video)
	for _, tc := range []struct {
		name     string
		detector string
		frames   float64
	}{
		{"the browser reads", `class { static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
			detect() { return Promise.resolve([{ rawValue: ` + "`" + is.qr + "`" + ` }]); } }`, 0},
		{"the browser's reader fails", `class { static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
			detect() { return Promise.reject(new Error("no detector on this device")); } }`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			s := newServer(t, e, func(c *Config) { c.Metrics = reg })
			do(t, ctx,
				chromedp.Navigate(s.url+"/?lang=en"),
				chromedp.WaitVisible(chromedp.ID("camera-start")),
				chromedp.Evaluate[chromedp.Void](`window.BarcodeDetector = `+tc.detector+`; void 0`),
				chromedp.Click(chromedp.ID("camera-start")),
				chromedp.WaitVisible(chromedp.ID("verdict")),
			)
			if word := read(t, ctx, chromedp.Text(chromedp.CSS(".verdict-word"))); word != "Valid" {
				t.Errorf("the page shows %q, want Valid", word)
			}
			if found := frames(t, reg, "found"); found != tc.frames {
				t.Errorf("%v frames read on the server, want %v", found, tc.frames)
			}
		})
	}
}
