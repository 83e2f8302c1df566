package issuer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
)

// Students pick their credentials up with OpenID4VCI (package
// issuer/oid4vci holds the protocol): an offer keeps the credential as
// issued in the issuer's register, and the pickup signs it again as an
// SD-JWT VC bound to the wallet's key — the same credential, same id and
// claims — anchored in a micro-batch like any credential issued alone, and
// recorded on the credential's register entry so that revoking or
// suspending the credential covers the new form too. This file is the
// issuer's side of it: finding what was issued, signing and anchoring the
// bound form, erasing a student.

// Register returns the register of issuerID, which the desk keeps open
// (its signing key unlocked) until Close.
func (d *Desk) Register(ctx context.Context, issuerID string) (*register.Register, error) {
	profile, key, err := d.keys.current(issuerID)
	if err != nil {
		return nil, err
	}
	return d.registers.get(ctx, profile, key)
}

// OpenRegister opens the register of issuer id with its current signing
// key (SCEAU_KEY_PASSPHRASE or the terminal), for a command that is not a
// server. Close it when done: one process at a time has it open.
func (s *Service) OpenRegister(ctx context.Context, id string) (*register.Register, error) {
	p, err := s.Home.LoadProfile(id)
	if err != nil {
		return nil, err
	}
	key, err := s.Keys.Open(p, p.CurrentKID)
	if err != nil {
		return nil, err
	}
	return s.openRegister(ctx, p, key)
}

// NotInForceError refuses the pickup of a credential that is not in force
// on the ledger (revoked or suspended since the offer was made).
type NotInForceError struct {
	ID     string
	Status record.CredentialStatus
}

func (e *NotInForceError) Error() string {
	return fmt.Sprintf("credential %s is %s: it cannot be picked up", e.ID, e.Status)
}

// CheckInForce returns the register entry of credential id (urn:uuid:…) of
// issuerID, refusing with a *NotInForceError one the ledger does not say
// is active, and with an error wrapping network.ErrNotFound one the
// register does not hold (forgotten).
func (d *Desk) CheckInForce(ctx context.Context, issuerID, id string) (*register.Entry, error) {
	reg, err := d.Register(ctx, issuerID)
	if err != nil {
		return nil, err
	}
	e, err := reg.ByID(id)
	if errors.Is(err, register.ErrNotFound) {
		return nil, fmt.Errorf("credential %s is not in issuer %s's register: %w", id, issuerID, network.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	st, err := d.svc.Contract.GetStatus(ctx, e.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading the status of %s: %w", id, err)
	}
	if st.Status != record.StatusActive {
		return nil, &NotInForceError{ID: id, Status: st.Status}
	}
	return e, nil
}

// IssueBound signs vcJWT's credential — the vc+jwt form of credential id,
// as issuerID issued it — again as an SD-JWT VC bound to holderJWK (the
// wallet's public JWK, cnf.jwk), with the issuer's current key; records
// the new form on the credential's register entry, anchors it in a
// micro-batch and returns it (issuer-signed JWT and every disclosure, with
// the trailing "~"). The credential must be in force (CheckInForce).
func (d *Desk) IssueBound(ctx context.Context, issuerID, id, vcJWT string, holderJWK []byte) (string, error) {
	if len(holderJWK) == 0 {
		return "", errors.New("a bound credential needs the holder's key")
	}
	e, err := d.CheckInForce(ctx, issuerID, id)
	if err != nil {
		return "", err
	}
	if err := d.svc.checkAccredited(ctx, issuerID, e.Award.Type); err != nil {
		return "", err
	}
	profile, key, err := d.keys.current(issuerID)
	if err != nil {
		return "", err
	}
	reg, err := d.registers.get(ctx, profile, key)
	if err != nil {
		return "", err
	}
	jwt, err := credential.ParseJWT(vcJWT)
	if err != nil {
		return "", fmt.Errorf("the credential kept for pickup: %w", err)
	}
	cred := jwt.Credential
	if cred.ID != id || cred.IssuerID != issuerID {
		return "", fmt.Errorf("the credential kept for pickup is %s of %s, not %s of %s", cred.ID, cred.IssuerID, id, issuerID)
	}
	sd, err := credential.SignSDJWT(cred, key, holderJWK)
	if err != nil {
		return "", fmt.Errorf("signing the bound SD-JWT VC: %w", err)
	}
	// Recorded first: a form anchored is always one the register knows.
	if err := reg.AddForm(id, sd.Digest); err != nil {
		return "", err
	}
	if _, err := d.batcher.anchorForm(ctx, issuerID, profile.Org, cred.Type, sd.Digest, reg); err != nil {
		return "", err
	}
	d.logger.Info("credential picked up, bound form anchored", "issuer", issuerID, "digest", sd.Digest)
	return sd.Text, nil
}

// FindBundles returns the bundles of the credentials ids (urn:uuid:…) that
// issuer id issued, found through its register in what the home keeps:
// the batch files of `sceau issue` runs (the issuer's jobs folder), of
// batches uploaded to the issuer API, and the bundles of credentials
// issued alone over HTTP. A credential none of them holds is an error
// naming it (give its bundle file instead).
func (s *Service) FindBundles(reg *register.Register, id string, ids []string) (map[string]*credential.Bundle, error) {
	dir, err := s.Home.Org(id)
	if err != nil {
		return nil, err
	}
	found := map[string]*credential.Bundle{}
	byBatch := map[string][]string{}
	for _, cid := range ids {
		u := CredentialUUID(cid)
		if u == "" {
			return nil, &RefError{Ref: cid}
		}
		cid = "urn:uuid:" + u
		if data, err := os.ReadFile(keptBundlePath(dir, u)); err == nil {
			b, err := credential.ParseBundle(data)
			if err != nil {
				return nil, fmt.Errorf("the kept bundle of %s: %w", cid, err)
			}
			found[cid] = b
			continue
		}
		e, err := reg.ByID(cid)
		if errors.Is(err, register.ErrNotFound) {
			return nil, fmt.Errorf("credential %s is not in issuer %s's register: %w", cid, id, network.ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		byBatch[e.Batch] = append(byBatch[e.Batch], cid)
	}
	if len(byBatch) == 0 {
		return found, nil
	}
	files, err := batchFilesOf(dir)
	if err != nil {
		return nil, err
	}
	for batch, want := range byBatch {
		path, ok := files[batch]
		if !ok {
			return nil, fmt.Errorf("the batch file of %s (batch %s) is not in the issuer's folder: give the credential's bundle file, or the batch file (--batch FILE)", want[0], batch)
		}
		err := ReadBatchFile(path, func(b *credential.Bundle, _ []byte) error {
			if slices.Contains(want, b.ID) {
				found[b.ID] = b
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		for _, cid := range want {
			if found[cid] == nil {
				return nil, fmt.Errorf("credential %s is not in its batch file %s", cid, path)
			}
		}
	}
	return found, nil
}

// BatchBundles returns every bundle of batch batchID of issuer id, from
// the batch file the issuer's folder keeps (see FindBundles).
func (s *Service) BatchBundles(id, batchID string) ([]*credential.Bundle, error) {
	if err := record.ValidateBatchID(batchID); err != nil {
		return nil, err
	}
	dir, err := s.Home.Org(id)
	if err != nil {
		return nil, err
	}
	files, err := batchFilesOf(dir)
	if err != nil {
		return nil, err
	}
	path, ok := files[batchID]
	if !ok {
		return nil, fmt.Errorf("batch %s: %w among issuer %s's batch files (give the batch file's path)", batchID, network.ErrNotFound, id)
	}
	var out []*credential.Bundle
	err = ReadBatchFile(path, func(b *credential.Bundle, _ []byte) error {
		out = append(out, b)
		return nil
	})
	return out, err
}

// batchFilesOf maps the batch id of each batch file under the issuer's
// folder to its path: the jobs' chunk files (named by number: their first
// line names the batch) and the uploaded batches' output.
func batchFilesOf(dir org.Dir) (map[string]string, error) {
	files := map[string]string{}
	chunks, err := filepath.Glob(filepath.Join(dir.JobsDir(), "*", "chunk-*"+BatchFileExt))
	if err != nil {
		return nil, err
	}
	for _, path := range chunks {
		if batch := firstBatchOf(path); batch != "" {
			files[batch] = path
		}
	}
	outs, err := filepath.Glob(filepath.Join(dir.APIBatchesDir(), "*", "out", "*"+BatchFileExt))
	if err != nil {
		return nil, err
	}
	for _, path := range outs {
		files[strings.TrimSuffix(filepath.Base(path), BatchFileExt)] = path
	}
	return files, nil
}

// firstBatchOf returns the batch of the first bundle of a batch file, or
// "" when it cannot be read.
func firstBatchOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, credential.MaxBundleSize+1)
	line, err := r.ReadSlice('\n')
	if err != nil {
		return ""
	}
	b, err := credential.ParseBundle(line)
	if err != nil {
		return ""
	}
	return b.Anchor.Batch
}

// ForgetStudent erases student studentID from issuer id's register: the
// entries of the student's credentials and the offers kept for pickup
// (register.ForgetStudent). What was issued stays valid: the ledger never
// held anything personal.
func (s *Service) ForgetStudent(ctx context.Context, id, studentID string) (register.Forgotten, error) {
	reg, err := s.OpenRegister(ctx, id)
	if err != nil {
		return register.Forgotten{}, err
	}
	defer reg.Close()
	return reg.ForgetStudent(studentID)
}

// Bundles is FindBundles on the desk's service, with the register the
// desk keeps open (Register).
func (d *Desk) Bundles(reg *register.Register, issuerID string, ids []string) ([]*credential.Bundle, error) {
	found, err := d.svc.FindBundles(reg, issuerID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*credential.Bundle, 0, len(ids))
	for _, id := range ids {
		out = append(out, found["urn:uuid:"+CredentialUUID(id)])
	}
	return out, nil
}

// BatchBundles is Service.BatchBundles on the desk's service.
func (d *Desk) BatchBundles(issuerID, batchID string) ([]*credential.Bundle, error) {
	return d.svc.BatchBundles(issuerID, batchID)
}
