package embedded

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/sceau/sceau/network"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// tamper closes l, edits its store directly with bbolt, and reopens it.
func tamper(t *testing.T, l *Ledger, dir string, edit func(tx *bolt.Tx) error) *Ledger {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(edit); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(context.Background(), dir, OpenOptions{Chaincode: newTestChaincode})
	if err != nil {
		t.Fatalf("reopening the tampered ledger: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// editBlock rewrites block n, still well-formed, with change applied.
func editBlock(n uint64, change func(*block)) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		blk, err := decodeBlock(blockAt(tx.Bucket(bucketBlocks), n))
		if err != nil {
			return err
		}
		change(blk)
		raw, _, err := encodeBlock(blk)
		if err != nil {
			return err
		}
		return replaceBlock(tx, n, raw)
	}
}

// replaceBlock stores raw as block n in place of the block stored there.
func replaceBlock(tx *bolt.Tx, n uint64, raw []byte) error {
	b := tx.Bucket(bucketBlocks)
	err := b.Delete(blockKey(n))
	if errors.Is(err, bolterrors.ErrIncompatibleValue) {
		err = b.DeleteBucket(blockKey(n))
	}
	if err != nil {
		return err
	}
	return putBlock(b, n, raw)
}

// putState sets a state entry behind the ledger's back.
func putState(key string, stored []byte) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket(bucketState).Put([]byte(key), stored) }
}

// putHistory sets a history entry behind the ledger's back.
func putHistory(key string, n uint64, e *historyEntry) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		raw, err := encodeHistoryEntry(e)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketHistory).Put(historyKey([]byte(key), n), raw)
	}
}

// sampleLedger holds a genesis block, a config block (2) and transactions
// 1, 3 and 4: block 3 writes "a" and "b", block 4 rewrites "a".
func sampleLedger(t *testing.T) (*Ledger, string) {
	t.Helper()
	l, dir := newTestLedger(t)
	mustSubmit(t, l, "ministry", "put", "a", "1")
	if _, err := l.ProvisionOrg(context.Background(), "examoffice"); err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, l, "examoffice", "putmany", "", "2", "4") // keys "00000000", "00000001"
	mustSubmit(t, l, "ministry", "put", "00000000", "second")
	mustVerifyClean(t, l)
	return l, dir
}

func hasProblem(r *VerifyReport, block int64, key, text string) bool {
	for _, p := range r.Problems {
		if p.Block == block && p.Key == key && strings.Contains(p.Message, text) {
			return true
		}
	}
	return false
}

func TestVerifyLocatesTampering(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(tx *bolt.Tx) error
		block int64
		key   string
		text  string
	}{
		{
			name:  "a committed block's write set",
			edit:  editBlock(3, func(b *block) { b.Writes[0].Value = []byte("vvvX") }),
			block: 3, text: "does not hash to the previous hash that block 4 records",
		},
		{
			name: "a committed block's proposal",
			edit: editBlock(1, func(b *block) {
				b.Proposal = append(b.Proposal[:len(b.Proposal)-1:len(b.Proposal)-1], b.Proposal[len(b.Proposal)-1]^1)
			}),
			block: 1, text: "does not hash",
		},
		{
			name:  "the last block",
			edit:  editBlock(4, func(b *block) { b.Result = []byte("forged") }),
			block: 4, text: "was recorded when it was committed",
		},
		{
			name: "a committed block's raw bytes",
			edit: func(tx *bolt.Tx) error {
				raw := bytes.Clone(blockAt(tx.Bucket(bucketBlocks), 2))
				raw[len(raw)/2] ^= 0xff
				return replaceBlock(tx, 2, raw)
			},
			block: 2, text: "",
		},
		{
			name:  "a state value",
			edit:  putState("00000001", appendVersionedValue(nil, 3, []byte("forged"))),
			block: 3, key: "00000001", text: "state value differs",
		},
		{
			name:  "a state value without a block number",
			edit:  putState("00000001", []byte{0x83, 0x80}),
			block: 3, key: "00000001", text: "state value differs from the value the block wrote: malformed",
		},
		{
			name:  "a state value set back to an older one",
			edit:  putState("00000000", appendVersionedValue(nil, 3, []byte("vvvv"))),
			block: 4, key: "00000000", text: "state value differs",
		},
		{
			name:  "a state value attributed to another block",
			edit:  putState("00000000", appendVersionedValue(nil, 3, []byte("second"))),
			block: 4, key: "00000000", text: "attributes this value to block 3",
		},
		{
			name:  "a deleted state entry",
			edit:  func(tx *bolt.Tx) error { return tx.Bucket(bucketState).Delete([]byte("a")) },
			block: 1, key: "a", text: "state lacks",
		},
		{
			name:  "an added state entry",
			edit:  putState("z", appendVersionedValue(nil, 1, []byte("planted"))),
			block: -1, key: "z", text: "no block wrote",
		},
		{
			name:  "a replaced version in the history",
			edit:  putHistory("00000000", 3, &historyEntry{Value: []byte("forged")}),
			block: 3, key: "00000000", text: "history entry of this write differs",
		},
		{
			name:  "a replaced version turned into a deletion",
			edit:  putHistory("00000000", 3, &historyEntry{Delete: true}),
			block: 3, key: "00000000", text: "history entry of this write differs",
		},
		{
			name:  "a replaced version removed from the history",
			edit:  func(tx *bolt.Tx) error { return tx.Bucket(bucketHistory).Delete(historyKey([]byte("00000000"), 3)) },
			block: 3, key: "00000000", text: "history entry of this write is missing",
		},
		{
			name:  "a current version copied into the history",
			edit:  putHistory("a", 1, &historyEntry{Value: []byte("1")}),
			block: -1, key: "a", text: "history holds a version written by block 1",
		},
		{
			name: "a block's transaction record",
			edit: func(tx *bolt.Tx) error {
				r, _ := encodeTxRecord(&txRecord{TxID: "forged", Timestamp: 1})
				return tx.Bucket(bucketBlockTxs).Put(blockKey(3), r)
			},
			block: 3, text: "transaction record (forged at 1) is not its proposal's",
		},
		{
			name:  "a transaction record removed",
			edit:  func(tx *bolt.Tx) error { return tx.Bucket(bucketBlockTxs).Delete(blockKey(1)) },
			block: 1, text: "block 1 has no transaction record",
		},
		{
			name: "a transaction record for no block",
			edit: func(tx *bolt.Tx) error {
				r, _ := encodeTxRecord(&txRecord{TxID: "planted", Timestamp: 1})
				return tx.Bucket(bucketBlockTxs).Put(blockKey(9), r)
			},
			block: -1, text: "which is no config or transaction block",
		},
		{
			name:  "a config record (trust)",
			edit:  func(tx *bolt.Tx) error { return tx.Bucket(bucketConfig).Delete([]byte("ExamofficeMSP")) },
			block: 2, key: "ExamofficeMSP", text: "config lacks",
		},
		{
			name:  "the transaction index",
			edit:  func(tx *bolt.Tx) error { return tx.Bucket(bucketTxIDs).Put([]byte("deadbeef"), blockKey(1)) },
			block: -1, text: `transaction "deadbeef"`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, dir := sampleLedger(t)
			l = tamper(t, l, dir, c.edit)
			r, err := l.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() {
				t.Fatal("Verify did not notice")
			}
			if !hasProblem(r, c.block, c.key, c.text) {
				t.Errorf("no problem at block %d, key %q, saying %q; got:", c.block, c.key, c.text)
				for _, p := range r.Problems {
					t.Log(p)
				}
			}
		})
	}
}

func TestDamagedTipRefusesCommits(t *testing.T) {
	l, dir := sampleLedger(t)
	l = tamper(t, l, dir, editBlock(4, func(b *block) { b.Writes[0].Value = []byte("forged") }))
	_, err := l.Submit(context.Background(), "ministry", "put", "k", "v")
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "block 4") {
		t.Fatalf("Submit on a ledger whose last block was changed: %v, want ErrDamaged naming block 4", err)
	}
	if _, err := l.Evaluate(context.Background(), "", "get", "a"); !errors.Is(err, ErrDamaged) || !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("a read of a damaged ledger: %v, want ErrDamaged and network.ErrUnavailable (nothing a verdict could rest on)", err)
	}
}

func TestInfoAndExport(t *testing.T) {
	l, _ := sampleLedger(t)
	info := mustInfo(t, l)
	if info.Height != 5 || info.Transactions != 4 || info.StateKeys != 3 || info.HistoryEntries != 4 || len(info.Orgs) != 2 || info.StoreBytes == 0 {
		t.Errorf("Info = %+v; want height 5, 4 transactions, 3 state keys, 4 history entries, 2 orgs", info)
	}
	var sb strings.Builder
	if err := l.Export(context.Background(), &sb); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(sb.String()))
	sc.Buffer(nil, 1<<24)
	var recs []BlockRecord
	for sc.Scan() {
		recs = append(recs, decodeJSON[BlockRecord](t, sc.Bytes()))
	}
	if len(recs) != 5 {
		t.Fatalf("Export wrote %d blocks, want 5", len(recs))
	}
	for i, r := range recs {
		if r.Number != uint64(i) {
			t.Errorf("line %d is block %d", i, r.Number)
		}
		if i > 0 && r.PrevHash != recs[i-1].Hash {
			t.Errorf("block %d's prevHash %s is not block %d's hash %s", i, r.PrevHash, i-1, recs[i-1].Hash)
		}
	}
	if recs[len(recs)-1].Hash != info.TipHash {
		t.Errorf("the last exported hash %s is not Info's tip %s", recs[len(recs)-1].Hash, info.TipHash)
	}
	g, c, tx := recs[0], recs[2], recs[3]
	if g.Kind != kindGenesis || g.Genesis == nil || g.Genesis.GovernanceMSP != "MinistryMSP" {
		t.Errorf("genesis record: %+v", g)
	}
	if c.Kind != kindConfig || c.CreatorMSPID != "MinistryMSP" || string(c.Function) != fnTrustOrg || string(c.Args[1]) != "ExamofficeMSP" {
		t.Errorf("config record: %+v", c)
	}
	if tx.Kind != kindTransaction || tx.CreatorMSPID != "ExamofficeMSP" || string(tx.Function) != "putmany" || len(tx.Writes) != 2 ||
		string(tx.Writes[0].Key) != "00000000" || string(tx.Writes[0].Value) != "vvvv" || !strings.HasPrefix(tx.CreatorCert, "-----BEGIN CERTIFICATE-----") {
		t.Errorf("transaction record: %+v", tx)
	}
	sig, err := hex.DecodeString(tx.Signature)
	if err != nil || len(sig) < 64 {
		t.Errorf("exported signature %q", tx.Signature)
	}
	nonce, _ := hex.DecodeString(tx.Nonce)
	creator, _ := MarshalCreator(tx.CreatorMSPID, []byte(tx.CreatorCert))
	if sum := sha256.Sum256(append(nonce, creator...)); hex.EncodeToString(sum[:]) != tx.TxID {
		t.Errorf("exported txId %s is not SHA-256(nonce || creator)", tx.TxID)
	}
}

func TestDataJSON(t *testing.T) {
	for _, d := range []Data{Data("plain"), Data("\x00digest\x00b1\x00"), Data{0xff, 0xfe}, Data("")} {
		b, err := d.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Data
		if err := back.UnmarshalJSON(b); err != nil || string(back) != string(d) {
			t.Errorf("%q → %s → %q, %v", d, b, back, err)
		}
	}
	var d Data
	for _, bad := range []string{`12`, `{"hex":"00"}`, `{"base64":"!!"}`, `{}`} {
		if err := d.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("Data accepted %s", bad)
		}
	}
}

// A block larger than a page is stored in a bucket of its own, so that
// committing the next one does not write it again; it reads, verifies,
// exports and survives a restart as any block.
func TestLargeBlocksHaveBucketsOfTheirOwn(t *testing.T) {
	l, dir := newTestLedger(t)
	mustSubmit(t, l, "ministry", "putmany", "big-", "50", "400")   // block 1, about 25 KB
	mustSubmit(t, l, "ministry", "put", "small", "v")              // block 2
	mustSubmit(t, l, "ministry", "putmany", "large-", "50", "400") // block 3
	err := l.db.View(func(tx *bolt.Tx) error {
		blocks := tx.Bucket(bucketBlocks)
		for n, large := range map[uint64]bool{0: false, 1: true, 2: false, 3: true} {
			if own := blocks.Bucket(blockKey(n)) != nil; own != large {
				t.Errorf("block %d (%d bytes) in a bucket of its own: %v, want %v", n, len(blockAt(blocks, n)), own, large)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustVerifyClean(t, l)
	var sb strings.Builder
	if err := l.Export(context.Background(), &sb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("Export wrote %d blocks, want 4", len(lines))
	}
	if rec := decodeJSON[BlockRecord](t, []byte(lines[3])); len(rec.Writes) != 50 || string(rec.Writes[0].Key) != "large-00000000" {
		t.Errorf("exported block 3 holds %d writes, first %q; want 50 from large-00000000", len(rec.Writes), rec.Writes[0].Key)
	}

	l = tamper(t, l, dir, editBlock(1, func(b *block) { b.Writes[7].Value = []byte("forged") }))
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(r, 1, "", "does not hash to the previous hash that block 2 records") {
		t.Errorf("a forged large block went unnoticed: %v", r.Problems)
	}
	l = tamper(t, l, dir, editBlock(3, func(b *block) { b.Result = []byte("forged") }))
	if _, err := l.Submit(context.Background(), "ministry", "put", "k", "v"); !errors.Is(err, ErrDamaged) {
		t.Errorf("Submit after the last block, a large one, was changed: %v, want ErrDamaged", err)
	}
}

// TestVerifyFlagsBlockTimesGoingBackwards rewrites the last block as a
// ledger without the time rules would have committed it: its proposal
// re-signed by its creator, stamped a minute before the block ahead of it.
func TestVerifyFlagsBlockTimesGoingBackwards(t *testing.T) {
	l, dir := sampleLedger(t)
	ministry, err := l.Identity("ministry")
	if err != nil {
		t.Fatal(err)
	}
	last := mustInfo(t, l).Height - 1
	l = tamper(t, l, dir, editBlock(last, func(b *block) {
		p, err := blockProposal(b)
		if err != nil {
			t.Fatal(err)
		}
		p.Timestamp = p.Timestamp.Add(-time.Minute)
		sp, err := ministry.Sign(p)
		if err != nil {
			t.Fatal(err)
		}
		b.Proposal, b.Signature, b.Time = sp.Proposal, sp.Signature, 0
	}))
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(r, int64(last), "", "block times go backwards") {
		t.Errorf("Verify did not flag block %d stamped before the block ahead of it; got %+v", last, r.Problems)
	}
}

// TestProposalsOutsideTheLedgerTimeAreRefused submits proposals stamped
// outside the window around the ledger's clock, and one stamped before the
// last block: each is refused and nothing is committed.
func TestProposalsOutsideTheLedgerTimeAreRefused(t *testing.T) {
	l, _ := sampleLedger(t)
	ministry, err := l.Identity("ministry")
	if err != nil {
		t.Fatal(err)
	}
	before := mustInfo(t, l)
	now := l.clock()
	for _, at := range []time.Time{now.Add(-6 * time.Minute), now.Add(6 * time.Minute), timeFromNanos(l.lastTime).Add(-time.Millisecond)} {
		p, err := NewProposal(l.Genesis().ChannelID, l.Genesis().ChaincodeName, "put", []string{"k", "v"}, ministry.Creator(), at)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := ministry.Sign(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.SubmitProposal(context.Background(), sp); !errors.Is(err, ErrInvalidProposal) {
			t.Errorf("a proposal stamped %s (ledger clock %s): %v, want ErrInvalidProposal", at, now, err)
		}
	}
	if after := mustInfo(t, l); after.Height != before.Height {
		t.Errorf("height %d → %d: a refused proposal was committed", before.Height, after.Height)
	}
}

// TestTrustedStateIsCheckedByTheNextCheckingOpen: a ledger opened with
// TrustState does not read the state to check it, but a state changed
// behind its back is still refused by the next open that checks, even after
// the trusting one committed.
func TestTrustedStateIsCheckedByTheNextCheckingOpen(t *testing.T) {
	ctx := context.Background()
	l, dir := sampleLedger(t)
	l = tamper(t, l, dir, putState("00000001", appendVersionedValue(nil, 3, []byte("forged"))))
	if _, err := l.Evaluate(ctx, "ministry", "get", "a"); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a checking open of the tampered state answered: %v", err)
	}
	l.Close()

	trusting, err := Open(ctx, dir, OpenOptions{Chaincode: newTestChaincode, TrustState: true, TimeWindow: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trusting.Evaluate(ctx, "ministry", "get", "a"); err != nil {
		t.Fatalf("a trusting open refused to read: %v", err)
	}
	mustSubmit(t, trusting, "ministry", "put", "c", "3")
	trusting.Close()

	checking, err := Open(ctx, dir, OpenOptions{Chaincode: newTestChaincode})
	if err != nil {
		t.Fatal(err)
	}
	defer checking.Close()
	if _, err := checking.Evaluate(ctx, "ministry", "get", "a"); !errors.Is(err, ErrDamaged) {
		t.Fatalf("the next checking open answered from the tampered state: %v", err)
	}
}

// TestTrustedStateCommitsWhatACheckingOpenFinds: on an honest ledger, the
// digests a trusting open records agree with the state a checking open
// reads.
func TestTrustedStateCommitsWhatACheckingOpenFinds(t *testing.T) {
	ctx := context.Background()
	l, dir := sampleLedger(t)
	l.Close()
	trusting, err := Open(ctx, dir, OpenOptions{Chaincode: newTestChaincode, TrustState: true, TimeWindow: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, trusting, "ministry", "put", "c", "3")
	trusting.Close()
	checking, err := Open(ctx, dir, OpenOptions{Chaincode: newTestChaincode})
	if err != nil {
		t.Fatal(err)
	}
	defer checking.Close()
	if got, err := checking.Evaluate(ctx, "ministry", "get", "c"); err != nil || string(got) != "3" {
		t.Fatalf("after a trusting open's commit, a checking open reads %q, %v", got, err)
	}
}
