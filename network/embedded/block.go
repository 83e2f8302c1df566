package embedded

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Block kinds.
const (
	// kindGenesis is block 0: the ledger's settings and its first trusted org.
	kindGenesis = "genesis"
	// kindConfig is a configuration transaction (an org's CA made trusted),
	// signed by the governance org; its writes go to the config state.
	kindConfig = "config"
	// kindTransaction is a chaincode transaction; its writes go to the
	// chaincode state.
	kindTransaction = "transaction"
)

// block is one entry of the hash-chained block log, stored as its canonical
// CBOR bytes. Its hash is the SHA-256 of those bytes, which include the
// previous block's hash. A transaction block carries the signed proposal
// (transaction id, channel, chaincode, function, arguments, creator,
// timestamp, nonce) and its signature, so that the block can be checked
// again at any time without trusting the ledger that wrote it.
type block struct {
	Number    uint64       `cbor:"1,keyasint"`
	PrevHash  []byte       `cbor:"2,keyasint"`
	Kind      string       `cbor:"3,keyasint"`
	Genesis   *genesisWire `cbor:"4,keyasint,omitempty"`
	Proposal  []byte       `cbor:"5,keyasint,omitempty"`
	Signature []byte       `cbor:"6,keyasint,omitempty"`
	// Writes is the write set, sorted by key, each key once.
	Writes []write `cbor:"7,keyasint"`
	Event  *event  `cbor:"8,keyasint,omitempty"`
	// Result is the chaincode's response payload.
	Result []byte `cbor:"9,keyasint,omitempty"`
	// Time is when the ledger committed the block, by its own clock (Unix
	// nanoseconds), never earlier than the block before. Blocks written
	// before this field existed have none.
	Time int64 `cbor:"10,keyasint,omitempty"`
	// StateDigest is the digest of the whole state after the block's
	// writes (stateDigest); absent from blocks written before it existed.
	StateDigest []byte `cbor:"11,keyasint,omitempty"`
}

// write is one entry of a write set: a new value, or a deletion.
type write struct {
	_      struct{} `cbor:",toarray"`
	Key    []byte
	Value  []byte
	Delete bool
}

// event is the chaincode event a transaction set (at most one).
type event struct {
	_       struct{} `cbor:",toarray"`
	Name    []byte
	Payload []byte
}

// genesisWire is the stored form of Genesis.
type genesisWire struct {
	ChannelID     string `cbor:"1,keyasint"`
	ChaincodeName string `cbor:"2,keyasint"`
	GovernanceOrg string `cbor:"3,keyasint"`
	GovernanceMSP string `cbor:"4,keyasint"`
	CreatedAt     int64  `cbor:"5,keyasint"` // Unix nanoseconds
}

func (g *genesisWire) settings() Genesis {
	return Genesis{
		ChannelID:     g.ChannelID,
		ChaincodeName: g.ChaincodeName,
		GovernanceOrg: g.GovernanceOrg,
		GovernanceMSP: g.GovernanceMSP,
		CreatedAt:     time.Unix(0, g.CreatedAt).UTC(),
	}
}

// encodeBlock returns the canonical bytes of b and their hash.
func encodeBlock(b *block) ([]byte, [sha256.Size]byte, error) {
	return encodeBlockTo(nil, b)
}

// encodeBlockTo is encodeBlock writing into buf's memory when it has room
// (from its start: buf's content is overwritten).
func encodeBlockTo(buf []byte, b *block) ([]byte, [sha256.Size]byte, error) {
	// Size the buffer for the whole block up front: a block anchoring a
	// large batch is tens of megabytes, not worth growing step by step.
	size := 128 + len(b.PrevHash) + len(b.Proposal) + len(b.Signature) + len(b.Result)
	if b.Event != nil {
		size += 16 + len(b.Event.Name) + len(b.Event.Payload)
	}
	for _, w := range b.Writes {
		size += 24 + len(w.Key) + len(w.Value)
	}
	raw, ok := appendBlockCBOR(slices.Grow(buf[:0], size), b)
	if !ok {
		buf := bytes.NewBuffer(raw)
		if err := canonicalCBOR.MarshalToBuffer(b, buf); err != nil {
			return nil, [sha256.Size]byte{}, fmt.Errorf("encoding block %d: %w", b.Number, err)
		}
		raw = buf.Bytes()
	}
	return raw, sha256.Sum256(raw), nil
}

// decodeBlock decodes stored block bytes and checks their structure: a known
// kind with the parts it needs, and a write set sorted by key without
// duplicates, empty keys or deletions carrying a value.
func decodeBlock(raw []byte) (*block, error) {
	var b block
	if err := strictCBOR.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("decoding block: %w", err)
	}
	switch b.Kind {
	case kindGenesis:
		if b.Genesis == nil || b.Proposal != nil || b.Signature != nil || b.Event != nil || b.Result != nil {
			return nil, fmt.Errorf("block %d: a genesis block holds the ledger settings and nothing else", b.Number)
		}
		if b.Number != 0 || len(b.PrevHash) != 0 {
			return nil, fmt.Errorf("block %d: a genesis block must be block 0 with no previous hash", b.Number)
		}
	case kindConfig, kindTransaction:
		if b.Genesis != nil || len(b.Proposal) == 0 || len(b.Signature) == 0 {
			return nil, fmt.Errorf("block %d: a %s block needs a signed proposal and no genesis settings", b.Number, b.Kind)
		}
		if b.Number == 0 || len(b.PrevHash) != sha256.Size {
			return nil, fmt.Errorf("block %d: a %s block needs a number above 0 and a %d-byte previous hash", b.Number, b.Kind, sha256.Size)
		}
	default:
		return nil, fmt.Errorf("block %d: unknown kind %q", b.Number, b.Kind)
	}
	for i, w := range b.Writes {
		if len(w.Key) == 0 {
			return nil, fmt.Errorf("block %d: write %d has an empty key", b.Number, i)
		}
		if w.Delete && len(w.Value) != 0 {
			return nil, fmt.Errorf("block %d: write %d deletes key %q but carries a value", b.Number, i, w.Key)
		}
		if !w.Delete && len(w.Value) == 0 {
			return nil, fmt.Errorf("block %d: write %d sets key %q to an empty value", b.Number, i, w.Key)
		}
		if i > 0 && bytes.Compare(b.Writes[i-1].Key, w.Key) >= 0 {
			return nil, fmt.Errorf("block %d: write set not sorted by key at write %d (%q)", b.Number, i, w.Key)
		}
	}
	if b.StateDigest != nil && len(b.StateDigest) != digestSize {
		return nil, fmt.Errorf("block %d: its state digest has %d bytes, not %d", b.Number, len(b.StateDigest), digestSize)
	}
	if b.Event != nil && len(b.Event.Name) == 0 {
		return nil, fmt.Errorf("block %d: the event has no name", b.Number)
	}
	return &b, nil
}

// errNoProposal is returned by blockProposal for a genesis block.
var errNoProposal = errors.New("a genesis block has no proposal")

// blockProposal decodes the proposal of a config or transaction block.
func blockProposal(b *block) (*Proposal, error) {
	if b.Kind == kindGenesis {
		return nil, errNoProposal
	}
	p, err := UnmarshalProposal(b.Proposal)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", b.Number, err)
	}
	return p, nil
}
