package issuer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// ledgerHeight returns the height of the service's embedded ledger.
func ledgerHeight(t *testing.T, svc *Service) uint64 {
	t.Helper()
	info, err := svc.Ledger.(*embedded.Ledger).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.Height
}

// syntheticInput writes n synthetic rows of credType to a file.
func syntheticInput(t testing.TB, credType string, n int, d CSVDialect) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteSyntheticCSV(f, credType, n, d, 11); err != nil {
		t.Fatal(err)
	}
	return path
}

// manifestOf reads out/manifest.csv without its header.
func manifestOf(t *testing.T, out string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return records[1:]
}

// runLog captures a service's log, at debug level.
type runLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *runLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// capture makes svc log into a new runLog.
func capture(svc *Service) *runLog {
	l := &runLog{}
	svc.Logger = slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return l
}

var chunkAttr = regexp.MustCompile(` chunk=(\d+)`)

// events returns the messages logged, in order, each with its chunk
// number (0 when it has none), e.g. {"chunk signed", 4}.
func (l *runLog) events() []logEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var events []logEvent
	for _, line := range strings.Split(l.buf.String(), "\n") {
		_, msg, ok := strings.Cut(line, ` msg="`)
		if !ok {
			continue
		}
		msg, _, _ = strings.Cut(msg, `"`)
		e := logEvent{msg: msg}
		if m := chunkAttr.FindStringSubmatch(line); m != nil {
			e.chunk, _ = strconv.Atoi(m[1])
		}
		events = append(events, e)
	}
	return events
}

type logEvent struct {
	msg   string
	chunk int
}

// batchFileBundles reads every batch file of out and returns its bundles
// by credential id, failing on an id found twice.
func batchFileBundles(t *testing.T, out string) map[string]*credential.Bundle {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(out, "*"+BatchFileExt))
	if err != nil {
		t.Fatal(err)
	}
	bundles := map[string]*credential.Bundle{}
	for _, f := range files {
		err := ReadBatchFile(f, func(b *credential.Bundle, _ []byte) error {
			if _, dup := bundles[b.ID]; dup {
				t.Errorf("credential %s is in two batch files", b.ID)
			}
			if BatchFileName(b.Anchor.Batch) != filepath.Base(f) {
				t.Errorf("credential %s of batch %s is in %s", b.ID, b.Anchor.Batch, filepath.Base(f))
			}
			bundles[b.ID] = b
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return bundles
}

// checkIssuedOnce checks that out holds rows credentials, each once in
// manifest.csv and in a batch file, of distinct students, every form of
// each anchored in the batch its bundle names.
func checkIssuedOnce(t *testing.T, svc *Service, out string, rows int) {
	t.Helper()
	manifest := manifestOf(t, out)
	bundles := batchFileBundles(t, out)
	if len(manifest) != rows || len(bundles) != rows {
		t.Fatalf("%d manifest lines and %d credentials in batch files, want %d", len(manifest), len(bundles), rows)
	}
	ctx := context.Background()
	students := map[string]bool{}
	for _, m := range manifest {
		if students[m[1]] {
			t.Fatalf("student %s listed twice", m[1])
		}
		students[m[1]] = true
		b := bundles[m[0]]
		if b == nil || b.Anchor.Batch != m[4] {
			t.Fatalf("credential %s of batch %s: bundle %+v", m[0], m[4], b)
		}
		digests, err := Digests(ctx, b.MarshalIndented())
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range digests {
			if st, err := svc.Contract.GetStatus(ctx, d); err != nil || st.BatchID != b.Anchor.Batch {
				t.Fatalf("credential %s: digest %s: %+v %v", m[0], d, st, err)
			}
		}
	}
}

func TestIssueResumesAfterCancellationWithoutDuplicates(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypeDiploma)
	const rows, chunkSize = 400, 40
	input := syntheticInput(t, schemas.TypeDiploma, rows, CSVDialect{Delimiter: ';'})
	out := filepath.Join(t.TempDir(), "out")
	opts := IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma, Input: input, OutDir: out, Chunk: chunkSize}

	ctx, cancel := context.WithCancel(context.Background())
	first := opts
	first.Progress = func(done, total int) {
		if done >= 3*chunkSize {
			cancel()
		}
	}
	if _, err := svc.Issue(ctx, first); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.csv")); err == nil {
		t.Fatal("a cancelled run wrote manifest.csv")
	}

	log := capture(svc)
	sum, err := svc.Issue(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Issued+sum.Reused != rows || sum.Reused < 3*chunkSize || len(sum.Batches) != rows/chunkSize || sum.FormsPerCredential != 3 {
		t.Fatalf("re-run summary %+v: want %d credentials, at least %d reused, %d batches", sum, rows, 3*chunkSize, rows/chunkSize)
	}
	checkIssuedOnce(t, svc, out, rows)
	for _, batchID := range sum.Batches {
		b, err := svc.Contract.GetBatch(context.Background(), batchID)
		if err != nil || b.Size != chunkSize {
			t.Errorf("batch %s: %+v %v", batchID, b, err)
		}
	}
	// The re-run did not validate the input again (the job keeps pass 1's
	// counts, rejects and plan) and touched no chunk done.
	for _, e := range log.events() {
		if e.msg == "input validated" || e.chunk > 0 && e.chunk <= 3 {
			t.Errorf("the re-run logged %q for chunk %d, done by the first run", e.msg, e.chunk)
		}
	}
}

// TestIssueResumeStartsAtTheFirstChunkNotDone: after a run stopped with
// chunks done, one anchored but not written and one signed but not
// anchored, a re-run reads none of the rows done: the first thing it does
// is write the anchored chunk from its batch file (not signed, not
// anchored again), then anchor the signed one, then sign the next.
func TestIssueResumeStartsAtTheFirstChunkNotDone(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypeDiploma)
	const rows, chunkSize = 300, 30
	input := syntheticInput(t, schemas.TypeDiploma, rows, CSVDialect{Delimiter: ';', Windows1252: true, CRLF: true})
	out := filepath.Join(t.TempDir(), "out")
	opts := IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma, Input: input, OutDir: out, Chunk: chunkSize, Bundles: true}
	ctx, cancel := context.WithCancel(context.Background())
	first := opts
	first.Progress = func(done, total int) {
		if done >= 5*chunkSize {
			cancel()
		}
	}
	if _, err := svc.Issue(ctx, first); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	dir, err := svc.Home.Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := filepath.Glob(filepath.Join(dir.JobsDir(), "*", "job.json"))
	if len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	jobDir := filepath.Dir(jobs[0])
	j := &job{dir: jobDir}
	last, err := j.lastDone()
	if err != nil || last == nil || last.No < 5 {
		t.Fatalf("last chunk done: %+v %v", last, err)
	}
	// Chunk last.No was anchored but its files were not written (a power
	// cut): its done record is empty and its files in --out are gone. The
	// chunks after it may be signed, or anchored too.
	if err := os.WriteFile(j.donePath(last.No), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(out, BatchFileName(last.Batch)))
	for _, id := range last.IDs {
		os.Remove(filepath.Join(out, BundleFileName(id)))
	}
	anchored := last.No
	for {
		next := fmt.Sprintf("%s%04d", strings.TrimSuffix(last.Batch, fmt.Sprintf("%04d", last.No)), anchored+1)
		if _, err := svc.Contract.GetBatch(context.Background(), next); err != nil {
			break
		}
		anchored++
	}
	heightBefore := ledgerHeight(t, svc)

	log := capture(svc)
	sum, err := svc.Issue(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	checkIssuedOnce(t, svc, out, rows)
	if got := sum.Issued + sum.Reused; got != rows || sum.Reused < anchored*chunkSize {
		t.Errorf("summary %+v", sum)
	}
	if blocks := ledgerHeight(t, svc) - heightBefore; blocks != uint64(rows/chunkSize-anchored) {
		t.Errorf("the re-run added %d blocks, want %d: one per chunk not anchored", blocks, rows/chunkSize-anchored)
	}
	var chunkEvents []logEvent
	foundAnchored := 0
	for _, e := range log.events() {
		switch {
		case e.msg == "input validated":
			t.Error("the re-run started the job again")
		case e.chunk == 0:
		case e.chunk < last.No:
			t.Errorf("the re-run logged %q for chunk %d, done by the first run", e.msg, e.chunk)
		case e.chunk <= anchored && (e.msg == "chunk signed" || e.msg == "batch anchored"):
			t.Errorf("the re-run logged %q for chunk %d, anchored by the first run", e.msg, e.chunk)
		case e.msg == "batch already anchored by an earlier run":
			foundAnchored++
		}
		if e.chunk > 0 {
			chunkEvents = append(chunkEvents, e)
		}
	}
	if len(chunkEvents) == 0 || chunkEvents[0] != (logEvent{"chunk reloaded", last.No}) {
		t.Errorf("the re-run's first chunk events are %v, want chunk %d reloaded", chunkEvents[:min(4, len(chunkEvents))], last.No)
	}
	if want := anchored - last.No + 1; foundAnchored != want {
		t.Errorf("the re-run found %d batches anchored, want %d", foundAnchored, want)
	}
	if bundles, _ := filepath.Glob(filepath.Join(out, "*.json")); len(bundles) != rows {
		t.Errorf("--out holds %d bundles, want %d", len(bundles), rows)
	}

	// Into another folder, the same command writes the whole output again
	// from the resume state, issuing nothing.
	other := filepath.Join(t.TempDir(), "other")
	opts.OutDir = other
	again, err := svc.Issue(context.Background(), opts)
	if err != nil || again.Issued != 0 || again.Reused != rows {
		t.Fatalf("into another folder: %+v %v", again, err)
	}
	checkIssuedOnce(t, svc, other, rows)
	if bundles, _ := filepath.Glob(filepath.Join(other, "*.json")); len(bundles) != rows {
		t.Errorf("the other folder holds %d bundles, want %d", len(bundles), rows)
	}
	opts.Bundles = false
	if _, err := svc.Issue(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "--bundles") || !strings.Contains(err.Error(), "sceau export") {
		t.Errorf("re-run without --bundles: %v, want a refusal naming --bundles and sceau export", err)
	}
}

func TestIssueListsFiftyBadRowsAndRejectsThemAll(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypeDiploma)
	var buf bytes.Buffer
	if err := WriteSyntheticCSV(&buf, schemas.TypeDiploma, 100, CSVDialect{}, 2); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	for i := 1; i <= 60; i++ {
		lines[i] = strings.Replace(lines[i], ",4,", ",0,", 1) // eqf_level below 1
	}
	input := filepath.Join(t.TempDir(), "input.csv")
	if err := os.WriteFile(input, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	opts := IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma, Input: input, OutDir: out}
	_, err := svc.Issue(context.Background(), opts)
	var rowErrs *RowErrors
	if !errors.As(err, &rowErrs) || rowErrs.Total != 60 || len(rowErrs.Rows) != maxListedRowErrors || rowErrs.Rows[0].Line != 2 {
		t.Fatalf("Issue: %v, want 60 row errors, the first %d listed from line 2", err, maxListedRowErrors)
	}
	if !strings.Contains(err.Error(), "and 10 more") {
		t.Errorf("error does not say how many more: %v", err)
	}
	opts.SkipInvalid = true
	sum, err := svc.Issue(context.Background(), opts)
	if err != nil || sum.Issued != 40 || sum.Rejected != 60 {
		t.Fatalf("with SkipInvalid: %+v %v", sum, err)
	}
	rejects, err := os.ReadFile(filepath.Join(out, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(rejects)).ReadAll()
	if err != nil || len(records) != 61 || records[60][0] != "61" || records[60][1] != "eqf_level" {
		t.Errorf("rejects.csv: %d records, last %v, %v", len(records), records[len(records)-1], err)
	}
}

func TestIssueRefusesAnUnusableHolderKeyInPassOne(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypeDiploma)
	input := filepath.Join(t.TempDir(), "input.csv")
	csvText := "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,holder_jwk\n" +
		"070123456AB,Léa,Martin,2007-02-28,CAP,3,2025-07-04,\n" +
		`081234567CD,Noé,Ménard,2006-11-02,CAP,3,2025-07-04,"{""kty"":""RSA"",""n"":""AQAB"",""e"":""AQAB""}"` + "\n"
	if err := os.WriteFile(input, []byte(csvText), 0o600); err != nil {
		t.Fatal(err)
	}
	before := ledgerHeight(t, svc)
	_, err := svc.Issue(context.Background(), IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma, Input: input, OutDir: filepath.Join(t.TempDir(), "out")})
	if err == nil || !strings.Contains(err.Error(), "line 3, column holder_jwk") {
		t.Fatalf("Issue: %v, want line 3's holder_jwk named", err)
	}
	if after := ledgerHeight(t, svc); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}
}

func TestSyntheticCSVReadsBackValidInEveryDialect(t *testing.T) {
	v, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range record.CredentialTypes() {
		credType := string(typ)
		for _, d := range []CSVDialect{{}, {Delimiter: ';', Windows1252: true, CRLF: true}, {Delimiter: ';', BOM: true, CRLF: true}} {
			t.Run(fmt.Sprintf("%s/%+v", credType, d), func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteSyntheticCSV(&buf, credType, 300, d, 5); err != nil {
					t.Fatal(err)
				}
				r, err := schemas.NewCSVReader(&buf, credType, schemas.CSVOptions{Validator: v})
				if err != nil {
					t.Fatal(err)
				}
				wantEnc := schemas.EncodingUTF8
				if d.Windows1252 {
					wantEnc = schemas.EncodingWindows1252
				}
				if r.Encoding() != wantEnc || (d.Delimiter != 0 && r.Delimiter() != d.Delimiter) {
					t.Errorf("read as %s with %q", r.Encoding(), r.Delimiter())
				}
				for i := 0; ; i++ {
					row, err := r.Next()
					if errors.Is(err, io.EOF) {
						if i != 300 {
							t.Errorf("%d rows, want 300", i)
						}
						return
					}
					if err != nil || row.Err != nil {
						t.Fatalf("row %d: %v %v", i, err, row.Err)
					}
					if got := row.Record.Holder().StudentID; got != SyntheticStudentID(i) {
						t.Fatalf("row %d: student %s, want %s", i, got, SyntheticStudentID(i))
					}
				}
			})
		}
	}
	if err := WriteSyntheticCSV(io.Discard, "Licence", 1, CSVDialect{}, 0); err == nil {
		t.Error("an unknown type was accepted")
	}
}

func TestSignatureRateUsesTheIssuersKey(t *testing.T) {
	svc := newAccreditedService(t)
	ctx := context.Background()
	if _, err := svc.Init(ctx, InitOptions{ID: "ed-office", Name: "EdDSA office", Alg: string(credential.EdDSA), NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"examoffice", "ed-office"} {
		rate, err := svc.SignatureRate(ctx, id, 100*time.Millisecond, 2)
		if err != nil || rate <= 0 {
			t.Errorf("%s: rate %v, %v", id, rate, err)
		}
	}
	if _, err := svc.SignatureRate(ctx, "nobody", time.Millisecond, 1); !errors.Is(err, org.ErrUnknown) {
		t.Errorf("unknown issuer: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := svc.SignatureRate(cancelled, "examoffice", time.Second, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
