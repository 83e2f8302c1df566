package issuer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
)

// DefaultChunk is the default number of credentials anchored per ledger
// transaction. Each credential writes a status record per form (about 1.6 KB
// with its key and group), so 2 000 credentials make a block of about 3 MB,
// well under Fabric's default 10 MB limit.
const DefaultChunk = 2000

// IssueOptions describes one issuance run.
type IssueOptions struct {
	IssuerID string
	Type     string
	// Input is the CSV file. Issuance is resumable per input: re-running
	// with the same file reuses what was already signed and anchored.
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
	// Workers is the number of signing goroutines (GOMAXPROCS when 0).
	Workers int
	// Progress, when set, is called after each chunk with rows done and total.
	Progress func(done, total int)
}

// IssueSummary reports an issuance run.
type IssueSummary struct {
	Type     string   `json:"type"`
	Rows     int      `json:"rows"`
	Issued   int      `json:"issued"`
	Reused   int      `json:"reused"`
	Rejected int      `json:"rejected"`
	Batches  []string `json:"batches"`
	OutDir   string   `json:"out"`
	// Duration is the wall time of the run.
	Duration time.Duration `json:"duration"`
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
func (s *Service) Issue(ctx context.Context, opts IssueOptions) (*IssueSummary, error) {
	start := time.Now()
	if opts.Chunk <= 0 {
		opts.Chunk = DefaultChunk
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	profile, err := LoadProfile(s.Home, opts.IssuerID)
	if err != nil {
		return nil, err
	}
	if err := s.checkAccredited(ctx, opts.IssuerID, opts.Type); err != nil {
		return nil, err
	}
	key, err := s.signingKey(profile, profile.CurrentKID)
	if err != nil {
		return nil, err
	}
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, err
	}

	inputDigest, err := fileDigest(opts.Input)
	if err != nil {
		return nil, err
	}
	// Pass 1: validate every row before anything is signed or written.
	total, bad, err := s.scan(opts, validator, nil)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 && !opts.SkipInvalid {
		listed := bad
		if len(listed) > maxListedRowErrors {
			listed = listed[:maxListedRowErrors]
		}
		return nil, &RowErrors{Input: opts.Input, Rows: listed, Total: len(bad)}
	}
	if total-len(bad) == 0 {
		return nil, fmt.Errorf("%s: no valid row to issue", opts.Input)
	}

	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", opts.OutDir, err)
	}
	job, err := openJob(Dir(s.Home, opts.IssuerID), inputDigest, opts)
	if err != nil {
		return nil, err
	}
	out := newOutput(opts.OutDir, opts.PNG, opts.PDF)
	if err := out.begin(); err != nil {
		return nil, err
	}
	defer out.abort()
	if len(bad) > 0 {
		if err := out.writeRejects(bad); err != nil {
			return nil, err
		}
	}

	sum := &IssueSummary{Type: opts.Type, Rows: total, Rejected: len(bad), OutDir: opts.OutDir}
	run := &issueRun{s: s, opts: opts, key: key, job: job, out: out, sum: sum}
	// Pass 2: sign, persist, anchor and write chunk by chunk.
	var chunkRows []*schemas.Row
	chunkNo := 0
	done := 0
	flush := func() error {
		if len(chunkRows) == 0 {
			return nil
		}
		chunkNo++
		if err := run.chunk(ctx, chunkNo, chunkRows); err != nil {
			return err
		}
		done += len(chunkRows)
		if opts.Progress != nil {
			opts.Progress(done, total-len(bad))
		}
		chunkRows = chunkRows[:0]
		return nil
	}
	if _, _, err := s.scan(opts, validator, func(row *schemas.Row) error {
		chunkRows = append(chunkRows, row)
		if len(chunkRows) == opts.Chunk {
			return flush()
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := out.commit(); err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

// checkAccredited refuses early, before anything is written, an issuer the
// ledger does not allow to anchor typ now. (The chaincode checks it again.)
func (s *Service) checkAccredited(ctx context.Context, id, typ string) error {
	is, err := s.Contract.GetIssuer(ctx, id)
	if err != nil {
		return fmt.Errorf("reading issuer %s on the ledger: %w", id, err)
	}
	if is.Status != network.IssuerActive {
		return fmt.Errorf("issuer %s is not accredited to issue: its status on the ledger is %s%s", id, is.Status, map[string]string{
			network.IssuerPending: " (ask governance: sceau issuer accredit --id " + id + " --types " + typ + ")",
		}[is.Status])
	}
	now := s.now()
	for _, a := range is.Accreditations {
		if a.Type != typ {
			continue
		}
		if a.ValidUntil != "" {
			if until, err := time.Parse(time.RFC3339, a.ValidUntil); err == nil && !now.Before(until) {
				return fmt.Errorf("issuer %s's accreditation for %s ended on %s", id, typ, a.ValidUntil)
			}
		}
		return nil
	}
	return fmt.Errorf("issuer %s is not accredited for %s (ask governance: sceau issuer accredit --id %s --types %s)", id, typ, id, typ)
}

// scan reads the input once. Without fn it only counts and validates; with
// fn it calls fn for each valid row, in order.
func (s *Service) scan(opts IssueOptions, validator *schemas.Validator, fn func(*schemas.Row) error) (total int, bad []*schemas.RowError, err error) {
	f, err := os.Open(opts.Input)
	if err != nil {
		return 0, nil, fmt.Errorf("opening the input: %w", err)
	}
	defer f.Close()
	r, err := schemas.NewCSVReader(f, opts.Type, schemas.CSVOptions{Encoding: opts.Encoding, Validator: validator})
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", opts.Input, err)
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return total, bad, nil
		}
		if err != nil {
			return total, bad, fmt.Errorf("%s: %w", opts.Input, err)
		}
		total++
		if row.Err != nil {
			bad = append(bad, row.Err)
			continue
		}
		if fn != nil {
			if err := fn(row); err != nil {
				return total, bad, err
			}
		}
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
	s    *Service
	opts IssueOptions
	key  *credential.Key
	job  *job
	out  *output
	sum  *IssueSummary
}

// chunk signs (or reloads), anchors (or finds anchored) and writes one chunk.
func (r *issueRun) chunk(ctx context.Context, no int, rows []*schemas.Row) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := r.job.loadChunk(no)
	if err != nil {
		return err
	}
	reused := c != nil
	if c != nil && !c.matches(rows) {
		return fmt.Errorf("resume state of chunk %d does not match the input (job folder %s): remove it to start over", no, r.job.dir)
	}
	if c == nil {
		if c, err = r.sign(ctx, no, rows); err != nil {
			return err
		}
		// Persisted before anchoring, so anchored digests never lose their credentials.
		if err := r.job.saveChunk(c); err != nil {
			return err
		}
	}
	if !c.Anchored {
		if err := r.anchor(ctx, c); err != nil {
			return err
		}
		if err := r.job.saveChunk(c); err != nil {
			return err
		}
	}
	if err := r.out.writeChunk(ctx, c, r.opts.Workers); err != nil {
		return err
	}
	if reused {
		r.sum.Reused += len(c.Credentials)
	} else {
		r.sum.Issued += len(c.Credentials)
	}
	r.sum.Batches = append(r.sum.Batches, c.BatchID)
	return nil
}

// sign builds and signs every credential of a chunk on all cores.
func (r *issueRun) sign(ctx context.Context, no int, rows []*schemas.Row) (*chunk, error) {
	c := &chunk{
		No:          no,
		BatchID:     fmt.Sprintf("%s-%s-%04d", r.opts.IssuerID, r.job.id[:16], no),
		Type:        r.opts.Type,
		Credentials: make([]issued, len(rows)),
	}
	now := r.s.now()
	errs := make([]error, len(rows))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < r.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c.Credentials[i], errs[i] = signRow(r.key, r.opts.IssuerID, rows[i], now)
			}
		}()
	}
	for i := range rows {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
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
// already did (a crash after the commit but before the chunk was marked).
func (r *issueRun) anchor(ctx context.Context, c *chunk) error {
	req, err := c.anchorRequest(r.opts.IssuerID)
	if err != nil {
		return err
	}
	existing, err := r.s.Contract.GetBatch(ctx, c.BatchID)
	switch {
	case err == nil:
		if existing.Root != req.Root || existing.IssuerID != r.opts.IssuerID {
			return fmt.Errorf("batch %s is on the ledger with another content", c.BatchID)
		}
	case errors.Is(err, network.ErrNotFound):
		if _, err := r.s.Contract.AnchorBatch(ctx, r.job.org, req); err != nil {
			return fmt.Errorf("anchoring chunk %d (batch %s): %w", c.No, c.BatchID, err)
		}
	default:
		return fmt.Errorf("reading batch %s: %w", c.BatchID, err)
	}
	c.Anchored = true
	c.Root = req.Root
	r.s.Logger.Info("batch anchored", "batch", c.BatchID, "credentials", len(c.Credentials))
	return nil
}

// chunk is the persisted resume state of one batch.
type chunk struct {
	No          int      `json:"no"`
	BatchID     string   `json:"batchId"`
	Type        string   `json:"type"`
	Root        string   `json:"root,omitempty"`
	Anchored    bool     `json:"anchored"`
	Credentials []issued `json:"credentials"`
}

// issued is one signed credential of a chunk.
type issued struct {
	Line      int    `json:"line"`
	ID        string `json:"id"`
	StudentID string `json:"studentId"`
	Forms     Forms  `json:"forms"`
}

// matches reports whether the chunk was made from these rows.
func (c *chunk) matches(rows []*schemas.Row) bool {
	if len(c.Credentials) != len(rows) {
		return false
	}
	for i, row := range rows {
		if c.Credentials[i].Line != row.Line || c.Credentials[i].StudentID != row.Record.Holder().StudentID {
			return false
		}
	}
	return true
}

func (c *chunk) leaves() [][]string {
	leaves := make([][]string, len(c.Credentials))
	for i, cr := range c.Credentials {
		leaves[i] = cr.Forms.Digests()
	}
	return leaves
}

func (c *chunk) anchorRequest(issuerID string) (network.AnchorRequest, error) {
	leaves := c.leaves()
	root, err := merkleRoot(leaves)
	if err != nil {
		return network.AnchorRequest{}, err
	}
	return network.AnchorRequest{
		BatchID:     c.BatchID,
		IssuerID:    issuerID,
		Type:        c.Type,
		Credentials: leaves,
		Root:        root,
	}, nil
}

// job is the resume state of one input, under the issuer's folder.
type job struct {
	id  string
	dir string
	org string
}

type jobInfo struct {
	InputDigest string `json:"inputDigest"`
	Type        string `json:"type"`
	Chunk       int    `json:"chunk"`
	SkipInvalid bool   `json:"skipInvalid"`
	CreatedAt   string `json:"createdAt"`
}

func openJob(issuerDir, inputDigest string, opts IssueOptions) (*job, error) {
	profile, err := LoadProfile(filepath.Dir(filepath.Dir(issuerDir)), opts.IssuerID)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(inputDigest + "\x00" + opts.Type))
	id := hex.EncodeToString(sum[:])
	j := &job{id: id, dir: filepath.Join(issuerDir, "jobs", id[:32]), org: profile.Org}
	infoPath := filepath.Join(j.dir, "job.json")
	data, err := os.ReadFile(infoPath)
	switch {
	case err == nil:
		var info jobInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return nil, fmt.Errorf("resume state %s: %w", infoPath, err)
		}
		if info.Chunk != opts.Chunk || info.SkipInvalid != opts.SkipInvalid {
			return nil, fmt.Errorf("this input was started with --chunk %d and --skip-invalid=%v: re-run with the same options to resume (state in %s)", info.Chunk, info.SkipInvalid, j.dir)
		}
		return j, nil
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(j.dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating resume state: %w", err)
		}
		info, _ := json.MarshalIndent(jobInfo{InputDigest: inputDigest, Type: opts.Type, Chunk: opts.Chunk, SkipInvalid: opts.SkipInvalid, CreatedAt: time.Now().UTC().Format(time.RFC3339)}, "", "  ")
		return j, fsutil.WriteFileAtomic(infoPath, info, 0o600)
	default:
		return nil, fmt.Errorf("reading resume state: %w", err)
	}
}

func (j *job) chunkPath(no int) string {
	return filepath.Join(j.dir, fmt.Sprintf("chunk-%06d.json", no))
}

func (j *job) loadChunk(no int) (*chunk, error) {
	data, err := os.ReadFile(j.chunkPath(no))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading resume state: %w", err)
	}
	var c chunk
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("resume state %s is damaged: %w", j.chunkPath(no), err)
	}
	return &c, nil
}

func (j *job) saveChunk(c *chunk) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(j.chunkPath(c.No), data, 0o600)
}
