package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network"
)

// Uploaded batches are issued by a Desk in the background, each in its
// folder under the issuer's: <issuer>/api/batches/<id>/ holds the uploaded
// input.csv, status.json (its BatchStatus) and out/ (batch files, a bundle
// per credential, manifest.csv, rejects.csv), as `sceau issue --bundles`
// writes them. Issuance is resumable by input, as on the command line: a
// batch interrupted by Close (a server stop) is marked "interrupted", and
// starting the same file again resumes it without issuing anything twice.
//
// A batch goes: ReceiveBatch (its folder, where the caller writes the CSV),
// then StartBatch (checked, saved as queued, issued once a slot is free) or
// IncomingBatch.Discard; Batch finds it again, by issuer and id.

// Batch states.
const (
	BatchQueued      = "queued"
	BatchRunning     = "running"
	BatchSucceeded   = "succeeded"
	BatchFailed      = "failed"
	BatchInterrupted = "interrupted"
)

// interruptedMessage is the Error of an interrupted batch. It and the
// other messages a BatchStatus carries are what the issuer API answers:
// they speak to the program that uploaded the file.
const interruptedMessage = "the server stopped before the batch was done: upload the same file again to resume it (nothing is issued twice)"

// BatchStatus is the state of an uploaded batch, saved as status.json in
// its folder.
type BatchStatus struct {
	ID     string `json:"id"`
	Issuer string `json:"issuer"`
	Type   string `json:"type"`
	// State is queued, running, succeeded, failed or interrupted.
	State      string `json:"state"`
	CreatedAt  string `json:"createdAt"`
	StartedAt  string `json:"startedAt,omitempty"`
	FinishedAt string `json:"finishedAt,omitempty"`
	// Done is the number of credentials anchored and written so far, of
	// Total (the valid rows, known once every row is validated).
	Done  int `json:"done"`
	Total int `json:"total"`
	// Counts, once succeeded (see IssueSummary).
	Rows          int `json:"rows"`
	Issued        int `json:"issued"`
	Reused        int `json:"reused"`
	AlreadyIssued int `json:"alreadyIssued"`
	Superseded    int `json:"superseded"`
	Rejected      int `json:"rejected"`
	Batches       int `json:"batches"`
	// Errors lists the bad rows that stopped a failed batch (the first ones).
	Errors []BatchRowError `json:"errors,omitempty"`
	// Error says why the batch failed or was interrupted.
	Error string `json:"error,omitempty"`
}

// Finished reports whether the batch is over: succeeded, failed or
// interrupted.
func (s *BatchStatus) Finished() bool {
	return s.State != BatchQueued && s.State != BatchRunning
}

// BatchRowError is one problem of a bad row: its line, column and rule.
type BatchRowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// BatchOptions say how an uploaded batch is issued (see IssueOptions).
type BatchOptions struct {
	// Type is the credential type of every row.
	Type string
	// Encoding forces the CSV encoding; auto-detected when empty.
	Encoding string
	// SkipInvalid issues the valid rows and lists the others in
	// rejects.csv; otherwise one bad row fails the batch.
	SkipInvalid bool
	// Chunk is the number of credentials per anchored batch (DefaultChunk when 0).
	Chunk int
	// Reissue issues again the rows already issued (see IssueOptions.Reissue).
	Reissue bool
}

// IncomingBatch is a batch being received: its folder exists; the caller writes
// the CSV file at InputPath, then starts it with Desk.StartBatch, or drops
// it with Discard.
type IncomingBatch struct {
	// ID is the batch's id, a random lower-case UUID.
	ID string
	// Issuer is the issuer it is uploaded for.
	Issuer string
	dir    string
}

// InputPath is where the caller writes the uploaded CSV file (once, 0600).
func (in *IncomingBatch) InputPath() string { return filepath.Join(in.dir, "input.csv") }

// Discard removes the batch's folder and what was written in it.
func (in *IncomingBatch) Discard() { os.RemoveAll(in.dir) }

// ReceiveBatch makes the folder of a new batch of issuerID. It fails with
// ErrClosed once the desk is closed.
func (d *Desk) ReceiveBatch(issuerID string) (*IncomingBatch, error) {
	if err := d.batches.ctx.Err(); err != nil {
		return nil, ErrClosed
	}
	id := uuid.NewString()
	dir, err := d.batches.dir(issuerID, id)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the batch folder: %w", err)
	}
	return &IncomingBatch{ID: id, Issuer: issuerID, dir: dir}, nil
}

// StartBatch queues in, whose CSV file is written, and returns its status
// (queued); it is issued in the background once one of the
// MaxConcurrentBatches slots is free. It refuses with a *NotAccreditedError
// an issuer the ledger does not allow to issue opts.Type, and with
// ErrClosed once the desk is closed; a refused batch's folder is removed.
func (d *Desk) StartBatch(ctx context.Context, in *IncomingBatch, opts BatchOptions) (BatchStatus, error) {
	st, err := d.batches.start(ctx, in, opts)
	if err != nil {
		in.Discard()
	}
	return st, err
}

// Batch returns uploaded batch id of issuerID, as it is now: live in this
// process, or as a past process left it (a batch it left queued or running
// is interrupted). id is a lower-case UUID. It refuses with an
// *OtherIssuerError a batch of another issuer; an unknown batch is
// network.ErrNotFound.
func (d *Desk) Batch(issuerID, id string) (*Batch, error) {
	return d.batches.lookup(issuerID, id)
}

// Batch is an uploaded batch, as Desk.Batch found it.
type Batch struct {
	// Status is its status when it was found.
	Status BatchStatus
	dir    string
}

// BatchFile is one of the CSV files of a succeeded batch.
type BatchFile string

// A succeeded batch's files.
const (
	// BatchManifest lists every credential issued, in row order.
	BatchManifest BatchFile = manifestName
	// BatchRejects lists the bad rows skipped (only when there were some).
	BatchRejects BatchFile = rejectsName
)

// Open opens one of the batch's CSV files; a file the batch does not have
// (yet) is an error wrapping fs.ErrNotExist.
func (b *Batch) Open(f BatchFile) (io.ReadCloser, error) {
	if f != BatchManifest && f != BatchRejects {
		return nil, fmt.Errorf("batch %s: no file %q", b.Status.ID, f)
	}
	return os.Open(filepath.Join(b.dir, "out", string(f)))
}

// OpenBundle opens the bundle of credential urn:uuid:<u> of the batch, u
// a lower-case UUID (CredentialUUID); one the batch does not have (yet) is
// an error wrapping fs.ErrNotExist.
func (b *Batch) OpenBundle(u string) (io.ReadCloser, error) {
	if CredentialUUID(u) != u {
		return nil, fmt.Errorf("credential %q: want a lower-case UUID", u)
	}
	return os.Open(filepath.Join(b.dir, "out", u+".json"))
}

// batches runs a desk's uploaded batches, MaxConcurrentBatches at a time.
type batches struct {
	desk   *Desk
	ended  func(BatchStatus)
	slots  chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu sync.Mutex
	// live holds the batches of this process not finished yet.
	live map[string]*batchJob
}

// batchJob is one live batch.
type batchJob struct {
	dir    string
	opts   BatchOptions
	mu     sync.Mutex
	status BatchStatus
}

func newBatches(d *Desk, slots int, ended func(BatchStatus)) *batches {
	ctx, cancel := context.WithCancel(context.Background())
	return &batches{desk: d, ended: ended, slots: make(chan struct{}, slots), ctx: ctx, cancel: cancel, live: map[string]*batchJob{}}
}

// close interrupts the live batches and waits for them to stop. No batch
// starts after it.
func (b *batches) close() {
	b.mu.Lock()
	b.cancel()
	b.mu.Unlock()
	b.wg.Wait()
}

// dir is the folder of batch id of issuer issuerID.
func (b *batches) dir(issuerID, id string) (string, error) {
	dir, err := b.desk.svc.Home.Org(issuerID)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir.APIBatchesDir(), id), nil
}

// elsewhere reports whether batch id is in the folder of an issuer other
// than issuerID.
func (b *batches) elsewhere(issuerID, id string) bool {
	ids, _ := b.desk.svc.Home.OrgIDs()
	for _, other := range ids {
		if other == issuerID {
			continue
		}
		if dir, err := b.dir(other, id); err == nil {
			if _, err := os.Stat(dir); err == nil {
				return true
			}
		}
	}
	return false
}

// start checks, saves and launches a received batch.
func (b *batches) start(ctx context.Context, in *IncomingBatch, opts BatchOptions) (BatchStatus, error) {
	if err := b.desk.svc.checkAccredited(ctx, in.Issuer, opts.Type); err != nil {
		return BatchStatus{}, err
	}
	job := &batchJob{dir: in.dir, opts: opts, status: BatchStatus{
		ID: in.ID, Issuer: in.Issuer, Type: opts.Type, State: BatchQueued, CreatedAt: time.Now().UTC().Format(time.RFC3339),
	}}
	if err := job.save(); err != nil {
		return BatchStatus{}, err
	}
	b.mu.Lock()
	if b.ctx.Err() != nil {
		b.mu.Unlock()
		return BatchStatus{}, ErrClosed
	}
	b.live[in.ID] = job
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		b.run(job)
	}()
	return job.snapshot(), nil
}

// run issues a batch once a slot is free.
func (b *batches) run(job *batchJob) {
	defer func() {
		b.mu.Lock()
		delete(b.live, job.status.ID)
		b.mu.Unlock()
	}()
	select {
	case b.slots <- struct{}{}:
		defer func() { <-b.slots }()
	case <-b.ctx.Done():
		b.finish(job, nil, b.ctx.Err())
		return
	}
	job.update(func(s *BatchStatus) {
		s.State = BatchRunning
		s.StartedAt = time.Now().UTC().Format(time.RFC3339)
	})
	sum, err := b.issue(job, job.snapshot().Issuer)
	b.finish(job, sum, err)
}

func (b *batches) issue(job *batchJob, issuerID string) (*IssueSummary, error) {
	svc := b.desk.svc
	if err := svc.checkAccredited(b.ctx, issuerID, job.opts.Type); err != nil {
		return nil, err
	}
	profile, key, err := b.desk.keys.current(issuerID)
	if err != nil {
		return nil, err
	}
	reg, err := b.desk.registers.get(b.ctx, profile, key)
	if err != nil {
		return nil, err
	}
	opts := IssueOptions{
		IssuerID: issuerID, Type: job.opts.Type, Input: filepath.Join(job.dir, "input.csv"), OutDir: filepath.Join(job.dir, "out"),
		Chunk: job.opts.Chunk, SkipInvalid: job.opts.SkipInvalid, Encoding: job.opts.Encoding, Reissue: job.opts.Reissue, Bundles: true,
		Progress: func(done, total int) {
			job.update(func(s *BatchStatus) { s.Done, s.Total = done, total })
		},
	}
	return svc.issue(b.ctx, opts, profile, key, reg)
}

// finish records how the batch ended. The ended hook hears of it first,
// then the status says so: whoever polls the status and sees the batch
// finished also sees what the hook did (a counter incremented).
func (b *batches) finish(job *batchJob, sum *IssueSummary, err error) {
	st := job.snapshot()
	st.FinishedAt = time.Now().UTC().Format(time.RFC3339)
	var rowErrs *RowErrors
	switch {
	case err == nil:
		st.State = BatchSucceeded
		st.Rows, st.Issued, st.Reused, st.Rejected, st.Batches = sum.Rows, sum.Issued, sum.Reused, sum.Rejected, len(sum.Batches)
		st.AlreadyIssued, st.Superseded = sum.AlreadyIssued, sum.Superseded
		st.Done, st.Total = sum.Issued+sum.Reused, sum.Issued+sum.Reused
	case errors.Is(err, context.Canceled):
		st.State = BatchInterrupted
		st.Error = interruptedMessage
	case errors.As(err, &rowErrs):
		st.State = BatchFailed
		st.Error = fmt.Sprintf("%d invalid row(s), nothing was issued (fix them, or upload with skip_invalid=true)", rowErrs.Total)
		for _, re := range rowErrs.Rows {
			for _, p := range re.Problems {
				st.Errors = append(st.Errors, BatchRowError{Line: re.Line, Column: p.Column, Rule: p.Rule, Message: p.Message})
			}
		}
	default:
		st.State = BatchFailed
		st.Error = err.Error()
	}
	if b.ended != nil {
		b.ended(st)
	}
	job.update(func(s *BatchStatus) { *s = st })
	b.desk.logger.Info("batch "+st.State, "issuer", st.Issuer, "batch", st.ID, "issued", st.Issued, "reused", st.Reused, "rejected", st.Rejected, "err", st.Error)
}

// snapshot returns a copy of the job's status.
func (j *batchJob) snapshot() BatchStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.status
}

// update changes the status and saves it; a failure to save is logged by
// the caller's next save (status.json is advisory while running).
func (j *batchJob) update(change func(*BatchStatus)) {
	j.mu.Lock()
	change(&j.status)
	j.mu.Unlock()
	_ = j.save()
}

// save writes status.json.
func (j *batchJob) save() error {
	st := j.snapshot()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(j.dir, "status.json"), append(data, '\n'), 0o600)
}

// lookup finds batch id of issuerID (see Desk.Batch).
func (b *batches) lookup(issuerID, id string) (*Batch, error) {
	if CredentialUUID(id) != id {
		return nil, fmt.Errorf("batch %q: a batch id is a lower-case UUID", id)
	}
	b.mu.Lock()
	job, ok := b.live[id]
	b.mu.Unlock()
	if ok {
		st := job.snapshot()
		if st.Issuer != issuerID {
			return nil, &OtherIssuerError{IssuerID: issuerID, Batch: id}
		}
		return &Batch{Status: st, dir: job.dir}, nil
	}
	dir, err := b.dir(issuerID, id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "status.json"))
	if errors.Is(err, os.ErrNotExist) {
		if b.elsewhere(issuerID, id) {
			return nil, &OtherIssuerError{IssuerID: issuerID, Batch: id}
		}
		return nil, fmt.Errorf("batch %s: %w", id, network.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading batch %s: %w", id, err)
	}
	var st BatchStatus
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("batch %s: status.json is damaged: %w", id, err)
	}
	if !st.Finished() {
		// Saved as live by a process that is gone.
		st.State = BatchInterrupted
		st.Error = interruptedMessage
	}
	return &Batch{Status: st, dir: dir}, nil
}
