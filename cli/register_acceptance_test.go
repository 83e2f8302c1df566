package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// What an exam office notices of the issuer's register: an extended export
// issues only its new rows, a student listed twice is refused, --reissue
// replaces a credential, revoking by credential id or by student works, and
// nothing of it can be read in the home.

const registerHeader = "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,mention,session\n"

// registerRows are four students' baccalauréat, then three more.
var registerRows = []string{
	"070123456AB,Hélène,Lefèvre,2007-03-14,Baccalauréat général,4,2025-07-04,tres_bien,juin 2025\n",
	"081234567CD,Jérôme,N'Diaye,2006-11-02,Baccalauréat général,4,2025-07-04,,juin 2025\n",
	"092345678EF,Zoé,Martin,2007-01-30,Baccalauréat technologique,4,2025-07-04,bien,juin 2025\n",
	"103456789GH,Anaïs,Béranger,2007-05-09,Baccalauréat général,4,2025-07-04,assez_bien,juin 2025\n",
	"114567890JK,Loïc,Ménard,2007-08-21,Baccalauréat professionnel,4,2025-07-04,,juin 2025\n",
	"125678901LM,Maëlle,Côté,2007-02-11,Baccalauréat général,4,2025-07-04,bien,juin 2025\n",
	"136789012NP,Benoît,Thébault,2006-12-30,Baccalauréat général,4,2025-07-04,,juin 2025\n",
}

// registerCSV writes the header and rows to a file.
func registerCSV(t *testing.T, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(path, []byte(registerHeader+strings.Join(rows, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// issueJSON runs `sceau issue --json` and decodes the one JSON object it prints.
func issueJSON(t *testing.T, home string, args ...string) (issuer.IssueSummary, string) {
	t.Helper()
	code, stdout, stderr := sceau(t, home, append([]string{"issue", "--json", "--issuer", "examoffice"}, args...)...)
	if code != 0 {
		t.Fatalf("issue --json: exit %d\n%s%s", code, stdout, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var sum issuer.IssueSummary
	if err := dec.Decode(&sum); err != nil {
		t.Fatalf("issue --json printed %q: %v", stdout, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("issue --json printed more than one JSON object:\n%s", stdout)
	}
	return sum, stderr
}

// anchoredCredentials counts the credentials the home's ledger anchored.
func anchoredCredentials(t *testing.T, home string) int {
	t.Helper()
	l := openLedger(t, home)
	defer l.Close()
	var export bytes.Buffer
	if err := l.Export(context.Background(), &export); err != nil {
		t.Fatal(err)
	}
	n := 0
	dec := json.NewDecoder(&export)
	for dec.More() {
		var b embedded.BlockRecord
		if err := dec.Decode(&b); err != nil {
			t.Fatal(err)
		}
		var req record.AnchorRequest
		if strings.HasSuffix(string(b.Function), "AnchorBatch") && len(b.Args) == 1 && json.Unmarshal(b.Args[0], &req) == nil {
			n += len(req.Credentials)
		}
	}
	return n
}

// bundleOf returns the path of the bundle of the student's credential
// listed in out's manifest with status: its line of out's batch files,
// written to a file of its own, as `sceau export` would.
func bundleOf(t *testing.T, out, studentID, status string) string {
	t.Helper()
	for _, m := range readManifest(t, out) {
		if m.studentID == studentID && m.status == status {
			line, ok := readBatchFiles(t, out)[m.id]
			if !ok {
				t.Fatalf("no batch file of %s holds %s, listed in its manifest", out, m.id)
			}
			return writeFile(t, filepath.Join(t.TempDir(), issuer.BundleFileName(m.id)), string(line))
		}
	}
	t.Fatalf("manifest.csv of %s lists no %s credential of %s", out, status, studentID)
	return ""
}

func TestIssueAnExtendedExportIssuesOnlyItsNewRows(t *testing.T) {
	home := issuerHome(t)
	out := filepath.Join(t.TempDir(), "out")
	sum, _ := issueJSON(t, home, "--type", "Diploma", "--input", registerCSV(t, registerRows[:4]...), "--out", out)
	if sum.Issued != 4 || sum.AlreadyIssued != 0 || len(sum.Batches) != 1 {
		t.Fatalf("first run: %+v", sum)
	}

	// The same export, three students added at its end and in its middle.
	extended := registerCSV(t, registerRows[0], registerRows[4], registerRows[1], registerRows[2], registerRows[5], registerRows[3], registerRows[6])
	stdout := sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", extended, "--out", out)
	if !strings.Contains(stdout, "3 Diploma credential(s) issued") || !strings.Contains(stdout, "4 row(s) already issued") {
		t.Errorf("second run:\n%s", stdout)
	}
	manifest := readManifest(t, out)
	if len(manifest) != 7 {
		t.Fatalf("the manifest lists %d credentials, want the 4 of the first run and the 3 new", len(manifest))
	}
	ids, students := make([]string, 0, 7), map[string]bool{}
	for _, m := range manifest {
		if students[m.studentID] || m.status != "anchored" {
			t.Errorf("manifest row %+v (listed twice, or not anchored)", m)
		}
		students[m.studentID] = true
		ids = append(ids, m.id)
	}
	if n := len(readBatchFiles(t, out)); n != 7 {
		t.Errorf("the batch files of --out hold %d credentials, want 7", n)
	}
	if n := anchoredCredentials(t, home); n != 7 {
		t.Errorf("the ledger anchored %d credentials for 7 students", n)
	}
	verifyListed(t, home, out, ids)

	// Everything issued already (by earlier runs of other files): nothing
	// is anchored, the summary says so. (The same file again would resume
	// its run, writing its files again.)
	before := ledgerHeight(t, home)
	reordered := registerCSV(t, registerRows[6], registerRows[5], registerRows[4], registerRows[3], registerRows[2], registerRows[1], registerRows[0])
	sum, _ = issueJSON(t, home, "--type", "Diploma", "--input", reordered, "--out", filepath.Join(t.TempDir(), "again"))
	if sum.Issued != 0 || sum.AlreadyIssued != 7 || sum.Rows != 7 || len(sum.Batches) != 0 {
		t.Errorf("a third run: %+v, want 7 already issued and nothing else", sum)
	}
	if after := ledgerHeight(t, home); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}
}

func TestIssueRefusesTheSameStudentAndAwardTwiceInOneFile(t *testing.T) {
	home := issuerHome(t)
	// Line 5 repeats line 2's student and award, with another mention.
	again := strings.Replace(registerRows[0], "tres_bien", "bien", 1)
	input := registerCSV(t, registerRows[0], registerRows[1], registerRows[2], again, registerRows[3])
	out := filepath.Join(t.TempDir(), "out")
	before := ledgerHeight(t, home)
	code, stdout, stderr := sceau(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out)
	if code != ExitInvalid || !strings.Contains(stderr, "line 5: the same student and award as line 2") || !strings.Contains(stderr, "nothing was issued") {
		t.Fatalf("a student twice in one file: exit %d\n%s%s", code, stdout, stderr)
	}
	if after := ledgerHeight(t, home); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}

	sum, _ := issueJSON(t, home, "--type", "Diploma", "--input", input, "--out", out, "--skip-invalid")
	if sum.Issued != 4 || sum.Rejected != 1 {
		t.Errorf("--skip-invalid: %+v, want 4 issued and line 5 rejected", sum)
	}
	rejects, err := os.ReadFile(filepath.Join(out, "rejects.csv"))
	if err != nil || !strings.Contains(string(rejects), "5,,line 5: the same student and award as line 2 (rule duplicate)") {
		t.Errorf("rejects.csv: %v\n%s", err, rejects)
	}
}

func TestReissueReplacesACredentialAndRevokesTheOldAsSuperseded(t *testing.T) {
	home := issuerHome(t)
	out := filepath.Join(t.TempDir(), "out")
	sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", registerCSV(t, registerRows[:2]...), "--out", out)
	old := bundleOf(t, out, "070123456AB", "anchored")

	// The jury corrects Hélène's mention: the same award.
	corrected := registerCSV(t, strings.Replace(registerRows[0], "tres_bien", "tres_bien_felicitations", 1))
	sum, _ := issueJSON(t, home, "--type", "Diploma", "--input", corrected, "--out", out)
	if sum.Issued != 0 || sum.AlreadyIssued != 1 {
		t.Fatalf("without --reissue: %+v, want the row already issued", sum)
	}
	sum, _ = issueJSON(t, home, "--type", "Diploma", "--input", corrected, "--out", out, "--reissue")
	if sum.Issued != 1 || sum.Superseded != 1 {
		t.Fatalf("--reissue: %+v, want one issued, one superseded", sum)
	}
	code, verdict := sceauRun(t, home, "verify", old)
	if code != ExitInvalid || !strings.Contains(verdict, "revoked (reason superseded") {
		t.Errorf("verify the replaced credential: exit %d\n%s", code, verdict)
	}
	code, verdict = sceauRun(t, home, "verify", bundleOf(t, out, "070123456AB", "anchored"))
	if code != 0 || !strings.Contains(verdict, "tres_bien_felicitations") {
		t.Errorf("verify the new credential: exit %d\n%s", code, verdict)
	}
	// The cumulative manifest tells them apart.
	statuses := map[string]int{}
	for _, m := range readManifest(t, out) {
		statuses[m.studentID+" "+m.status]++
	}
	if statuses["070123456AB superseded"] != 1 || statuses["070123456AB anchored"] != 1 || statuses["081234567CD anchored"] != 1 || len(statuses) != 3 {
		t.Errorf("manifest statuses %v", statuses)
	}
	// Reissued again by a second --reissue run of the same file: resumed,
	// nothing new.
	sum, _ = issueJSON(t, home, "--type", "Diploma", "--input", corrected, "--out", out, "--reissue")
	if sum.Issued != 0 || sum.Superseded != 0 {
		t.Errorf("the same --reissue run again: %+v, want nothing new", sum)
	}
}

func TestRevokeByCredentialIDOrByStudent(t *testing.T) {
	home := issuerHome(t)
	out := filepath.Join(t.TempDir(), "out")
	sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", registerCSV(t, registerRows[:2]...), "--out", out)
	pixOut := filepath.Join(t.TempDir(), "pix")
	sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", writeFile(t, filepath.Join(t.TempDir(), "pix.csv"), spinePix), "--out", pixOut)
	heleneDiploma, helenePix := bundleOf(t, out, "070123456AB", "anchored"), bundleOf(t, pixOut, "070123456AB", "anchored")
	jerome := bundleOf(t, out, "081234567CD", "anchored")
	verdict := func(path string) string {
		t.Helper()
		_, text := sceauRun(t, home, "verify", path)
		return firstLineOf(text)
	}

	stdout := sceauOK(t, home, "revoke", "--issuer", "examoffice", "--reason", "fraud", "--student", "070123456AB")
	if strings.Count(stdout, "revoked urn:uuid:") != 2 || !strings.Contains(stdout, "(Diploma)") || !strings.Contains(stdout, "(PixCertification)") {
		t.Errorf("revoke --student:\n%s", stdout)
	}
	for _, path := range []string{heleneDiploma, helenePix} {
		if v := verdict(path); !strings.HasPrefix(v, "INVALID") {
			t.Errorf("%s after revoke --student: %s", filepath.Base(path), v)
		}
	}
	if v := verdict(jerome); !strings.HasPrefix(v, "VALID") {
		t.Errorf("another student's credential after revoke --student: %s", v)
	}
	if stdout := sceauOK(t, home, "revoke", "--issuer", "examoffice", "--reason", "fraud", "--student", "070123456AB"); !strings.Contains(stdout, "no credential to revoke") {
		t.Errorf("revoke --student again:\n%s", stdout)
	}

	jeromeID := "urn:uuid:" + strings.TrimSuffix(filepath.Base(jerome), ".json")
	sceauOK(t, home, "suspend", "--issuer", "examoffice", "--reason", "error", "--credential", jeromeID)
	if _, text := sceauRun(t, home, "verify", jerome); !strings.Contains(text, "suspended (reason error") {
		t.Errorf("after suspend --credential:\n%s", text)
	}
	sceauOK(t, home, "reinstate", "--issuer", "examoffice", "--credential", strings.TrimPrefix(jeromeID, "urn:uuid:"))
	if v := verdict(jerome); !strings.HasPrefix(v, "VALID") {
		t.Errorf("after reinstate --credential: %s", v)
	}
	// The register's statuses show in the manifest of the next run into out.
	sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", registerCSV(t, registerRows[2]), "--out", out)
	for _, m := range readManifest(t, out) {
		if want := map[string]string{"070123456AB": "revoked"}[m.studentID]; want != "" && m.status != want {
			t.Errorf("manifest: %s is %s, want %s", m.studentID, m.status, want)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"unknown student", []string{"revoke", "--issuer", "examoffice", "--reason", "fraud", "--student", "999999999ZZ"}, ExitInvalid, "no credential in issuer examoffice's register"},
		{"unknown credential", []string{"revoke", "--issuer", "examoffice", "--reason", "fraud", "--credential", "urn:uuid:00000000-0000-4000-8000-000000000000"}, ExitInvalid, "not in issuer examoffice's register"},
		{"not a credential id", []string{"revoke", "--issuer", "examoffice", "--reason", "fraud", "--credential", "Hélène"}, ExitUsage, "--credential"},
		{"a student and a file", []string{"revoke", "--issuer", "examoffice", "--reason", "fraud", "--student", "070123456AB", jerome}, ExitUsage, "give one of"},
	} {
		if code, text := sceauRun(t, home, tc.args...); code != tc.code || !strings.Contains(text, tc.says) {
			t.Errorf("%s: exit %d, want %d saying %q\n%s", tc.name, code, tc.code, tc.says, text)
		}
	}
}

// firstLineOf returns the first line of s.
func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestTheRegisterCannotBeReadInTheHome(t *testing.T) {
	home := issuerHome(t)
	sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", registerCSV(t, registerRows...), "--out", filepath.Join(t.TempDir(), "out"))
	office, err := org.Home(home).Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	register, err := os.ReadFile(office.RegisterFile())
	if err != nil {
		t.Fatalf("no register: %v", err)
	}
	for _, clear := range []string{"070123456AB", "Hélène", "Lefèvre", "Baccalauréat", "juin 2025", "urn:uuid:"} {
		if bytes.Contains(register, []byte(clear)) {
			t.Errorf("the register holds %q in clear", clear)
		}
	}
	// No file of the home holds a student's name in clear.
	err = filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, name := range []string{"Hélène", "Lefèvre", "Thébault", "Béranger"} {
			if bytes.Contains(data, []byte(name)) {
				t.Errorf("%s holds %q in clear", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestIssueProgressGoesToStandardErrorAndTheJSONSummaryAlone(t *testing.T) {
	home := issuerHome(t)
	sum, stderr := issueJSON(t, home, "--type", "Diploma", "--chunk", "2", "--input", registerCSV(t, registerRows[:5]...), "--out", filepath.Join(t.TempDir(), "out"))
	if sum.Issued != 5 || len(sum.Batches) != 3 || sum.Type != "Diploma" || sum.Rows != 5 {
		t.Errorf("summary %+v", sum)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 4 || lines[0] != "issuing 5 credential(s)" ||
		!strings.HasPrefix(lines[1], "issued 2/5 credentials (") || !strings.Contains(lines[1], "left)") ||
		!strings.HasPrefix(lines[3], "issued 5/5 credentials (") {
		t.Errorf("progress on standard error, one line per batch:\n%s", stderr)
	}
	var raw map[string]any
	code, stdout, _ := sceau(t, home, "issue", "--json", "--issuer", "examoffice", "--type", "Diploma", "--input", registerCSV(t, registerRows[4], registerRows[3], registerRows[2], registerRows[1], registerRows[0]), "--out", filepath.Join(t.TempDir(), "out2"))
	if code != 0 || json.Unmarshal([]byte(stdout), &raw) != nil {
		t.Fatalf("issue --json: exit %d\n%s", code, stdout)
	}
	for _, key := range []string{"type", "rows", "issued", "reused", "alreadyIssued", "superseded", "rejected", "batches", "out", "seconds"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("the JSON summary has no %q: %s", key, stdout)
		}
	}
	if batches, ok := raw["batches"].([]any); !ok || len(batches) != 0 || raw["alreadyIssued"] != 5.0 {
		t.Errorf("a run with every row already issued: %s", stdout)
	}
}

func TestProgressLineSaysRateAndTimeLeft(t *testing.T) {
	for _, tt := range []struct {
		done, total int
		elapsed     time.Duration
		want        string
	}{
		{500, 10000, 250 * time.Millisecond, "issued 500/10000 credentials (2000/s, about 5s left)"},
		{1000, 700000, 2 * time.Second, "issued 1000/700000 credentials (500/s, about 23m18s left)"},
		{500, 700000, 2 * time.Second, "issued 500/700000 credentials (250/s, about 46m38s left)"},
		{1, 700000, time.Second, "issued 1/700000 credentials (1/s, about 194h27m left)"},
		{10000, 10000, 4 * time.Second, "issued 10000/10000 credentials (2500/s)"},
	} {
		if got := progressLine(tt.done, tt.total, tt.elapsed); got != tt.want {
			t.Errorf("progressLine(%d, %d, %s) = %q, want %q", tt.done, tt.total, tt.elapsed, got, tt.want)
		}
	}
}

// TestIssueKilledThenAnExtendedExport: `sceau issue` killed (SIGKILL)
// mid-run, then the extended export issued before the first is resumed:
// whatever the kill interrupted (a batch signed, pending, anchored but not
// filed), each student ends with exactly one credential, anchored once,
// with its bundle written by one run or the other.
func TestIssueKilledThenAnExtendedExport(t *testing.T) {
	rows, extra, chunk := sized(300, 3000), sized(100, 1000), sized(30, 200)
	home := issuerHome(t)
	write := func(n int) string {
		t.Helper()
		var buf bytes.Buffer
		if err := issuer.WriteSyntheticCSV(&buf, schemas.TypeDiploma, n, issuer.CSVDialect{}, 13); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "export.csv")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first, extended := write(rows), write(rows+extra) // the first rows are the same
	outFirst, outExtended := filepath.Join(t.TempDir(), "first"), filepath.Join(t.TempDir(), "extended")
	office, err := org.Home(home).Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}

	args := []string{"--home", home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", first, "--out", outFirst, "--chunk", strconv.Itoa(chunk)}
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
			t.Fatal("the first run never saved its third chunk")
		case <-time.After(5 * time.Millisecond):
			if m, _ := filepath.Glob(filepath.Join(office.JobsDir(), "*", "chunk-000003"+issuer.BatchFileExt)); len(m) > 0 {
				break wait
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	killedAnchored := anchoredCredentials(t, home)

	sum, _ := issueJSON(t, home, "--type", "Diploma", "--input", extended, "--out", outExtended, "--chunk", strconv.Itoa(chunk))
	if sum.AlreadyIssued != killedAnchored || sum.Issued != rows+extra-killedAnchored {
		t.Errorf("the extended export after the kill: %+v; the killed run had anchored %d credentials", sum, killedAnchored)
	}
	if n := anchoredCredentials(t, home); n != rows+extra {
		t.Fatalf("%d credentials anchored for %d students", n, rows+extra)
	}
	// The first export, run again, writes what its killed run anchored.
	sceauOK(t, home, args[2:]...)
	if n := anchoredCredentials(t, home); n != rows+extra {
		t.Fatalf("after resuming the first export: %d credentials anchored for %d students", n, rows+extra)
	}
	students := map[string]string{}
	for _, out := range []string{outFirst, outExtended} {
		ids := []string{}
		for _, m := range readManifest(t, out) {
			if other, dup := students[m.studentID]; dup {
				t.Fatalf("student %s has credentials %s and %s", m.studentID, other, m.id)
			}
			students[m.studentID] = m.id
			ids = append(ids, m.id)
		}
		verifyListed(t, home, out, ids)
	}
	if len(students) != rows+extra {
		t.Errorf("%d students have a bundle, want %d", len(students), rows+extra)
	}
}

// verifyListed runs the verifier on the credentials ids, read from out's
// batch files, and fails on any verdict other than valid.
func verifyListed(t *testing.T, home, out string, ids []string) {
	t.Helper()
	lines := readBatchFiles(t, out)
	bundles := make(map[string][]byte, len(ids))
	for _, id := range ids {
		line, ok := lines[id]
		if !ok {
			t.Fatalf("no batch file of %s holds %s", out, id)
		}
		bundles[id] = line
	}
	verifyAll(t, home, bundles)
}
