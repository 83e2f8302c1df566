package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// longTests runs the acceptance tests at full size (SCEAU_LONG_TESTS=1).
var longTests = os.Getenv("SCEAU_LONG_TESTS") == "1"

// sized returns full when SCEAU_LONG_TESTS=1, else short.
func sized(short, full int) int {
	if longTests {
		return full
	}
	return short
}

// issuerHome is a home with a ledger and issuer examoffice accredited for
// both types.
func issuerHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	sceauOK(t, home, "ledger", "init")
	sceauOK(t, home, "issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens de Besançon")
	sceauOK(t, home, "issuer", "accredit", "--id", "examoffice", "--types", "Diploma,PixCertification")
	return home
}

// syntheticFile writes n synthetic rows of credType in dialect d.
func syntheticFile(t *testing.T, credType string, n int, d issuer.CSVDialect, seed uint64) string {
	t.Helper()
	var buf bytes.Buffer
	if err := issuer.WriteSyntheticCSV(&buf, credType, n, d, seed); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// expectedNames maps each synthetic student id of (credType, n, seed) to
// its given and family names, read from the UTF-8 rendering.
func expectedNames(t *testing.T, credType string, n int, seed uint64) map[string][2]string {
	t.Helper()
	var buf bytes.Buffer
	if err := issuer.WriteSyntheticCSV(&buf, credType, n, issuer.CSVDialect{}, seed); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[string][2]string, n)
	for _, r := range records[1:] {
		names[r[0]] = [2]string{r[1], r[2]}
	}
	return names
}

// manifestRow is one line of manifest.csv.
type manifestRow struct{ id, studentID, typ, chunk, batch, status string }

func readManifest(t *testing.T, out string) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"credential_id", "student_id", "type", "chunk", "batch", "status"}; strings.Join(records[0], ",") != strings.Join(want, ",") {
		t.Fatalf("manifest header %v", records[0])
	}
	rows := make([]manifestRow, 0, len(records)-1)
	for _, r := range records[1:] {
		rows = append(rows, manifestRow{r[0], r[1], r[2], r[3], r[4], r[5]})
	}
	return rows
}

// readBatchFiles reads every batch file of out and returns each
// credential's line by id, failing on an id found twice.
func readBatchFiles(t *testing.T, out string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(out, "*"+issuer.BatchFileExt))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string][]byte{}
	for _, f := range files {
		err := issuer.ReadBatchFile(f, func(b *credential.Bundle, line []byte) error {
			if _, dup := lines[b.ID]; dup {
				t.Errorf("credential %s is in two batch files", b.ID)
			}
			lines[b.ID] = bytes.Clone(line)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return lines
}

// outFiles counts the files of out by kind, failing on anything else.
func outFiles(t *testing.T, out string) (batchFiles, bundles, pngs int) {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch name := e.Name(); {
		case name == "manifest.csv", name == "rejects.csv":
		case strings.HasPrefix(name, "."):
			t.Errorf("temporary file %s left in --out", name)
		case strings.HasSuffix(name, issuer.BatchFileExt):
			batchFiles++
		case strings.HasSuffix(name, ".json"):
			bundles++
		case strings.HasSuffix(name, ".png"):
			pngs++
		default:
			t.Errorf("unexpected file %s in --out", name)
		}
	}
	return batchFiles, bundles, pngs
}

// openLedger opens the home's embedded ledger (no sceau command may run meanwhile).
func openLedger(t *testing.T, home string) *embedded.Ledger {
	t.Helper()
	l, err := embedded.Open(context.Background(), org.Home(home).LedgerDir(), embedded.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// verifyAll runs the verifier on every bundle and fails on any verdict
// other than valid.
func verifyAll(t *testing.T, home string, bundles map[string][]byte) {
	t.Helper()
	l := openLedger(t, home)
	defer l.Close()
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	v := verifier.New(network.NewContract(l), validator, verifier.Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	next := make(chan string)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				res := v.Verify(context.Background(), bundles[id])
				if res.Verdict != verifier.Valid {
					mu.Lock()
					if failed++; failed <= 3 {
						t.Errorf("credential %s: %+v", id, res)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for id := range bundles {
		next <- id
	}
	close(next)
	wg.Wait()
	if failed > 0 {
		t.Fatalf("%d of %d credentials do not verify", failed, len(bundles))
	}
}

// ledgerHeight returns the height of the home's ledger.
func ledgerHeight(t *testing.T, home string) uint64 {
	t.Helper()
	var info embedded.Info
	if err := json.Unmarshal([]byte(sceauOK(t, home, "ledger", "info", "--json")), &info); err != nil {
		t.Fatal(err)
	}
	return info.Height
}

// TestIssueAcceptanceSpreadsheetExports: a 10 000-row PixCertification
// export as a French spreadsheet saves it (Windows-1252, ';', CRLF), and the
// same in UTF-8 with a byte order mark, issue completely with no flag and
// their accents intact: batch files and the manifest, no file per
// credential; `sceau export` takes one out, which `sceau verify` takes.
//
// It issues 1 000 rows unless SCEAU_LONG_TESTS=1.
func TestIssueAcceptanceSpreadsheetExports(t *testing.T) {
	rows, seed := sized(1000, 10000), uint64(42)
	names := expectedNames(t, schemas.TypePixCertification, rows, seed)
	for _, tt := range []struct {
		name    string
		dialect issuer.CSVDialect
	}{
		{"windows-1252 semicolon CRLF", issuer.CSVDialect{Delimiter: ';', Windows1252: true, CRLF: true}},
		{"utf-8 BOM", issuer.CSVDialect{Delimiter: ';', BOM: true, CRLF: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			home := issuerHome(t)
			input := syntheticFile(t, schemas.TypePixCertification, rows, tt.dialect, seed)
			raw, _ := os.ReadFile(input)
			if tt.dialect.Windows1252 && (bytes.Contains(raw, []byte("é")) || !bytes.Contains(raw, []byte{0xE9})) {
				t.Fatal("the test file is not Windows-1252")
			}
			out := filepath.Join(t.TempDir(), "out")
			stdout := sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", input, "--out", out)
			if !strings.Contains(stdout, fmt.Sprintf("%d PixCertification credential(s) issued", rows)) {
				t.Errorf("summary: %s", stdout)
			}
			manifest := readManifest(t, out)
			if len(manifest) != rows {
				t.Fatalf("manifest lists %d credentials, want %d", len(manifest), rows)
			}
			batches, bundles, pngs := outFiles(t, out)
			if want := (rows + issuer.DefaultChunk - 1) / issuer.DefaultChunk; batches != want || bundles != 0 || pngs != 0 {
				t.Fatalf("--out holds %d batch files, %d bundles and %d QR images, want %d batch files only", batches, bundles, pngs, want)
			}
			lines := readBatchFiles(t, out)
			if len(lines) != rows {
				t.Fatalf("the batch files hold %d credentials, want %d", len(lines), rows)
			}
			accented := 0
			for i, m := range manifest {
				if i%97 != 0 {
					continue
				}
				b, err := credential.ParseBundle(lines[m.id])
				if err != nil {
					t.Fatal(err)
				}
				if b.Anchor.Batch != m.batch {
					t.Fatalf("credential %s is in batch %s, the manifest says %s", m.id, b.Anchor.Batch, m.batch)
				}
				jwt, err := credential.ParseJWT(b.VCJWT)
				if err != nil {
					t.Fatal(err)
				}
				holder := jwt.Credential.Subject.Holder()
				want := names[m.studentID]
				if holder.StudentID != m.studentID || holder.GivenName != want[0] || holder.FamilyName != want[1] {
					t.Fatalf("credential of %s names %s %s, the export %s %s", m.studentID, holder.GivenName, holder.FamilyName, want[0], want[1])
				}
				if strings.ContainsAny(holder.GivenName+holder.FamilyName, "éèëïçœôÉ") {
					accented++
				}
			}
			if accented == 0 {
				t.Error("no sampled credential carries an accented name: the check proves nothing")
			}
			// One credential out of its batch file, through the command line
			// verifier, claims shown.
			exported := filepath.Join(t.TempDir(), "exported")
			sceauOK(t, home, "export", "--id", manifest[0].id, "--out", exported, out)
			code, verdict, _ := sceau(t, home, "verify", "--json", filepath.Join(exported, issuer.BundleFileName(manifest[0].id)))
			if code != 0 || !strings.Contains(verdict, names[manifest[0].studentID][1]) {
				t.Errorf("verify: exit %d\n%s", code, verdict)
			}
		})
	}
}

// TestIssueAcceptanceOneBadRow: one bad row fails the run naming its line
// and anchors nothing; with --skip-invalid the rest is issued and the row
// is in rejects.csv.
func TestIssueAcceptanceOneBadRow(t *testing.T) {
	rows := sized(1000, 10000)
	home := issuerHome(t)
	input := syntheticFile(t, schemas.TypePixCertification, rows, issuer.CSVDialect{Delimiter: ';', Windows1252: true, CRLF: true}, 5)
	data, err := os.ReadFile(input)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\r\n"))
	badLine := rows/2 + 17 // 1-based, the header is line 1
	cells := bytes.Split(lines[badLine-1], []byte(";"))
	cells[6] = []byte("1100") // pix_score over 1024
	lines[badLine-1] = bytes.Join(cells, []byte(";"))
	if err := os.WriteFile(input, bytes.Join(lines, []byte("\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	before := ledgerHeight(t, home)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := sceau(t, home, "issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", input, "--out", out)
	if code != ExitInvalid || !strings.Contains(stderr, fmt.Sprintf("line %d, column pix_score", badLine)) || !strings.Contains(stderr, "nothing was issued") {
		t.Fatalf("issue with a bad row: exit %d\n%s%s", code, stdout, stderr)
	}
	if after := ledgerHeight(t, home); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("--out holds %d files after a refused run", len(entries))
	}

	stdout = sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", input, "--out", out, "--skip-invalid")
	if !strings.Contains(stdout, fmt.Sprintf("%d PixCertification credential(s) issued", rows-1)) || !strings.Contains(stdout, "1 row(s) rejected") {
		t.Errorf("summary: %s", stdout)
	}
	if manifest := readManifest(t, out); len(manifest) != rows-1 {
		t.Errorf("manifest lists %d credentials, want %d", len(manifest), rows-1)
	}
	f, err := os.Open(filepath.Join(out, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rejects, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rejects) != 2 || rejects[1][0] != strconv.Itoa(badLine) || rejects[1][1] != "pix_score" || !strings.Contains(rejects[1][2], "maximum") {
		t.Errorf("rejects.csv: %q", rejects)
	}
}

// TestIssueAcceptanceKilledAndRerun: killing `sceau issue` (SIGKILL)
// mid-batch and re-running it yields the output of a clean run of the same
// input: every credential exactly once, in the same batches, all
// verifying. The re-run does not redo what was done: it validates nothing
// again, and neither signs, anchors nor writes any chunk the killed run
// finished; the first chunk it touches is the first one not done.
func TestIssueAcceptanceKilledAndRerun(t *testing.T) {
	rows, chunk := sized(2000, 20000), sized(50, 200)
	home := issuerHome(t)
	input := syntheticFile(t, schemas.TypeDiploma, rows, issuer.CSVDialect{Delimiter: ';', BOM: true, CRLF: true}, 9)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"--home", home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out, "--chunk", strconv.Itoa(chunk)}

	office, err := org.Home(home).Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	jobs := office.JobsDir()

	// First run, in a process of its own, killed (SIGKILL) once its third
	// chunk is done: three or more batches are anchored by then.
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperProcessEnv+"=1")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(3 * time.Minute)
wait:
	for {
		select {
		case err := <-exited:
			t.Fatalf("the first run ended before it was killed (%v):\n%s", err, output.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the first run never finished its third chunk")
		case <-time.After(2 * time.Millisecond):
			if m, _ := filepath.Glob(filepath.Join(jobs, "*", "done-000003.json")); len(m) > 0 {
				break wait
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil {
		t.Fatal("the killed run exited 0")
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.csv")); err == nil {
		t.Fatal("the killed run wrote its manifest: it was not killed mid-batch")
	}
	done, _ := filepath.Glob(filepath.Join(jobs, "*", "done-*.json"))
	anchoredBefore := anchorCount(t, home)
	if len(done) < 3 || anchoredBefore < len(done) || anchoredBefore >= rows/chunk {
		t.Fatalf("%d chunks done and %d batches anchored when killed, want some but not all %d", len(done), anchoredBefore, rows/chunk)
	}

	// Second run, the same command: it completes, starting where the
	// first stopped.
	code, stdout, stderr := sceau(t, home, append([]string{"--log-level", "debug"}, args[2:]...)...)
	if code != 0 {
		t.Fatalf("re-run: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "reused from an earlier run") {
		t.Errorf("summary: %s", stdout)
	}
	var first []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, `msg="input validated"`) {
			t.Errorf("the re-run validated the input again: %s", line)
		}
		m := regexp.MustCompile(` chunk=(\d+)`).FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if no, _ := strconv.Atoi(m[1]); no <= len(done) {
			t.Errorf("the re-run worked on chunk %d, done by the killed run: %s", no, line)
		}
		if len(first) < 3 {
			first = append(first, line)
		}
	}
	if len(first) == 0 || !strings.Contains(first[0], fmt.Sprintf(" chunk=%d ", len(done)+1)) {
		t.Errorf("the re-run's first chunk events are\n%s\nwant chunk %d first", strings.Join(first, "\n"), len(done)+1)
	}
	if got := anchorCount(t, home); got != rows/chunk {
		t.Errorf("%d batches anchored in all, want %d: a chunk was anchored twice or not at all", got, rows/chunk)
	}

	// The output is a clean run's: the same students in the same batches,
	// in the same order, each once (only the credentials' ids and
	// signatures, random, differ).
	cleanHome := issuerHome(t)
	cleanOut := filepath.Join(t.TempDir(), "clean")
	sceauOK(t, cleanHome, append(args[2:len(args)-4], "--out", cleanOut, "--chunk", strconv.Itoa(chunk))...)
	resumed, clean := readManifest(t, out), readManifest(t, cleanOut)
	if len(resumed) != rows || len(clean) != rows {
		t.Fatalf("manifests list %d and %d credentials, want %d", len(resumed), len(clean), rows)
	}
	seenID := map[string]bool{}
	for i, m := range resumed {
		c := clean[i]
		if m.studentID != c.studentID || m.chunk != c.chunk || m.batch != c.batch || m.status != c.status {
			t.Fatalf("manifest line %d: %+v after the kill, %+v in a clean run", i+2, m, c)
		}
		if seenID[m.id] {
			t.Fatalf("credential %s listed twice", m.id)
		}
		seenID[m.id] = true
	}
	lines := readBatchFiles(t, out)
	if len(lines) != rows {
		t.Fatalf("the batch files hold %d credentials, want %d", len(lines), rows)
	}
	for _, m := range resumed {
		b, err := credential.ParseBundle(lines[m.id])
		if err != nil || b.Anchor.Batch != m.batch {
			t.Fatalf("credential %s: %v in batch %v, want %s", m.id, err, b, m.batch)
		}
	}
	batches, bundles, _ := outFiles(t, out)
	cleanBatches, _, _ := outFiles(t, cleanOut)
	if batches != rows/chunk || cleanBatches != batches || bundles != 0 {
		t.Errorf("--out holds %d batch files and %d bundles, a clean run %d batch files", batches, bundles, cleanBatches)
	}
	verifyAll(t, home, lines)
	if report := sceauOK(t, home, "ledger", "verify"); !strings.Contains(report, "ledger verified") {
		t.Errorf("ledger verify: %s", report)
	}
}

// anchorCount counts the AnchorBatch transactions of the home's ledger.
func anchorCount(t *testing.T, home string) int {
	t.Helper()
	l := openLedger(t, home)
	defer l.Close()
	var buf bytes.Buffer
	if err := l.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	n := 0
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var blk struct {
			Function string `json:"function"`
		}
		if err := json.Unmarshal(sc.Bytes(), &blk); err != nil {
			t.Fatal(err)
		}
		if blk.Function == "AnchorBatch" {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIssueAcceptanceKeyRotationAndCompromise: after rotate-key, old and
// new credentials verify; after revoke-key since D, credentials anchored
// from D on are invalid with that reason, and earlier ones stay valid.
func TestIssueAcceptanceKeyRotationAndCompromise(t *testing.T) {
	home := issuerHome(t)
	issue := func(seed uint64) string {
		t.Helper()
		input := syntheticFile(t, schemas.TypeDiploma, 3, issuer.CSVDialect{}, seed)
		out := filepath.Join(t.TempDir(), "out")
		sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out, "--bundles")
		return filepath.Join(out, issuer.BundleFileName(readManifest(t, out)[0].id))
	}
	verify := func(path string) (int, string) {
		t.Helper()
		code, stdout, _ := sceau(t, home, "verify", path)
		return code, stdout
	}
	currentKID := func() string {
		t.Helper()
		p, err := org.Home(home).LoadProfile("examoffice")
		if err != nil {
			t.Fatal(err)
		}
		return p.CurrentKID
	}

	oldKID := currentKID()
	before := issue(1)
	sceauOK(t, home, "issuer", "rotate-key", "--no-passphrase", "--id", "examoffice")
	newKID := currentKID()
	if newKID == oldKID {
		t.Fatal("rotate-key kept the key")
	}
	after := issue(2)
	for _, path := range []string{before, after} {
		if code, out := verify(path); code != 0 || !strings.HasPrefix(out, "VALID") {
			t.Fatalf("after rotate-key, %s: exit %d\n%s", path, code, out)
		}
	}

	// D: the next whole second, once every earlier anchoring is before it.
	since := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(since) + 50*time.Millisecond)
	compromised := issue(3)
	sceauOK(t, home, "issuer", "revoke-key", "--id", "examoffice", "--kid", newKID, "--since", since.Format(time.RFC3339))
	for _, path := range []string{before, after} {
		if code, out := verify(path); code != 0 || !strings.HasPrefix(out, "VALID") {
			t.Errorf("anchored before D, %s: exit %d\n%s", path, code, out)
		}
	}
	code, out := verify(compromised)
	if code != ExitInvalid || !strings.Contains(out, "compromised") || !strings.Contains(out, newKID) {
		t.Errorf("anchored after D with the compromised key: exit %d\n%s", code, out)
	}
}

// TestExportCommand: `sceau export --out -` prints one credential's bundle,
// which `sceau verify -` takes; what cannot be exported says why, with
// exit 1 for a credential not found and 2 for a usage error.
func TestExportCommand(t *testing.T) {
	home := issuerHome(t)
	input := syntheticFile(t, schemas.TypeDiploma, 3, issuer.CSVDialect{}, 4)
	out := filepath.Join(t.TempDir(), "out")
	sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out)
	manifest := readManifest(t, out)

	line := sceauOK(t, home, "export", "--id", manifest[1].id, "--out", "-", out)
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, manifest[1].id) {
		t.Fatalf("export --out - printed %q, want the one bundle", line)
	}
	var verdict, errOut bytes.Buffer
	code := runTestApp(context.Background(), []string{"--home", home, "verify", "-"}, strings.NewReader(line), &verdict, &errOut)
	if code != 0 || !strings.HasPrefix(verdict.String(), "VALID") || !strings.Contains(verdict.String(), manifest[1].studentID) {
		t.Errorf("verify - of the exported line: exit %d\n%s%s", code, verdict.String(), errOut.String())
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an id not issued", []string{"export", "--id", "urn:uuid:00000000-0000-4000-8000-000000000000", "--out", t.TempDir(), out}, ExitInvalid, "00000000-0000-4000-8000-000000000000"},
		{"a file that is not there", []string{"export", "--all", "--out", t.TempDir(), filepath.Join(out, "absent.jsonl")}, ExitUsage, "absent.jsonl"},
		{"images to standard output", []string{"export", "--all", "--png", "--out", "-", out}, ExitUsage, "--png"},
		{"nothing chosen", []string{"export", "--out", t.TempDir(), out}, ExitUsage, "--all"},
		{"no batch file", []string{"export", "--all", "--out", t.TempDir()}, ExitUsage, "batch files"},
	} {
		code, stdout, stderr := sceau(t, home, tt.args...)
		if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
			t.Errorf("%s: exit %d\n%s%s\nwant exit %d naming %q", tt.name, code, stdout, stderr, tt.code, tt.want)
		}
	}
}
