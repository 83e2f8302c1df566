package embedded

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// nonceSize is the length of a proposal nonce, as the Fabric SDKs use.
const nonceSize = 24

// Proposal is one transaction proposal: which function of which chaincode to
// run, with which arguments, as which identity. It is what a client signs.
type Proposal struct {
	// TxID is the hex SHA-256 of Nonce followed by Creator, as on Fabric.
	TxID string
	// ChannelID and Chaincode must be the ledger's (see Genesis).
	ChannelID string
	Chaincode string
	// Function is the chaincode function; Args its arguments.
	Function string
	Args     []string
	// Creator is a marshalled msp.SerializedIdentity: MSP ID and PEM certificate.
	Creator []byte
	// Timestamp is the client's time; the chaincode reads it as the
	// transaction time (GetTxTimestamp).
	Timestamp time.Time
	// Nonce is random, so that every proposal has its own TxID.
	Nonce []byte
}

// proposalWire is the signed form of a Proposal. Free-form strings travel as
// CBOR byte strings so that any Go string (even invalid UTF-8) round-trips.
type proposalWire struct {
	TxID      string   `cbor:"1,keyasint"`
	ChannelID string   `cbor:"2,keyasint"`
	Chaincode string   `cbor:"3,keyasint"`
	Function  []byte   `cbor:"4,keyasint"`
	Args      [][]byte `cbor:"5,keyasint"`
	Creator   []byte   `cbor:"6,keyasint"`
	Timestamp int64    `cbor:"7,keyasint"` // Unix nanoseconds
	Nonce     []byte   `cbor:"8,keyasint"`
}

// SignedProposal is a Proposal in its canonical bytes with the creator's
// signature over them: ASN.1 DER ECDSA P-256 over the SHA-256 of Proposal,
// with S in its low form as Fabric requires.
type SignedProposal struct {
	Proposal  []byte
	Signature []byte
}

// NewProposal builds a proposal with a fresh random nonce and its TxID.
func NewProposal(channelID, chaincodeName, function string, args []string, creator []byte, at time.Time) (*Proposal, error) {
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("drawing a proposal nonce: %w", err)
	}
	return &Proposal{
		TxID:      ComputeTxID(nonce, creator),
		ChannelID: channelID,
		Chaincode: chaincodeName,
		Function:  function,
		Args:      append([]string(nil), args...),
		Creator:   append([]byte(nil), creator...),
		Timestamp: at,
		Nonce:     nonce,
	}, nil
}

// ComputeTxID returns the transaction id Fabric derives from a proposal's
// nonce and creator: hex(SHA-256(nonce || creator)).
func ComputeTxID(nonce, creator []byte) string {
	h := sha256.New()
	h.Write(nonce)
	h.Write(creator)
	return hex.EncodeToString(h.Sum(nil))
}

// Marshal returns the canonical bytes of p, the bytes that are signed.
func (p *Proposal) Marshal() ([]byte, error) {
	w := proposalWire{
		TxID:      p.TxID,
		ChannelID: p.ChannelID,
		Chaincode: p.Chaincode,
		Function:  []byte(p.Function),
		Args:      make([][]byte, len(p.Args)),
		Creator:   p.Creator,
		Timestamp: p.Timestamp.UnixNano(),
		Nonce:     p.Nonce,
	}
	for i, a := range p.Args {
		w.Args[i] = []byte(a)
	}
	b, err := canonicalCBOR.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encoding proposal %s: %w", p.TxID, err)
	}
	return b, nil
}

// UnmarshalProposal decodes the canonical bytes of a proposal. It checks the
// encoding only; the ledger checks what the proposal claims.
func UnmarshalProposal(b []byte) (*Proposal, error) {
	var w proposalWire
	if err := strictCBOR.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("decoding proposal: %w", err)
	}
	if w.TxID == "" {
		return nil, errors.New("decoding proposal: the transaction id is missing")
	}
	p := &Proposal{
		TxID:      w.TxID,
		ChannelID: w.ChannelID,
		Chaincode: w.Chaincode,
		Function:  string(w.Function),
		Args:      make([]string, len(w.Args)),
		Creator:   w.Creator,
		Timestamp: time.Unix(0, w.Timestamp).UTC(),
		Nonce:     w.Nonce,
	}
	for i, a := range w.Args {
		p.Args[i] = string(a)
	}
	return p, nil
}

// binding is Fabric's proposal binding: SHA-256(nonce || creator || epoch),
// the epoch as 8 little-endian bytes (always 0 on Fabric today).
func (p *Proposal) binding() []byte {
	var epoch [8]byte
	binary.LittleEndian.PutUint64(epoch[:], 0)
	h := sha256.New()
	h.Write(p.Nonce)
	h.Write(p.Creator)
	h.Write(epoch[:])
	return h.Sum(nil)
}
