package chaincode

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/sceau/sceau/chaincode/record"
)

// RegisterIssuer registers issuer id, named name, bound to the caller's
// organisation, with its first public key (a public JWK, EC P-256 or
// Ed25519). The issuer starts pending until governance accredits it.
//
// The governance organisation cannot register itself as an issuer: it
// would then accredit itself, and separation of duties is the point of
// accreditation.
func (c *Contract) RegisterIssuer(ctx contractapi.TransactionContextInterface, id, name, publicJWK string) error {
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	if err := record.ValidateIssuerID(id); err != nil {
		return err
	}
	if err := record.ValidateIssuerName(name); err != nil {
		return err
	}
	if c.isGovernance(t) {
		return fmt.Errorf("the governance organisation %q cannot register issuer %q: it accredits issuers and may not be one", t.caller, id)
	}
	key, err := record.ParsePublicJWK(publicJWK)
	if err != nil {
		return fmt.Errorf("issuer %q: %w", id, err)
	}
	stateKey, err := issuerKey(t.stub, id)
	if err != nil {
		return err
	}
	var existing record.Issuer
	found, err := getJSON(t.stub, stateKey, &existing)
	if err != nil {
		return err
	}
	if found {
		if existing.MSPID != t.caller {
			return fmt.Errorf("issuer id %q is already bound to organisation %q", id, existing.MSPID)
		}
		return fmt.Errorf("issuer %q is already registered; use RotateIssuerKey to change its key", id)
	}
	issuer := record.Issuer{
		ID:             id,
		Name:           name,
		MSPID:          t.caller,
		Status:         record.IssuerPending,
		Accreditations: []record.Accreditation{},
		Keys:           []record.IssuerKey{{KID: key.KID, JWK: key.JWK, ValidFrom: t.nowText}},
		RegisteredAt:   t.nowText,
	}
	return c.saveIssuer(t, stateKey, &issuer)
}

// AccreditIssuer accredits issuer id for the credential types listed in
// typesJSON (a JSON array), from now until validUntil (RFC 3339 or a date
// meaning its 00:00:00 UTC; empty for open-ended, otherwise after now).
// Governance only.
//
// An accreditation of a type still in force is amended: its validFrom is
// kept and its validUntil becomes the new one. A lapsed one is kept as
// history and a new window starts now, so credentials anchored under the
// old window stay covered by it. A pending issuer becomes active; a
// suspended one stays suspended (ReinstateIssuer lifts a suspension); a
// withdrawn one cannot be accredited again.
func (c *Contract) AccreditIssuer(ctx contractapi.TransactionContextInterface, id, typesJSON, validUntil string) error {
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	if err := c.requireGovernance(t, "accrediting an issuer"); err != nil {
		return err
	}
	types, err := parseTypes(typesJSON)
	if err != nil {
		return err
	}
	until := ""
	if validUntil != "" {
		u, err := record.ParseTime("validUntil", validUntil)
		if err != nil {
			return err
		}
		if !u.After(t.now) {
			return fmt.Errorf("validUntil %s is not after the transaction time %s", record.FormatTime(u), t.nowText)
		}
		until = record.FormatTime(u)
	}
	issuer, stateKey, err := loadIssuer(t, id)
	if err != nil {
		return err
	}
	if issuer.Status == record.IssuerWithdrawn {
		return fmt.Errorf("issuer %q was withdrawn for good and cannot be accredited again", id)
	}
	for _, typ := range types {
		i, inForce, err := issuer.AccreditationAt(typ, t.now)
		if err != nil {
			return err
		}
		if inForce {
			issuer.Accreditations[i].ValidUntil = until
			issuer.Accreditations[i].TxID = t.id
			continue
		}
		issuer.Accreditations = append(issuer.Accreditations, record.Accreditation{Type: typ, ValidFrom: t.nowText, ValidUntil: until, TxID: t.id})
	}
	if issuer.Status == record.IssuerPending {
		issuer.Status = record.IssuerActive
	}
	return c.saveIssuer(t, stateKey, issuer)
}

// parseTypes reads AccreditIssuer's JSON array of credential types.
func parseTypes(typesJSON string) ([]record.CredentialType, error) {
	var types []record.CredentialType
	if err := json.Unmarshal([]byte(typesJSON), &types); err != nil {
		return nil, fmt.Errorf("types %q is not a JSON array of strings: %w", typesJSON, err)
	}
	if len(types) == 0 {
		return nil, errors.New("types is empty: name at least one credential type")
	}
	for i, typ := range types {
		if err := record.ValidateCredentialType(typ); err != nil {
			return nil, err
		}
		if slices.Contains(types[:i], typ) {
			return nil, fmt.Errorf("credential type %q is listed twice", typ)
		}
	}
	return types, nil
}

// SuspendIssuer suspends issuer id for reason (a reason code): it can no
// longer anchor. Governance only.
func (c *Contract) SuspendIssuer(ctx contractapi.TransactionContextInterface, id, reasonCode string) error {
	reason := record.ReasonCode(reasonCode)
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	if err := c.requireGovernance(t, "suspending an issuer"); err != nil {
		return err
	}
	if err := record.ValidateReason(reason); err != nil {
		return err
	}
	issuer, stateKey, err := loadIssuer(t, id)
	if err != nil {
		return err
	}
	switch issuer.Status {
	case record.IssuerSuspended:
		return fmt.Errorf("issuer %q is already suspended", id)
	case record.IssuerWithdrawn:
		return fmt.Errorf("issuer %q was withdrawn for good", id)
	}
	issuer.Status = record.IssuerSuspended
	issuer.StatusReason = reason
	return c.saveIssuer(t, stateKey, issuer)
}

// ReinstateIssuer lifts the suspension of issuer id: it becomes active again
// (pending if it was never accredited). Governance only.
func (c *Contract) ReinstateIssuer(ctx contractapi.TransactionContextInterface, id string) error {
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	if err := c.requireGovernance(t, "reinstating an issuer"); err != nil {
		return err
	}
	issuer, stateKey, err := loadIssuer(t, id)
	if err != nil {
		return err
	}
	if issuer.Status != record.IssuerSuspended {
		return fmt.Errorf("issuer %q is %s, not suspended", id, issuer.Status)
	}
	issuer.Status = record.IssuerActive
	if len(issuer.Accreditations) == 0 {
		issuer.Status = record.IssuerPending
	}
	issuer.StatusReason = ""
	return c.saveIssuer(t, stateKey, issuer)
}

// WithdrawIssuer withdraws issuer id for good, for reason (a reason code).
// Governance only.
func (c *Contract) WithdrawIssuer(ctx contractapi.TransactionContextInterface, id, reasonCode string) error {
	reason := record.ReasonCode(reasonCode)
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	if err := c.requireGovernance(t, "withdrawing an issuer"); err != nil {
		return err
	}
	if err := record.ValidateReason(reason); err != nil {
		return err
	}
	issuer, stateKey, err := loadIssuer(t, id)
	if err != nil {
		return err
	}
	if issuer.Status == record.IssuerWithdrawn {
		return fmt.Errorf("issuer %q is already withdrawn", id)
	}
	issuer.Status = record.IssuerWithdrawn
	issuer.StatusReason = reason
	return c.saveIssuer(t, stateKey, issuer)
}

// RotateIssuerKey adds publicJWK as the new key of issuer id and retires,
// as of now, every key not yet retired. The issuer's own organisation only.
func (c *Contract) RotateIssuerKey(ctx contractapi.TransactionContextInterface, id, publicJWK string) error {
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	issuer, stateKey, err := loadIssuer(t, id)
	if err != nil {
		return err
	}
	if err := requireOwner(t, issuer, "rotating the key of"); err != nil {
		return err
	}
	if issuer.Status == record.IssuerWithdrawn {
		return fmt.Errorf("issuer %q was withdrawn for good: its keys can no longer change", id)
	}
	key, err := record.ParsePublicJWK(publicJWK)
	if err != nil {
		return fmt.Errorf("issuer %q: %w", id, err)
	}
	for i := range issuer.Keys {
		if issuer.Keys[i].KID == key.KID {
			return fmt.Errorf("key %s is already registered for issuer %q: a rotation needs a new key", key.KID, id)
		}
	}
	for i := range issuer.Keys {
		if issuer.Keys[i].RetiredAt == "" {
			issuer.Keys[i].RetiredAt = t.nowText
		}
	}
	issuer.Keys = append(issuer.Keys, record.IssuerKey{KID: key.KID, JWK: key.JWK, ValidFrom: t.nowText})
	return c.saveIssuer(t, stateKey, issuer)
}

// CompromiseIssuerKey marks key kid of issuer id as compromised since the
// given time (RFC 3339 or a date meaning its 00:00:00 UTC; not after now):
// credentials anchored at or after it are invalid. The key is retired now
// if it was not already. A compromise time can be moved earlier, never
// later. The issuer's own organisation or governance.
func (c *Contract) CompromiseIssuerKey(ctx contractapi.TransactionContextInterface, id, kid, since string) error {
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	issuer, stateKey, err := loadIssuer(t, id)
	if err != nil {
		return err
	}
	if !c.isGovernance(t) {
		if err := requireOwner(t, issuer, "reporting a compromised key of"); err != nil {
			return err
		}
	}
	sinceTime, err := record.ParseTime("since", since)
	if err != nil {
		return err
	}
	if sinceTime.After(t.now) {
		return fmt.Errorf("since %s is after the transaction time %s: a compromise is reported once it happened", record.FormatTime(sinceTime), t.nowText)
	}
	key, found := issuer.Key(kid)
	if !found {
		return fmt.Errorf("%skey %q of issuer %q", record.NotFoundPrefix, kid, id)
	}
	if key.CompromisedSince != "" {
		current, err := record.ParseStoredTime("compromisedSince", key.CompromisedSince)
		if err != nil {
			return err
		}
		if !sinceTime.Before(current) {
			return fmt.Errorf("key %s of issuer %q is already compromised since %s", kid, id, key.CompromisedSince)
		}
	}
	key.CompromisedSince = record.FormatTime(sinceTime)
	if key.RetiredAt == "" {
		key.RetiredAt = t.nowText
	}
	return c.saveIssuer(t, stateKey, issuer)
}

// GetIssuer returns issuer id.
func (c *Contract) GetIssuer(ctx contractapi.TransactionContextInterface, id string) (*record.Issuer, error) {
	if err := record.ValidateIssuerID(id); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	stateKey, err := issuerKey(stub, id)
	if err != nil {
		return nil, err
	}
	var issuer record.Issuer
	found, err := getJSON(stub, stateKey, &issuer)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, record.NotFound("issuer", id)
	}
	normalizeIssuer(&issuer)
	return &issuer, nil
}

// ListIssuers returns one page of issuers in id order: pageSize of them
// (1 to 1000; 0 means 100), starting at bookmark (empty for the first
// page, otherwise the bookmark of the previous page).
func (c *Contract) ListIssuers(ctx contractapi.TransactionContextInterface, pageSize int, bookmark string) (*record.IssuerPage, error) {
	if pageSize == 0 {
		pageSize = record.DefaultPageSize
	}
	if pageSize < 1 || pageSize > record.MaxPageSize {
		return nil, fmt.Errorf("page size %d is out of range: want 1 to %d (0 for %d)", pageSize, record.MaxPageSize, record.DefaultPageSize)
	}
	stub := ctx.GetStub()
	iter, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(objIssuer, []string{}, int32(pageSize), bookmark)
	if err != nil {
		return nil, fmt.Errorf("listing issuers: %w", err)
	}
	defer iter.Close()
	page := record.IssuerPage{Issuers: []record.Issuer{}}
	for iter.HasNext() {
		kv, err := iter.Next()
		if err != nil {
			return nil, fmt.Errorf("listing issuers: %w", err)
		}
		if !strings.HasPrefix(kv.GetKey(), issuerKeyPrefix) {
			return nil, fmt.Errorf("listing issuers: bookmark %q leads outside the issuer registry", bookmark)
		}
		var issuer record.Issuer
		if err := json.Unmarshal(kv.GetValue(), &issuer); err != nil {
			return nil, fmt.Errorf("decoding state %q: %w", printableKey(kv.GetKey()), err)
		}
		normalizeIssuer(&issuer)
		page.Issuers = append(page.Issuers, issuer)
	}
	if meta != nil {
		page.Bookmark = meta.GetBookmark()
	}
	return &page, nil
}

// loadIssuer reads issuer id for a transaction that may update it, or acts
// for it: the transaction's time must not be earlier than the issuer's
// last recorded change (record.Issuer.CheckClock).
func loadIssuer(t *txn, id string) (*record.Issuer, string, error) {
	if err := record.ValidateIssuerID(id); err != nil {
		return nil, "", err
	}
	stateKey, err := issuerKey(t.stub, id)
	if err != nil {
		return nil, "", err
	}
	var issuer record.Issuer
	found, err := getJSON(t.stub, stateKey, &issuer)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "", record.NotFound("issuer", id)
	}
	normalizeIssuer(&issuer)
	if err := issuer.CheckClock(t.now); err != nil {
		return nil, "", err
	}
	return &issuer, stateKey, nil
}

// normalizeIssuer gives empty lists rather than null, as the contract's
// return schema requires arrays.
func normalizeIssuer(issuer *record.Issuer) {
	if issuer.Accreditations == nil {
		issuer.Accreditations = []record.Accreditation{}
	}
	if issuer.Keys == nil {
		issuer.Keys = []record.IssuerKey{}
	}
}

// requireOwner refuses every caller but the organisation issuer is bound to.
func requireOwner(t *txn, issuer *record.Issuer, action string) error {
	if t.caller != issuer.MSPID {
		return fmt.Errorf("%s issuer %q is reserved to its organisation %q; caller is %q", action, issuer.ID, issuer.MSPID, t.caller)
	}
	return nil
}

// saveIssuer stamps, writes and announces an issuer change.
func (c *Contract) saveIssuer(t *txn, stateKey string, issuer *record.Issuer) error {
	issuer.UpdatedAt = t.nowText
	issuer.TxID = t.id
	if err := putJSON(t.stub, stateKey, issuer); err != nil {
		return err
	}
	return emit(t.stub, record.EventIssuerChanged, record.Event{IssuerID: issuer.ID, Status: string(issuer.Status), Reason: issuer.StatusReason})
}
