package issuer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// DefaultChunk is the default number of credentials anchored per ledger
// transaction. Each credential writes a status record per form (about 1.6 KB
// with its key and group), so 500 credentials of three forms make a block
// of about 2.5 MB, well under Fabric's default 10 MB limit (the chaincode
// refuses batches over its MaxBatchDigests). On the embedded ledger larger
// chunks do not anchor faster and hold more memory; on Fabric, where each
// transaction waits for its block, --chunk 2000 makes fewer of them.
const DefaultChunk = 500

// IssueOptions describes one issuance run.
type IssueOptions struct {
	IssuerID string
	Type     string
	// Input is the CSV file. Issuance is resumable per input: re-running
	// with the same file reuses what was already signed and anchored. A
	// row whose award the issuer's register holds (issued by an earlier
	// run of another file, e.g. the same export before it was extended) is
	// already issued: it is left out and counted as such.
	Input  string
	OutDir string
	// Chunk is the number of credentials per anchored batch (DefaultChunk when 0).
	Chunk int
	// SkipInvalid issues the valid rows and writes the others to
	// OutDir/rejects.csv; otherwise one bad row stops everything.
	SkipInvalid bool
	// Encoding forces the CSV encoding ("utf-8", "windows-1252"); auto-detected when empty.
	Encoding string
	// PDF also writes a printable certificate per credential.
	PDF bool
	// PNG writes the QR image of each credential (the default for the CLI).
	PNG bool
	// Reissue issues again the rows already issued: each new credential
	// replaces its award's current one, which is revoked (reason
	// superseded) once the new one is anchored.
	Reissue bool
	// Workers is the number of signing goroutines (GOMAXPROCS when 0).
	Workers int
	// Progress, when set, is called with the credentials anchored and
	// written so far and the number to issue: once with 0 when issuing
	// starts (every row validated), then after each chunk.
	Progress func(done, total int)
}

// IssueSummary reports an issuance run.
type IssueSummary struct {
	Type string `json:"type"`
	Rows int    `json:"rows"`
	// Issued is the number of credentials signed by this run.
	Issued int `json:"issued"`
	// Reused is the number of credentials an interrupted run of the same
	// input signed, anchored or written by this one.
	Reused int `json:"reused"`
	// AlreadyIssued is the number of rows left out because the register
	// holds their award (see IssueOptions.Input).
	AlreadyIssued int `json:"alreadyIssued"`
	// Superseded is the number of credentials revoked as replaced by
	// reissued ones (IssueOptions.Reissue).
	Superseded int `json:"superseded"`
	// Rejected is the number of invalid rows, including rows repeating an
	// earlier row's student and award.
	Rejected int      `json:"rejected"`
	Batches  []string `json:"batches"`
	OutDir   string   `json:"out"`
	// FormsPerCredential is the number of secured forms, one signature
	// each, of every credential.
	FormsPerCredential int `json:"formsPerCredential"`
	// Duration is the wall time of the run.
	Duration time.Duration `json:"-"`
}

// RowErrors is returned when rows of the input are invalid: every bad row is
// listed with its line, column and rule.
type RowErrors struct {
	Input string
	Rows  []*schemas.RowError
	Total int
}

func (e *RowErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d invalid row(s), nothing was issued (fix them, or use --skip-invalid)", e.Input, e.Total)
	for _, r := range e.Rows {
		b.WriteString("\n  ")
		b.WriteString(r.Error())
	}
	if e.Total > len(e.Rows) {
		fmt.Fprintf(&b, "\n  … and %d more", e.Total-len(e.Rows))
	}
	return b.String()
}

// maxListedRowErrors bounds the rows an error lists (all go to rejects.csv).
const maxListedRowErrors = 50

// Issue issues one credential per valid row of opts.Input and anchors them.
//
// It reads the input twice, as a stream. The first pass validates every
// row: unless opts.SkipInvalid, one bad row stops the run before anything
// is signed, anchored or written. The second pass is a pipeline of four
// stages running at once: reading rows into chunks; signing a chunk on
// opts.Workers goroutines and saving it as resume state; anchoring a chunk
// as one batch; writing its bundles. Memory holds a few chunks at most,
// whatever the size of the input.
func (s *Service) Issue(ctx context.Context, opts IssueOptions) (*IssueSummary, error) {
	profile, err := s.Home.LoadProfile(opts.IssuerID)
	if err != nil {
		return nil, err
	}
	if err := s.checkAccredited(ctx, opts.IssuerID, opts.Type); err != nil {
		return nil, err
	}
	key, err := s.Keys.Open(profile, profile.CurrentKID)
	if err != nil {
		return nil, err
	}
	reg, err := s.openRegister(ctx, profile, key)
	if err != nil {
		return nil, err
	}
	sum, err := s.issue(ctx, opts, profile, key, reg)
	if cerr := reg.Close(); err == nil && cerr != nil {
		return nil, fmt.Errorf("closing the register: %w", cerr)
	}
	return sum, err
}

// issue is Issue once the issuer's accreditation is checked, its current
// key at hand and its register open (a Desk keeps both).
func (s *Service) issue(ctx context.Context, opts IssueOptions, profile *org.Profile, key *credential.Key, reg *register.Register) (*IssueSummary, error) {
	start := time.Now()
	if opts.Chunk <= 0 {
		opts.Chunk = DefaultChunk
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, err
	}
	inputDigest, err := fileDigest(opts.Input)
	if err != nil {
		return nil, err
	}

	// Pass 1: validate every row before anything is signed or written,
	// and find those already issued.
	plan := newIssuePlan(reg, jobBatches(opts.IssuerID, jobID(inputDigest, opts)), opts.Reissue)
	p1, err := s.validateInput(ctx, opts, validator, plan)
	if err != nil {
		return nil, err
	}
	if err := p1.refusal(opts); err != nil {
		return nil, err
	}
	total, bad := p1.total, p1.bad
	sum := &IssueSummary{Type: opts.Type, Rows: total, Rejected: bad, AlreadyIssued: plan.alreadyCount, OutDir: opts.OutDir, Batches: []string{}}
	if total-bad-plan.alreadyCount == 0 && bad == 0 {
		// Every row is already issued: nothing to sign, anchor or write.
		sum.Duration = time.Since(start)
		return sum, nil
	}

	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", opts.OutDir, err)
	}
	dir, err := s.Home.Org(opts.IssuerID)
	if err != nil {
		return nil, err
	}
	j, err := openJob(profile, dir.JobsDir(), inputDigest, opts)
	if err != nil {
		return nil, err
	}
	out, err := newOutput(opts.OutDir, opts.PNG, opts.PDF, profile.Name)
	if err != nil {
		return nil, err
	}
	if err := out.begin(bad > 0); err != nil {
		return nil, err
	}
	defer out.abort()

	out.keepManifestRows(reg)
	run := &issueRun{s: s, opts: opts, key: key, job: j, out: out, sum: sum, validator: validator, valid: total - bad - plan.alreadyCount, reg: reg, plan: plan}
	// Pass 2: read, sign, anchor and write, chunk by chunk, in a pipeline.
	if err := run.pipeline(ctx); err != nil {
		return nil, err
	}
	if err := out.commit(sum.Batches); err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

// NotAccreditedError is returned when the ledger does not allow an issuer
// to anchor credentials of a type now.
type NotAccreditedError struct {
	IssuerID, Type string
	// Reason says why, and what to do.
	Reason string
}

func (e *NotAccreditedError) Error() string { return e.Reason }

// checkAccredited refuses early, before anything is signed or written, an
// issuer the ledger does not allow to anchor typ now, by the ledger's own
// rule (record.Issuer.CanAnchor); the chaincode checks it again when the
// batch is anchored.
func (s *Service) checkAccredited(ctx context.Context, id, typ string) error {
	is, err := s.Contract.GetIssuer(ctx, id)
	if err != nil {
		return fmt.Errorf("reading issuer %s on the ledger: %w", id, err)
	}
	err = is.CanAnchor(record.CredentialType(typ), s.now())
	var refused *record.AnchorError
	if !errors.As(err, &refused) {
		return err
	}
	reason := refused.Error()
	if refused.Problem == record.NotAccredited || refused.Status == record.IssuerPending {
		reason += " (ask governance: sceau issuer accredit --id " + id + " --types " + typ + ")"
	}
	return &NotAccreditedError{IssuerID: id, Type: typ, Reason: reason}
}

// passOne is what pass 1 finds in the input.
type passOne struct {
	// total and bad count the rows and the invalid ones.
	total, bad int
	// listed holds the first maxListedRowErrors invalid rows.
	listed []*schemas.RowError
	// first holds the first maxPlanned valid rows.
	first []PlannedCredential
	// input is the reader the input was read with.
	input *schemas.CSVReader
}

// refusal returns the error Issue stops with after pass 1, or nil: a
// *RowErrors when rows are invalid (unless opts.SkipInvalid), an error
// when no row is valid.
func (p *passOne) refusal(opts IssueOptions) error {
	if p.bad > 0 && !opts.SkipInvalid {
		return &RowErrors{Input: opts.Input, Rows: p.listed, Total: p.bad}
	}
	if p.total-p.bad == 0 {
		return fmt.Errorf("%s: no valid row to issue", opts.Input)
	}
	return nil
}

// validateInput is pass 1: it counts the rows and the bad ones — invalid,
// or repeating an earlier row's student and award — keeps the first of
// either, in line order, and lets plan learn which rows are already
// issued.
func (s *Service) validateInput(ctx context.Context, opts IssueOptions, validator *schemas.Validator, plan *issuePlan) (*passOne, error) {
	p := new(passOne)
	input, err := scanInput(ctx, opts, validator, func(row *schemas.Row) error {
		p.total++
		if row.Err != nil {
			p.bad++
			if len(p.listed) < maxListedRowErrors {
				p.listed = append(p.listed, row.Err)
			}
			return nil
		}
		if len(p.first) < maxPlanned {
			h := row.Record.Holder()
			p.first = append(p.first, PlannedCredential{Line: row.Line, StudentID: h.StudentID, GivenName: h.GivenName, FamilyName: h.FamilyName})
		}
		return plan.add(row)
	})
	p.input = input
	if err != nil {
		return p, err
	}
	dups, err := plan.finish()
	if err != nil {
		return nil, err
	}
	if len(dups) > 0 {
		p.bad += len(dups)
		p.listed = append(p.listed, dups[:min(len(dups), maxListedRowErrors)]...)
		slices.SortFunc(p.listed, func(a, b *schemas.RowError) int { return a.Line - b.Line })
		p.listed = p.listed[:min(len(p.listed), maxListedRowErrors)]
	}
	return p, nil
}

// scanInput reads the input once, calling fn for each row, valid or not,
// in order. It returns the reader it read the input with.
func scanInput(ctx context.Context, opts IssueOptions, validator *schemas.Validator, fn func(*schemas.Row) error) (*schemas.CSVReader, error) {
	f, err := os.Open(opts.Input)
	if err != nil {
		return nil, fmt.Errorf("opening the input: %w", err)
	}
	defer f.Close()
	r, err := schemas.NewCSVReader(f, opts.Type, schemas.CSVOptions{Encoding: opts.Encoding, Validator: validator})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Input, err)
	}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return r, context.Cause(ctx)
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("%s: %w", opts.Input, err)
		}
		checkHolderKey(row)
		if err := fn(row); err != nil {
			return r, err
		}
	}
}

// checkHolderKey marks row invalid when its holder_jwk is not a key the
// SD-JWT form can be bound to (the CSV reader only checks it is a public
// JWK), so that it is reported by pass 1 rather than failing a chunk.
func checkHolderKey(row *schemas.Row) {
	if row.Err != nil || row.HolderJWK == "" {
		return
	}
	if _, err := credential.ParsePublicJWK([]byte(row.HolderJWK)); err != nil {
		row.Err = &schemas.RowError{Line: row.Line, Problems: []schemas.CellProblem{{
			Column:    "holder_jwk",
			Violation: schemas.Violation{Rule: "jwk", Message: "must be a P-256 or Ed25519 public key: " + err.Error()},
		}}}
		row.Record = nil
	}
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("opening the input: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading the input: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// issueRun holds one run's state.
type issueRun struct {
	s         *Service
	opts      IssueOptions
	key       *credential.Key
	job       *job
	out       *output
	sum       *IssueSummary
	validator *schemas.Validator
	// valid is the number of valid rows not already issued, found by pass 1.
	valid int
	reg   *register.Register
	plan  *issuePlan
	// recording serialises what anchoring a chunk records (the register's
	// filing, replacements, the summary's counts): the anchor stage may
	// anchor several chunks at once (anchorChunks).
	recording sync.Mutex
}

// pipeline is pass 2. Its four stages (read, sign, anchor, write) hand
// chunks over through unbuffered channels: chunk k+2 is read and signed
// while chunk k+1 is anchored and chunk k written, and no more than one
// chunk waits between two stages, which bounds memory to a few chunks. On a
// ledger where transactions overlap (Fabric), the anchor stage anchors a
// few chunks at once, still handing them on in order (anchorChunks).
func (r *issueRun) pipeline(parent context.Context) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	var wg sync.WaitGroup
	stage := func(fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				cancel(err)
			}
		}()
	}
	if r.opts.Progress != nil {
		r.opts.Progress(0, r.valid)
	}
	rowChunks := make(chan []*schemas.Row)
	signed := make(chan *chunk)
	stage(func() error {
		defer close(rowChunks)
		return r.readChunks(ctx, rowChunks)
	})
	stage(func() error {
		defer close(signed)
		no := 0
		for rows := range rowChunks {
			no++
			c, err := r.signedChunk(ctx, no, rows)
			if err != nil {
				return err
			}
			select {
			case signed <- c:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil
	})
	anchored := make(chan *chunk)
	stage(func() error {
		defer close(anchored)
		return r.anchorChunks(ctx, signed, anchored)
	})
	stage(func() error {
		done := 0
		for c := range anchored {
			if err := r.write(ctx, c); err != nil {
				return err
			}
			done += len(c.Credentials)
			if r.opts.Progress != nil {
				r.opts.Progress(done, r.valid)
			}
		}
		return nil
	})
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// readChunks reads the valid rows into chunks of opts.Chunk rows and
// writes the invalid ones to rejects.csv.
func (r *issueRun) readChunks(ctx context.Context, chunks chan<- []*schemas.Row) error {
	rows := make([]*schemas.Row, 0, r.opts.Chunk)
	send := func() error {
		select {
		case chunks <- rows:
			rows = make([]*schemas.Row, 0, r.opts.Chunk)
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	_, err := scanInput(ctx, r.opts, r.validator, func(row *schemas.Row) error {
		if r.plan.skip(row) {
			return nil
		}
		if row.Err != nil {
			return r.out.writeReject(row.Err)
		}
		rows = append(rows, row)
		if len(rows) == r.opts.Chunk {
			return send()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		return send()
	}
	return nil
}

// signedChunk returns chunk no of rows: reloaded from the resume state, or
// signed and saved there (before it is anchored, so that anchored digests
// never lose their credentials).
func (r *issueRun) signedChunk(ctx context.Context, no int, rows []*schemas.Row) (*chunk, error) {
	c, err := r.job.loadChunk(no)
	if err != nil {
		return nil, err
	}
	if c != nil {
		if !c.matches(rows) {
			return nil, fmt.Errorf("resume state of chunk %d does not match the input (job folder %s): remove it to start over", no, r.job.dir)
		}
		r.sum.Reused += len(c.Credentials)
		c.entries, err = r.entriesOf(c, rows)
		return c, err
	}
	start := time.Now()
	if c, err = r.sign(ctx, no, rows); err != nil {
		return nil, err
	}
	signed := time.Now()
	if c.entries, err = r.entriesOf(c, rows); err != nil {
		return nil, err
	}
	if err := r.job.saveChunk(c); err != nil {
		return nil, err
	}
	r.sum.Issued += len(c.Credentials)
	r.s.Logger.Debug("chunk signed", "chunk", no, "credentials", len(c.Credentials),
		"sign", signed.Sub(start), "save", time.Since(signed))
	return c, nil
}

// write writes the files of an anchored chunk.
func (r *issueRun) write(ctx context.Context, c *chunk) error {
	start := time.Now()
	if err := r.out.writeChunk(ctx, c, r.opts.Workers); err != nil {
		return err
	}
	r.s.Logger.Debug("chunk written", "chunk", c.No, "batch", c.BatchID, "took", time.Since(start))
	r.sum.Batches = append(r.sum.Batches, c.BatchID)
	if len(c.Credentials) > 0 {
		r.sum.FormsPerCredential = len(c.Credentials[0].Forms.Digests())
	}
	return nil
}

// sign builds and signs every credential of a chunk on all cores.
func (r *issueRun) sign(ctx context.Context, no int, rows []*schemas.Row) (*chunk, error) {
	c := &chunk{
		No:          no,
		BatchID:     r.job.batchID(r.opts.IssuerID, no),
		Type:        r.opts.Type,
		Credentials: make([]issued, len(rows)),
	}
	now := r.s.now()
	errs := make([]error, len(rows))
	err := forEach(ctx, len(rows), r.opts.Workers, func(i int) {
		c.Credentials[i], errs[i] = signRow(r.key, r.opts.IssuerID, rows[i], now)
	})
	if err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// forEach calls fn(0) … fn(n-1) on workers goroutines, and stops handing
// out indexes once ctx is done (returning its cause).
func forEach(ctx context.Context, n, workers int, fn func(i int)) error {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// signRow turns one validated row into its secured forms.
func signRow(key *credential.Key, issuerID string, row *schemas.Row, now time.Time) (issued, error) {
	cred, err := credential.New(row.Record, issuerID, now, rand.Reader)
	if err != nil {
		return issued{}, fmt.Errorf("line %d: %w", row.Line, err)
	}
	forms, err := secure(cred, key, row.HolderJWK)
	if err != nil {
		return issued{}, fmt.Errorf("line %d: signing: %w", row.Line, err)
	}
	return issued{
		Line:      row.Line,
		ID:        cred.ID,
		StudentID: row.Record.Holder().StudentID,
		Forms:     *forms,
	}, nil
}

// anchor submits the chunk's digests as one batch, unless an earlier run
// already did (it was killed after the commit, before writing the files).
func (r *issueRun) anchor(ctx context.Context, c *chunk) error {
	req, err := c.anchorRequest(r.opts.IssuerID)
	if err != nil {
		return err
	}
	existing, err := r.s.Contract.GetBatch(ctx, c.BatchID)
	switch {
	case err == nil:
		if existing.Root != req.Root || existing.IssuerID != r.opts.IssuerID {
			return fmt.Errorf("batch %s is already on the ledger with other credentials: an earlier run of this same input anchored it and its resume state (in %s) was lost; nothing more was anchored (to issue this input anew, change the file, e.g. add an empty line at its end)", c.BatchID, r.job.dir)
		}
	case errors.Is(err, network.ErrNotFound):
		if err := r.reg.Pending(c.BatchID, req.Root, c.entries); err != nil {
			return fmt.Errorf("chunk %d (batch %s): %w; nothing more was anchored", c.No, c.BatchID, err)
		}
		if _, err := r.s.Contract.AnchorBatch(ctx, r.job.org, req); err != nil {
			return fmt.Errorf("anchoring chunk %d (batch %s): %w", c.No, c.BatchID, err)
		}
		r.s.Logger.Info("batch anchored", "batch", c.BatchID, "credentials", len(c.Credentials))
	default:
		return fmt.Errorf("reading batch %s: %w", c.BatchID, err)
	}
	c.Root = req.Root
	return r.recordAnchored(ctx, c)
}
