package issuer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// An issuer keeps what it issued in its register (package issuer/register,
// encrypted under its signing key). Issuance consults it before signing —
// a row whose award the register holds is already issued, unless
// --reissue — and records each batch in two steps around its anchoring, so
// that a crash at any point leaves the register matching the ledger once
// the next run settles it (settle).

// openRegister opens the register of issuer p with its current signing key
// key (unlocked), and settles what a stopped process left in it.
func (s *Service) openRegister(ctx context.Context, p *org.Profile, key *credential.Key) (*register.Register, error) {
	dir, err := s.Home.Org(p.ID)
	if err != nil {
		return nil, err
	}
	keys := register.Keys{Current: key.KID(), Secret: func(kid string) ([]byte, error) {
		k := key
		if kid != key.KID() {
			var err error
			if k, err = s.Keys.Open(p, kid); err != nil {
				return nil, err
			}
		}
		return signingSecret(k)
	}}
	reg, err := register.Open(dir.RegisterFile(), keys)
	if err != nil {
		return nil, fmt.Errorf("issuer %s: %w", p.ID, err)
	}
	if err := s.settle(ctx, reg, p); err != nil {
		reg.Close()
		return nil, err
	}
	return reg, nil
}

// signingSecret returns the private part of a signing key (an EC scalar or
// an Ed25519 seed, 32 bytes), which the register's data key is wrapped under.
func signingSecret(key *credential.Key) ([]byte, error) {
	priv, err := key.MarshalPrivateJWK()
	if err != nil {
		return nil, err
	}
	var jwk struct {
		D string `json:"d"`
	}
	if err := json.Unmarshal(priv, &jwk); err != nil {
		return nil, fmt.Errorf("reading signing key %s: %w", key.KID(), err)
	}
	d, err := base64.RawURLEncoding.DecodeString(jwk.D)
	if err != nil || len(d) < 32 {
		return nil, fmt.Errorf("signing key %s has no usable private part", key.KID())
	}
	return d, nil
}

// settle brings the register in line with the ledger after a process
// stopped mid-run: each batch recorded as pending is filed if the ledger
// anchored it, forgotten otherwise; replacements are completed.
func (s *Service) settle(ctx context.Context, reg *register.Register, p *org.Profile) error {
	pending, err := reg.PendingBatches()
	if err != nil {
		return err
	}
	for _, b := range pending {
		got, err := s.Contract.GetBatch(ctx, b.Batch)
		switch {
		case err == nil && got.Root == b.Root && got.IssuerID == p.ID:
			err = reg.Anchored(b.Batch, nil)
			s.Logger.Info("register: a batch left pending was anchored", "issuer", p.ID, "batch", b.Batch)
		case err == nil, errors.Is(err, network.ErrNotFound):
			err = reg.Abandon(b.Batch)
			s.Logger.Info("register: a batch left pending was never anchored", "issuer", p.ID, "batch", b.Batch)
		default:
			return fmt.Errorf("reading batch %s, left pending in the register: %w", b.Batch, err)
		}
		if err != nil {
			return err
		}
	}
	_, err = s.completeReplacements(ctx, reg, p.Org)
	return err
}

// completeReplacements revokes, as superseded, the credentials that
// reissued ones replaced, as ledger identity org, and returns how many.
func (s *Service) completeReplacements(ctx context.Context, reg *register.Register, org string) (int, error) {
	reps, err := reg.Replacements()
	if err != nil {
		return 0, err
	}
	for _, rep := range reps {
		st, err := s.Contract.GetStatus(ctx, rep.Old.Digest)
		if err != nil {
			return 0, fmt.Errorf("reading the status of %s, which %s replaces: %w", rep.Old.ID, rep.New.ID, err)
		}
		if st.Status != record.StatusRevoked {
			if err := s.Contract.Revoke(ctx, org, rep.Old.Digest, record.ReasonSuperseded); err != nil {
				return 0, fmt.Errorf("revoking %s, which %s replaces: %w", rep.Old.ID, rep.New.ID, err)
			}
		}
		if err := reg.Replaced(rep); err != nil {
			return 0, err
		}
		s.Logger.Info("credential superseded", "old", rep.Old.ID, "new", rep.New.ID, "batch", rep.New.Batch)
	}
	return len(reps), nil
}

// issuePlan is what pass 1 learns about the rows besides their validity:
// which are already issued, and which repeat an earlier row's award.
type issuePlan struct {
	reg *register.Register
	// jobBatches is the prefix of the batch ids of this input's job: its
	// rows are resumed, not already issued.
	jobBatches string
	reissue    bool

	// keys holds every valid row's award, until finish; the register is
	// asked about them lookupEvery at a time, from looked on.
	keys   []lineAward
	looked int
	// already marks the lines already issued (skipped).
	already bitset
	// alreadyCount is the number of lines marked in already.
	alreadyCount int
	// duplicates maps a row's line to the earlier line of the same award.
	duplicates map[int]int
	// resumed is set on the plan of a resumed run (resume).
	resumed bool
}

// lineAward is a row's award key and line.
type lineAward struct {
	key  register.AwardKey
	line int32
}

func newIssuePlan(reg *register.Register, jobBatches string, reissue bool) *issuePlan {
	return &issuePlan{reg: reg, jobBatches: jobBatches, reissue: reissue}
}

// key returns the key of award a: the register's, or, for a plan without
// a register (a dry run), a digest kept in memory only, to find the same
// award twice in the file.
func (p *issuePlan) key(a register.Award) register.AwardKey {
	if p.reg != nil {
		return p.reg.Key(a)
	}
	sum := sha256.Sum256([]byte(strings.Join(append([]string{a.Type, a.StudentID}, a.Fields...), "\x00")))
	var k register.AwardKey
	copy(k[:], sum[:])
	return k
}

// lookupEvery is how many rows' awards pass 1 looks up in the register at
// once (one read transaction).
const lookupEvery = 1024

// add notes a valid row's award, to look it up in the register.
func (p *issuePlan) add(row *schemas.Row) error {
	p.keys = append(p.keys, lineAward{key: p.key(register.AwardOf(row.Record)), line: int32(row.Line)})
	if len(p.keys)-p.looked >= lookupEvery {
		return p.lookup()
	}
	return nil
}

// lookup marks as already issued the rows noted since the last lookup
// whose award the register holds, issued by another input's run.
func (p *issuePlan) lookup() error {
	rows := p.keys[p.looked:]
	keys := make([]register.AwardKey, len(rows))
	for i, r := range rows {
		keys[i] = r.key
	}
	p.looked = len(p.keys)
	lines := make([]int, len(rows))
	for i, r := range rows {
		lines[i] = int(r.line)
	}
	return p.markIssued(keys, lines)
}

// markIssued marks as already issued the lines whose award, of keys in
// the same order, the register holds, issued by another input's run.
func (p *issuePlan) markIssued(keys []register.AwardKey, lines []int) error {
	if p.reissue || p.reg == nil {
		return nil
	}
	return p.reg.Currents(keys, func(i int, cur *register.Entry) error {
		if !strings.HasPrefix(cur.Batch, p.jobBatches) && !p.already.has(lines[i]) {
			p.already.set(lines[i])
			p.alreadyCount++
		}
		return nil
	})
}

// finish looks up the last rows, then finds the rows that repeat an
// earlier row's award and returns their errors, in line order; they are
// rejected, not already issued.
func (p *issuePlan) finish() ([]*schemas.RowError, error) {
	if err := p.lookup(); err != nil {
		return nil, err
	}
	slices.SortFunc(p.keys, func(a, b lineAward) int {
		if c := bytes.Compare(a.key[:], b.key[:]); c != 0 {
			return c
		}
		return int(a.line - b.line)
	})
	var errs []*schemas.RowError
	for i := 0; i < len(p.keys); {
		j := i + 1
		for ; j < len(p.keys) && p.keys[j].key == p.keys[i].key; j++ {
			line, first := int(p.keys[j].line), int(p.keys[i].line)
			if p.duplicates == nil {
				p.duplicates = map[int]int{}
			}
			p.duplicates[line] = first
			if p.already.has(line) {
				p.already.clear(line)
				p.alreadyCount--
			}
			errs = append(errs, duplicateError(line, first))
		}
		i = j
	}
	p.keys = nil
	slices.SortFunc(errs, func(a, b *schemas.RowError) int { return a.Line - b.Line })
	return errs, nil
}

// duplicateError is the error of a row whose award an earlier row of the
// same file has.
func duplicateError(line, first int) *schemas.RowError {
	return &schemas.RowError{Line: line, Problems: []schemas.CellProblem{{
		Violation: schemas.Violation{Rule: "duplicate", Message: fmt.Sprintf("the same student and award as line %d", first)},
	}}}
}

// skip says whether pass 2 leaves the row out as already issued; a row
// repeating an earlier row's award gets its error.
func (p *issuePlan) skip(row *schemas.Row) (bool, error) {
	if row.Err == nil {
		if first, dup := p.duplicates[row.Line]; dup {
			row.Err = duplicateError(row.Line, first)
			row.Record = nil
			return false, nil
		}
		if p.resumed && !p.already.has(row.Line) {
			key := p.key(register.AwardOf(row.Record))
			if err := p.markIssued([]register.AwardKey{key}, []int{row.Line}); err != nil {
				return false, err
			}
		}
	}
	return p.already.has(row.Line), nil
}

// planOutcome is what pass 1 decided about the rows: those already
// issued and those repeating an earlier row's award. The job keeps it, so
// that a resumed run skips the same rows without reading the input again.
type planOutcome struct {
	Already      bitset      `json:"already,omitempty"`
	AlreadyCount int         `json:"alreadyCount,omitempty"`
	Duplicates   map[int]int `json:"duplicates,omitempty"`
}

// outcome returns what the plan decided, once finished.
func (p *issuePlan) outcome() planOutcome {
	return planOutcome{Already: p.already, AlreadyCount: p.alreadyCount, Duplicates: p.duplicates}
}

// resume makes the plan what an earlier run's pass 1 decided. Rows are
// still looked up in the register as pass 2 reads them (skip): another
// input's run may have issued some of them since.
func (p *issuePlan) resume(o planOutcome) {
	p.already, p.alreadyCount, p.duplicates = o.Already, o.AlreadyCount, o.Duplicates
	p.resumed = true
}

// bitset is a set of small non-negative integers.
type bitset []uint64

func (b *bitset) set(i int) {
	for len(*b) <= i/64 {
		*b = append(*b, 0)
	}
	(*b)[i/64] |= 1 << (i % 64)
}

func (b bitset) has(i int) bool { return i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) clear(i int) {
	if i/64 < len(b) {
		b[i/64] &^= 1 << (i % 64)
	}
}

// entriesOf returns the register entries of chunk c, made from rows. With
// --reissue, an entry replaces its award's current credential unless this
// input's job issued it.
func (r *issueRun) entriesOf(c *chunk, rows []*schemas.Row) ([]register.Entry, error) {
	entries := make([]register.Entry, len(c.IDs))
	for i, id := range c.IDs {
		// The first leaf of a credential is the digest of its vc+jwt form.
		e := register.Entry{ID: id, Award: register.AwardOf(rows[i].Record), Batch: c.BatchID, Digest: c.Leaves[i][0], Line: rows[i].Line}
		if r.opts.Reissue {
			cur, err := r.reg.Current(r.reg.Key(e.Award))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", rows[i].Line, err)
			}
			if cur != nil && cur.ID != id && !strings.HasPrefix(cur.Batch, r.plan.jobBatches) {
				e.Replaces = cur.ID
			}
		}
		entries[i] = e
	}
	return entries, nil
}

// recordAnchored files an anchored chunk in the register and revokes what
// it replaces.
func (r *issueRun) recordAnchored(ctx context.Context, c *chunk) error {
	r.recording.Lock()
	defer r.recording.Unlock()
	if err := r.reg.Anchored(c.BatchID, c.entries); err != nil {
		return err
	}
	// Only a chunk that replaces credentials (--reissue) has replacements
	// to complete: those an earlier run left were completed when the
	// register was opened (settle). Asking the register for them files
	// every anchored batch at once, which it otherwise does a few thousand
	// credentials at a time.
	if !slices.ContainsFunc(c.entries, func(e register.Entry) bool { return e.Replaces != "" }) {
		return nil
	}
	n, err := r.s.completeReplacements(ctx, r.reg, r.job.org)
	r.sum.Superseded += n
	return err
}
