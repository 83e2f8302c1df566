package chaincode

import (
	"fmt"
	"slices"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/sceau/sceau/chaincode/record"
)

// GetStatus returns the record of an anchored digest (64 lowercase hex),
// rebuilt from its digest record and its batch record.
func (c *Contract) GetStatus(ctx contractapi.TransactionContextInterface, digest string) (*record.DigestStatus, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	key, err := digestKey(stub, digest)
	if err != nil {
		return nil, err
	}
	raw, err := stub.GetState(key)
	if err != nil {
		return nil, fmt.Errorf("reading state %q: %w", printableKey(key), err)
	}
	if raw == nil {
		return nil, record.NotFound("digest", digest)
	}
	rec, err := decodeDigestRecord(key, raw)
	if err != nil {
		return nil, err
	}
	batch, err := anchoringBatch(stub, digest, rec)
	if err != nil {
		return nil, err
	}
	return rec.view(digest, batch), nil
}

// GetStatusHistory returns every status of an anchored digest, oldest first,
// from its anchoring on. It reads the key's history, which Fabric returns
// newest first.
func (c *Contract) GetStatusHistory(ctx contractapi.TransactionContextInterface, digest string) ([]record.StatusChange, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	key, err := digestKey(stub, digest)
	if err != nil {
		return nil, err
	}
	iter, err := stub.GetHistoryForKey(key)
	if err != nil {
		return nil, fmt.Errorf("reading the history of digest %s: %w", digest, err)
	}
	defer iter.Close()
	history := []record.StatusChange{}
	// Every version of the record names the same batch: read it once.
	var batch *record.Batch
	for iter.HasNext() {
		mod, err := iter.Next()
		if err != nil {
			return nil, fmt.Errorf("reading the history of digest %s: %w", digest, err)
		}
		if mod.GetIsDelete() {
			continue
		}
		rec, err := decodeDigestRecord(key, mod.GetValue())
		if err != nil {
			return nil, fmt.Errorf("the history of digest %s at transaction %s: %w", digest, mod.GetTxId(), err)
		}
		if batch == nil || batch.BatchID != rec.BatchID {
			if batch, err = anchoringBatch(stub, digest, rec); err != nil {
				return nil, err
			}
		}
		history = append(history, rec.change(batch, mod.GetTxId()))
	}
	if len(history) == 0 {
		return nil, record.NotFound("digest", digest)
	}
	slices.Reverse(history)
	return history, nil
}

// Revoke revokes for good, for reason (a reason code), the credential that
// digest belongs to: every digest of its group. Only the organisation of
// the issuer that anchored it.
func (c *Contract) Revoke(ctx contractapi.TransactionContextInterface, digest, reason string) error {
	return c.changeCredential(ctx, digest, record.StatusRevoked, record.ReasonCode(reason))
}

// Suspend suspends, for reason (a reason code), the active credential that
// digest belongs to. Only the organisation of the issuer that anchored it.
func (c *Contract) Suspend(ctx contractapi.TransactionContextInterface, digest, reason string) error {
	return c.changeCredential(ctx, digest, record.StatusSuspended, record.ReasonCode(reason))
}

// Reinstate makes the suspended credential that digest belongs to active
// again. Only the organisation of the issuer that anchored it.
func (c *Contract) Reinstate(ctx contractapi.TransactionContextInterface, digest string) error {
	return c.changeCredential(ctx, digest, record.StatusActive, "")
}

// RevokeBatch revokes for good, for reason (a reason code), every credential
// of batch batchID not revoked yet. Only the organisation of the issuer
// that anchored it. Its StatusChanged event names the batch, not each
// digest.
func (c *Contract) RevokeBatch(ctx contractapi.TransactionContextInterface, batchID, reasonCode string) error {
	reason := record.ReasonCode(reasonCode)
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	if err := record.ValidateBatchID(batchID); err != nil {
		return err
	}
	if err := record.ValidateReason(reason); err != nil {
		return err
	}
	bKey, err := batchKey(t.stub, batchID)
	if err != nil {
		return err
	}
	var batch record.Batch
	found, err := getJSON(t.stub, bKey, &batch)
	if err != nil {
		return err
	}
	if !found {
		return record.NotFound("batch", batchID)
	}
	issuer, _, err := loadIssuer(t, batch.IssuerID)
	if err != nil {
		return err
	}
	if err := requireOwner(t, issuer, "changing credential statuses of"); err != nil {
		return err
	}
	credKey, err := batchCredentialsKey(t.stub, batchID)
	if err != nil {
		return err
	}
	var creds batchCredentials
	found, err = getJSON(t.stub, credKey, &creds)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("batch %q has no credential list on the ledger", batchID)
	}
	var digests []string
	for _, group := range creds.Credentials {
		digests = append(digests, group...)
	}
	records, keys, err := loadDigests(t, digests)
	if err != nil {
		return err
	}
	var pending []int
	for i, rec := range records {
		if rec.currentStatus() != record.StatusRevoked {
			pending = append(pending, i)
		}
	}
	if len(pending) == 0 {
		return fmt.Errorf("every credential of batch %q is already revoked", batchID)
	}
	t.stub.StartWriteBatch()
	for _, i := range pending {
		if err := writeStatus(t, keys[i], records[i], record.StatusRevoked, reason); err != nil {
			return err
		}
	}
	if err := t.stub.FinishWriteBatch(); err != nil {
		return fmt.Errorf("writing the revocation of batch %q: %w", batchID, err)
	}
	return emit(t.stub, record.EventStatusChanged, record.Event{IssuerID: batch.IssuerID, BatchID: batchID, Status: string(record.StatusRevoked), Reason: reason})
}

// changeCredential moves every digest of the credential that digest belongs
// to into status target.
func (c *Contract) changeCredential(ctx contractapi.TransactionContextInterface, digest string, target record.CredentialStatus, reason record.ReasonCode) error {
	t, err := c.begin(ctx)
	if err != nil {
		return err
	}
	if err := record.ValidateDigest(digest); err != nil {
		return err
	}
	if target != record.StatusActive {
		if err := record.ValidateReason(reason); err != nil {
			return err
		}
	}
	records, _, err := loadDigests(t, []string{digest})
	if err != nil {
		return err
	}
	rec := records[0]
	batch, err := anchoringBatch(t.stub, digest, rec)
	if err != nil {
		return err
	}
	issuer, _, err := loadIssuer(t, batch.IssuerID)
	if err != nil {
		return err
	}
	if err := requireOwner(t, issuer, "changing credential statuses of"); err != nil {
		return err
	}
	digests := rec.group(digest)
	group, keys, err := loadDigests(t, digests)
	if err != nil {
		return err
	}
	for i, member := range group {
		if err := member.view(digests[i], batch).CheckTransition(target); err != nil {
			return err
		}
	}
	for i, member := range group {
		if err := writeStatus(t, keys[i], member, target, reason); err != nil {
			return err
		}
	}
	return emit(t.stub, record.EventStatusChanged, record.Event{IssuerID: batch.IssuerID, BatchID: rec.BatchID, Digests: digests, Status: string(target), Reason: reason})
}

// loadDigests reads the records of digests, all of which must exist, and
// returns them with their state keys.
func loadDigests(t *txn, digests []string) ([]*digestRecord, []string, error) {
	keys := make([]string, len(digests))
	for i, d := range digests {
		k, err := digestKey(t.stub, d)
		if err != nil {
			return nil, nil, err
		}
		keys[i] = k
	}
	values, err := t.stub.GetMultipleStates(keys...)
	if err != nil {
		return nil, nil, fmt.Errorf("reading digest records: %w", err)
	}
	if len(values) != len(keys) {
		return nil, nil, fmt.Errorf("reading digest records: asked for %d, got %d", len(keys), len(values))
	}
	records := make([]*digestRecord, len(values))
	for i, v := range values {
		if v == nil {
			return nil, nil, record.NotFound("digest", digests[i])
		}
		if records[i], err = decodeDigestRecord(keys[i], v); err != nil {
			return nil, nil, err
		}
	}
	return records, keys, nil
}

// writeStatus stamps and writes a digest's new status.
func writeStatus(t *txn, key string, rec *digestRecord, status record.CredentialStatus, reason record.ReasonCode) error {
	rec.Status = status
	rec.Reason = reason
	rec.UpdatedAt = t.nowText
	rec.TxID = t.id
	return putJSON(t.stub, key, rec)
}
