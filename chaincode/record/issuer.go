package record

import (
	"fmt"
	"time"
)

// Issuer is an accredited (or candidate) issuing organisation: an exam
// office, or a platform of open educational resources.
type Issuer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// MSPID binds the issuer id to the Fabric organisation that registered it.
	MSPID  string       `json:"mspId"`
	Status IssuerStatus `json:"status"`
	// StatusReason is a reason code, set when suspended or withdrawn.
	StatusReason ReasonCode `json:"statusReason,omitempty" metadata:",optional"`
	// Accreditations holds every accreditation window the issuer ever had,
	// oldest first: a lapsed window stays, so that what was anchored under
	// it stays covered, and a new accreditation after it opens a new one.
	Accreditations []Accreditation `json:"accreditations" metadata:",optional"`
	Keys           []IssuerKey     `json:"keys"`
	// RegisteredAt and UpdatedAt are transaction times, RFC 3339 UTC.
	RegisteredAt string `json:"registeredAt"`
	UpdatedAt    string `json:"updatedAt"`
	// TxID is the transaction that last changed the record.
	TxID string `json:"txId"`
}

// Accreditation allows an issuer to anchor credentials of one type, from
// ValidFrom until ValidUntil.
type Accreditation struct {
	Type      CredentialType `json:"type"`
	ValidFrom string         `json:"validFrom"`
	// ValidUntil is empty for an open-ended accreditation.
	ValidUntil string `json:"validUntil,omitempty" metadata:",optional"`
	TxID       string `json:"txId"`
}

// IssuerKey is one public signing key of an issuer, with its history.
type IssuerKey struct {
	// KID is the RFC 7638 JWK thumbprint (SHA-256, base64url).
	KID string `json:"kid"`
	// JWK is the public key as a JSON Web Key.
	JWK       string `json:"jwk"`
	ValidFrom string `json:"validFrom"`
	// RetiredAt is set when the key was rotated out: credentials anchored
	// before it keep verifying, none may be anchored after it.
	RetiredAt string `json:"retiredAt,omitempty" metadata:",optional"`
	// CompromisedSince is set when the key was reported stolen: credentials
	// anchored at or after that ledger time are invalid.
	CompromisedSince string `json:"compromisedSince,omitempty" metadata:",optional"`
}

// IssuerPage is one page of ListIssuers.
type IssuerPage struct {
	Issuers []Issuer `json:"issuers"`
	// Bookmark continues the listing; empty on the last page.
	Bookmark string `json:"bookmark,omitempty" metadata:",optional"`
}

// HoldsAt reports whether the window holds at time at: ValidFrom <= at <
// ValidUntil (no end when ValidUntil is empty).
func (a Accreditation) HoldsAt(at time.Time) (bool, error) {
	from, err := ParseStoredTime("validFrom", a.ValidFrom)
	if err != nil {
		return false, err
	}
	if at.Before(from) {
		return false, nil
	}
	if a.ValidUntil == "" {
		return true, nil
	}
	until, err := ParseStoredTime("validUntil", a.ValidUntil)
	if err != nil {
		return false, err
	}
	return at.Before(until), nil
}

// AccreditationAt returns the index in is.Accreditations of the window for
// typ that holds at time at. It looks at every window, not the first of the
// type only: an issuer accredited until a date, then accredited again after
// a gap, has two windows, and a time in the gap is in neither.
func (is *Issuer) AccreditationAt(typ CredentialType, at time.Time) (int, bool, error) {
	for i, a := range is.Accreditations {
		if a.Type != typ {
			continue
		}
		holds, err := a.HoldsAt(at)
		if err != nil {
			return 0, false, fmt.Errorf("issuer %q: %w", is.ID, err)
		}
		if holds {
			return i, true, nil
		}
	}
	return 0, false, nil
}

// lastEnded returns when the latest window of typ that ended at or before
// at ended, if one did.
func (is *Issuer) lastEnded(typ CredentialType, at time.Time) (string, bool) {
	var last time.Time
	for _, a := range is.Accreditations {
		if a.Type != typ || a.ValidUntil == "" {
			continue
		}
		until, err := ParseStoredTime("validUntil", a.ValidUntil)
		if err == nil && !at.Before(until) && until.After(last) {
			last = until
		}
	}
	if last.IsZero() {
		return "", false
	}
	return FormatTime(last), true
}

// InService reports whether the key may sign new credentials: neither
// retired nor reported compromised.
func (k IssuerKey) InService() bool {
	return k.RetiredAt == "" && k.CompromisedSince == ""
}

// CoversAnchoringAt reports whether a credential signed with k and anchored
// at ledger time at may rely on it. It may not when the key was compromised
// at or before that time, nor when it was retired before it: the error, a
// *KeyCoverageError, says which, for a verdict.
func (k IssuerKey) CoversAnchoringAt(at time.Time) error {
	if k.CompromisedSince != "" {
		since, err := ParseStoredTime("compromisedSince", k.CompromisedSince)
		if err != nil || !at.Before(since) {
			return &KeyCoverageError{KID: k.KID, Compromised: true, AnchoredAt: at, Since: k.CompromisedSince}
		}
	}
	if k.RetiredAt != "" {
		retired, err := ParseStoredTime("retiredAt", k.RetiredAt)
		if err != nil || at.After(retired) {
			return &KeyCoverageError{KID: k.KID, AnchoredAt: at, Since: k.RetiredAt}
		}
	}
	return nil
}

// KeyCoverageError is why a key does not cover what was anchored at a
// time (IssuerKey.CoversAnchoringAt).
type KeyCoverageError struct {
	// KID is the key's id.
	KID string
	// Compromised is set when the key was reported compromised at or
	// before the anchoring; otherwise it was retired before it.
	Compromised bool
	// AnchoredAt is when the credential was anchored.
	AnchoredAt time.Time
	// Since is when the key was compromised, or retired, as the ledger
	// stores it.
	Since string
}

func (e *KeyCoverageError) Error() string {
	if e.Compromised {
		return fmt.Sprintf("anchored at %s, when signing key %s was compromised (since %s)", FormatTime(e.AnchoredAt), e.KID, e.Since)
	}
	return fmt.Sprintf("anchored at %s, after signing key %s was retired (%s)", FormatTime(e.AnchoredAt), e.KID, e.Since)
}

// AnchorProblem is why an issuer may not anchor.
type AnchorProblem int

// Why an issuer may not anchor.
const (
	// NotActive: the issuer is pending, suspended or withdrawn.
	NotActive AnchorProblem = iota + 1
	// NotAccredited: no accreditation window of the type holds now.
	NotAccredited
	// NoKeyInService: every key of the issuer is retired or compromised.
	NoKeyInService
)

// AnchorError is the refusal of Issuer.CanAnchor.
type AnchorError struct {
	Problem  AnchorProblem
	IssuerID string
	// Status is the issuer's status (for NotActive).
	Status IssuerStatus
	Type   CredentialType
	At     time.Time
	// LastUntil is when the issuer's latest accreditation for Type ended,
	// for NotAccredited after a lapse; empty otherwise.
	LastUntil string
}

func (e *AnchorError) Error() string {
	switch e.Problem {
	case NotActive:
		if e.Status == IssuerPending {
			return fmt.Sprintf("issuer %q is pending, not accredited yet: only an active issuer can anchor", e.IssuerID)
		}
		return fmt.Sprintf("issuer %q is %s: only an active issuer can anchor", e.IssuerID, e.Status)
	case NotAccredited:
		if e.LastUntil != "" {
			return fmt.Sprintf("issuer %q is not accredited for %s at %s: its accreditation ended at %s", e.IssuerID, e.Type, FormatTime(e.At), e.LastUntil)
		}
		return fmt.Sprintf("issuer %q is not accredited for %s at %s", e.IssuerID, e.Type, FormatTime(e.At))
	default:
		return fmt.Sprintf("issuer %q has no key in service (every key is retired or compromised): rotate in a new key first", e.IssuerID)
	}
}

// CanAnchor reports whether the issuer may anchor credentials of typ at
// ledger time at: it is active, an accreditation window of typ holds at
// that time, and it has a key in service. The contract refuses an anchoring
// otherwise; issuers ask first, to refuse before anything is signed. The
// error is an *AnchorError, or a corrupt record's.
func (is *Issuer) CanAnchor(typ CredentialType, at time.Time) error {
	if is.Status != IssuerActive {
		return &AnchorError{Problem: NotActive, IssuerID: is.ID, Status: is.Status, Type: typ, At: at}
	}
	_, inForce, err := is.AccreditationAt(typ, at)
	if err != nil {
		return err
	}
	if !inForce {
		e := &AnchorError{Problem: NotAccredited, IssuerID: is.ID, Status: is.Status, Type: typ, At: at}
		e.LastUntil, _ = is.lastEnded(typ, at)
		return e
	}
	for _, k := range is.Keys {
		if k.InService() {
			return nil
		}
	}
	return &AnchorError{Problem: NoKeyInService, IssuerID: is.ID, Status: is.Status, Type: typ, At: at}
}

// Key returns the issuer's key kid.
func (is *Issuer) Key(kid string) (*IssuerKey, bool) {
	for i := range is.Keys {
		if is.Keys[i].KID == kid {
			return &is.Keys[i], true
		}
	}
	return nil, false
}
