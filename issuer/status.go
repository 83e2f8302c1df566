package issuer

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
)

// StatusOp is a change of a credential's status on the ledger.
type StatusOp string

// The status operations.
const (
	OpRevoke    StatusOp = "revoke"
	OpSuspend   StatusOp = "suspend"
	OpReinstate StatusOp = "reinstate"
)

// Target is the status the operation leaves a credential in.
func (op StatusOp) Target() record.CredentialStatus {
	switch op {
	case OpRevoke:
		return record.StatusRevoked
	case OpSuspend:
		return record.StatusSuspended
	default:
		return record.StatusActive
	}
}

// Past returns the operation's past participle, for messages.
func (op StatusOp) Past() string {
	switch op {
	case OpRevoke:
		return "revoked"
	case OpSuspend:
		return "suspended"
	default:
		return "reinstated"
	}
}

// ChangeStatus applies op to the credentials the digests belong to, as
// issuer id. The ledger applies it to every form of each credential; the
// digests of every form changed are returned.
func (s *Service) ChangeStatus(ctx context.Context, id string, op StatusOp, digests []string, reason record.ReasonCode) ([]string, error) {
	p, err := s.Home.LoadProfile(id)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	var changed []string
	for _, d := range digests {
		if done[d] {
			continue
		}
		st, err := s.Contract.GetStatus(ctx, d)
		if err != nil {
			return changed, fmt.Errorf("digest %s: %w", d, err)
		}
		switch op {
		case OpRevoke:
			err = s.Contract.Revoke(ctx, p.Org, d, reason)
		case OpSuspend:
			err = s.Contract.Suspend(ctx, p.Org, d, reason)
		case OpReinstate:
			err = s.Contract.Reinstate(ctx, p.Org, d)
		default:
			err = fmt.Errorf("unknown operation %q", op)
		}
		if err != nil {
			return changed, fmt.Errorf("%s %s: %w", op, d, err)
		}
		for _, g := range st.Group {
			if !done[g] {
				done[g] = true
				changed = append(changed, g)
			}
		}
	}
	sort.Strings(changed)
	return changed, nil
}

// ChangeBatchStatus applies op to every credential of a batch (an annulled
// exam session). Only revocation applies to whole batches.
func (s *Service) ChangeBatchStatus(ctx context.Context, id string, op StatusOp, batchID string, reason record.ReasonCode) error {
	if op != OpRevoke {
		return fmt.Errorf("--batch works with revoke only")
	}
	p, err := s.Home.LoadProfile(id)
	if err != nil {
		return err
	}
	return s.Contract.RevokeBatch(ctx, p.Org, batchID, reason)
}

// Digests returns the anchored digests of a credential given in any of its
// forms, as credential.Decode reads them: a bundle (every form it carries),
// a vc+jwt, an SD-JWT, an SC1: text, or a QR image or PDF certificate
// holding one of the last three.
func Digests(ctx context.Context, data []byte) ([]string, error) {
	d, err := credential.Decode(ctx, data)
	switch {
	case errors.Is(err, credential.ErrUnrecognized):
		return nil, errors.New("not a bundle, vc+jwt, SD-JWT or SC1: text, nor a QR image or PDF certificate of one (give the credential file or its hex digest)")
	case err != nil:
		return nil, err
	}
	return d.Digests(), nil
}
