package issuer

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// A Desk is where a long-running process (sceau serve) issues for the
// exam offices of its home, one request at a time:
//
//   - IssueOne issues a single credential. Credentials issued one by one
//     are anchored in micro-batches (see microbatch.go): many concurrent
//     issuances share one ledger transaction, which is what makes issuing
//     one at a time affordable. The batcher is the desk's, not the HTTP
//     layer's: it decides what goes on the ledger and when.
//   - ReceiveBatch and StartBatch issue an uploaded CSV file in the
//     background, as `sceau issue` would, with its status on disk
//     (Batch finds it again, even after a restart).
//   - IssueBound signs a credential picked up with OpenID4VCI again, bound
//     to the wallet's key, and anchors it in a micro-batch; Register and
//     Bundles give package issuer/oid4vci the register and the bundles it
//     makes offers from (see pickup.go).
//   - KeptBundle and ChangeCredentialStatus find again, and revoke,
//     suspend or reinstate, what the desk issued; ChangeCredentialStatus
//     and ChangeStudentStatus also act on what the issuer's register holds
//     (every credential it issued, from the command line too).
//
// The desk keeps each issuer's signing key unlocked, and its register open,
// once loaded (UnlockKeys does the keys at start). It is safe for
// concurrent use; Close stops its background work.
type Desk struct {
	svc       *Service
	logger    *slog.Logger
	keys      keyRing
	registers deskRegisters
	batcher   *microBatcher
	batches   *batches
}

// DeskConfig configures a Desk.
type DeskConfig struct {
	// Service issues and anchors; its Home holds the issuers, their keys
	// and what the desk issues. Required.
	Service *Service
	// Logger reports what is issued (never personal data). Nil: the
	// service's logger.
	Logger *slog.Logger
	// MicroBatchWindow is how long a credential issued alone waits for
	// others to share its ledger transaction. Zero: no wait (credentials
	// queued while a batch is anchored still go together in the next).
	MicroBatchWindow time.Duration
	// MaxConcurrentBatches is how many uploaded batches are issued at
	// once; others wait, queued. Zero: one (each uses every core).
	MaxConcurrentBatches int
	// BatchEnded, when set, is told how each uploaded batch ended, before
	// its status says so: whoever sees a batch finished sees what
	// BatchEnded did about it (e.g. a metric counted).
	BatchEnded func(BatchStatus)
}

// ErrClosed is returned by a Desk once Close has been called.
var ErrClosed = errors.New("the issuing desk is closed")

// NewDesk returns the desk cfg describes.
func NewDesk(cfg DeskConfig) (*Desk, error) {
	if cfg.Service == nil {
		return nil, errors.New("issuing desk: a Service is required")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = cfg.Service.Logger
	}
	if cfg.MaxConcurrentBatches <= 0 {
		cfg.MaxConcurrentBatches = 1
	}
	d := &Desk{
		svc:       cfg.Service,
		logger:    logger,
		keys:      keyRing{svc: cfg.Service, keys: map[string]*credential.Key{}},
		registers: deskRegisters{svc: cfg.Service, open: map[string]*register.Register{}},
		batcher:   newMicroBatcher(cfg.Service.Contract, cfg.MicroBatchWindow, logger),
	}
	d.batches = newBatches(d, cfg.MaxConcurrentBatches, cfg.BatchEnded)
	return d, nil
}

// Close stops the desk's background work: uploaded batches being issued
// are interrupted (starting the same file again resumes them, nothing is
// issued twice) and single credentials waiting for their micro-batch are
// answered. Call it once nothing calls the desk any more.
func (d *Desk) Close() {
	d.batches.close()
	d.batcher.close()
	d.registers.close()
}

// UnlockKeys unlocks the current signing key of every issuer in the home
// (from SCEAU_KEY_PASSPHRASE, or a prompt when standard input is a
// terminal), so that no issuance waits for it. It returns an error naming
// the issuers whose key stays locked (a *KeyLockedError each); their
// issuances will fail until the passphrase is available.
func (d *Desk) UnlockKeys() error {
	ids, err := d.svc.Home.OrgIDs()
	if err != nil {
		return fmt.Errorf("listing issuers: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if _, _, err := d.keys.current(id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// IssueOne signs rec in every form as issuerID — its SD-JWT form bound to
// holderJWK, the holder's public JWK as compact JSON, unless it is empty —
// anchors it in a micro-batch, records it in the issuer's register, keeps
// its bundle under the issuer's folder (KeptBundle finds it again) and
// returns it.
//
// An award the register already holds (the same student and award, see
// package issuer/register) is refused with an *AlreadyIssuedError, unless
// reissue: then the new credential replaces the current one, which is
// revoked as superseded once the new one is anchored.
//
// It refuses with a *NotAccreditedError an issuer the ledger does not allow
// to issue the record's type, with a *KeyLockedError when the issuer's key
// cannot be unlocked, and with a *BadRecordError a record that cannot make
// a credential; once the desk is closed it fails with an error wrapping
// both ErrClosed and network.ErrUnavailable.
func (d *Desk) IssueOne(ctx context.Context, issuerID string, rec schemas.Record, holderJWK string, reissue bool) (*credential.Bundle, error) {
	if err := d.svc.checkAccredited(ctx, issuerID, rec.CredentialType()); err != nil {
		return nil, err
	}
	profile, key, err := d.keys.current(issuerID)
	if err != nil {
		return nil, err
	}
	reg, err := d.registers.get(ctx, profile, key)
	if err != nil {
		return nil, err
	}
	entry := register.Entry{Award: register.AwardOf(rec)}
	cur, err := reg.Current(reg.Key(entry.Award))
	if err != nil {
		return nil, err
	}
	if cur != nil {
		if !reissue {
			return nil, &AlreadyIssuedError{IssuerID: issuerID, ID: cur.ID}
		}
		entry.Replaces = cur.ID
	}
	cred, err := credential.New(rec, issuerID, d.svc.now(), rand.Reader)
	if err != nil {
		return nil, &BadRecordError{Err: err}
	}
	index, err := d.svc.statusIndexOf(issuerID)
	if err != nil {
		return nil, err
	}
	drawn, err := index.draw(1)
	if err != nil {
		return nil, err
	}
	d.svc.stamp(cred, drawn[0])
	entry.ID = cred.ID
	var conflict *register.ConflictError
	if err := reg.Claim(entry); errors.As(err, &conflict) {
		return nil, &AlreadyIssuedError{IssuerID: issuerID, ID: conflict.Holder, InFlight: conflict.InFlight}
	} else if err != nil {
		return nil, err
	}
	forms, err := secure(cred, key, holderJWK)
	if err != nil {
		reg.Release([]register.Entry{entry})
		return nil, fmt.Errorf("signing: %w", err)
	}
	entry.Digest = forms.JWTDigest
	if err := index.record([]IndexedDigest{{Index: drawn[0], Digest: forms.JWTDigest}}); err != nil {
		reg.Release([]register.Entry{entry})
		return nil, err
	}
	one := &issued{ID: cred.ID, StudentID: rec.Holder().StudentID, Forms: *forms}
	anchor, err := d.batcher.anchor(ctx, issuerID, profile.Org, cred.Type, one, reg, entry)
	if err != nil {
		reg.Release([]register.Entry{entry})
		return nil, err
	}
	if entry.Replaces != "" {
		if _, err := d.svc.completeReplacements(ctx, reg, profile.Org); err != nil {
			return nil, err
		}
	}
	b := &credential.Bundle{
		ID: cred.ID, Type: cred.Type, Issuer: forms.Issuer,
		VCJWT: forms.VCJWT, SDJWT: forms.SDJWT, QR: forms.QR, Anchor: anchor,
	}
	if err := d.keepBundle(issuerID, b); err != nil {
		return nil, err
	}
	return b, nil
}

// keptBundlePath is where the desk keeps the bundle of a credential it
// issued alone, in the issuer's folder dir.
func keptBundlePath(dir org.Dir, credentialUUID string) string {
	return filepath.Join(dir.APICredentialsDir(), credentialUUID+".json")
}

// keepBundle keeps the bundle of a credential issued alone, so that it can
// be fetched again and its status changed by its id.
func (d *Desk) keepBundle(issuerID string, b *credential.Bundle) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	dir, err := d.svc.Home.Org(issuerID)
	if err != nil {
		return err
	}
	path := keptBundlePath(dir, strings.TrimPrefix(b.ID, "urn:uuid:"))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keeping the bundle: %w", err)
	}
	return fsutil.WriteFileAtomic(path, append(data, '\n'), 0o600)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// CredentialUUID returns the UUID, in lower case, of a credential id given
// as "urn:uuid:…" or bare, or "" when ref is not one. The desk names the
// files of what it issued by it.
func CredentialUUID(ref string) string {
	ref = strings.ToLower(strings.TrimPrefix(ref, "urn:uuid:"))
	if !uuidPattern.MatchString(ref) {
		return ""
	}
	return ref
}

// KeptBundle returns the bundle (JSON) of credential urn:uuid:<u> that the
// desk issued for issuerID, alone or in an uploaded batch; u is a
// lower-case UUID (CredentialUUID). A credential the desk did not keep for
// this issuer is network.ErrNotFound.
func (d *Desk) KeptBundle(issuerID, u string) ([]byte, error) {
	if CredentialUUID(u) != u {
		return nil, fmt.Errorf("credential %q: want a lower-case UUID", u)
	}
	dir, err := d.svc.Home.Org(issuerID)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(keptBundlePath(dir, u))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return data, err
	}
	outs, err := filepath.Glob(filepath.Join(dir.APIBatchesDir(), "*", "out", u+".json"))
	if err != nil || len(outs) == 0 {
		// The issuer API answers this message as it is.
		return nil, fmt.Errorf("credential urn:uuid:%s: %w (among those issuer %s issued over HTTP)", u, network.ErrNotFound, issuerID)
	}
	return os.ReadFile(outs[0])
}

// ChangeCredentialStatus applies op to the credential ref names, as
// issuerID, and returns the digests of every form whose status changed
// (see Service.ChangeStatus). ref is the hex digest of one of its forms,
// or its id (urn:uuid:… or the bare UUID) when the issuer's register holds
// it (or the desk kept its bundle); a change by id is recorded in the
// register.
//
// It refuses with a *RefError a ref that is neither, and with an
// *OtherIssuerError a credential another issuer anchored. The reason is
// not checked here: the ledger refuses a bad one.
func (d *Desk) ChangeCredentialStatus(ctx context.Context, issuerID string, op StatusOp, ref string, reason record.ReasonCode) ([]string, error) {
	var locked *KeyLockedError
	if u := CredentialUUID(ref); u != "" {
		profile, key, err := d.keys.current(issuerID)
		if errors.As(err, &locked) {
			// The register cannot be read; a kept bundle still can.
			return d.changeKept(ctx, issuerID, op, ref, reason)
		}
		if err != nil {
			return nil, err
		}
		reg, err := d.registers.get(ctx, profile, key)
		if err != nil {
			return nil, err
		}
		if _, err := reg.ByID("urn:uuid:" + u); err == nil {
			changed, err := d.svc.changeRegistered(ctx, profile, reg, op, Registered{CredentialID: u}, reason)
			if err != nil {
				return nil, err
			}
			return changed[0].Digests, nil
		}
	}
	return d.changeKept(ctx, issuerID, op, ref, reason)
}

// changeKept is ChangeCredentialStatus for a digest, or the id of a
// credential the desk kept the bundle of.
func (d *Desk) changeKept(ctx context.Context, issuerID string, op StatusOp, ref string, reason record.ReasonCode) ([]string, error) {
	digests, err := d.digestsOf(ctx, issuerID, ref)
	if err != nil {
		return nil, err
	}
	return d.svc.ChangeStatus(ctx, issuerID, op, digests, reason)
}

// ChangeStudentStatus applies op, as issuerID, to each credential of
// student studentID in the issuer's register that it can change (see
// Registered), and returns them. A student the register does not know is
// an error wrapping network.ErrNotFound.
func (d *Desk) ChangeStudentStatus(ctx context.Context, issuerID string, op StatusOp, studentID string, reason record.ReasonCode) ([]Changed, error) {
	profile, key, err := d.keys.current(issuerID)
	if err != nil {
		return nil, err
	}
	reg, err := d.registers.get(ctx, profile, key)
	if err != nil {
		return nil, err
	}
	return d.svc.changeRegistered(ctx, profile, reg, op, Registered{StudentID: studentID}, reason)
}

// digestsOf returns the digests ref stands for, refusing those another
// issuer anchored.
func (d *Desk) digestsOf(ctx context.Context, issuerID, ref string) ([]string, error) {
	var digests []string
	if record.IsDigest(ref) {
		digests = []string{ref}
	} else {
		u := CredentialUUID(ref)
		if u == "" {
			return nil, &RefError{Ref: ref}
		}
		data, err := d.KeptBundle(issuerID, u)
		if err != nil {
			return nil, err
		}
		if digests, err = Digests(ctx, data); err != nil {
			return nil, fmt.Errorf("the kept bundle of urn:uuid:%s: %w", u, err)
		}
	}
	st, err := d.svc.Contract.GetStatus(ctx, digests[0])
	if err != nil {
		return nil, err
	}
	if st.IssuerID != issuerID {
		return nil, &OtherIssuerError{IssuerID: issuerID, Owner: st.IssuerID}
	}
	return digests, nil
}

// keyRing keeps issuers' signing keys unlocked, by issuer and key id, so a
// passphrase is needed once per key and process.
type keyRing struct {
	svc  *Service
	mu   sync.Mutex
	keys map[string]*credential.Key
}

// current returns issuer id's profile and current signing key (which
// changes when the key is rotated).
func (k *keyRing) current(id string) (*org.Profile, *credential.Key, error) {
	p, err := k.svc.Home.LoadProfile(id)
	if err != nil {
		return nil, nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	name := id + "/" + p.CurrentKID
	if key, ok := k.keys[name]; ok {
		return p, key, nil
	}
	key, err := k.svc.Keys.Open(p, p.CurrentKID)
	if err != nil {
		return nil, nil, &KeyLockedError{IssuerID: id, Err: err}
	}
	k.keys[name] = key
	return p, key, nil
}

// KeyLockedError is returned when an issuer's signing key cannot be
// unlocked (no passphrase, or a wrong one).
type KeyLockedError struct {
	IssuerID string
	Err      error
}

func (e *KeyLockedError) Error() string {
	return fmt.Sprintf("the server cannot unlock issuer %s's signing key: %v", e.IssuerID, e.Err)
}

func (e *KeyLockedError) Unwrap() error { return e.Err }

// AlreadyIssuedError refuses a credential for an award the issuer's
// register holds: the same student and award (see package issuer/register).
type AlreadyIssuedError struct {
	IssuerID string
	// ID is the credential that holds the award.
	ID string
	// InFlight says it is being issued, not anchored yet.
	InFlight bool
}

func (e *AlreadyIssuedError) Error() string {
	if e.InFlight {
		return fmt.Sprintf("the same student and award is being issued meanwhile as %s", e.ID)
	}
	return fmt.Sprintf("the same student and award is already issued as %s (reissue to replace it: the old one is then revoked as superseded)", e.ID)
}

// deskRegisters keeps the issuers' registers open for the desk's life.
type deskRegisters struct {
	svc  *Service
	mu   sync.Mutex
	open map[string]*register.Register
}

// get returns the register of the issuer of profile p, opening it with its
// current key.
func (r *deskRegisters) get(ctx context.Context, p *org.Profile, key *credential.Key) (*register.Register, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if reg, ok := r.open[p.ID]; ok {
		return reg, nil
	}
	reg, err := r.svc.openRegister(ctx, p, key)
	if err != nil {
		return nil, err
	}
	r.open[p.ID] = reg
	return reg, nil
}

// close closes every register.
func (r *deskRegisters) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, reg := range r.open {
		reg.Close()
		delete(r.open, id)
	}
}

// BadRecordError is returned when a record, valid for its schema, still
// cannot make a credential (e.g. a date the credential cannot carry).
type BadRecordError struct{ Err error }

func (e *BadRecordError) Error() string { return e.Err.Error() }
func (e *BadRecordError) Unwrap() error { return e.Err }

// RefError is returned for a credential reference that is neither a
// credential id nor the digest of one of its forms.
type RefError struct{ Ref string }

func (e *RefError) Error() string {
	return "want a credential id (urn:uuid:… or the bare UUID) or the hex SHA-256 digest of one of its forms"
}

// OtherIssuerError refuses an issuer acting on what belongs to another: a
// credential another issuer anchored, or a batch uploaded for another.
type OtherIssuerError struct {
	// IssuerID is the issuer acting.
	IssuerID string
	// Owner is the issuer the credential belongs to ("" for a batch).
	Owner string
	// Batch is the batch's id, for a batch.
	Batch string
}

func (e *OtherIssuerError) Error() string {
	if e.Batch != "" {
		return fmt.Sprintf("batch %s belongs to another issuer", e.Batch)
	}
	return fmt.Sprintf("this credential was anchored by issuer %s, not by %s", e.Owner, e.IssuerID)
}
