// Package chaincode is the Sceau smart contract for Hyperledger Fabric: the
// registry of accredited issuers and their keys, the anchoring of credential
// batches as RFC 6962 Merkle roots, and the status (active, suspended,
// revoked) of every anchored credential digest.
//
// Authorization comes only from the caller's MSP ID as Fabric reports it.
// The governance organisation is fixed when the chaincode starts (Config),
// never by a transaction. Every function is deterministic: times come from
// the transaction timestamp, and no write depends on map iteration order.
// The one use of the local clock is a refusal: a transaction stamped
// further than a window (Config.TxTimeWindow) from the clock of the peer
// running it is refused, so a client cannot choose the ledger time; and a
// transaction acting for an issuer is refused when stamped earlier than
// the issuer's last change (record.Issuer.CheckClock).
//
// Imports: chaincode/record (the records it writes and the rules it
// enforces), internal/attest, internal/license and internal/merkle, besides
// Fabric's chaincode libraries. It knows nothing of how it is hosted: the
// embedded ledger runs it in-process (network/embedded), peers run it as
// chaincode-as-a-service (cli's `sceau chaincode serve`). Only
// network/embedded and cli import it; clients read its records through
// network and chaincode/record.
package chaincode

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
	"github.com/sceau/sceau/chaincode/record"
)

// ContractName is the name under which the contract is registered; it is
// also the chaincode's default contract, so bare function names reach it.
const ContractName = "sceau"

// Version is the contract version reported in its metadata.
const Version = "1.0.0"

// GovernanceMSPEnv is the environment variable ConfigFromEnv reads.
const GovernanceMSPEnv = "SCEAU_GOVERNANCE_MSP"

// TxTimeWindowEnv is the environment variable ConfigFromEnv reads the
// transaction time window from (a Go duration: "5m"; "0" turns the check
// off).
const TxTimeWindowEnv = "SCEAU_TX_TIME_WINDOW"

// Config is fixed when the chaincode starts.
type Config struct {
	// GovernanceMSP is the MSP ID of the organisation that accredits,
	// suspends and withdraws issuers.
	GovernanceMSP string
	// TxTimeWindow is how far a transaction's timestamp may be from Now
	// (record.CheckTxTime). Zero: record.DefaultTxTimeWindow; negative: no
	// check. On Fabric the chaincode runs on each endorsing peer, so Now
	// is that peer's clock, and a backdated proposal needs the peers of a
	// majority of organisations (the MAJORITY endorsement policy).
	TxTimeWindow time.Duration
	// Now is the clock transactions are checked against. Nil: time.Now.
	Now func() time.Time
}

// ConfigFromEnv reads the configuration from SCEAU_GOVERNANCE_MSP and
// SCEAU_TX_TIME_WINDOW.
func ConfigFromEnv() (Config, error) {
	msp := os.Getenv(GovernanceMSPEnv)
	if msp == "" {
		return Config{}, fmt.Errorf("%s is empty: the chaincode needs the MSP ID of the governance organisation", GovernanceMSPEnv)
	}
	cfg := Config{GovernanceMSP: msp}
	if w := os.Getenv(TxTimeWindowEnv); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil {
			return Config{}, fmt.Errorf("%s %q: a duration such as 5m: %w", TxTimeWindowEnv, w, err)
		}
		if d == 0 {
			d = -1
		}
		cfg.TxTimeWindow = d
	}
	return cfg, nil
}

// Contract is the Sceau contract. Its exported methods are the chaincode's
// transactions; everything else is unexported on purpose.
type Contract struct {
	contractapi.Contract
	cfg Config
}

// New returns the contract for cfg.
func New(cfg Config) *Contract {
	c := &Contract{cfg: cfg}
	c.Name = ContractName
	c.Info.Title = "Sceau credentials ledger"
	c.Info.Version = Version
	return c
}

// NewChaincode returns the chaincode serving the contract for cfg, ready for
// Start (peer-launched or chaincode-as-a-service) or for in-process Invoke.
func NewChaincode(cfg Config) (*contractapi.ContractChaincode, error) {
	if cfg.GovernanceMSP == "" {
		return nil, errors.New("chaincode config: GovernanceMSP is empty")
	}
	cc, err := contractapi.NewChaincode(New(cfg), NewResourceContract(cfg))
	if err != nil {
		return nil, fmt.Errorf("building the Sceau chaincode: %w", err)
	}
	// contract-api renders the metadata's chaincode-level info while building
	// the chaincode: GetMetadata shows title and version on the contract.
	cc.Info.Title = "Sceau credentials ledger"
	cc.Info.Version = Version
	cc.DefaultContract = ContractName
	cc.TransactionSerializer = Serializer()
	return cc, nil
}

// Serializer returns the transaction serializer NewChaincode serves the
// contract with. A host calling the contract's functions itself (the
// embedded ledger's direct queries) encodes their results with it, to
// answer byte for byte as contract-api would.
func Serializer() serializer.TransactionSerializer { return new(contractSerializer) }

// GetEvaluateTransactions lists the read-only functions, so clients and the
// contract metadata know they need no ordering.
func (c *Contract) GetEvaluateTransactions() []string {
	return []string{"GetIssuer", "ListIssuers", "GetBatch", "GetStatus", "GetStatusHistory", "GetStatusCheckpoint"}
}

// txn is what every function needs from its transaction.
type txn struct {
	stub shim.ChaincodeStubInterface
	// caller is the MSP ID of the submitting identity.
	caller string
	// now is the transaction timestamp, truncated to the second, and
	// nowText the same instant as stored (RFC 3339, UTC).
	now     time.Time
	nowText string
	id      string
}

// begin reads the caller and the transaction time.
func (c *Contract) begin(ctx contractapi.TransactionContextInterface) (*txn, error) {
	caller, err := callerMSP(ctx)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, fmt.Errorf("reading the transaction timestamp: %w", err)
	}
	if err := ts.CheckValid(); err != nil {
		return nil, fmt.Errorf("transaction timestamp: %w", err)
	}
	window := c.cfg.TxTimeWindow
	if window == 0 {
		window = record.DefaultTxTimeWindow
	}
	clock := c.cfg.Now
	if clock == nil {
		clock = time.Now
	}
	if err := record.CheckTxTime(ts.AsTime(), clock(), window); err != nil {
		return nil, err
	}
	now := ts.AsTime().UTC().Truncate(time.Second)
	return &txn{stub: stub, caller: caller, now: now, nowText: record.FormatTime(now), id: stub.GetTxID()}, nil
}

// callerMSP returns the MSP ID of the identity that submitted the transaction.
func callerMSP(ctx contractapi.TransactionContextInterface) (string, error) {
	id := ctx.GetClientIdentity()
	// contract-api stores a nil *cid.ClientID when the creator is unreadable.
	if ci, ok := id.(*cid.ClientID); id == nil || (ok && ci == nil) {
		return "", errors.New("the caller's identity could not be read from the transaction")
	}
	msp, err := id.GetMSPID()
	if err != nil {
		return "", fmt.Errorf("reading the caller's MSP ID: %w", err)
	}
	if msp == "" {
		return "", errors.New("the caller's identity has no MSP ID")
	}
	return msp, nil
}

// isGovernance reports whether the caller is the governance organisation.
func (c *Contract) isGovernance(t *txn) bool {
	return t.caller == c.cfg.GovernanceMSP
}

// requireGovernance refuses every caller but the governance organisation.
func (c *Contract) requireGovernance(t *txn, action string) error {
	if !c.isGovernance(t) {
		return fmt.Errorf("%s is reserved to the governance organisation; caller is %q", action, t.caller)
	}
	return nil
}

// getJSON reads key into v. It reports false, and no error, when key is absent.
func getJSON(stub shim.ChaincodeStubInterface, key string, v any) (bool, error) {
	raw, err := stub.GetState(key)
	if err != nil {
		return false, fmt.Errorf("reading state %q: %w", printableKey(key), err)
	}
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decoding state %q: %w", printableKey(key), err)
	}
	return true, nil
}

// putJSON writes v at key.
func putJSON(stub shim.ChaincodeStubInterface, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding state %q: %w", printableKey(key), err)
	}
	if err := stub.PutState(key, raw); err != nil {
		return fmt.Errorf("writing state %q: %w", printableKey(key), err)
	}
	return nil
}

// emit sets the transaction's one event.
func emit(stub shim.ChaincodeStubInterface, name string, ev record.Event) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encoding event %s: %w", name, err)
	}
	if err := stub.SetEvent(name, payload); err != nil {
		return fmt.Errorf("setting event %s: %w", name, err)
	}
	return nil
}
