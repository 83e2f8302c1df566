package verifierapi

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"mime"
	"net/http"

	"github.com/sceau/sceau/internal/ratelimit"
	"github.com/sceau/sceau/qrcode"
)

// Scanning with the camera on phones whose browser cannot read QR codes
// itself (no BarcodeDetector: Safari on iOS, Firefox, Chrome on a
// desktop): the page grabs a frame of the camera's video every few hundred
// milliseconds, shrinks it and posts it as a JPEG to POST /v1/scan, which
// reads the QR code with the same decoder as uploads (qrcode.DecodeBytes).
// The answer is {"found": false} until a frame shows a code, then
// {"found": true, "credential": "<text>"}: the page submits that text
// like a pasted one, and the verdict comes as for any submission. Reading
// and judging stay two steps: a frame is only read, never verified, so a
// client cannot make the verifier query the ledger at camera rate.
//
// A phone films continuously, so frames are many and each one costs a
// decode: a frame is small (MaxScanFrame bytes, MaxScanFrameSide pixels a
// side), it takes one of the API's decoding slots (Config.DecodeSlots)
// without waiting in line (a busy verifier answers 503 at once, and the
// page sends the next frame a moment later), and each client may send
// only so many frames a second (Config.ScanRate, Config.ScanBurst;
// beyond, 429 with Retry-After).

// Frame limits of POST /v1/scan.
const (
	// MaxScanFrame bounds a frame's bytes: a 1280-pixel JPEG of a
	// camera's view is 100 to 300 kB; the page sends 800 pixels at most.
	MaxScanFrame = 1 << 20
	// MaxScanFrameSide bounds a frame's width and height, in pixels.
	MaxScanFrameSide = 2048
)

// Defaults of the per-client frame rate (Config.ScanRate, ScanBurst): the
// page sends about three frames a second.
const (
	DefaultScanRate  = 5.0
	DefaultScanBurst = 10
)

// maxScanClients bounds the clients the rate limiter remembers: beyond,
// the idle ones are forgotten, and while every remembered one is active,
// new clients are refused (429) rather than the memory growing.
const maxScanClients = 10_000

// scanFound is the answer of POST /v1/scan.
type scanFound struct {
	// Found says whether the frame shows a readable QR code.
	Found bool `json:"found"`
	// Credential is the QR code's text, when found.
	Credential string `json:"credential,omitempty"`
}

// errTooManyFrames is a client over its frame rate.
var errTooManyFrames = &requestError{status: http.StatusTooManyRequests,
	msg: "too many frames from this client: send at most a few frames a second"}

// scan is POST /v1/scan: the QR code of one camera frame, if it shows one.
func (a *API) scan(w http.ResponseWriter, r *http.Request) {
	if wait, ok := a.scanLimit.Allow(ratelimit.ClientOf(r)); !ok {
		a.metrics.frame("limited")
		w.Header().Set("Retry-After", ratelimit.RetryAfter(wait))
		a.writeError(w, r, errTooManyFrames)
		return
	}
	frame, err := readFrame(w, r)
	if err != nil {
		a.metrics.frame("refused")
		a.writeError(w, r, err)
		return
	}
	select {
	case a.decodes <- struct{}{}:
	default:
		// No waiting in line: the camera sends another frame soon.
		a.metrics.frame("busy")
		a.metrics.busy()
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": errBusy.Error()})
		return
	}
	text, err := qrcode.DecodeBytes(frame)
	<-a.decodes
	switch {
	case errors.Is(err, qrcode.ErrNoQRCode):
		a.metrics.frame("none")
		writeJSON(w, http.StatusOK, scanFound{})
	case err != nil:
		a.metrics.frame("refused")
		a.writeError(w, r, badRequest("the frame cannot be read: %v", err))
	default:
		a.metrics.frame("found")
		writeJSON(w, http.StatusOK, scanFound{Found: true, Credential: text})
	}
}

// readFrame reads a frame: a JPEG or PNG body of at most MaxScanFrame
// bytes and MaxScanFrameSide pixels a side, checked from its header before
// any pixel is decoded.
func readFrame(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mediaType != "image/jpeg" && mediaType != "image/png") {
		return nil, &requestError{status: http.StatusUnsupportedMediaType,
			msg: fmt.Sprintf("Content-Type %q: send one frame as image/jpeg or image/png", r.Header.Get("Content-Type"))}
	}
	frame, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxScanFrame))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("the frame is larger than the %d bytes allowed: send a smaller JPEG", MaxScanFrame)}
		}
		return nil, badRequest("reading the frame: %v", err)
	}
	if len(frame) == 0 {
		return nil, badRequest("the body is empty: send one frame as image/jpeg or image/png")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(frame))
	if err != nil || (format != "jpeg" && format != "png") {
		return nil, badRequest("the frame is not a JPEG or PNG image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxScanFrameSide || cfg.Height > MaxScanFrameSide {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("the frame is %d×%d pixels: at most %d a side", cfg.Width, cfg.Height, MaxScanFrameSide)}
	}
	return frame, nil
}
