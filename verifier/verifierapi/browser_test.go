package verifierapi

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sceau/sceau/qrcode"
)

// chromiumPaths are where Debian and Ubuntu install Chromium.
var chromiumPaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"}

// findChromium returns the Chromium to drive, or skips the test saying why.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, p := range chromiumPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skipf("browser test skipped: no Chromium at %s or on PATH (apt-get install chromium; .ci/run installs it in CI)", strings.Join(chromiumPaths, " or "))
	return ""
}

// newBrowser starts a headless Chromium and returns a tab's context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(findChromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.WindowSize(1000, 1400),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first call starts the browser, for as long as ctx lives: no
	// timeout on it (see chromedp.Run). The test's steps have one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// read runs action on the page and returns its value.
func read[T any](t *testing.T, ctx context.Context, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return v
}

// do runs steps on the page.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("driving the page: %v", err)
	}
}

// pageVerdict is what a person reads of the verdict on the page.
type pageVerdict struct {
	verdict, word, focused, live string
	failed                       []string
}

// uploadAndRead uploads file on the page and reads the verdict shown.
func uploadAndRead(t *testing.T, ctx context.Context, url, file, screenshot string) pageVerdict {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	)
	v := pageVerdict{
		verdict: read(t, ctx, chromedp.AttributeValue(chromedp.ID("result"), "data-verdict")).Value,
		live:    read(t, ctx, chromedp.AttributeValue(chromedp.ID("result"), "aria-live")).Value,
		word:    read(t, ctx, chromedp.Text(chromedp.CSS(".verdict-word"))),
		focused: read(t, ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)),
	}
	failed := read(t, ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".check-fail .check-name")).map(e => e.textContent).join("|")`))
	if failed != "" {
		v.failed = strings.Split(failed, "|")
	}
	saveScreenshot(t, ctx, screenshot)
	return v
}

// saveScreenshot writes a full-page screenshot to $SCEAU_SCREENSHOTS/name
// when that variable names a folder.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SCEAU_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := read(t, ctx, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserUploadsAValidAndATamperedQR(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	is := e.issue(pix(e.issuedAt.AddDate(0, -1, 0)))[0]
	s := newServer(t, e)
	dir := t.TempDir()
	valid, err := qrcode.EncodePNG(is.qr)
	if err != nil {
		t.Fatal(err)
	}
	tampered, err := qrcode.EncodePNG(tamper(is.qr))
	if err != nil {
		t.Fatal(err)
	}
	validPath, tamperedPath := filepath.Join(dir, "valid.png"), filepath.Join(dir, "tampered.png")
	os.WriteFile(validPath, valid, 0o600)
	os.WriteFile(tamperedPath, tampered, 0o600)

	got := uploadAndRead(t, ctx, s.url+"/?lang=fr", validPath, "valid-fr.png")
	if got.verdict != "valid" || got.word != "Valide" || len(got.failed) != 0 {
		t.Errorf("valid QR: page shows %+v, want Valide with no failed check", got)
	}
	if got.focused != "verdict" || got.live != "polite" {
		t.Errorf("valid QR: focus on %q, aria-live %q; want the verdict focused and announced", got.focused, got.live)
	}
	if competence := read(t, ctx, chromedp.Text(chromedp.CSS(".competences tbody tr:nth-child(4) th"))); competence != "Interagir" {
		t.Errorf("the fourth competence reads %q, want its French name Interagir", competence)
	}

	got = uploadAndRead(t, ctx, s.url+"/?lang=en", tamperedPath, "tampered-en.png")
	if got.verdict != "invalid" || got.word != "Not valid" || len(got.failed) == 0 || got.failed[0] != "Signature" {
		t.Errorf("tampered QR: page shows %+v, want Not valid with the signature check failed", got)
	}
}

func TestBrowserKeyboardAndLanguage(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	s := newServer(t, e)
	do(t, ctx, chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.ID("file")))
	lang := read(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	heading := read(t, ctx, chromedp.Text(chromedp.CSS("h1")))
	// Headless Chromium sends Accept-Language en-US: the page follows it.
	if lang != "en" || heading != "Verify a credential" {
		t.Errorf("lang %q heading %q, want the English page", lang, heading)
	}
	var order []string
	for range 5 {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		order = append(order, read(t, ctx, chromedp.Evaluate[string](
			`document.activeElement.id || document.activeElement.className || document.activeElement.tagName`)))
	}
	want := []string{"skip", "switch", "file", "credential", "submit"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("tab order %v, want %v", order, want)
	}

	do(t, ctx, chromedp.Click(chromedp.CSS(".switch")), chromedp.WaitVisible(chromedp.ID("file")))
	lang = read(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	heading = read(t, ctx, chromedp.Text(chromedp.CSS("h1")))
	if lang != "fr" || heading != "Vérifier une attestation" {
		t.Errorf("after the switch: lang %q heading %q, want the French page", lang, heading)
	}
	saveScreenshot(t, ctx, "home-fr.png")

	// Submitting nothing explains what to do, in an alert.
	do(t, ctx, chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("error")))
	if alert := read(t, ctx, chromedp.Text(chromedp.CSS("#error p"))); !strings.Contains(alert, "Choisissez un fichier") {
		t.Errorf("empty submission: alert %q", alert)
	}
}
