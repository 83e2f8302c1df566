package embedded

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// BlockRecord is one block as Export writes it (one JSON object per line).
type BlockRecord struct {
	Number uint64 `json:"number"`
	// Hash is the hex SHA-256 of the block's canonical bytes; PrevHash the
	// previous block's (empty for the genesis block).
	Hash     string `json:"hash"`
	PrevHash string `json:"prevHash,omitempty"`
	// Kind is "genesis", "config" or "transaction".
	Kind string `json:"kind"`
	// Genesis is the ledger's settings, in the genesis block only.
	Genesis *Genesis `json:"genesis,omitempty"`
	// The signed proposal of a config or transaction block.
	TxID         string    `json:"txId,omitempty"`
	Timestamp    time.Time `json:"timestamp"`
	ChannelID    string    `json:"channelId,omitempty"`
	Chaincode    string    `json:"chaincode,omitempty"`
	CreatorMSPID string    `json:"creatorMspId,omitempty"`
	// CreatorCert is the creator's PEM certificate.
	CreatorCert string `json:"creatorCert,omitempty"`
	Function    Data   `json:"function,omitempty"`
	Args        []Data `json:"args,omitempty"`
	// Nonce and Signature are hex.
	Nonce     string        `json:"nonce,omitempty"`
	Signature string        `json:"signature,omitempty"`
	Writes    []WriteRecord `json:"writes"`
	Event     *EventRecord  `json:"event,omitempty"`
	// Result is the chaincode's response payload.
	Result Data `json:"result,omitempty"`
}

// WriteRecord is one write of a block: a key set to a value, or deleted.
// A transaction's writes are chaincode state; a genesis or config block's
// are config state (MSP ID → trusted org record, CBOR).
type WriteRecord struct {
	Key    Data `json:"key"`
	Value  Data `json:"value,omitempty"`
	Delete bool `json:"delete,omitempty"`
}

// EventRecord is the chaincode event of a transaction.
type EventRecord struct {
	Name    Data `json:"name"`
	Payload Data `json:"payload,omitempty"`
}

// Data is bytes in JSON: a string when they are valid UTF-8 (composite key
// separators appear as \u0000), else an object {"base64": "..."}.
type Data []byte

// MarshalJSON implements json.Marshaler.
func (d Data) MarshalJSON() ([]byte, error) {
	if utf8.Valid(d) {
		return json.Marshal(string(d))
	}
	return json.Marshal(struct {
		Base64 []byte `json:"base64"`
	}{d})
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Data) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*d = Data(s)
		return nil
	}
	var o struct {
		Base64 *[]byte `json:"base64"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil || o.Base64 == nil {
		return errors.New(`data must be a JSON string or an object {"base64": "..."}`)
	}
	*d = *o.Base64
	return nil
}

// Export writes every block, oldest first, as one JSON BlockRecord per
// line. It reads one consistent snapshot.
func (l *Ledger) Export(ctx context.Context, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	var writeErr error
	err := l.db.View(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return err
		}
		c := b.blocks.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec, err := blockRecord(storedValue(b.blocks, k, v))
			if err != nil {
				return fmt.Errorf("block %d: %w", decodeBlockKey(k), err)
			}
			if err := enc.Encode(rec); err != nil {
				writeErr = err
				return err
			}
		}
		return nil
	})
	switch {
	case writeErr != nil:
		return fmt.Errorf("exporting ledger %s: %w", l.dir, writeErr)
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return unavailable("exporting ledger "+l.dir, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("exporting ledger %s: %w", l.dir, err)
	}
	return nil
}

// blockRecord decodes stored block bytes into their export form.
func blockRecord(raw []byte) (*BlockRecord, error) {
	blk, err := decodeBlock(raw)
	if err != nil {
		return nil, err
	}
	hash := sha256.Sum256(raw)
	rec := &BlockRecord{
		Number:   blk.Number,
		Hash:     hex.EncodeToString(hash[:]),
		PrevHash: hex.EncodeToString(blk.PrevHash),
		Kind:     blk.Kind,
		Writes:   make([]WriteRecord, len(blk.Writes)),
		Result:   blk.Result,
	}
	for i, w := range blk.Writes {
		rec.Writes[i] = WriteRecord{Key: w.Key, Value: w.Value, Delete: w.Delete}
	}
	if blk.Event != nil {
		rec.Event = &EventRecord{Name: blk.Event.Name, Payload: blk.Event.Payload}
	}
	if blk.Kind == kindGenesis {
		g := blk.Genesis.settings()
		rec.Genesis, rec.Timestamp = &g, g.CreatedAt
		return rec, nil
	}
	p, err := blockProposal(blk)
	if err != nil {
		return nil, err
	}
	rec.TxID, rec.Timestamp, rec.ChannelID, rec.Chaincode = p.TxID, p.Timestamp, p.ChannelID, p.Chaincode
	rec.Function = Data(p.Function)
	rec.Args = make([]Data, len(p.Args))
	for i, a := range p.Args {
		rec.Args[i] = Data(a)
	}
	rec.Nonce, rec.Signature = hex.EncodeToString(p.Nonce), hex.EncodeToString(blk.Signature)
	if c, err := parseCreator(p.Creator); err == nil {
		rec.CreatorMSPID = c.mspID
		rec.CreatorCert = string(c.certPEM)
	}
	return rec, nil
}
