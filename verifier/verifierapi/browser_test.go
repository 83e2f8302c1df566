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

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/verifier"
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
	return newBrowserWith(t)
}

// newBrowserWith starts a headless Chromium with the extra options (a fake
// camera…) and returns a tab's context.
func newBrowserWith(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
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
	opts = append(opts, extra...)
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
	verdict, reason, tone, word, explanation, focused, live, lang string
	failed                                                        []string
	// details are the checks' details, in the page's order.
	details []string
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
		verdict:     read(t, ctx, chromedp.AttributeValue(chromedp.ID("result"), "data-verdict")).Value,
		reason:      read(t, ctx, chromedp.AttributeValue(chromedp.ID("result"), "data-reason")).Value,
		tone:        read(t, ctx, chromedp.AttributeValue(chromedp.ID("result"), "class")).Value,
		live:        read(t, ctx, chromedp.AttributeValue(chromedp.ID("result"), "aria-live")).Value,
		word:        read(t, ctx, chromedp.Text(chromedp.CSS(".verdict-word"))),
		explanation: read(t, ctx, chromedp.Text(chromedp.CSS(".verdict .explanation"))),
		focused:     read(t, ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)),
		lang:        read(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`)),
	}
	failed := read(t, ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".check-fail .check-name")).map(e => e.textContent).join("|")`))
	if failed != "" {
		v.failed = strings.Split(failed, "|")
	}
	v.details = strings.Split(read(t, ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".check .reason")).map(e => e.textContent).join("|")`)), "|")
	saveScreenshot(t, ctx, screenshot)
	return v
}

// screenshotDir is where the browser tests keep their screenshots:
// $SCEAU_SCREENSHOTS when set (CI keeps them as artefacts), else a
// temporary folder of the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("SCEAU_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// saveScreenshot writes a full-page screenshot to the test's screenshot
// folder (screenshotDir), as name.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := read(t, ctx, chromedp.FullScreenshot(100))
	path := filepath.Join(screenshotDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
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
	if got.verdict != "invalid" || got.word != "Altered — the signature is not the issuer's" || len(got.failed) == 0 || got.failed[0] != "Signature" {
		t.Errorf("tampered QR: page shows %+v, want Altered with the signature check failed", got)
	}
}

// TestBrowserBannerNamesTheCase uploads, on the French and on the English
// page, the QR code of a valid, a revoked, an altered and an expired
// credential, and a blurred photo of one: the banner names each case in
// the page's language, the checks' details are in that language, and the
// unreadable photo is neither red nor worded as a forgery. The screenshots
// stay in $SCEAU_SCREENSHOTS (banner-<case>-<lang>.png).
func TestBrowserBannerNamesTheCase(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	creds := e.issue(diploma(), diploma())
	valid, revoked := creds[0], creds[1]
	if err := e.contract.Revoke(e.ctx, issuerOrg, revoked.jwtDigest, record.ReasonFraud); err != nil {
		t.Fatal(err)
	}
	expiring := e.issue(pix(e.issuedAt))[0]
	until := expiring.cred.ValidUntil
	s := newServer(t, e)
	dir := t.TempDir()
	file := func(name string, png []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	qr := func(name, text string) string {
		png, err := qrcode.EncodePNG(text)
		if err != nil {
			t.Fatal(err)
		}
		return file(name, png)
	}
	today := func(lang verifier.Language) string { return verifier.LongDate(lang, time.Now().UTC()) }
	type want struct{ word, detail string }
	cases := []struct {
		name   string
		path   string
		at     time.Time // the verifier's clock, when not e.now
		reason string
		tone   string
		fr, en want
	}{
		{"valid", qr("valid.png", valid.qr), time.Time{}, "", "valid",
			want{"Valide", "est enregistré et en activité"}, want{"Valid", "is registered and active"}},
		{"revoked", qr("revoked.png", revoked.qr), time.Time{}, "revoked", "invalid",
			want{"Révoqué le " + today(verifier.French) + " (fraude)", "(motif : fraude)"},
			want{"Revoked on " + today(verifier.English) + " (fraud)", "(reason fraud, "}},
		{"altered", qr("altered.png", tamperSignature(t, valid.qr)), time.Time{}, "altered", "invalid",
			want{"Altéré — la signature n'est pas celle de l'émetteur", "la signature ne se vérifie pas"},
			want{"Altered — the signature is not the issuer's", "signature does not verify"}},
		{"expired", qr("expired.png", expiring.qr), until.Add(time.Hour), "expired", "invalid",
			want{"Expiré le " + verifier.LongDate(verifier.French, until), "expirée le"},
			want{"Expired on " + verifier.LongDate(verifier.English, until), "expired on"}},
		{"unreadable", file("blurred.png", blurredPhoto(t, valid.qr)), time.Time{}, "unreadable", "unreadable",
			want{"Code illisible — reprenez la photo", "aucun code QR lisible"},
			want{"Unreadable code — take the photo again", "no readable QR code"}},
	}
	for _, tc := range cases {
		for _, lang := range []verifier.Language{verifier.French, verifier.English} {
			t.Run(tc.name+"-"+string(lang), func(t *testing.T) {
				if !tc.at.IsZero() {
					saved := e.now
					e.now = tc.at
					defer func() { e.now = saved }()
				}
				w := tc.fr
				if lang == verifier.English {
					w = tc.en
				}
				got := uploadAndRead(t, ctx, s.url+"/?lang="+string(lang), tc.path, "banner-"+tc.name+"-"+string(lang)+".png")
				if got.word != w.word || got.reason != tc.reason || got.tone != "result verdict-"+tc.tone || got.lang != string(lang) {
					t.Errorf("the banner reads %q (reason %q, class %q, lang %q), want %q (%q, verdict-%s, %s)",
						got.word, got.reason, got.tone, got.lang, w.word, tc.reason, tc.tone, lang)
				}
				if details := strings.Join(got.details, "\n"); !strings.Contains(details, w.detail) {
					t.Errorf("no check detail says %q:\n%s", w.detail, details)
				}
				if tc.tone == "unreadable" {
					for _, forgery := range []string{"Non valide", "Not valid", "ne vous fiez pas", "do not rely", "Altéré", "Altered"} {
						if strings.Contains(got.word+" "+got.explanation, forgery) {
							t.Errorf("an unreadable photo is worded as a forgery: %q %q", got.word, got.explanation)
						}
					}
				}
			})
		}
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
	for range 6 {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		order = append(order, read(t, ctx, chromedp.Evaluate[string](
			`document.activeElement.id || document.activeElement.className || document.activeElement.tagName`)))
	}
	// The camera button shows wherever the browser gives the camera
	// (getUserMedia: a secure page, as localhost is), BarcodeDetector or
	// not.
	want := []string{"skip", "switch", "file", "camera-start", "credential", "submit"}
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
