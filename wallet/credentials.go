package wallet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// Forms a credential is kept in, as Entry.Form says.
const (
	// FormBundle: the issuer's bundle, with every form and the anchor.
	FormBundle = "bundle"
	// FormSDJWT: the SD-JWT VC as issued.
	FormSDJWT = "dc+sd-jwt"
	// FormJWT: the vc+jwt.
	FormJWT = "vc+jwt"
	// FormSC1: the SC1 text of the QR code.
	FormSC1 = "sc1"
)

// Entry is one credential of the wallet, as kept (encrypted).
type Entry struct {
	// ID is the credential id, "urn:uuid:…".
	ID string `json:"id"`
	// Type is the credential type, e.g. "Diploma".
	Type string `json:"type"`
	// Issuer is the issuer's URI.
	Issuer string `json:"issuer"`
	// Title says what the credential is, for a list: a diploma's title
	// ("Baccalauréat général"), or "Certification Pix". Empty in entries
	// kept before titles were (Title() works it out).
	Title string `json:"title,omitempty"`
	// IssuerName is the issuer's name on the ledger when the credential
	// was imported, if the verifier could tell it.
	IssuerName string `json:"issuer_name,omitempty"`
	// ValidFrom is when the credential was issued; ValidUntil when it
	// expires (zero: never).
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// ImportedAt is when it entered the wallet.
	ImportedAt time.Time `json:"imported_at"`
	// Form is FormBundle, FormSDJWT, FormJWT or FormSC1.
	Form string `json:"form"`
	// Data is the credential as imported: the bundle's JSON or the text of
	// the form (a QR image is kept as its text).
	Data string `json:"data"`
}

// SDJWT returns the credential's SD-JWT VC, as issued, or "" when the
// wallet holds no SD-JWT form of it (selective disclosure needs one).
func (e *Entry) SDJWT() string {
	switch e.Form {
	case FormSDJWT:
		return e.Data
	case FormBundle:
		if b, err := credential.ParseBundle([]byte(e.Data)); err == nil {
			return b.SDJWT
		}
	}
	return ""
}

// VerifyFunc verifies a credential against the ledger, as a
// verifier.Verifier's VerifyDecoded does, asking asked of a presentation.
type VerifyFunc func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result

// selfAudience is the audience of the presentation a wallet makes to
// itself to verify a holder-bound SD-JWT it imports.
const selfAudience = "urn:sceau:wallet"

// NotVerifiedError reports a credential that import refused because it
// does not verify.
type NotVerifiedError struct {
	// Result is the verifier's verdict.
	Result *verifier.Result
}

// Error gives the verdict and every check that failed or could not run.
func (e *NotVerifiedError) Error() string {
	var reasons []string
	for _, c := range e.Result.Checks {
		switch {
		case c.Skipped:
			reasons = append(reasons, c.Name+" not checked: "+strings.TrimPrefix(c.Reason, "not checked: "))
		case !c.OK:
			reasons = append(reasons, c.Name+": "+c.Reason)
		}
	}
	return fmt.Sprintf("the credential does not verify (%s), so it was not imported: %s", e.Result.Verdict, strings.Join(reasons, "; "))
}

// DuplicateError reports a credential already in the wallet.
type DuplicateError struct {
	// Existing is the entry in the wallet.
	Existing *Entry
}

// Error says when the credential was imported.
func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s is already in the wallet (imported %s as %s); delete it first to replace it",
		e.Existing.ID, e.Existing.ImportedAt.Format(time.RFC3339), e.Existing.Form)
}

// formOf names the form an entry keeps for each kind of input.
var formOf = map[credential.Kind]string{
	credential.KindBundle: FormBundle,
	credential.KindSDJWT:  FormSDJWT,
	credential.KindJWT:    FormJWT,
	credential.KindSC1:    FormSC1,
}

// Import verifies a credential — a bundle, an SD-JWT VC as issued, a
// vc+jwt, an SC1 text, or a PNG/JPEG image of its QR code or a PDF
// certificate — with verify, and keeps it if the verdict is valid;
// otherwise it returns a *NotVerifiedError. A credential already there is a
// *DuplicateError; an SD-JWT bound to a holder key that is not this
// wallet's, or a presentation, is refused.
func (w *Wallet) Import(ctx context.Context, input []byte, verify VerifyFunc) (*Entry, error) {
	return w.ImportNamed(ctx, input, verify, nil)
}

// ImportNamed is Import that also keeps the issuer's name, as issuerName
// tells it from the issuer's URI (nil, or "": none), for lists to show.
func (w *Wallet) ImportNamed(ctx context.Context, input []byte, verify VerifyFunc, issuerName func(ctx context.Context, uri string) string) (*Entry, error) {
	e, sd, err := parseEntry(ctx, input)
	if err != nil {
		return nil, err
	}
	if existing, err := w.Get(e.ID); err == nil {
		return nil, &DuplicateError{Existing: existing}
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if sd != nil {
		if err := w.checkHolder(sd); err != nil {
			return nil, err
		}
	}
	res, err := w.Verify(ctx, e, verify)
	if err != nil {
		return nil, err
	}
	if res.Verdict != verifier.Valid {
		return nil, &NotVerifiedError{Result: res}
	}
	if res.ID != e.ID {
		return nil, fmt.Errorf("the verifier checked credential %s, not %s", res.ID, e.ID)
	}
	if issuerName != nil {
		e.IssuerName = issuerName(ctx, e.Issuer)
	}
	e.ImportedAt = time.Now().UTC().Truncate(time.Second)
	if err := w.put(e); err != nil {
		return nil, err
	}
	return e, nil
}

// parseEntry decodes a credential in any form (credential.Decode) into an
// entry, without its import time, and returns its SD-JWT form, or nil. An
// image's or a PDF's credential is kept as the text of its QR code. Nothing
// is verified.
func parseEntry(ctx context.Context, input []byte) (*Entry, *credential.SignedSDJWT, error) {
	d, err := credential.Decode(ctx, input)
	switch {
	case errors.Is(err, credential.ErrUnrecognized):
		return nil, nil, errors.New("not a credential: want a bundle (JSON), an SD-JWT, a vc+jwt, an SC1: text, or a PNG/JPEG image of a QR code or a PDF certificate")
	case err != nil:
		return nil, nil, err
	}
	if s := d.Presentation(); s != nil && s.KeyBinding != nil {
		return nil, nil, errors.New("this is a presentation (it ends with a key-binding JWT), made for a verifier: import the SD-JWT as the issuer gave it")
	}
	e := &Entry{Form: formOf[d.Kind], Data: d.Text}
	if d.Bundle != nil {
		compact, err := json.Marshal(d.Bundle)
		if err != nil {
			return nil, nil, err
		}
		e.Data = string(compact)
	}
	c := d.Credential()
	e.ID, e.Type, e.Issuer, e.ValidFrom, e.ValidUntil = c.ID, c.Type, credential.IssuerURI(c.IssuerID), c.ValidFrom, c.ValidUntil
	e.Title = titleOfDecoded(d)
	var sd *credential.SignedSDJWT
	for _, f := range d.Forms {
		if s, ok := f.(*credential.SignedSDJWT); ok {
			sd = s
		}
	}
	return e, sd, nil
}

// PixTitle is the title of every Pix certification.
const PixTitle = "Certification Pix"

// titleOf says what credential c is: a diploma's title, or PixTitle.
func titleOf(c *credential.Credential) string {
	switch s := c.Subject.(type) {
	case *schemas.Diploma:
		return s.Diploma
	case *schemas.PixCertification:
		return PixTitle
	}
	return c.Type
}

// TitleOf returns the entry's Title, decoding the credential for entries
// kept without one.
func (e *Entry) TitleOf(ctx context.Context) string {
	if e.Title != "" {
		return e.Title
	}
	if d, err := credential.Decode(ctx, []byte(e.Data)); err == nil {
		return titleOfDecoded(d)
	}
	return e.Type
}

// titleOfDecoded says what a decoded credential is. An SD-JWT on its own
// carries its envelope and the claims it shows, not a whole subject: a
// diploma's title is its "diploma" claim, which is always shown.
func titleOfDecoded(d *credential.Decoded) string {
	if s := d.Presentation(); s != nil {
		switch s.Credential.Type {
		case schemas.TypePixCertification:
			return PixTitle
		case schemas.TypeDiploma:
			var title string
			if json.Unmarshal(s.Credential.Claims["diploma"], &title) == nil && title != "" {
				return title
			}
		}
		return s.Credential.Type
	}
	return titleOf(d.Credential())
}

// checkHolder refuses an SD-JWT bound to a holder key this wallet does not
// have: it could never be presented from here.
func (w *Wallet) checkHolder(s *credential.SignedSDJWT) error {
	if s.Credential.HolderKey == nil {
		return nil
	}
	if w.holderFor(s.Credential.HolderKey.KID()) == nil {
		return fmt.Errorf("the credential is bound to holder key %s, which is not this wallet's (%s): it was issued to another wallet", s.Credential.HolderKey.KID(), w.HolderKey().KID())
	}
	return nil
}

// Verify verifies entry e with verify, as Import did: a holder-bound
// SD-JWT through a presentation the wallet makes to itself.
func (w *Wallet) Verify(ctx context.Context, e *Entry, verify VerifyFunc) (*verifier.Result, error) {
	var sd *credential.SignedSDJWT
	if e.Form == FormSDJWT {
		parsed, err := credential.ParseSDJWT(e.Data)
		if err != nil {
			return nil, err
		}
		sd = parsed
	}
	return w.verify(ctx, e.Data, sd, verify)
}

// verify verifies data (sd, when it is an SD-JWT) with verify: a
// holder-bound SD-JWT is valid only presented by its holder, so the
// wallet, its holder, presents it to itself, disclosing everything, over a
// fresh nonce.
func (w *Wallet) verify(ctx context.Context, data string, sd *credential.SignedSDJWT, verify VerifyFunc) (*verifier.Result, error) {
	if sd == nil || sd.Credential.HolderKey == nil {
		return verify(ctx, []byte(data), verifier.PresentationRequest{}), nil
	}
	input, asked, err := w.selfPresentation(data, sd)
	if err != nil {
		return nil, err
	}
	return verify(ctx, input, asked), nil
}

// selfPresentation returns a presentation of the SD-JWT data (parsed as
// sd, bound to one of the wallet's keys) to the wallet itself, disclosing
// every claim, and what to ask of it.
func (w *Wallet) selfPresentation(data string, sd *credential.SignedSDJWT) ([]byte, verifier.PresentationRequest, error) {
	key := w.holderFor(sd.Credential.HolderKey.KID())
	if key == nil {
		return nil, verifier.PresentationRequest{}, fmt.Errorf("the credential is bound to holder key %s, which is not this wallet's", sd.Credential.HolderKey.KID())
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, verifier.PresentationRequest{}, err
	}
	req := verifier.PresentationRequest{Nonce: base64.RawURLEncoding.EncodeToString(raw[:]), Audience: selfAudience}
	pres, err := credential.PresentSDJWT(data, key, credential.Presentation{Disclose: sd.Credential.Disclosed, Nonce: req.Nonce, Audience: req.Audience})
	if err != nil {
		return nil, verifier.PresentationRequest{}, fmt.Errorf("presenting the credential to the wallet itself: %w", err)
	}
	return []byte(pres), req, nil
}

// put writes an entry.
func (w *Wallet) put(e *Entry) error {
	plain, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return w.writeSealed(w.credentialRel(e.ID), plain)
}

// normalizeID accepts a credential id with or without "urn:uuid:".
func normalizeID(id string) string {
	id = strings.TrimSpace(id)
	if !strings.HasPrefix(id, "urn:uuid:") {
		id = "urn:uuid:" + id
	}
	return strings.ToLower(id)
}

// Get returns the credential id ("urn:uuid:…" or the bare UUID), or an
// error wrapping ErrNotFound.
func (w *Wallet) Get(id string) (*Entry, error) {
	id = normalizeID(id)
	rel := w.credentialRel(id)
	plain, err := w.readSealed(rel, maxCredentialFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s (see `sceau wallet list`)", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	e, err := decodeEntry(plain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if e.ID != id {
		return nil, fmt.Errorf("%s holds credential %s, not %s: the wallet is damaged", rel, e.ID, id)
	}
	return e, nil
}

// decodeEntry reads a kept entry.
func decodeEntry(plain []byte) (*Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("damaged entry: %w", err)
	}
	switch e.Form {
	case FormBundle, FormSDJWT, FormJWT, FormSC1:
	default:
		return nil, fmt.Errorf("damaged entry: unknown form %q", e.Form)
	}
	if e.ID == "" || e.Data == "" {
		return nil, errors.New("damaged entry: no id or no data")
	}
	return &e, nil
}

// List returns every credential of the wallet, oldest issued first.
func (w *Wallet) List() ([]*Entry, error) {
	dir := filepath.Join(w.dir, credentialsDir)
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the wallet: %w", err)
	}
	var entries []*Entry
	for _, f := range files {
		name := f.Name()
		if f.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, credentialExt) {
			continue // an interrupted write's temporary file
		}
		rel := credentialsDir + "/" + name
		plain, err := w.readSealed(rel, maxCredentialFile)
		if err != nil {
			return nil, err
		}
		e, err := decodeEntry(plain)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		if w.credentialRel(e.ID) != rel {
			return nil, fmt.Errorf("%s holds credential %s, whose file has another name: the wallet is damaged", rel, e.ID)
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool {
		if !entries[i].ValidFrom.Equal(entries[j].ValidFrom) {
			return entries[i].ValidFrom.Before(entries[j].ValidFrom)
		}
		return entries[i].ID < entries[j].ID
	})
	return entries, nil
}

// Delete removes credential id from the wallet for good.
func (w *Wallet) Delete(id string) (*Entry, error) {
	e, err := w.Get(id)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(w.dir, filepath.FromSlash(w.credentialRel(e.ID)))
	if err := os.Remove(path); err != nil {
		return nil, fmt.Errorf("deleting %s: %w", e.ID, err)
	}
	if err := fsutil.SyncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return e, nil
}

// ErrNoSDJWT is returned (wrapped) by Present for a credential kept
// without its SD-JWT form.
var ErrNoSDJWT = errors.New("selective disclosure needs the credential's SD-JWT form")

// Present makes a presentation of credential id for a verifier: an SD-JWT
// disclosing only p.Disclose, with a key-binding JWT over p.Nonce,
// p.Audience and sd_hash, signed by the holder key the credential is bound
// to. A claim name the credential lacks is a *credential.UnknownClaimError.
func (w *Wallet) Present(id string, p credential.Presentation) (string, error) {
	e, err := w.Get(id)
	if err != nil {
		return "", err
	}
	sd := e.SDJWT()
	if sd == "" {
		return "", fmt.Errorf("%w: %s is kept as %s; import the bundle the issuer gave (it carries sd_jwt) to present it claim by claim", ErrNoSDJWT, e.ID, e.Form)
	}
	if p.Nonce == "" || p.Audience == "" {
		return "", errors.New("a presentation needs the verifier's nonce and audience")
	}
	s, err := credential.ParseSDJWT(sd)
	if err != nil {
		return "", err
	}
	if s.Credential.HolderKey == nil {
		return "", fmt.Errorf("%s was issued without a holder key (no cnf), so no presentation can prove it is yours: ask the issuer to issue it again with the key `sceau wallet holder-key` prints", e.ID)
	}
	holder := w.holderFor(s.Credential.HolderKey.KID())
	if holder == nil {
		return "", fmt.Errorf("%s is bound to holder key %s, which this wallet does not have", e.ID, s.Credential.HolderKey.KID())
	}
	return credential.PresentSDJWT(sd, holder, p)
}
