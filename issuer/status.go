package issuer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
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
	return s.changeDigests(ctx, p, op, digests, reason)
}

// changeDigests is ChangeStatus for the issuer of profile p.
func (s *Service) changeDigests(ctx context.Context, p *org.Profile, op StatusOp, digests []string, reason record.ReasonCode) ([]string, error) {
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
// exam session). Only revocation applies to whole batches. The forms of
// its credentials that students picked up later with OpenID4VCI, anchored
// in batches of their own, are revoked with it: the issuer's register
// knows them, so when it has one, the signing key must unlock
// (SCEAU_KEY_PASSPHRASE) — checked before anything changes.
func (s *Service) ChangeBatchStatus(ctx context.Context, id string, op StatusOp, batchID string, reason record.ReasonCode) error {
	if op != OpRevoke {
		return fmt.Errorf("--batch works with revoke only")
	}
	p, err := s.Home.LoadProfile(id)
	if err != nil {
		return err
	}
	later, err := s.laterFormsOfBatch(ctx, p, batchID)
	if err != nil {
		return err
	}
	if err := s.Contract.RevokeBatch(ctx, p.Org, batchID, reason); err != nil {
		return err
	}
	for _, e := range later {
		if _, err := s.changeLaterForms(ctx, p, op, e, reason); err != nil {
			return fmt.Errorf("batch %s is revoked; the form of %s picked up later: %w", batchID, e.ID, err)
		}
	}
	return nil
}

// laterFormsOfBatch returns the register entries of batch batchID that
// have forms picked up later; none when the issuer has no register.
func (s *Service) laterFormsOfBatch(ctx context.Context, p *org.Profile, batchID string) ([]register.Entry, error) {
	dir, err := s.Home.Org(p.ID)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir.RegisterFile()); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	key, err := s.Keys.Open(p, p.CurrentKID)
	if err != nil {
		return nil, fmt.Errorf("revoking a batch also revokes the forms its students picked up (OpenID4VCI), which the issuer's register knows; it opens with the signing key: %w", err)
	}
	reg, err := s.openRegister(ctx, p, key)
	if err != nil {
		return nil, err
	}
	defer reg.Close()
	with, err := reg.WithLaterForms()
	if err != nil {
		return nil, err
	}
	var out []register.Entry
	for _, e := range with {
		if e.Batch == batchID {
			out = append(out, e)
		}
	}
	return out, nil
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

// appliesTo reports whether op changes a credential in ledger status st:
// revoke one in force (active or suspended), suspend an active one,
// reinstate a suspended one.
func (op StatusOp) appliesTo(st record.CredentialStatus) bool {
	switch op {
	case OpRevoke:
		return st == record.StatusActive || st == record.StatusSuspended
	case OpSuspend:
		return st == record.StatusActive
	default:
		return st == record.StatusSuspended
	}
}

// registered is the status the register records after op.
func (op StatusOp) registered() register.Status {
	switch op {
	case OpRevoke:
		return register.Revoked
	case OpSuspend:
		return register.Suspended
	default:
		return register.Anchored
	}
}

// Registered names what a status change acts on through the issuer's
// register: one credential by its id, or a student's credentials.
type Registered struct {
	// CredentialID is a credential id, urn:uuid:… or the bare UUID.
	CredentialID string
	// StudentID is a student's INE: the operation applies to each of the
	// student's credentials it can change (revoke: those in force;
	// suspend: the active ones; reinstate: the suspended ones).
	StudentID string
}

// Changed is a credential whose status an operation changed.
type Changed struct {
	// ID is its id, urn:uuid:….
	ID   string `json:"id"`
	Type string `json:"type"`
	// Digests are the digests of every form of it, whose status changed.
	Digests []string `json:"digests"`
}

// ChangeRegisteredStatus applies op, as issuer id, to what which names,
// found in the issuer's register (which needs the issuer's signing key:
// the passphrase of SCEAU_KEY_PASSPHRASE or the terminal), and records the
// change there. A credential or student the register does not hold is an
// error wrapping network.ErrNotFound; a student none of whose credentials
// op applies to changes nothing, and is no error.
func (s *Service) ChangeRegisteredStatus(ctx context.Context, id string, op StatusOp, which Registered, reason record.ReasonCode) ([]Changed, error) {
	p, err := s.Home.LoadProfile(id)
	if err != nil {
		return nil, err
	}
	key, err := s.Keys.Open(p, p.CurrentKID)
	if err != nil {
		return nil, err
	}
	reg, err := s.openRegister(ctx, p, key)
	if err != nil {
		return nil, err
	}
	defer reg.Close()
	return s.changeRegistered(ctx, p, reg, op, which, reason)
}

// changeRegistered is ChangeRegisteredStatus with the register open.
func (s *Service) changeRegistered(ctx context.Context, p *org.Profile, reg *register.Register, op StatusOp, which Registered, reason record.ReasonCode) ([]Changed, error) {
	var entries []register.Entry
	switch {
	case which.CredentialID != "" && which.StudentID != "":
		return nil, errors.New("name a credential or a student, not both")
	case which.CredentialID != "":
		u := CredentialUUID(which.CredentialID)
		if u == "" {
			return nil, &RefError{Ref: which.CredentialID}
		}
		e, err := reg.ByID("urn:uuid:" + u)
		if errors.Is(err, register.ErrNotFound) {
			return nil, fmt.Errorf("credential urn:uuid:%s is not in issuer %s's register: %w", u, p.ID, network.ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		entries = []register.Entry{*e}
	case which.StudentID != "":
		var err error
		if entries, err = reg.ByStudent(which.StudentID); err != nil {
			return nil, err
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("student %s has no credential in issuer %s's register: %w", which.StudentID, p.ID, network.ErrNotFound)
		}
	default:
		return nil, errors.New("name a credential or a student")
	}
	changed := []Changed{}
	for _, e := range entries {
		if which.StudentID != "" {
			st, err := s.Contract.GetStatus(ctx, e.Digest)
			if err != nil {
				return changed, fmt.Errorf("credential %s: %w", e.ID, err)
			}
			if !op.appliesTo(st.Status) {
				continue
			}
		}
		digests, err := s.changeDigests(ctx, p, op, []string{e.Digest}, reason)
		if err != nil {
			return changed, fmt.Errorf("credential %s: %w", e.ID, err)
		}
		later, err := s.changeLaterForms(ctx, p, op, e, reason)
		if err != nil {
			return changed, fmt.Errorf("credential %s: %w", e.ID, err)
		}
		digests = append(digests, later...)
		if err := reg.SetStatus(e.ID, op.registered(), string(reason)); err != nil {
			return changed, fmt.Errorf("credential %s, %s on the ledger: %w", e.ID, op.Past(), err)
		}
		changed = append(changed, Changed{ID: e.ID, Type: e.Award.Type, Digests: digests})
	}
	return changed, nil
}

// changeLaterForms applies op to the forms of credential e issued after it
// (SD-JWT VCs bound to a wallet's key at pickup, each anchored on its own,
// register.Entry.Forms), so that a status change of the credential covers
// every form of it. A form recorded and never anchored (the pickup failed)
// is passed over, and so is one op does not apply to.
func (s *Service) changeLaterForms(ctx context.Context, p *org.Profile, op StatusOp, e register.Entry, reason record.ReasonCode) ([]string, error) {
	var changed []string
	for _, d := range e.Forms {
		st, err := s.Contract.GetStatus(ctx, d)
		if errors.Is(err, network.ErrNotFound) {
			continue
		}
		if err != nil {
			return changed, fmt.Errorf("form %s: %w", d, err)
		}
		if !op.appliesTo(st.Status) {
			continue
		}
		got, err := s.changeDigests(ctx, p, op, []string{d}, reason)
		if err != nil {
			return changed, err
		}
		changed = append(changed, got...)
	}
	return changed, nil
}
