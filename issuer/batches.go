package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
)

// Uploaded batches (POST /v1/batches) are issued in the background, each in
// its folder under the issuer's: <issuer>/api/batches/<id>/ holds the
// uploaded input.csv, status.json (what GET /v1/batches/{id} answers) and
// out/ (bundles, manifest.csv, rejects.csv), as `sceau issue` would write
// them. Issuance is resumable by input, as on the command line: a batch
// interrupted by a server stop is marked "interrupted", and uploading the
// same file again resumes it without issuing anything twice.

// Batch states.
const (
	BatchQueued      = "queued"
	BatchRunning     = "running"
	BatchSucceeded   = "succeeded"
	BatchFailed      = "failed"
	BatchInterrupted = "interrupted"
)

// maxFormField bounds the form fields of an upload (all but the file).
const maxFormField = 1 << 10

// BatchStatus is the state of an uploaded batch, GET /v1/batches/{id}.
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
	// Counts, once succeeded.
	Rows     int `json:"rows"`
	Issued   int `json:"issued"`
	Reused   int `json:"reused"`
	Rejected int `json:"rejected"`
	Batches  int `json:"batches"`
	// Errors lists the bad rows that stopped a failed batch (the first ones).
	Errors []BatchRowError `json:"errors,omitempty"`
	// Error says why the batch failed or was interrupted.
	Error string `json:"error,omitempty"`
	// Where the results are, once succeeded.
	Manifest    string `json:"manifest,omitempty"`
	Rejects     string `json:"rejects,omitempty"`
	Credentials string `json:"credentials,omitempty"`
}

// BatchRowError is one problem of a bad row: its line, column and rule.
type BatchRowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// batchJobs runs uploaded batches, MaxConcurrentBatches at a time.
type batchJobs struct {
	api    *API
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
	mu     sync.Mutex
	status BatchStatus
}

func newBatchJobs(a *API, slots int) *batchJobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &batchJobs{api: a, slots: make(chan struct{}, slots), ctx: ctx, cancel: cancel, live: map[string]*batchJob{}}
}

// close interrupts the live batches and waits for them to stop. No batch
// starts after it.
func (b *batchJobs) close() {
	b.mu.Lock()
	b.cancel()
	b.mu.Unlock()
	b.wg.Wait()
}

// dir is the folder of batch id of issuer issuerID.
func (b *batchJobs) dir(issuerID, id string) (string, error) {
	dir, err := b.api.svc.Home.Org(issuerID)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir.APIBatchesDir(), id), nil
}

// elsewhere reports whether batch id is in the folder of an issuer other
// than issuerID.
func (b *batchJobs) elsewhere(issuerID, id string) bool {
	ids, _ := b.api.svc.Home.OrgIDs()
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

// upload is what POST /v1/batches received.
type upload struct {
	issuer, typ, encoding string
	skipInvalid           bool
	chunk                 int
	file                  bool
}

func (b *batchJobs) post(w http.ResponseWriter, r *http.Request, issuerID string) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		writeError(w, http.StatusUnsupportedMediaType, "upload the CSV as multipart/form-data: a file field \"file\" and a field \"type\"")
		return
	}
	if err := b.ctx.Err(); err != nil {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	id := newJobID()
	dir, err := b.dir(issuerID, id)
	if err != nil {
		b.api.fail(w, r, err)
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.api.fail(w, r, fmt.Errorf("creating the batch folder: %w", err))
		return
	}
	up, err := b.receive(w, r, filepath.Join(dir, "input.csv"))
	if err == nil {
		err = b.check(r.Context(), issuerID, up)
	}
	if err != nil {
		os.RemoveAll(dir)
		b.api.fail(w, r, err)
		return
	}
	job := &batchJob{dir: dir, status: BatchStatus{
		ID: id, Issuer: issuerID, Type: up.typ, State: BatchQueued, CreatedAt: time.Now().UTC().Format(time.RFC3339),
	}}
	if err := job.save(); err != nil {
		os.RemoveAll(dir)
		b.api.fail(w, r, err)
		return
	}
	b.mu.Lock()
	if b.ctx.Err() != nil {
		b.mu.Unlock()
		os.RemoveAll(dir)
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	b.live[id] = job
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		b.run(job, up)
	}()
	b.api.logger.Info("batch uploaded", "issuer", issuerID, "batch", id, "type", up.typ)
	w.Header().Set("Location", "/v1/batches/"+id)
	writeJSON(w, http.StatusAccepted, job.snapshot())
}

// receive reads the multipart form, streaming the file to path.
func (b *batchJobs) receive(w http.ResponseWriter, r *http.Request, path string) (*upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, b.api.maxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &badRequest{msg: "reading the upload: " + err.Error()}
	}
	up := &upload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadError(err)
		}
		name := part.FormName()
		if name == "file" {
			if up.file {
				return nil, &badRequest{msg: "the upload has two files: send one CSV per batch"}
			}
			up.file = true
			if err := saveUpload(part, path, b.api.maxUpload); err != nil {
				return nil, err
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil {
			return nil, uploadError(err)
		}
		if len(value) > maxFormField {
			return nil, &badRequest{msg: fmt.Sprintf("form field %q is longer than %d bytes", name, maxFormField)}
		}
		v := strings.TrimSpace(string(value))
		switch name {
		case "type":
			up.typ = v
		case "issuer":
			up.issuer = v
		case "encoding":
			up.encoding = v
		case "skip_invalid":
			if up.skipInvalid, err = strconv.ParseBool(v); err != nil {
				return nil, &badRequest{msg: fmt.Sprintf("skip_invalid %q: want true or false", v)}
			}
		case "chunk":
			if up.chunk, err = strconv.Atoi(v); err != nil || up.chunk < 1 {
				return nil, &badRequest{msg: fmt.Sprintf("chunk %q: want a positive number of credentials per anchored batch", v)}
			}
		default:
			return nil, &badRequest{msg: fmt.Sprintf("unknown form field %q (want file, type, and optionally issuer, skip_invalid, encoding, chunk)", name)}
		}
	}
	if !up.file {
		return nil, &badRequest{msg: "the upload has no file: send the CSV as form field \"file\""}
	}
	return up, nil
}

// saveUpload streams an uploaded file to path, at most max bytes.
func saveUpload(part io.Reader, path string, max int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("storing the upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(part, max+1))
	if err == nil && n > max {
		err = &tooLargeUpload{limit: max}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return uploadError(err)
	}
	return nil
}

type tooLargeUpload struct{ limit int64 }

func (e *tooLargeUpload) Error() string {
	return fmt.Sprintf("the file is larger than %d bytes: split it", e.limit)
}

// uploadError classifies an error met while reading an upload.
func uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	var tooLargeFile *tooLargeUpload
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.As(err, &tooLargeFile):
		return &http.MaxBytesError{Limit: tooLargeFile.limit}
	case errors.Is(err, context.Canceled):
		return err
	}
	return &badRequest{msg: "reading the upload: " + err.Error()}
}

// check refuses an upload that cannot be issued, before it is queued.
func (b *batchJobs) check(ctx context.Context, issuerID string, up *upload) error {
	if up.issuer != "" && up.issuer != issuerID {
		return &forbidden{msg: fmt.Sprintf("this API token acts for issuer %s, not for %s", issuerID, up.issuer)}
	}
	if !record.IsCredentialType(up.typ) {
		return &badRequest{msg: fmt.Sprintf("type %q: want %s", up.typ, record.Join(record.CredentialTypes(), " or "))}
	}
	switch strings.ToLower(up.encoding) {
	case "", schemas.EncodingAuto, schemas.EncodingUTF8, schemas.EncodingWindows1252:
	default:
		return &badRequest{msg: fmt.Sprintf("encoding %q: want %s, %s or %s", up.encoding, schemas.EncodingAuto, schemas.EncodingUTF8, schemas.EncodingWindows1252)}
	}
	return b.api.svc.checkAccredited(ctx, issuerID, up.typ)
}

// run issues a batch once a slot is free.
func (b *batchJobs) run(job *batchJob, up *upload) {
	defer func() {
		b.mu.Lock()
		delete(b.live, job.status.ID)
		b.mu.Unlock()
	}()
	select {
	case b.slots <- struct{}{}:
		defer func() { <-b.slots }()
	case <-b.ctx.Done():
		job.finish(nil, b.ctx.Err(), b.api)
		return
	}
	job.update(func(s *BatchStatus) {
		s.State = BatchRunning
		s.StartedAt = time.Now().UTC().Format(time.RFC3339)
	})
	sum, err := b.issue(job, up, job.snapshot().Issuer)
	job.finish(sum, err, b.api)
}

func (b *batchJobs) issue(job *batchJob, up *upload, issuerID string) (*IssueSummary, error) {
	if err := b.api.svc.checkAccredited(b.ctx, issuerID, up.typ); err != nil {
		return nil, err
	}
	profile, key, err := b.api.keys.current(issuerID)
	if err != nil {
		return nil, err
	}
	opts := IssueOptions{
		IssuerID: issuerID, Type: up.typ, Input: filepath.Join(job.dir, "input.csv"), OutDir: filepath.Join(job.dir, "out"),
		Chunk: up.chunk, SkipInvalid: up.skipInvalid, Encoding: up.encoding,
		Progress: func(done, total int) {
			job.update(func(s *BatchStatus) { s.Done, s.Total = done, total })
		},
	}
	return b.api.svc.issue(b.ctx, opts, profile, key)
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

// finish records how the batch ended.
func (j *batchJob) finish(sum *IssueSummary, err error, a *API) {
	var rowErrs *RowErrors
	j.update(func(s *BatchStatus) {
		s.FinishedAt = time.Now().UTC().Format(time.RFC3339)
		switch {
		case err == nil:
			s.State = BatchSucceeded
			s.Rows, s.Issued, s.Reused, s.Rejected, s.Batches = sum.Rows, sum.Issued, sum.Reused, sum.Rejected, len(sum.Batches)
			s.Done, s.Total = sum.Issued+sum.Reused, sum.Issued+sum.Reused
			s.Manifest = "/v1/batches/" + s.ID + "/manifest"
			s.Credentials = "/v1/batches/" + s.ID + "/credentials/{credential}"
			if sum.Rejected > 0 {
				s.Rejects = "/v1/batches/" + s.ID + "/rejects"
			}
		case errors.Is(err, context.Canceled):
			s.State = BatchInterrupted
			s.Error = "the server stopped before the batch was done: upload the same file again to resume it (nothing is issued twice)"
		case errors.As(err, &rowErrs):
			s.State = BatchFailed
			s.Error = fmt.Sprintf("%d invalid row(s), nothing was issued (fix them, or upload with skip_invalid=true)", rowErrs.Total)
			for _, re := range rowErrs.Rows {
				for _, p := range re.Problems {
					s.Errors = append(s.Errors, BatchRowError{Line: re.Line, Column: p.Column, Rule: p.Rule, Message: p.Message})
				}
			}
		default:
			s.State = BatchFailed
			s.Error = err.Error()
		}
	})
	st := j.snapshot()
	a.metrics.batchEnded(st.State)
	if st.State == BatchSucceeded {
		a.metrics.issued("/v1/batches", st.Type, st.Issued)
	}
	a.logger.Info("batch "+st.State, "issuer", st.Issuer, "batch", st.ID, "issued", st.Issued, "reused", st.Reused, "rejected", st.Rejected, "err", st.Error)
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

// lookup returns the folder and status of batch id, refusing (403) a
// batch of another issuer.
func (b *batchJobs) lookup(issuerID, id string) (string, BatchStatus, error) {
	if credentialUUID(id) != id {
		return "", BatchStatus{}, &badRequest{msg: "a batch id is a lower-case UUID"}
	}
	b.mu.Lock()
	job, ok := b.live[id]
	b.mu.Unlock()
	if ok {
		st := job.snapshot()
		if st.Issuer != issuerID {
			return "", BatchStatus{}, &forbidden{msg: fmt.Sprintf("batch %s belongs to another issuer", id)}
		}
		return job.dir, st, nil
	}
	dir, err := b.dir(issuerID, id)
	if err != nil {
		return "", BatchStatus{}, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "status.json"))
	if errors.Is(err, os.ErrNotExist) {
		if b.elsewhere(issuerID, id) {
			return "", BatchStatus{}, &forbidden{msg: fmt.Sprintf("batch %s belongs to another issuer", id)}
		}
		return "", BatchStatus{}, fmt.Errorf("batch %s: %w", id, network.ErrNotFound)
	}
	if err != nil {
		return "", BatchStatus{}, fmt.Errorf("reading batch %s: %w", id, err)
	}
	var st BatchStatus
	if err := json.Unmarshal(data, &st); err != nil {
		return "", BatchStatus{}, fmt.Errorf("batch %s: status.json is damaged: %w", id, err)
	}
	if st.State == BatchQueued || st.State == BatchRunning {
		// Saved as live by a server that is gone.
		st.State = BatchInterrupted
		st.Error = "the server stopped before the batch was done: upload the same file again to resume it (nothing is issued twice)"
	}
	return dir, st, nil
}

func (b *batchJobs) get(w http.ResponseWriter, r *http.Request, issuerID string) {
	_, st, err := b.lookup(issuerID, chi.URLParam(r, "id"))
	if err != nil {
		b.api.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// file serves one of a finished batch's CSV files.
func (b *batchJobs) file(name string) issuerHandler {
	return func(w http.ResponseWriter, r *http.Request, issuerID string) {
		dir, st, err := b.lookup(issuerID, chi.URLParam(r, "id"))
		if err != nil {
			b.api.fail(w, r, err)
			return
		}
		if st.State != BatchSucceeded {
			writeError(w, http.StatusConflict, fmt.Sprintf("batch %s is %s: its files are ready once it has succeeded", st.ID, st.State))
			return
		}
		serveFile(w, r, b.api, filepath.Join(dir, "out", name), "text/csv; charset=utf-8", fmt.Sprintf("batch %s has no %s", st.ID, name))
	}
}

// credential serves one bundle of a batch.
func (b *batchJobs) credential(w http.ResponseWriter, r *http.Request, issuerID string) {
	dir, st, err := b.lookup(issuerID, chi.URLParam(r, "id"))
	if err != nil {
		b.api.fail(w, r, err)
		return
	}
	u := credentialUUID(chi.URLParam(r, "credential"))
	if u == "" {
		writeError(w, http.StatusBadRequest, "want a credential id: urn:uuid:… or the bare UUID")
		return
	}
	serveFile(w, r, b.api, filepath.Join(dir, "out", u+".json"), "application/json", fmt.Sprintf("batch %s has no credential urn:uuid:%s (yet)", st.ID, u))
}

// serveFile copies a file to the response, or answers 404 with notFound.
func serveFile(w http.ResponseWriter, r *http.Request, a *API, path, contentType, notFound string) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		writeError(w, http.StatusNotFound, notFound)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	// A copy error means the client went away.
	_, _ = io.Copy(w, f)
}
