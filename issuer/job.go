package issuer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// The resume state of an issuance lives under the issuer's folder, in
// jobs/<id>/, where id is derived from the input's SHA-256 and the type:
//
//   - job.json: what pass 1 found (rows, rejected rows, the rows already
//     issued or repeated) and the options the run started with. It is
//     written once every row is validated; a re-run reads it instead of
//     validating the input again.
//   - rejects.csv: the invalid rows pass 1 found, when there are some.
//   - chunk-NNNNNN.jsonl: the batch file of chunk N, one bundle a line, each
//     with its inclusion proof (known before anchoring: the Merkle tree is
//     the chunk's own). It is written and synced before the chunk is
//     anchored, so that no anchored digest ever loses its credential, and
//     linked into --out (copied across file systems) once anchored.
//   - done-NNNNNN.json: chunk N is anchored and its files are in --out. It
//     holds the chunk's credentials (id, student) for the manifest, and
//     where its last row ends in the input.
//
// A re-run of the same input reads the last done record, moves the CSV
// reader to where that chunk ended and goes on from the next chunk: what
// is done is neither read by pass 2 nor rewritten, however much there is. A chunk
// signed but not done is taken from its batch file, and anchored unless
// the ledger already has its batch (a run killed after the commit): nothing
// is issued twice, and no anchored digest loses its credential.

// jobFormat is the version of the resume state this code writes; a job
// folder of another one is refused with what to do.
const jobFormat = 3

// job is the resume state of one input, under the issuer's folder.
type job struct {
	id  string
	dir string
	org string
	// issuerID names the batches.
	issuerID string
	info     jobInfo
}

// jobInfo is job.json.
type jobInfo struct {
	Format      int    `json:"format"`
	InputDigest string `json:"inputDigest"`
	Type        string `json:"type"`
	Chunk       int    `json:"chunk"`
	SkipInvalid bool   `json:"skipInvalid"`
	// Encoding is the encoding asked for ("" when detected).
	Encoding string `json:"encoding,omitempty"`
	// The files written per credential besides the batch files.
	Bundles bool `json:"bundles"`
	PNG     bool `json:"png"`
	PDF     bool `json:"pdf"`
	// Rows and Rejected are what pass 1 counted: data rows, invalid ones.
	Rows      int    `json:"rows"`
	Rejected  int    `json:"rejected"`
	CreatedAt string `json:"createdAt"`
	// Plan is what pass 1 found of the rows against the register and
	// each other, so that a resumed run need not read the input again.
	Plan planOutcome `json:"plan"`
}

// doneRecord is done-NNNNNN.json: a chunk anchored and written.
type doneRecord struct {
	No    int    `json:"no"`
	Batch string `json:"batch"`
	// End is where the chunk's last row ends in the input.
	End schemas.CSVPosition `json:"end"`
	// Done is the number of credentials of chunks 1 to No.
	Done int `json:"done"`
	// Forms is the number of secured forms of each credential.
	Forms int `json:"forms"`
	// IDs and Students are the chunk's credentials, in row order.
	IDs      []string `json:"ids"`
	Students []string `json:"students"`
}

// newJob returns the resume state of inputDigest and opts.Type for issuer
// p, in jobsDir (the issuer's org.Dir.JobsDir); job.load reads it.
func newJob(p *org.Profile, jobsDir, inputDigest string, opts IssueOptions) *job {
	id := jobID(inputDigest, opts)
	return &job{id: id, dir: filepath.Join(jobsDir, id[:32]), org: p.Org, issuerID: opts.IssuerID, info: jobInfo{
		Format: jobFormat, InputDigest: inputDigest, Type: opts.Type, Chunk: opts.Chunk, SkipInvalid: opts.SkipInvalid, Encoding: opts.Encoding,
		Bundles: opts.Bundles, PNG: opts.PNG, PDF: opts.PDF,
	}}
}

func (j *job) infoPath() string { return filepath.Join(j.dir, "job.json") }

// jobID is the id of the job of an input: its digest, the type and
// whether it reissues (a --reissue run of a file is a job of its own).
func jobID(inputDigest string, opts IssueOptions) string {
	key := inputDigest + "\x00" + opts.Type
	if opts.Reissue {
		key += "\x00reissue"
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// jobBatches is the prefix of the ids of the batches job id anchors.
func jobBatches(issuerID, id string) string { return issuerID + "-" + id[:16] + "-" }

// load reads job.json, if an earlier run wrote it, and reports whether it
// did. It refuses options other than those the job started with.
func (j *job) load() (bool, error) {
	data, err := os.ReadFile(j.infoPath())
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading resume state: %w", err)
	}
	var info jobInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return false, fmt.Errorf("resume state %s: %w", j.infoPath(), err)
	}
	if info.Format != jobFormat {
		return false, fmt.Errorf("the resume state of this input (%s) was written by another version of sceau: finish the run with it, or remove the folder to issue the input anew", j.dir)
	}
	want := j.info
	if info.Chunk != want.Chunk || info.SkipInvalid != want.SkipInvalid || info.Encoding != want.Encoding {
		return false, fmt.Errorf("this input was started with --chunk %d, --skip-invalid=%v and --encoding %q: re-run with the same options to resume (state in %s)", info.Chunk, info.SkipInvalid, info.Encoding, j.dir)
	}
	if info.Bundles != want.Bundles || info.PNG != want.PNG || info.PDF != want.PDF {
		return false, fmt.Errorf("this input was started with %s: re-run with the same options to resume (state in %s); to get other files of what is issued, use sceau export on the batch files", outputFlags(info), j.dir)
	}
	j.info = info
	return true, nil
}

// outputFlags names the per-credential output options of info.
func outputFlags(info jobInfo) string {
	var flags []string
	for _, f := range []struct {
		on   bool
		name string
	}{{info.Bundles, "--bundles"}, {info.PNG, "--png"}, {info.PDF, "--pdf"}} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	if len(flags) == 0 {
		return "the default output (no --bundles, --png nor --pdf)"
	}
	return strings.Join(flags, " ")
}

// create starts the job once pass 1 has counted rows and rejected ones,
// moving in the rejects file pass 1 wrote (when not empty). job.json is
// written last: it is what makes the job exist.
func (j *job) create(rows, rejected int, plan planOutcome, rejects string) error {
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return fmt.Errorf("creating resume state: %w", err)
	}
	if rejects != "" {
		if err := os.Rename(rejects, j.rejectsPath()); err != nil {
			return fmt.Errorf("saving the rejected rows: %w", err)
		}
	}
	j.info.Rows, j.info.Rejected, j.info.Plan = rows, rejected, plan
	j.info.CreatedAt = time.Now().UTC().Format(time.RFC3339)
	info, err := json.MarshalIndent(j.info, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(j.infoPath(), info, 0o600)
}

// rejectsPath is the file of the rows pass 1 found invalid.
func (j *job) rejectsPath() string { return filepath.Join(j.dir, rejectsName) }

func (j *job) batchID(no int) string {
	return fmt.Sprintf("%s%04d", jobBatches(j.issuerID, j.id), no)
}

// batchPath is the batch file of chunk no in the job folder.
func (j *job) batchPath(no int) string {
	return filepath.Join(j.dir, fmt.Sprintf("chunk-%06d%s", no, BatchFileExt))
}

func (j *job) donePath(no int) string {
	return filepath.Join(j.dir, fmt.Sprintf("done-%06d.json", no))
}

// saveBatch writes the batch file of chunk no durably: written, synced,
// and its folder synced. A crash while it is written leaves a file that
// does not read back whole, which loadBatch reports as absent: the chunk
// was not anchored, as anchoring waits for this.
func (j *job) saveBatch(no int, data []byte) error {
	path := j.batchPath(no)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("saving resume state: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("saving resume state %s: %w", path, err)
	}
	return fsutil.SyncDir(j.dir)
}

// loadBatch returns the bundles of chunk no's batch file: nil when there
// is none, an error when it does not read back whole (see saveBatch).
func (j *job) loadBatch(no int) ([]*credential.Bundle, error) {
	var bundles []*credential.Bundle
	err := ReadBatchFile(j.batchPath(no), func(b *credential.Bundle, _ []byte) error {
		bundles = append(bundles, b)
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return bundles, err
}

// markDone records that chunk rec.No is anchored and its files written.
// It is not synced: if a crash loses it, the next run writes the chunk's
// files again from its batch file, which changes nothing.
func (j *job) markDone(rec *doneRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return fsutil.WriteFileRenamed(j.donePath(rec.No), data, 0o600)
}

// loadDone reads the done record of chunk no.
func (j *job) loadDone(no int) (*doneRecord, error) {
	data, err := os.ReadFile(j.donePath(no))
	if err != nil {
		return nil, fmt.Errorf("reading resume state: %w", err)
	}
	var rec doneRecord
	if err := json.Unmarshal(data, &rec); err != nil || rec.No != no || len(rec.IDs) != len(rec.Students) || record.ValidateBatchID(rec.Batch) != nil {
		return nil, fmt.Errorf("resume state %s is damaged (remove it and the files after it to redo that chunk)", j.donePath(no))
	}
	return &rec, nil
}

// lastDone returns the record of the last chunk done, or nil when none is.
// Chunks are done in order, so it lists the folder and reads that record
// only, whatever the number of chunks done. Done records are not synced: a
// last one that a power cut left unreadable is taken for not written, and
// its chunk is written again from its batch file.
func (j *job) lastDone() (*doneRecord, error) {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, fmt.Errorf("reading resume state: %w", err)
	}
	var done []int
	for _, e := range entries {
		digits, isDone := strings.CutPrefix(e.Name(), "done-")
		digits, isJSON := strings.CutSuffix(digits, ".json")
		if !isDone || !isJSON {
			continue
		}
		if no, err := strconv.Atoi(digits); err == nil && no > 0 {
			done = append(done, no)
		}
	}
	if len(done) == 0 {
		return nil, nil
	}
	slices.Sort(done)
	if last := done[len(done)-1]; last != len(done) {
		return nil, fmt.Errorf("resume state %s is damaged: %d chunks done, the last numbered %d", j.dir, len(done), last)
	}
	for no := len(done); no > 0; no-- {
		rec, err := j.loadDone(no)
		if err == nil {
			return rec, nil
		}
		if err := os.Remove(j.donePath(no)); err != nil {
			return nil, fmt.Errorf("resume state: %w", err)
		}
	}
	return nil, nil
}
