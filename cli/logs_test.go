package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for a server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines returns the JSON log lines of output (what --log-format json
// writes), each decoded; other lines (messages to people) are left out.
func logLines(t *testing.T, output string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(output, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("a log line is not JSON: %q: %v", line, err)
			continue
		}
		if m["level"] == nil || m["msg"] == nil || m["time"] == nil {
			continue // a JSON document a command printed
		}
		lines = append(lines, m)
	}
	return lines
}

// TestLogsHoldNoPersonalData runs issuance, status changes, verification,
// the wallet and the server at debug level, with JSON logs, and looks for
// the students' names, birth dates, INEs and e-mail addresses in every log
// line.
func TestLogsHoldNoPersonalData(t *testing.T) {
	w := newWalletWorld(t)
	logFlags := []string{"--log-level", "debug", "--log-format", "json"}
	var logs strings.Builder
	run := func(args ...string) (int, string) {
		t.Helper()
		code, stdout, stderr := w.run(append(append([]string{}, logFlags...), args...)...)
		logs.WriteString(stderr)
		return code, stdout
	}
	mustLog := func(args ...string) string {
		t.Helper()
		code, stdout := run(args...)
		if code != 0 {
			t.Fatalf("sceau %s: exit %d\n%s", strings.Join(args, " "), code, logs.String())
		}
		return stdout
	}

	// A file with a bad row (an e-mail address where a birth date goes)
	// and good ones, issued with --skip-invalid.
	input := filepath.Join(w.tmp, "logs.csv")
	csv := spineDiplomas + "093456789GH,Aïcha,Benali,aicha.benali@example.fr,Baccalauréat général,4,2025-07-04,\n"
	if err := os.WriteFile(input, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(w.tmp, "out-logs")
	mustLog("issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out, "--skip-invalid", "--bundles")
	bundles, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(bundles) != 3 {
		t.Fatalf("issued %d bundles, want 3", len(bundles))
	}
	mustLog("verify", bundles[0])
	mustLog("suspend", "--issuer", "examoffice", "--student", "081234567CD", "--reason", "error")
	run("verify", bundles[1]) // suspended, or not: the verdict is not the point

	// The wallet.
	holder := w.initWallet(w.wallet)
	bundle := w.issueDiploma("Diploma", "logs-wallet", holder, "Brevet de technicien supérieur")
	id := strings.Fields(mustLog("wallet", "import", bundle))[1]
	mustLog("wallet", "list")
	mustLog("wallet", "show", id)

	// The server, whose request log is info and more.
	token := strings.TrimSpace(mustLog("issuer", "token", "create", "--id", "examoffice", "--label", "logs"))
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var serveLogs lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append(append([]string{"sceau", "--home", w.home}, logFlags...), "serve", "--addr", "127.0.0.1:0"), strings.NewReader(""), pw, &serveLogs)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("serve printed nothing: %s", serveLogs.String())
	}
	_, rest, _ := strings.Cut(lines.Text(), "listening on ")
	url, _, _ := strings.Cut(rest, " ")
	go func() {
		for lines.Scan() {
		}
	}()
	for _, path := range []string{"/v1/students/070123456AB/suspend", "/v1/students/092345678EF/revoke"} {
		req, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(`{"reason":"error"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	data, _ := os.ReadFile(bundles[2])
	if resp, err := http.Post(url+"/v1/verify", "application/json", bytes.NewReader(data)); err == nil {
		resp.Body.Close()
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	logs.WriteString(serveLogs.String())

	personalData := []string{
		"070123456AB", "081234567CD", "092345678EF", "093456789GH", // INEs
		"Hélène", "Lefèvre", "Jérôme", "N'Diaye", "Zoé", "Martin", "Aïcha", "Benali", // names
		"2007-03-14", "2006-11-02", "2007-01-30", "aicha.benali@example.fr", "@example.fr", // birth dates, e-mail
	}
	all := logLines(t, logs.String())
	if len(all) < 10 {
		t.Fatalf("only %d JSON log lines at debug level:\n%s", len(all), logs.String())
	}
	levels := map[string]bool{}
	for _, line := range all {
		levels[line["level"].(string)] = true
		text, _ := json.Marshal(line)
		for _, p := range personalData {
			if strings.Contains(string(text), p) {
				t.Errorf("a log line holds the personal datum %q: %s", p, text)
			}
		}
	}
	if !strings.Contains(logs.String(), `"route":"/v1/students/{student}/suspend"`) {
		t.Errorf("the server did not log the student's suspension by its route:\n%s", serveLogs.String())
	}
	if !levels["DEBUG"] || !levels["INFO"] {
		t.Errorf("log levels seen: %v, want debug and info lines", levels)
	}
}

func TestLogFormatFlag(t *testing.T) {
	home := t.TempDir()
	if code, _, stderr := sceau(t, home, "--log-format", "xml", "ledger", "init"); code != ExitUsage || !strings.Contains(stderr, "text or json") {
		t.Errorf("--log-format xml: exit %d %q", code, stderr)
	}
	t.Setenv("SCEAU_LOG_FORMAT", "json")
	sceauOK(t, home, "ledger", "init")
	_, _, stderr := sceau(t, home, "--log-level", "debug", "issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens")
	if len(logLines(t, stderr)) == 0 {
		t.Errorf("SCEAU_LOG_FORMAT=json: no JSON log line in %q", stderr)
	}
}
