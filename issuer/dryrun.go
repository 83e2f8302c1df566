package issuer

import (
	"context"

	"github.com/sceau/sceau/schemas"
)

// maxPlanned bounds the valid rows a DryRunSummary lists.
const maxPlanned = 5

// DryRunSummary is what Issue would do with the same options, found as
// Issue's first pass finds it: nothing is signed, anchored or written.
type DryRunSummary struct {
	IssuerID string `json:"issuer"`
	Type     string `json:"type"`
	Input    string `json:"input"`
	// Encoding (utf-8 or windows-1252), Delimiter (";" or ",") and
	// Language (fr or en, of the header) say how the input was read.
	Encoding  string `json:"encoding"`
	Delimiter string `json:"delimiter"`
	Language  string `json:"language"`
	// Rows counts the data rows; Valid those Issue would issue, Invalid
	// those it would refuse (or, with SkipInvalid, reject).
	Rows    int `json:"rows"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	// Batches is the number of batches Issue would anchor.
	Batches int `json:"batches"`
	// First lists the first valid rows.
	First []PlannedCredential `json:"first"`
	// Problems lists the first invalid rows, with every problem of each.
	Problems []*schemas.RowError `json:"-"`
}

// PlannedCredential is a valid row of the input: a credential Issue would
// issue.
type PlannedCredential struct {
	Line       int    `json:"line"`
	StudentID  string `json:"studentId"`
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
}

// DryRun checks everything Issue(ctx, opts) checks before it signs: the
// issuer's profile, its accreditation on the ledger for opts.Type, and
// every row of opts.Input (encoding, header, values). It needs no signing
// key, signs nothing, anchors nothing, and writes no file (opts.OutDir is
// not looked at).
//
// Its error is the one Issue would stop with before signing. When rows are
// invalid and opts.SkipInvalid is off, that is a *RowErrors, returned with
// the summary; the summary is nil when the input could not be read.
func (s *Service) DryRun(ctx context.Context, opts IssueOptions) (*DryRunSummary, error) {
	if _, err := s.Home.LoadProfile(opts.IssuerID); err != nil {
		return nil, err
	}
	if err := s.checkAccredited(ctx, opts.IssuerID, opts.Type); err != nil {
		return nil, err
	}
	if opts.Chunk <= 0 {
		opts.Chunk = DefaultChunk
	}
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, err
	}
	// No register is opened: a dry run finds the same award twice in the
	// file, not the rows an earlier run issued.
	p, err := s.validateInput(ctx, opts, validator, newIssuePlan(nil, "", false), nil)
	if err != nil {
		return nil, err
	}
	valid := p.total - p.bad
	sum := &DryRunSummary{
		IssuerID: opts.IssuerID, Type: opts.Type, Input: opts.Input,
		Encoding: p.input.Encoding(), Delimiter: string(p.input.Delimiter()), Language: p.input.Language(),
		Rows: p.total, Valid: valid, Invalid: p.bad,
		First: p.first, Problems: p.listed,
	}
	if err := p.refusal(opts); err != nil {
		return sum, err
	}
	sum.Batches = (valid + opts.Chunk - 1) / opts.Chunk
	return sum, nil
}
