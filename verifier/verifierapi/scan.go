package verifierapi

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"mime"
	"net"
	"net/http"
	"sync"
	"time"

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
	if !a.scanLimit.allow(clientOf(r), time.Now()) {
		a.metrics.frame("limited")
		w.Header().Set("Retry-After", "1")
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

// clientOf names the client of r for rate limiting: its IP address.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimiter gives each client a bucket of burst tokens refilled at rate
// a second; a request takes one. It remembers at most maxClients clients.
type rateLimiter struct {
	rate       float64
	burst      float64
	maxClients int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst, maxClients int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), maxClients: maxClients, buckets: make(map[string]*bucket)}
}

// allow reports whether client may make a request at now, and counts it.
func (l *rateLimiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= l.maxClients && !l.forgetIdle(now) {
			return false
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[client] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// forgetIdle forgets the clients whose bucket is full again (they sent
// nothing for burst/rate seconds, so they are as if new) and reports
// whether any was.
func (l *rateLimiter) forgetIdle(now time.Time) bool {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	forgot := false
	for client, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, client)
			forgot = true
		}
	}
	return forgot
}
