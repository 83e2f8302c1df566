package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/org"
)

// startServe runs `sceau serve` in-process on a free loopback port and
// returns its URL and a function that stops it (as SIGINT does) and
// returns its exit code.
func startServe(t *testing.T, home string, flags ...string) (url string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		args := append([]string{"sceau", "--home", home, "--log-level", "error", "serve", "--addr", "127.0.0.1:0"}, flags...)
		code <- Run(ctx, args, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("serve printed nothing (exit %d): %s", <-code, stderr.String())
	}
	first := lines.Text()
	go func() {
		for lines.Scan() {
		}
	}()
	_, rest, ok := strings.Cut(first, "listening on ")
	if !ok {
		cancel()
		t.Fatalf("serve's first line %q does not give its address", first)
	}
	url, _, _ = strings.Cut(rest, " ")
	stopped := false
	stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30 s of its context's end")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	return url, stop
}

// issuedDiplomaPNGs returns a home whose exam office issued the spine's
// diplomas, with their QR images (in dir/out).
func issuedDiplomaPNGs(t *testing.T) (home, dir string, pngs []string) {
	t.Helper()
	home, dir = spineHome(t, "Diploma")
	input := filepath.Join(dir, "diplomas.csv")
	if err := os.WriteFile(input, []byte(spineDiplomas), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	mustRun(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out, "--png")
	pngs, _ = filepath.Glob(filepath.Join(out, "*.png"))
	if len(pngs) == 0 {
		t.Fatal("no QR image issued")
	}
	return home, dir, pngs
}

func TestServe(t *testing.T) {
	home, dir, pngs := issuedDiplomaPNGs(t)

	url, stop := startServe(t, home)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, `{"name":"ledger","ok":true}`) {
		t.Errorf("/readyz: %d %q", code, body)
	}

	png, err := os.ReadFile(pngs[0])
	if err != nil {
		t.Fatal(err)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("image", "qr.png")
	fw.Write(png)
	mw.Close()
	resp, err := http.Post(url+"/v1/verify", mw.FormDataContentType(), &form)
	if err != nil {
		t.Fatal(err)
	}
	var verdict struct {
		Verdict string `json:"verdict"`
	}
	json.NewDecoder(resp.Body).Decode(&verdict)
	resp.Body.Close()
	if resp.StatusCode != 200 || verdict.Verdict != "valid" {
		t.Fatalf("POST /v1/verify: %d %+v", resp.StatusCode, verdict)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `sceau_verifications_total{input="sc1 (QR image)",route="/v1/verify",verdict="valid"} 1`) ||
		!strings.Contains(body, "sceau_http_request_duration_seconds") {
		t.Errorf("/metrics: %d, verdict counts missing:\n%.2000s", code, body)
	}
	if code, body := get("/v1/issuers"); code != 200 || !strings.Contains(body, `"examoffice"`) {
		t.Errorf("/v1/issuers: %d %.300s", code, body)
	}

	info := readServeInfo(home)
	if info == nil || info.PID != os.Getpid() || info.URL != url {
		t.Fatalf("serve.json: %+v, want this process at %s", info, url)
	}

	// The home's other commands go through the server: governance,
	// issuing, status changes.
	mustRun(t, home, "issuer", "accredit", "--id", "examoffice", "--types", "Diploma,PixCertification")
	pixInput := writeFile(t, filepath.Join(dir, "pix.csv"), spinePix)
	pixOut := filepath.Join(dir, "pix-out")
	if out := mustRun(t, home, "issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", pixInput, "--out", pixOut, "--bundles"); !strings.Contains(out, "3 PixCertification credential(s) issued") {
		t.Errorf("issue while served:\n%s", out)
	}
	pixBundles, _ := filepath.Glob(filepath.Join(pixOut, "*.json"))
	if len(pixBundles) != 3 {
		t.Fatalf("issue while served wrote %d bundles", len(pixBundles))
	}
	mustRun(t, home, "revoke", "--issuer", "examoffice", "--reason", "error", pixBundles[0])
	if code, output := sceauRun(t, home, "verify", pixBundles[0]); code != ExitInvalid || !strings.Contains(output, "Revoked") {
		t.Errorf("the credential revoked through the server: exit %d\n%s", code, output)
	}
	// The ledger's audits read the file itself: they say who holds it, at once.
	start := time.Now()
	code, output := sceauRun(t, home, "ledger", "verify")
	if code == 0 || !strings.Contains(output, "held by `sceau serve`") || !strings.Contains(output, url) {
		t.Errorf("ledger verify while served: exit %d\n%s", code, output)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("it took %v to fail", waited)
	}
	// A serve.json whose secret is not the server's gets nothing done.
	infoFile := org.Home(home).ServeInfoFile()
	saved, err := os.ReadFile(infoFile)
	if err != nil {
		t.Fatal(err)
	}
	var tampered map[string]any
	json.Unmarshal(saved, &tampered)
	tampered["secret"] = strings.Repeat("A", 43)
	forged, _ := json.Marshal(tampered)
	writeFile(t, infoFile, string(forged))
	if code, output := sceauRun(t, home, "suspend", "--issuer", "examoffice", "--reason", "error", pixBundles[1]); code == 0 || !strings.Contains(output, "refused") {
		t.Errorf("suspend with a forged secret: exit %d\n%s", code, output)
	}
	writeFile(t, infoFile, string(saved))
	// sceau verify goes through the server.
	code, output = sceauRun(t, home, "verify", pngs[0])
	if code != 0 || !strings.Contains(output, "VALID") || !strings.Contains(output, "ledger read through `sceau serve`") {
		t.Errorf("verify while served: exit %d\n%s", code, output)
	}

	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d on shutdown", code)
	}
	if _, err := os.Stat(org.Home(home).ServeInfoFile()); !os.IsNotExist(err) {
		t.Errorf("serve.json left behind after shutdown: %v", err)
	}
	if code, output := sceauRun(t, home, "verify", pngs[0]); code != 0 || strings.Contains(output, "sceau serve") {
		t.Errorf("verify after the server stopped: exit %d\n%s", code, output)
	}
	// What online verifications cached serves offline.
	if code, output := sceauRun(t, home, "verify", "--offline", pngs[0]); code != 0 || !strings.Contains(output, "issuer registry cached") {
		t.Errorf("verify --offline: exit %d\n%s", code, output)
	}
}
