package embedded

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

func sampleBlocks(f *testing.F) [][]byte {
	f.Helper()
	g := &block{Kind: kindGenesis, Genesis: &genesisWire{ChannelID: "sceau", ChaincodeName: "sceau", GovernanceOrg: "ministry", GovernanceMSP: "MinistryMSP", CreatedAt: 1}, Writes: []write{{Key: []byte("MinistryMSP"), Value: []byte{0xa0}}}}
	tx := &block{
		Number: 7, PrevHash: bytes.Repeat([]byte{1}, 32), Kind: kindTransaction, Proposal: []byte{0xa0}, Signature: []byte{0x30},
		Writes: []write{{Key: []byte("\x00digest\x00a\x00"), Value: []byte(`{"status":"active"}`)}, {Key: []byte("k"), Delete: true}},
		Event:  &event{Name: []byte("StatusChanged"), Payload: []byte("{}")}, Result: []byte("ok"),
	}
	var out [][]byte
	for _, b := range []*block{g, tx} {
		raw, _, err := encodeBlock(b)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

// FuzzDecodeBlock feeds stored-block bytes (the store is outside data to
// Verify and Export): decoding never panics, and what decodes re-encodes to
// a block that decodes the same.
func FuzzDecodeBlock(f *testing.F) {
	for _, raw := range sampleBlocks(f) {
		f.Add(raw)
	}
	f.Add([]byte{0xa1, 0x01, 0x00})
	f.Add([]byte("not cbor"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := decodeBlock(raw)
		if err != nil {
			return
		}
		again, _, err := encodeBlock(b)
		if err != nil {
			t.Fatalf("a decoded block does not re-encode: %v", err)
		}
		b2, err := decodeBlock(again)
		if err != nil {
			t.Fatalf("a re-encoded block does not decode: %v", err)
		}
		if !reflect.DeepEqual(b, b2) {
			t.Fatalf("block changed through a round trip: %+v → %+v", b, b2)
		}
	})
}

// FuzzUnmarshalProposal feeds proposal bytes, as a client sends them.
func FuzzUnmarshalProposal(f *testing.F) {
	p, err := NewProposal("sceau", "sceau", "AnchorBatch", []string{`{"batchId":"b1"}`, "\xff"}, []byte("creator"), time.Unix(1700000000, 5))
	if err != nil {
		f.Fatal(err)
	}
	raw, err := p.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte{0xa0})
	f.Add([]byte{0xbf, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := UnmarshalProposal(raw)
		if err != nil {
			return
		}
		again, err := p.Marshal()
		if err != nil {
			t.Fatalf("a decoded proposal does not re-encode: %v", err)
		}
		p2, err := UnmarshalProposal(again)
		if err != nil || !reflect.DeepEqual(p, p2) {
			t.Fatalf("proposal changed through a round trip: %+v → %+v (%v)", p, p2, err)
		}
	})
}

// FuzzParseCreator feeds creator bytes (a serialized identity and its PEM
// certificate) as a proposal carries them.
func FuzzParseCreator(f *testing.F) {
	f.Add([]byte("\x0a\x0bMinistryMSP\x12\x05-----"))
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff})
	f.Fuzz(func(t *testing.T, creator []byte) {
		c, err := parseCreator(creator)
		if err == nil && (c.mspID == "" || c.cert == nil) {
			t.Fatalf("parseCreator accepted %x without an MSP ID and a certificate", creator)
		}
	})
}

// FuzzStoreRecords feeds the small records of the store: history keys and
// entries, state values, transaction records, org records.
func FuzzStoreRecords(f *testing.F) {
	e, _ := encodeHistoryEntry(&historyEntry{Value: []byte("v")})
	d, _ := encodeHistoryEntry(&historyEntry{Delete: true})
	tx, _ := encodeTxRecord(&txRecord{TxID: "ab", Timestamp: 5})
	r, _ := encodeOrgRecord(&orgRecord{Org: "ministry", MSPID: "MinistryMSP", CACert: []byte("pem")})
	f.Add(historyKey([]byte("key"), 3), e)
	f.Add(appendVersionedValue(nil, 7, []byte("value")), d)
	f.Add([]byte{0xff, 0xff}, r)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1}, tx)
	f.Add([]byte{0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, []byte{}) // a length that wraps around
	f.Fuzz(func(t *testing.T, key, value []byte) {
		if k, n, err := splitHistoryKey(key); err == nil && !bytes.Equal(historyKey(k, n), key) {
			t.Fatalf("history key %x splits into %q, %d, which rebuild %x", key, k, n, historyKey(k, n))
		}
		if n, v, err := splitVersionedValue(key); err == nil && (len(v) == 0 || !bytes.Equal(appendVersionedValue(nil, n, v), key)) {
			t.Fatalf("state value %x splits into %d, %q, which rebuild %x", key, n, v, appendVersionedValue(nil, n, v))
		}
		if e, err := decodeHistoryEntry(value); err == nil && e.Delete == (len(e.Value) != 0) {
			t.Fatalf("decoded history entry %+v: want a value or a deletion, not both nor neither", e)
		}
		if r, err := decodeTxRecord(value); err == nil && r.TxID == "" {
			t.Fatal("a transaction record without a transaction id decoded")
		}
		decodeOrgRecord(value)
	})
}

// FuzzDataJSON feeds exported JSON byte fields back in.
func FuzzDataJSON(f *testing.F) {
	f.Add([]byte(`"text"`))
	f.Add([]byte(`{"base64":"AP8="}`))
	f.Add([]byte(`"\u0000digest\u0000"`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var d Data
		if err := d.UnmarshalJSON(in); err != nil {
			return
		}
		out, err := d.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Data
		if err := back.UnmarshalJSON(out); err != nil || !bytes.Equal(back, d) {
			t.Fatalf("%q → %s → %q (%v)", d, out, back, err)
		}
	})
}

// FuzzCheckStoreFile gives the header check random files: it must never
// panic, and never accept a file shorter than the pages its header
// announces.
func FuzzCheckStoreFile(f *testing.F) {
	f.Add(make([]byte, 8192))
	f.Add([]byte("not a store"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "ledger.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		err := checkStoreFile(path)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("a file that is not a store: %v, want ErrCorrupt", err)
		}
		if _, ok := parseBoltMeta(data); err == nil && len(data) > 0 && !ok && len(data) < 2*boltMetaPageBytes {
			t.Fatalf("accepted %d bytes with no valid header", len(data))
		}
	})
}

// FuzzCreateCompositeKey checks the stub's composite keys against the
// Fabric shim's: the same key, or an error both ways.
func FuzzCreateCompositeKey(f *testing.F) {
	f.Add("digest", "0a0b", "", false)
	f.Add("batch", "2026-bac:0001", "x", true)
	f.Add("issuer", "a\x00b", "é", true)
	f.Add("", "", "\U0010FFFF", true)
	f.Add("\xff", "ok", "", false)
	f.Fuzz(func(t *testing.T, objectType, a1, a2 string, two bool) {
		attrs := []string{a1}
		if two {
			attrs = append(attrs, a2)
		}
		want, wantErr := shim.CreateCompositeKey(objectType, attrs)
		got, err := createCompositeKey(objectType, attrs)
		if got != want || (err == nil) != (wantErr == nil) {
			t.Fatalf("createCompositeKey(%q, %q) = %q, %v; the shim gives %q, %v", objectType, attrs, got, err, want, wantErr)
		}
	})
}
