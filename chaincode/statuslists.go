package chaincode

import (
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/sceau/sceau/chaincode/record"
)

// objStatusCheckpoint keys an issuer's last status list checkpoint:
// status-checkpoint\x00<issuerId>. Its history is every checkpoint.
const objStatusCheckpoint = "status-checkpoint"

// CheckpointStatusLists anchors the digests of the status lists issuerID
// published (listsJSON: a JSON array of record.StatusListDigest), so that
// whoever holds one of them can check it is the issuer's as the ledger
// knows it. Only the issuer's organisation; the issuer may be suspended
// or withdrawn (its lists must still say what it revoked), but must exist.
func (c *Contract) CheckpointStatusLists(ctx contractapi.TransactionContextInterface, issuerID, listsJSON string) (*record.StatusCheckpoint, error) {
	t, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	if len(listsJSON) > 4<<10 {
		return nil, fmt.Errorf("status lists: %d bytes is more than the 4096 allowed", len(listsJSON))
	}
	var lists []record.StatusListDigest
	if err := json.Unmarshal([]byte(listsJSON), &lists); err != nil {
		return nil, fmt.Errorf("status lists: want a JSON array of {kind, digest}: %w", err)
	}
	if err := record.ValidateStatusLists(lists); err != nil {
		return nil, err
	}
	issuer, _, err := loadIssuer(t, issuerID)
	if err != nil {
		return nil, err
	}
	if err := requireOwner(t, issuer, "checkpointing the status lists of"); err != nil {
		return nil, err
	}
	key, err := compositeKey(t.stub, objStatusCheckpoint, issuerID)
	if err != nil {
		return nil, err
	}
	cp := &record.StatusCheckpoint{IssuerID: issuerID, Lists: lists, CheckpointedAt: t.nowText, TxID: t.id}
	if err := putJSON(t.stub, key, cp); err != nil {
		return nil, err
	}
	return cp, nil
}

// GetStatusCheckpoint returns the last status list checkpoint of issuerID.
func (c *Contract) GetStatusCheckpoint(ctx contractapi.TransactionContextInterface, issuerID string) (*record.StatusCheckpoint, error) {
	if err := record.ValidateIssuerID(issuerID); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	key, err := compositeKey(stub, objStatusCheckpoint, issuerID)
	if err != nil {
		return nil, err
	}
	var cp record.StatusCheckpoint
	found, err := getJSON(stub, key, &cp)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, record.NotFound("status checkpoint", issuerID)
	}
	return &cp, nil
}
