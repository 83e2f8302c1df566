//go:build unix

package hardening

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/verifier"
)

// crashSeedEnv, when set, replays the kill delays of an earlier run.
const crashSeedEnv = "SCEAU_CRASH_SEED"

// TestKilledIssuanceResumesExactlyOnce runs `sceau issue` as a process
// and kills it with SIGKILL after random delays (seeded; the seed is
// logged, SCEAU_CRASH_SEED replays it), again and again, each run resuming
// the last. After every kill `sceau ledger verify` passes. A last run
// completes, and then every input row has exactly one credential: one line
// in manifest.csv, one bundle in the batch files, anchored once on the
// ledger (no batch nor digest anchored that no bundle carries), and the
// bundles verify.
//
// Each kill's delay is drawn within half the time that run would take: a
// whole run of the same input is timed first on a world of its own, then
// again with nothing left to do (its fixed cost), and the rest is scaled
// by the share of rows still to issue. Kills then land mid-way on any
// machine, and they stop once a run finishes first. (Drawn within a fixed
// second, they all came after the end once issuance did the 2 000 rows in
// less, and the test failed for killing nothing.) By default 2 000 rows in
// chunks of 20, up to 8 kills and a sample of bundles verified;
// SCEAU_LONG_TESTS=1: 10 000 rows in chunks of 50, up to 30 kills, every
// bundle verified.
func TestKilledIssuanceResumesExactlyOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills sceau processes: not in -short mode")
	}
	rows, chunk, kills, verifyEvery := 2000, 20, 8, 20
	if long() {
		rows, chunk, kills, verifyEvery = 10000, 50, 30, 1
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", crashSeedEnv, s, err)
		}
	}
	t.Logf("seed %d (%s=%d replays these kills)", seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	bin := buildSceau(t)
	csvRows := []byte(syntheticDiplomaCSV(rows, seed))
	issueArgs := func(w *world) []string {
		return []string{"--home", w.home, "issue", "--issuer", examOffice, "--type", "Diploma",
			"--input", w.write("students.csv", csvRows), "--out", filepath.Join(w.dir, "out"), "--chunk", strconv.Itoa(chunk)}
	}
	timed := issueArgs(newWorld(t))
	wholeRun := timeWholeRun(t, bin, timed)
	idleRun := timeWholeRun(t, bin, timed) // everything done already: the fixed cost
	t.Logf("a whole run takes %s here, %s of it whatever is left to do: the kills come within it",
		wholeRun.Round(time.Millisecond), idleRun.Round(time.Millisecond))

	w := newWorld(t)
	issue := issueArgs(w)
	out := filepath.Join(w.dir, "out")
	killed, written := 0, 0
	for i := range kills {
		// Within half the time this run would take (its fixed cost and the
		// rows left): a run can be quicker than the one timed, and a delay
		// past its end would test nothing. The runs that follow cover the
		// rest of the rows.
		left := float64(rows-written) / float64(rows)
		delay := time.Duration(0.5 * rng.Float64() * (float64(idleRun) + left*float64(wholeRun-idleRun)))
		progress, done, wasKilled := runKilled(t, bin, issue, delay)
		written = max(written, done)
		if wasKilled {
			killed++
		}
		code, report := runSceau(t, bin, "--home", w.home, "ledger", "verify")
		t.Logf("run %d: killed after %s (%s): %s", i+1, delay.Round(time.Millisecond), progress, firstLine(report))
		if code != 0 {
			t.Fatalf("ledger verify after kill %d: exit %d\n%s", i+1, code, report)
		}
		if !wasKilled {
			break // every row written: nothing left to interrupt
		}
	}
	if killed == 0 {
		t.Fatalf("no run was killed before it finished: the kills tested nothing (raise the rows)")
	}
	code, summary := runSceau(t, bin, issue...)
	if code != 0 {
		t.Fatalf("the last, complete run: exit %d\n%s", code, summary)
	}
	t.Logf("%d runs killed; last run: %s", killed, lineWith(summary, "issued,"))

	manifest := readManifest(t, filepath.Join(out, "manifest.csv"))
	bundles := readBatchBundles(t, out)
	if len(manifest) != rows || len(bundles) != rows {
		t.Fatalf("%d rows in: %d manifest lines and %d bundles in the batch files, want %d of each", rows, len(manifest), len(bundles), rows)
	}
	students := map[string]int{}
	byID := map[string]manifestLine{}
	for _, m := range manifest {
		students[m.studentID]++
		if _, dup := byID[m.credentialID]; dup {
			t.Errorf("credential %s is listed twice in manifest.csv", m.credentialID)
		}
		byID[m.credentialID] = m
	}
	for i := range rows {
		if n := students[syntheticStudentID(i)]; n != 1 {
			t.Errorf("student %s has %d lines in manifest.csv, want 1", syntheticStudentID(i), n)
		}
	}

	l, err := embedded.Open(context.Background(), w.ledgerDir(), embedded.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	anchored := anchoredGroups(t, l)
	v := newVerifier(t, l, verifier.Options{})
	for i, b := range bundles {
		j, err := credential.ParseJWT(b.bundle.VCJWT)
		if err != nil {
			t.Fatalf("%s: %v", b.path, err)
		}
		m, ok := byID[b.bundle.ID]
		switch {
		case !ok:
			t.Errorf("bundle %s is not in manifest.csv", filepath.Base(b.path))
		case m.studentID != j.Credential.Subject.Holder().StudentID || m.batch != b.bundle.Anchor.Batch:
			t.Errorf("bundle %s is about student %s in batch %s, manifest.csv says %s in %s",
				filepath.Base(b.path), j.Credential.Subject.Holder().StudentID, b.bundle.Anchor.Batch, m.studentID, m.batch)
		}
		digest := credential.DigestJWS(b.bundle.VCJWT)
		if anchored[digest] != b.bundle.Anchor.Batch {
			t.Errorf("bundle %s: its vc+jwt is anchored in batch %q, the bundle names %q", filepath.Base(b.path), anchored[digest], b.bundle.Anchor.Batch)
		}
		delete(anchored, digest)
		if i%verifyEvery == 0 {
			if r := v.Verify(context.Background(), b.raw); r.Verdict != verifier.Valid {
				t.Errorf("bundle %s: verdict %s\n%s", filepath.Base(b.path), r.Verdict, describe(r))
			}
		}
	}
	for digest, batch := range anchored {
		t.Errorf("credential %s… is anchored in batch %s but no bundle carries it: issued twice", digest[:12], batch)
	}
	if report, err := l.Verify(context.Background()); err != nil || !report.OK() {
		t.Errorf("the ledger does not verify at the end: %v %+v", err, report)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(out, ".*tmp-*")); len(leftovers) > 0 {
		t.Logf("%d temporary files of killed runs are left in --out (harmless: never read), e.g. %s", len(leftovers), filepath.Base(leftovers[0]))
	}
}

// runKilled starts sceau with args, kills it with SIGKILL after delay and
// returns the last progress line it printed and whether the kill ended it
// (false when it finished first).
// timeWholeRun runs sceau with args to the end and returns how long it
// took.
func timeWholeRun(t *testing.T, bin string, args []string) time.Duration {
	t.Helper()
	start := time.Now()
	if code, report := runSceau(t, bin, args...); code != 0 {
		t.Fatalf("a whole run, timed: exit %d\n%s", code, report)
	}
	return time.Since(start)
}

// runKilled runs sceau with args and kills it after delay. It returns
// what the run got to, in words, the credentials written by then (this
// run's and the earlier runs', as its progress lines count them), and
// whether it was killed rather than finished.
func runKilled(t *testing.T, bin string, args []string, delay time.Duration) (string, int, bool) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
	err := cmd.Wait()
	timer.Stop()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	wasKilled := ws.Signaled() && ws.Signal() == syscall.SIGKILL
	if !wasKilled && err != nil {
		t.Fatalf("sceau %s failed on its own: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	progress, done := "before any chunk was written", 0
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "issued ") {
			count := strings.Fields(line)[1] // done/total
			progress = "after " + count + " credentials were written"
			done, _ = strconv.Atoi(strings.Split(count, "/")[0])
		}
	}
	if !wasKilled {
		progress = "it finished first"
	}
	return progress, done, wasKilled
}

// manifestLine is one credential of manifest.csv.
type manifestLine struct{ credentialID, studentID, batch string }

// readManifest reads manifest.csv: credential_id, student_id, type, chunk,
// batch, status.
func readManifest(t *testing.T, path string) []manifestLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(records) == 0 || strings.Join(records[0], ",") != "credential_id,student_id,type,chunk,batch,status" {
		t.Fatalf("%s: unexpected header %q", path, records[0])
	}
	lines := make([]manifestLine, 0, len(records)-1)
	for _, r := range records[1:] {
		lines = append(lines, manifestLine{credentialID: r[0], studentID: r[1], batch: r[4]})
	}
	return lines
}

// anchoredGroups reads every AnchorBatch transaction of the ledger and
// returns the batch of each credential's first (vc+jwt) digest. It fails
// on a batch or a digest anchored twice.
func anchoredGroups(t *testing.T, l *embedded.Ledger) map[string]string {
	t.Helper()
	var export bytes.Buffer
	if err := l.Export(context.Background(), &export); err != nil {
		t.Fatal(err)
	}
	batchOf := map[string]string{}
	batches := map[string]bool{}
	dec := json.NewDecoder(&export)
	for dec.More() {
		var b embedded.BlockRecord
		if err := dec.Decode(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(b.Function), "AnchorBatch") {
			continue
		}
		var req record.AnchorRequest
		if len(b.Args) != 1 || json.Unmarshal(b.Args[0], &req) != nil {
			t.Fatalf("block %d: AnchorBatch with unexpected arguments", b.Number)
		}
		if batches[req.BatchID] {
			t.Errorf("batch %s is anchored twice", req.BatchID)
		}
		batches[req.BatchID] = true
		for _, group := range req.Credentials {
			if prev, dup := batchOf[group[0]]; dup {
				t.Errorf("credential %s… is anchored in batches %s and %s", group[0][:12], prev, req.BatchID)
			}
			batchOf[group[0]] = req.BatchID
		}
	}
	return batchOf
}

// lineWith returns the first line of s that contains part, or "".
func lineWith(s, part string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, part) {
			return line
		}
	}
	return ""
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
