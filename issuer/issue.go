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
	"sync/atomic"
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
	// Bundles also writes each credential's bundle, <uuid>.json, besides
	// the batch file of each chunk (<batch id>.jsonl, always written).
	Bundles bool
	// PNG also writes each credential's QR image, <uuid>.png; it implies Bundles.
	PNG bool
	// PDF also writes each credential's printable certificate, <uuid>.pdf;
	// it implies Bundles.
	PDF bool
	// PublicURL is the verifier's public base URL (sceau --public-url), or
	// empty. When set, the PDF certificates print it beside the QR code,
	// and the QR codes of the certificates and of the PNG images hold the
	// credential's link to it (credential.QRText) instead of its SC1 text.
	// The bundles' and batch files' qr form stays the SC1 text.
	PublicURL string
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
// is signed, anchored or written. The second pass is a pipeline of five
// stages running at once: reading rows into chunks; signing a chunk on
// opts.Workers goroutines; saving its batch file as resume state; anchoring
// it as one batch; putting its files into opts.OutDir. Memory holds a few
// chunks at most, whatever the size of the input.
//
// A run that stopped (killed, cancelled) resumes where it stopped when run
// again on the same input: pass 1 does not run again (the job keeps its
// counts and its plan of rows already issued and repeated), pass 2 does
// not read again the rows of the chunks done, nor is anything done
// rewritten (job.go).
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
	if opts.PNG || opts.PDF {
		opts.Bundles = true
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
	// and find those already issued or repeated. A resumed run skips it:
	// the job kept its counts, its rejects and the plan's outcome.
	plan := newIssuePlan(reg, jobBatches(opts.IssuerID, jobID(inputDigest, opts)), opts.Reissue)
	dir, err := s.Home.Org(opts.IssuerID)
	if err != nil {
		return nil, err
	}
	j := newJob(profile, dir.JobsDir(), inputDigest, opts)
	resumed, err := j.load()
	if err != nil {
		return nil, err
	}
	total, bad := j.info.Rows, j.info.Rejected
	if resumed {
		plan.resume(j.info.Plan)
	} else {
		rejects := &rejectsWriter{dir: j.dir}
		fail := func(err error) error {
			rejects.abort()
			os.Remove(j.dir) // when empty: a refused run leaves nothing
			return err
		}
		p1, err := s.validateInput(ctx, opts, validator, plan, rejects)
		if err != nil {
			return nil, fail(err)
		}
		if err := p1.refusal(opts); err != nil {
			return nil, fail(err)
		}
		total, bad = p1.total, p1.bad
		if total-bad-plan.alreadyCount == 0 && bad == 0 {
			// Every row is already issued: nothing to sign, anchor or write.
			fail(nil)
			return &IssueSummary{Type: opts.Type, Rows: total, AlreadyIssued: plan.alreadyCount, OutDir: opts.OutDir, Batches: []string{}, Duration: time.Since(start)}, nil
		}
		path, err := rejects.finish()
		if err != nil {
			return nil, fail(err)
		}
		if err := j.create(total, bad, plan.outcome(), path); err != nil {
			return nil, fail(err)
		}
		s.Logger.Debug("input validated", "rows", total, "rejected", bad, "already_issued", plan.alreadyCount)
	}
	sum := &IssueSummary{Type: opts.Type, Rows: total, Rejected: bad, AlreadyIssued: plan.alreadyCount, OutDir: opts.OutDir, Batches: []string{}}

	out, err := newOutput(opts.OutDir, opts, profile.Name)
	if err != nil {
		return nil, err
	}
	if err := out.begin(); err != nil {
		return nil, err
	}
	out.keepManifestRows(reg)
	last, err := j.lastDone()
	if err != nil {
		return nil, err
	}
	run := &issueRun{s: s, opts: opts, key: key, job: j, out: out, sum: sum, validator: validator, valid: total - bad - plan.alreadyCount, reg: reg, plan: plan}
	if last != nil {
		run.from = *last
		s.Logger.Info("going on after the chunks an earlier run of this input finished", "chunks_done", last.No, "credentials_done", last.Done, "from_line", last.End.Line)
	}
	if err := out.openManifest(ctx, j, run.from.No, opts.Workers); err != nil {
		out.abortManifest()
		return nil, err
	}
	defer out.abortManifest() // a no-op once committed
	if j.info.Rejected > 0 {
		out.rejects = j.rejectsPath()
	}
	// Pass 2: read, sign, save, anchor and write, chunk by chunk, in a pipeline.
	if err := run.pipeline(ctx); err != nil {
		return nil, err
	}
	// The register files the run's last batches while the output is
	// committed: the two touch different files.
	filed := make(chan error, 1)
	go func() { filed <- reg.File() }()
	batches, forms, err := out.commit()
	if ferr := <-filed; err == nil && ferr != nil {
		err = ferr
	}
	if err != nil {
		return nil, err
	}
	// A resumed run may find, as it reads, rows another run issued since.
	sinceStart := plan.alreadyCount - sum.AlreadyIssued
	sum.AlreadyIssued = plan.alreadyCount
	sum.Issued, sum.Reused = run.signed, run.valid-sinceStart-run.signed
	sum.Batches, sum.FormsPerCredential = batches, forms
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
// issued. With rejects (nil on a dry run and on a resumed run, whose
// rejects are saved already) and opts.SkipInvalid, the bad rows are
// written there: the invalid ones as read, the repeated ones once the
// whole file is read.
func (s *Service) validateInput(ctx context.Context, opts IssueOptions, validator *schemas.Validator, plan *issuePlan, rejects *rejectsWriter) (*passOne, error) {
	p := new(passOne)
	input, err := scanInputAhead(ctx, opts, validator, func(row *schemas.Row) error {
		p.total++
		if row.Err != nil {
			p.bad++
			if len(p.listed) < maxListedRowErrors {
				p.listed = append(p.listed, row.Err)
			}
			if rejects != nil && opts.SkipInvalid {
				return rejects.write(row.Err)
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
		if rejects != nil && opts.SkipInvalid {
			for _, d := range dups {
				if err := rejects.write(d); err != nil {
					return nil, err
				}
			}
		}
	}
	return p, nil
}

// scanInput reads the input once from position from (its first row when
// zero), calling fn for each row, valid or not, in order, with the
// position after it. It returns the reader it read the input with.
func scanInput(ctx context.Context, opts IssueOptions, validator *schemas.Validator, from schemas.CSVPosition, fn func(*schemas.Row, schemas.CSVPosition) error) (*schemas.CSVReader, error) {
	f, err := os.Open(opts.Input)
	if err != nil {
		return nil, fmt.Errorf("opening the input: %w", err)
	}
	defer f.Close()
	r, err := schemas.NewCSVReader(f, opts.Type, schemas.CSVOptions{Encoding: opts.Encoding, Validator: validator, Start: from})
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
		if err := fn(row, r.Position()); err != nil {
			return r, err
		}
	}
}

// readAhead is how many rows scanInputAhead hands over at a time; at most
// two such lots wait to be taken.
const readAhead = 256

// scanInputAhead is scanInput from the first row for pass 1, with the
// reading on a goroutine of its own, up to a few lots of readAhead rows
// ahead of fn, which is called for each row in order on the caller's
// goroutine. Decoding and validating a row and what pass 1 does with it
// (a keyed hash of its award, the register looked up) cost about the same,
// so on two cores pass 1 takes about half the time: and nothing else can
// run while it does, since nothing is signed before the whole input is
// known to be good.
//
// It stops at fn's first error or the reader's, whichever row comes
// first; fn sees every row read before a reading error.
func scanInputAhead(ctx context.Context, opts IssueOptions, validator *schemas.Validator, fn func(*schemas.Row) error) (*schemas.CSVReader, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lots := make(chan []*schemas.Row, 2)
	var (
		input   *schemas.CSVReader
		readErr error
	)
	go func() {
		defer close(lots)
		lot := make([]*schemas.Row, 0, readAhead)
		send := func() error {
			select {
			case lots <- lot:
				lot = make([]*schemas.Row, 0, readAhead)
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		input, readErr = scanInput(ctx, opts, validator, schemas.CSVPosition{}, func(row *schemas.Row, _ schemas.CSVPosition) error {
			if lot = append(lot, row); len(lot) == readAhead {
				return send()
			}
			return nil
		})
		if len(lot) > 0 && ctx.Err() == nil {
			send()
		}
	}()
	var fnErr error
	for lot := range lots {
		for _, row := range lot {
			if fnErr != nil {
				break // draining: the reader stops at its next check
			}
			if fnErr = fn(row); fnErr != nil {
				cancel(fnErr)
			}
		}
	}
	// lots is closed: the reader is done with input and readErr.
	if fnErr != nil {
		return input, fnErr
	}
	return input, readErr
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
	validator *schemas.Validator
	// valid is the number of valid rows not already issued, found by pass 1.
	valid int
	// from is the last chunk an earlier run finished (zero when none).
	from doneRecord
	// signed counts the credentials this run signed (the others were
	// signed by an earlier run); lastNo is the last chunk written.
	signed int
	lastNo int
	sum    *IssueSummary
	reg    *register.Register
	plan   *issuePlan
	// batchBuf is the save stage's buffer, which each chunk's batch file
	// is encoded into in turn.
	batchBuf []byte
	// recording serialises what anchoring a chunk records (the register's
	// filing, replacements, the summary's counts): the anchor stage may
	// anchor several chunks at once (anchorChunks).
	recording sync.Mutex
}

// rowChunk is the rows of one chunk, as read.
type rowChunk struct {
	no   int
	rows []*schemas.Row
	// end is where its last row ends in the input.
	end schemas.CSVPosition
}

// chunk is one batch: its credentials signed, on their way to the ledger
// and to --out.
type chunk struct {
	No      int
	BatchID string
	// Root is the batch's Merkle root, the tree of Leaves.
	Root string
	// IDs and Students are its credentials, in row (and leaf) order.
	IDs, Students []string
	// Leaves holds each credential's form digests, in leaf order.
	Leaves [][]string
	// Forms is the number of forms of each credential.
	Forms int
	// Bundles are the credentials' bundles, kept once the batch file is
	// saved only when files are written per credential.
	Bundles []*credential.Bundle
	// End is where the chunk's last row ends in the input.
	End schemas.CSVPosition
	// unsaved is set on a chunk just signed, until its batch file is saved
	// (Bundles are kept until then).
	unsaved bool
	// entries are the chunk's register entries (not persisted: made again
	// from the rows).
	entries []register.Entry
	// statusRecords are the status indices a chunk just signed drew, to be
	// recorded in index before its batch file is saved.
	index         *statusIndex
	statusRecords []IndexedDigest
}

func (c *chunk) anchorRequest(issuerID, credType string) record.AnchorRequest {
	return record.AnchorRequest{
		BatchID:     c.BatchID,
		IssuerID:    issuerID,
		Type:        record.CredentialType(credType),
		Credentials: c.Leaves,
		Root:        c.Root,
	}
}

// pipeline is pass 2. Its six stages (read, sign, assemble, save, anchor,
// write) hand chunks over through channels: chunk k+3 is read and signed
// while chunk k+2 is assembled (its Merkle tree, proofs and bundles) and
// saved (its status indices and batch file synced to disk), chunk k+1
// anchored and chunk k written. No more than one chunk waits between two
// stages (between assembling and saving, whose syncs vary), which bounds
// memory to a few chunks. Signing, the work of the cores, never waits for
// the disk. The anchor stage anchors two chunks at once, or as many as a
// ledger whose transactions overlap (Fabric) is worth, still handing them
// on in order (anchorChunks).
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
	rowChunks := make(chan rowChunk)
	stage(func() error {
		defer close(rowChunks)
		return r.readChunks(ctx, rowChunks)
	})
	// The cores sign a chunk's rows, then go on to the next chunk's while
	// one goroutine makes the chunk of what they signed (its Merkle tree,
	// proofs, bundles and register entries: a few milliseconds, so it is
	// free again long before the next chunk is signed).
	signedRows := make(chan *rowsSigned)
	stage(func() error {
		defer close(signedRows)
		for rows := range rowChunks {
			sr, err := r.signChunkRows(ctx, rows)
			if err != nil {
				return err
			}
			select {
			case signedRows <- sr:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil
	})
	// One signed chunk may wait for the save stage, whose syncs take
	// longer now and then than signing a chunk: the cores go on signing.
	signed := make(chan *chunk, 1)
	stage(func() error {
		defer close(signed)
		for sr := range signedRows {
			c, err := r.assemble(sr)
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
	saved := make(chan *chunk)
	stage(func() error {
		defer close(saved)
		for c := range signed {
			if err := r.save(c); err != nil {
				return err
			}
			select {
			case saved <- c:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil
	})
	anchored := make(chan *chunk)
	stage(func() error {
		defer close(anchored)
		return r.anchorChunks(ctx, saved, anchored)
	})
	stage(func() error {
		done := r.from.Done
		r.lastNo = r.from.No
		for c := range anchored {
			if err := r.write(ctx, c, done+len(c.IDs)); err != nil {
				return err
			}
			done += len(c.IDs)
			r.lastNo = c.No
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

// readChunks reads the valid rows after the chunks done into chunks of
// opts.Chunk rows; pass 1 saved the invalid ones.
func (r *issueRun) readChunks(ctx context.Context, chunks chan<- rowChunk) error {
	next := rowChunk{no: r.from.No + 1, rows: make([]*schemas.Row, 0, r.opts.Chunk)}
	send := func() error {
		select {
		case chunks <- next:
			next = rowChunk{no: next.no + 1, rows: make([]*schemas.Row, 0, r.opts.Chunk)}
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	_, err := scanInput(ctx, r.opts, r.validator, r.from.End, func(row *schemas.Row, at schemas.CSVPosition) error {
		if skip, err := r.plan.skip(row); skip || err != nil {
			return err
		}
		if row.Err != nil {
			if r.job.info.Rejected == 0 {
				return fmt.Errorf("line %d is invalid but pass 1 found no invalid row: was the input changed during the run?", row.Line)
			}
			return nil
		}
		next.rows = append(next.rows, row)
		next.end = at
		if len(next.rows) == r.opts.Chunk {
			return send()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(next.rows) > 0 {
		return send()
	}
	return nil
}

// rowsSigned is a chunk of rows whose credentials are signed (or, when an
// earlier run signed them, the chunk reloaded from its batch file), on
// its way to assemble.
type rowsSigned struct {
	rows  rowChunk
	creds []issued
	// indices are the credentials' status indices, drawn from index.
	indices []int
	index   *statusIndex
	start   time.Time
	// reloaded is the chunk of an earlier run, read back whole.
	reloaded *chunk
}

// signChunkRows signs the credentials of a chunk of rows, or reloads the
// chunk from its batch file when an earlier run signed it.
func (r *issueRun) signChunkRows(ctx context.Context, rc rowChunk) (*rowsSigned, error) {
	bundles, err := r.job.loadBatch(rc.no)
	if err != nil {
		// Cut short by a crash while it was written: never anchored.
		r.s.Logger.Warn("signing a chunk again: its batch file was not written whole", "chunk", rc.no, "error", err)
	}
	if bundles != nil && err == nil {
		c, err := r.reloaded(rc, bundles)
		if err != nil {
			return nil, fmt.Errorf("resume state of chunk %d does not match the input (job folder %s): %w", rc.no, r.job.dir, err)
		}
		return &rowsSigned{rows: rc, reloaded: c}, nil
	}
	sr := &rowsSigned{rows: rc, start: time.Now()}
	if sr.creds, sr.indices, sr.index, err = r.sign(ctx, rc); err != nil {
		return nil, err
	}
	return sr, nil
}

// assemble returns the chunk of rows signChunkRows signed (or reloaded),
// with its register entries.
func (r *issueRun) assemble(sr *rowsSigned) (*chunk, error) {
	rc := sr.rows
	if c := sr.reloaded; c != nil {
		var err error
		if c.entries, err = r.entriesOf(c, rc.rows); err != nil {
			return nil, err
		}
		r.s.Logger.Debug("chunk reloaded", "chunk", rc.no, "credentials", len(c.IDs))
		return c, nil
	}
	c, err := r.chunkOf(rc, sr.creds, sr.indices, sr.index)
	if err != nil {
		return nil, err
	}
	if c.entries, err = r.entriesOf(c, rc.rows); err != nil {
		return nil, err
	}
	r.signed += len(c.IDs)
	r.s.Logger.Debug("chunk signed", "chunk", rc.no, "credentials", len(c.IDs), "took", time.Since(sr.start))
	return c, nil
}

// save records the status indices of a chunk just signed, then writes its
// batch file into the resume state, both durably, before it is anchored:
// anchored digests never lose their credentials, nor their credentials'
// indices the record that keeps them from being drawn again.
func (r *issueRun) save(c *chunk) error {
	if !c.unsaved {
		return nil // reloaded from it
	}
	start := time.Now()
	// The status indices first: once the batch file is saved, a resumed
	// run anchors its credentials, and their indices must then never be
	// drawn again.
	if err := c.index.record(c.statusRecords); err != nil {
		return fmt.Errorf("chunk %d: %w", c.No, err)
	}
	c.index, c.statusRecords = nil, nil
	r.batchBuf = appendBatch(r.batchBuf[:0], c.Bundles)
	if err := r.job.saveBatch(c.No, r.batchBuf); err != nil {
		return err
	}
	c.unsaved = false
	if r.out.files == nil {
		c.Bundles = nil // the batch file has them
	}
	r.s.Logger.Debug("chunk saved", "chunk", c.No, "took", time.Since(start))
	return nil
}

// reloaded is the chunk of rows an earlier run signed, from its bundles.
func (r *issueRun) reloaded(rc rowChunk, bundles []*credential.Bundle) (*chunk, error) {
	if len(bundles) != len(rc.rows) {
		return nil, fmt.Errorf("%d credentials for %d rows", len(bundles), len(rc.rows))
	}
	c := &chunk{No: rc.no, BatchID: r.job.batchID(rc.no), End: rc.end,
		IDs: make([]string, len(bundles)), Students: make([]string, len(bundles)), Leaves: make([][]string, len(bundles))}
	for i, b := range bundles {
		digests, student, err := bundleDigests(b)
		if err != nil {
			return nil, fmt.Errorf("credential %d: %w", i+1, err)
		}
		if want := rc.rows[i].Record.Holder().StudentID; student != want || b.Anchor.Batch != c.BatchID || b.Anchor.Index != i {
			return nil, fmt.Errorf("credential %d is of student %s in batch %s at %d, the row on line %d of %s", i+1, student, b.Anchor.Batch, b.Anchor.Index, rc.rows[i].Line, want)
		}
		c.IDs[i], c.Students[i], c.Leaves[i] = b.ID, student, digests
	}
	root, err := merkleRoot(c.Leaves)
	if err != nil {
		return nil, err
	}
	if root != bundles[0].Anchor.Root {
		return nil, errors.New("its bundles' Merkle root is not the tree of their digests")
	}
	c.Root, c.Forms = root, len(c.Leaves[0])
	if r.out.files != nil {
		c.Bundles = bundles
	}
	return c, nil
}

// bundleDigests returns the digests of a bundle's forms, in leaf order,
// and the student id it names.
func bundleDigests(b *credential.Bundle) ([]string, string, error) {
	jwt, err := credential.ParseJWT(b.VCJWT)
	if err != nil {
		return nil, "", err
	}
	qr, err := credential.ParseQR(b.QR)
	if err != nil {
		return nil, "", err
	}
	digests := []string{jwt.Digest(), qr.Digest()}
	if b.SDJWT != "" {
		sd, err := credential.ParseSDJWT(b.SDJWT)
		if err != nil {
			return nil, "", err
		}
		digests = append(digests, sd.Digest())
	}
	return digests, jwt.Credential.Subject.Holder().StudentID, nil
}

// write puts the files of an anchored chunk into --out, then records it
// done (done credentials with it).
func (r *issueRun) write(ctx context.Context, c *chunk, done int) error {
	start := time.Now()
	if err := r.out.writeChunk(ctx, r.job, c, r.opts.Workers); err != nil {
		return err
	}
	rec := &doneRecord{No: c.No, Batch: c.BatchID, End: c.End, Done: done, Forms: c.Forms, IDs: c.IDs, Students: c.Students}
	if err := r.job.markDone(rec); err != nil {
		return err
	}
	if err := r.out.addChunk(r.job, rec); err != nil {
		return err
	}
	r.s.Logger.Debug("chunk written", "chunk", c.No, "batch", c.BatchID, "took", time.Since(start))
	return nil
}

// sign builds and signs every credential of a chunk on all cores, each
// with a status index drawn from index.
func (r *issueRun) sign(ctx context.Context, rc rowChunk) (creds []issued, indices []int, index *statusIndex, err error) {
	n := len(rc.rows)
	creds = make([]issued, n)
	now := r.s.now()
	errs := make([]error, n)
	if index, err = r.s.statusIndexOf(r.opts.IssuerID); err != nil {
		return nil, nil, nil, err
	}
	if indices, err = index.draw(n); err != nil {
		return nil, nil, nil, err
	}
	err = forEach(ctx, n, r.opts.Workers, func(i int) {
		creds[i], errs[i] = r.s.signRow(r.key, r.opts.IssuerID, rc.rows[i], now, indices[i])
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, nil, err
	}
	return creds, indices, index, nil
}

// chunkOf makes the chunk of rows rc from its signed credentials: their
// Merkle tree, and their bundles with their inclusion proofs.
func (r *issueRun) chunkOf(rc rowChunk, creds []issued, indices []int, index *statusIndex) (*chunk, error) {
	n := len(creds)
	// The indices drawn are recorded by the save stage, synced before the
	// batch file (save): the cores go on signing meanwhile.
	records := make([]IndexedDigest, n)
	for i := range creds {
		records[i] = IndexedDigest{Index: indices[i], Digest: creds[i].Forms.JWTDigest}
	}
	c := &chunk{No: rc.no, BatchID: r.job.batchID(rc.no), End: rc.end,
		IDs: make([]string, n), Students: make([]string, n), Leaves: make([][]string, n),
		index: index, statusRecords: records}
	for i, cr := range creds {
		c.IDs[i], c.Students[i], c.Leaves[i] = cr.ID, cr.StudentID, cr.Forms.Digests()
	}
	c.Forms = len(c.Leaves[0])
	var proofs [][]string
	var err error
	if c.Root, proofs, err = merkleTree(c.Leaves); err != nil {
		return nil, err
	}
	bundles := make([]*credential.Bundle, n)
	for i, cr := range creds {
		bundles[i] = &credential.Bundle{
			ID:     cr.ID,
			Type:   r.opts.Type,
			Issuer: cr.Forms.Issuer,
			VCJWT:  cr.Forms.VCJWT,
			SDJWT:  cr.Forms.SDJWT,
			QR:     cr.Forms.QR,
			Anchor: credential.Anchor{Batch: c.BatchID, Root: c.Root, Index: i, Proof: proofs[i]},
		}
	}
	c.Bundles, c.unsaved = bundles, true
	return c, nil
}

// issued is one credential of a chunk, signed.
type issued struct {
	Line      int
	ID        string
	StudentID string
	Forms     Forms
}

// forEach calls fn(0) … fn(n-1) on workers goroutines, and stops handing
// out indexes once ctx is done (returning its cause). The workers take the
// next index from a shared counter: no channel hand-off, no wake-up, per
// index.
func forEach(ctx context.Context, n, workers int, fn func(i int)) error {
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// signRow turns one validated row into its secured forms, its status at
// statusIndex in the issuer's lists.
func (s *Service) signRow(key *credential.Key, issuerID string, row *schemas.Row, now time.Time, statusIndex int) (issued, error) {
	cred, err := credential.New(row.Record, issuerID, now, rand.Reader)
	if err != nil {
		return issued{}, fmt.Errorf("line %d: %w", row.Line, err)
	}
	s.stamp(cred, statusIndex)
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
	req := c.anchorRequest(r.opts.IssuerID, r.opts.Type)
	existing, err := r.s.Contract.GetBatch(ctx, c.BatchID)
	switch {
	case err == nil:
		if existing.Root != req.Root || existing.IssuerID != r.opts.IssuerID {
			return fmt.Errorf("batch %s is already on the ledger with other credentials: an earlier run of this same input anchored it and its resume state (in %s) was lost; nothing more was anchored (to issue this input anew, change the file, e.g. add an empty line at its end)", c.BatchID, r.job.dir)
		}
		r.s.Logger.Debug("batch already anchored by an earlier run", "chunk", c.No, "batch", c.BatchID)
	case errors.Is(err, network.ErrNotFound):
		if err := r.reg.Pending(c.BatchID, req.Root, c.entries); err != nil {
			return fmt.Errorf("chunk %d (batch %s): %w; nothing more was anchored", c.No, c.BatchID, err)
		}
		if _, err := r.s.Contract.AnchorBatch(ctx, r.job.org, req); err != nil {
			return fmt.Errorf("anchoring chunk %d (batch %s): %w", c.No, c.BatchID, err)
		}
		r.s.Logger.Info("batch anchored", "chunk", c.No, "batch", c.BatchID, "credentials", len(c.IDs))
	default:
		return fmt.Errorf("reading batch %s: %w", c.BatchID, err)
	}
	return r.recordAnchored(ctx, c)
}
