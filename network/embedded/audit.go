package embedded

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Info describes a ledger at one instant.
type Info struct {
	Dir     string  `json:"dir"`
	Genesis Genesis `json:"genesis"`
	// Height is the number of blocks; the last one is Height-1.
	Height uint64 `json:"height"`
	// TipHash is the hex SHA-256 of the last block. Recording it elsewhere
	// lets a later Verify prove that no block up to it was rewritten.
	TipHash string `json:"tipHash"`
	// Transactions counts committed transactions (config changes included).
	Transactions int `json:"transactions"`
	// StateKeys counts the chaincode state's keys, HistoryEntries the
	// changes its history records: every write of every key (the current
	// versions, in the state, included).
	StateKeys      int `json:"stateKeys"`
	HistoryEntries int `json:"historyEntries"`
	// Orgs are the organisations the ledger trusts, by MSP ID.
	Orgs []OrgInfo `json:"orgs"`
	// StoreBytes is the size of ledger.db.
	StoreBytes int64 `json:"storeBytes"`
}

// OrgInfo is one organisation the ledger trusts.
type OrgInfo struct {
	Org   string `json:"org"`
	MSPID string `json:"mspId"`
	// CASubject and CAFingerprint (hex SHA-256 of the DER certificate)
	// identify the CA whose certificates the ledger accepts for the org.
	CASubject     string `json:"caSubject"`
	CAFingerprint string `json:"caFingerprint"`
}

// Info reads the ledger's current figures.
func (l *Ledger) Info(ctx context.Context) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	info := Info{Dir: l.dir, Genesis: l.genesis}
	err := l.db.View(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return err
		}
		k, last := b.blocks.Cursor().Last()
		if k == nil {
			return errNotLedger
		}
		last = storedValue(b.blocks, k, last)
		info.Height = decodeBlockKey(k) + 1
		tip := sha256.Sum256(last)
		info.TipHash = hex.EncodeToString(tip[:])
		info.Transactions = b.txids.Stats().KeyN
		info.StateKeys = keyCount(b.state)
		info.HistoryEntries = keyCount(b.history) + info.StateKeys
		info.StoreBytes = tx.Size()
		ts, err := loadTrust(b.config)
		if err != nil {
			return err
		}
		for _, t := range ts {
			fp := sha256.Sum256(t.ca.Raw)
			info.Orgs = append(info.Orgs, OrgInfo{
				Org:           t.record.Org,
				MSPID:         t.record.MSPID,
				CASubject:     t.ca.Subject.String(),
				CAFingerprint: hex.EncodeToString(fp[:]),
			})
		}
		slices.SortFunc(info.Orgs, func(a, b OrgInfo) int { return strings.Compare(a.MSPID, b.MSPID) })
		return nil
	})
	if err != nil {
		return Info{}, unavailable("reading ledger "+l.dir, err)
	}
	return info, nil
}

// maxProblems bounds a VerifyReport: past it, Verify stops listing.
const maxProblems = 1000

// Problem is one inconsistency Verify found.
type Problem struct {
	// Block is the number of the block concerned, -1 when the problem is not
	// tied to one block (a state entry no block wrote, say).
	Block int64 `json:"block"`
	// Key is the state, config or history key concerned, if any.
	Key string `json:"key,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// String renders the problem as "block N: key "k": message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Block >= 0 {
		fmt.Fprintf(&b, "block %d: ", p.Block)
	}
	if p.Key != "" {
		fmt.Fprintf(&b, "key %q: ", p.Key)
	}
	b.WriteString(p.Message)
	return b.String()
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	// Height and TipHash are those of the verified store.
	Height  uint64 `json:"height"`
	TipHash string `json:"tipHash"`
	// Blocks, Transactions, StateKeys and HistoryEntries count what was checked.
	Blocks         int `json:"blocks"`
	Transactions   int `json:"transactions"`
	StateKeys      int `json:"stateKeys"`
	HistoryEntries int `json:"historyEntries"`
	// Problems lists every inconsistency found, in the order found; empty
	// when the ledger is sound.
	Problems []Problem `json:"problems"`
	// Truncated is set when there were more than maxProblems problems.
	Truncated bool `json:"truncated,omitempty"`
}

// OK reports whether Verify found no problem.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Verify checks the whole ledger from its store, trusting nothing but the
// genesis block: the hash chain of every block and the tip hash recorded at
// the last commit; every proposal (its transaction id, channel, chaincode,
// signature, and creator certificate against the CAs trusted at that block);
// every config change (re-run); and the state, config, history and
// transaction buckets against a replay of every block's write set. Any change made to a
// committed block or a state entry behind the ledger's back is reported with
// the block (and key) concerned. Verify reads one consistent snapshot;
// commits wait until it ends only if the store must grow meanwhile.
//
// Verify keeps, per state key and per write, a hash in memory.
func (l *Ledger) Verify(ctx context.Context) (*VerifyReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v := &verifier{
		ctx:      ctx,
		report:   &VerifyReport{},
		state:    map[string]expectedValue{},
		config:   map[string]expectedValue{},
		history:  map[[sha256.Size]byte]struct{}{},
		txids:    map[string]uint64{},
		blockTxs: map[uint64]struct{}{},
		trust:    trustSet{},
	}
	err := l.db.View(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			v.problem(-1, "", err.Error())
			return nil
		}
		if f := b.meta.Get(metaFormat); string(f) != storeFormat {
			v.problem(-1, "", fmt.Sprintf("store format %q is not %q", f, storeFormat))
		}
		if err := v.blocks(b); err != nil {
			return err
		}
		return v.buckets(b)
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, unavailable("verifying ledger "+l.dir, err)
	}
	return v.report, nil
}

// expectedValue is what the replay of the block log says a key holds.
type expectedValue struct {
	hash    [sha256.Size]byte // of the value
	block   uint64            // that last wrote the key
	deleted bool
}

type verifier struct {
	ctx     context.Context
	report  *VerifyReport
	genesis *Genesis
	trust   trustSet
	state   map[string]expectedValue
	config  map[string]expectedValue
	// history holds the SHA-256 of every history key the replay expects.
	history map[[sha256.Size]byte]struct{}
	txids   map[string]uint64
	// blockTxs holds the blocks that have a transaction record.
	blockTxs map[uint64]struct{}
	// lastTime is the latest block time or proposal timestamp so far, and
	// lastTimeBlock the block that set it.
	lastTime      int64
	lastTimeBlock uint64
}

func (v *verifier) problem(block int64, key, msg string) {
	if len(v.report.Problems) >= maxProblems {
		v.report.Truncated = true
		return
	}
	v.report.Problems = append(v.report.Problems, Problem{Block: block, Key: key, Message: msg})
}

// blocks walks the block log, checking and replaying every block.
func (v *verifier) blocks(b *buckets) error {
	var (
		prevHash []byte
		next     uint64
		last     int64 = -1
	)
	c := b.blocks.Cursor()
	for k, value := c.First(); k != nil; k, value = c.Next() {
		raw := storedValue(b.blocks, k, value)
		if v.report.Blocks%64 == 0 {
			if err := v.ctx.Err(); err != nil {
				return err
			}
		}
		v.report.Blocks++
		if len(k) != 8 {
			v.problem(-1, "", fmt.Sprintf("the block log holds a malformed key %x", k))
			continue
		}
		n := decodeBlockKey(k)
		if n != next {
			v.problem(int64(n), "", fmt.Sprintf("found where block %d was expected: blocks are missing", next))
		}
		hash := sha256.Sum256(raw)
		blk, err := decodeBlock(raw)
		if err != nil {
			v.problem(int64(n), "", fmt.Sprintf("cannot be decoded: %v", err))
		} else {
			if last >= 0 && n == next && !bytes.Equal(blk.PrevHash, prevHash) {
				v.problem(last, "", fmt.Sprintf("its content does not hash to the previous hash that block %d records (%x, recomputed %x): one of the two blocks was changed after it was committed", n, blk.PrevHash, prevHash))
			}
			v.block(b, n, blk)
		}
		prevHash, next, last = hash[:], n+1, int64(n)
	}
	if last < 0 {
		v.problem(-1, "", "the block log is empty: there is no genesis block")
		return nil
	}
	v.report.Height = uint64(last) + 1
	v.report.TipHash = hex.EncodeToString(prevHash)
	if recorded := b.meta.Get(metaTip); !bytes.Equal(recorded, prevHash) {
		v.problem(last, "", fmt.Sprintf("the last block hashes to %x, but %x was recorded when it was committed: it was changed after it was committed", prevHash, recorded))
	}
	return nil
}

// block checks and replays block n.
func (v *verifier) block(b *buckets, n uint64, blk *block) {
	bn := int64(n)
	if blk.Number != n {
		v.problem(bn, "", fmt.Sprintf("is stored as block %d but says it is block %d", n, blk.Number))
	}
	if blk.Kind == kindGenesis {
		if n != 0 {
			v.problem(bn, "", "is a second genesis block")
			return
		}
		g := blk.Genesis.settings()
		if err := validateGenesis(g); err != nil {
			v.problem(bn, "", fmt.Sprintf("genesis settings: %v", err))
		}
		v.genesis = &g
		v.lastTime = max(blk.Time, g.CreatedAt.UnixNano())
		v.replayConfig(blk)
		return
	}
	if v.genesis == nil {
		v.problem(bn, "", "comes before any genesis block")
		return
	}
	p, err := blockProposal(blk)
	if err != nil {
		v.problem(bn, "", err.Error())
		return
	}
	v.report.Transactions++
	v.checkTime(bn, blk, p)
	if p.ChannelID != v.genesis.ChannelID {
		v.problem(bn, "", fmt.Sprintf("its proposal is for channel %q, not %q", p.ChannelID, v.genesis.ChannelID))
	}
	wantChaincode := v.genesis.ChaincodeName
	if blk.Kind == kindConfig {
		wantChaincode = configChaincode
	}
	if p.Chaincode != wantChaincode {
		v.problem(bn, "", fmt.Sprintf("a %s block whose proposal is for chaincode %q, not %q", blk.Kind, p.Chaincode, wantChaincode))
	}
	creator, err := v.trust.verifySignedProposal(p, &SignedProposal{Proposal: blk.Proposal, Signature: blk.Signature}, p.Timestamp)
	if err != nil {
		v.problem(bn, "", err.Error())
	}
	if prev, dup := v.txids[p.TxID]; dup {
		v.problem(bn, "", fmt.Sprintf("transaction %s was already committed in block %d", p.TxID, prev))
	}
	v.txids[p.TxID] = n
	if got := b.txids.Get([]byte(p.TxID)); !bytes.Equal(got, blockKey(n)) {
		v.problem(bn, "", fmt.Sprintf("the transaction index does not map transaction %s to this block", p.TxID))
	}
	v.blockTxs[n] = struct{}{}
	if rec, err := blockTx(b.blockTxs, n); err != nil {
		v.problem(bn, "", err.Error())
	} else if rec.TxID != p.TxID || rec.Timestamp != p.Timestamp.UnixNano() {
		v.problem(bn, "", fmt.Sprintf("its transaction record (%s at %d) is not its proposal's (%s at %d)", rec.TxID, rec.Timestamp, p.TxID, p.Timestamp.UnixNano()))
	}
	if blk.Kind == kindConfig {
		v.rerunConfig(blk, p, creator)
		return
	}
	v.replayTransaction(b, blk)
}

// checkTime flags a block whose time, or whose proposal's timestamp, is
// earlier than a block before it: the ledger's time never goes back, so a
// transaction stamped earlier was backdated (or the store was rewritten).
func (v *verifier) checkTime(bn int64, blk *block, p *Proposal) {
	stamp := func(ns int64) string { return timeFromNanos(ns).Format(time.RFC3339Nano) }
	ts := p.Timestamp.UnixNano()
	switch {
	case ts < v.lastTime:
		v.problem(bn, "", fmt.Sprintf("its proposal is stamped %s, earlier than block %d (%s): block times go backwards, the transaction was backdated", stamp(ts), v.lastTimeBlock, stamp(v.lastTime)))
	case blk.Time != 0 && blk.Time < v.lastTime:
		v.problem(bn, "", fmt.Sprintf("it was committed at %s, earlier than block %d (%s): block times go backwards", stamp(blk.Time), v.lastTimeBlock, stamp(v.lastTime)))
	}
	if t := max(ts, blk.Time); t >= v.lastTime {
		v.lastTime, v.lastTimeBlock = t, uint64(bn)
	}
}

// rerunConfig re-runs a config proposal against the replayed config state
// and compares its write with the block's.
func (v *verifier) rerunConfig(blk *block, p *Proposal, creator *verifiedCreator) {
	bn := int64(blk.Number)
	// When the creator did not verify (reported already), judge the change
	// by the MSP it claims.
	creatorMSP := ""
	if creator != nil {
		creatorMSP = creator.mspID
	} else if c, err := parseCreator(p.Creator); err == nil {
		creatorMSP = c.mspID
	}
	lookup := func(mspID string) (*orgRecord, error) {
		t, ok := v.trust[mspID]
		if !ok {
			return nil, nil
		}
		return &t.record, nil
	}
	w, err := evalTrustOrg(lookup, *v.genesis, creatorMSP, p)
	switch {
	case err != nil:
		v.problem(bn, "", fmt.Sprintf("the config change it records is refused when re-run: %v", err))
	case len(blk.Writes) != 1 || !bytes.Equal(blk.Writes[0].Key, w.Key) || !bytes.Equal(blk.Writes[0].Value, w.Value) || blk.Writes[0].Delete:
		v.problem(bn, "", "its config write set is not what its config change produces")
	}
	v.replayConfig(blk)
}

// replayConfig applies a genesis or config block's writes to the replayed
// config state and trust set.
func (v *verifier) replayConfig(blk *block) {
	for _, w := range blk.Writes {
		v.config[string(w.Key)] = expectedValue{hash: sha256.Sum256(w.Value), block: blk.Number, deleted: w.Delete}
		if w.Delete {
			delete(v.trust, string(w.Key))
			continue
		}
		r, err := decodeOrgRecord(w.Value)
		if err == nil {
			var t *trustedOrg
			if t, err = newTrustedOrg(r); err == nil {
				v.trust[r.MSPID] = t
			}
		}
		if err != nil {
			v.problem(int64(blk.Number), string(w.Key), fmt.Sprintf("config record: %v", err))
		}
	}
}

// replayTransaction applies a transaction block's writes to the replayed
// state and checks the history entries they make: the version each write
// replaces, and each deletion.
func (v *verifier) replayTransaction(b *buckets, blk *block) {
	for _, w := range blk.Writes {
		k := string(w.Key)
		if prev, ok := v.state[k]; ok && !prev.deleted {
			v.expectHistory(b, w.Key, prev.block, &prev)
		}
		current := expectedValue{hash: sha256.Sum256(w.Value), block: blk.Number, deleted: w.Delete}
		if w.Delete {
			v.expectHistory(b, w.Key, blk.Number, &current)
		}
		v.state[k] = current
	}
}

// expectHistory checks the history entry of key written by block n, which
// must hold want: the value a later block replaced, or a deletion.
func (v *verifier) expectHistory(b *buckets, key []byte, n uint64, want *expectedValue) {
	hk := historyKey(key, n)
	v.history[sha256.Sum256(hk)] = struct{}{}
	raw := valueAt(b.history, hk)
	if raw == nil {
		v.problem(int64(n), string(key), "the history entry of this write is missing")
		return
	}
	e, err := decodeHistoryEntry(raw)
	switch {
	case err != nil:
		v.problem(int64(n), string(key), err.Error())
	case e.Delete != want.deleted || !e.Delete && sha256.Sum256(e.Value) != want.hash:
		v.problem(int64(n), string(key), "the history entry of this write differs from the block's write")
	}
}

// buckets compares the state, config, history and transaction index buckets
// with the replay.
func (v *verifier) buckets(b *buckets) error {
	var err error
	if v.report.StateKeys, err = v.compareState(b.state, v.state, "state", true); err != nil {
		return err
	}
	if _, err = v.compareState(b.config, v.config, "config", false); err != nil {
		return err
	}
	v.report.HistoryEntries = v.report.StateKeys
	err = b.history.ForEach(func(hk, _ []byte) error {
		v.report.HistoryEntries++
		if _, ok := v.history[sha256.Sum256(hk)]; ok {
			return nil
		}
		key, n, err := splitHistoryKey(hk)
		if err != nil {
			v.problem(-1, "", err.Error())
			return nil
		}
		v.problem(-1, string(key), fmt.Sprintf("the history holds a version written by block %d that is not a replaced version nor a deletion by that block", n))
		return nil
	})
	if err != nil {
		return err
	}
	err = b.blockTxs.ForEach(func(k, _ []byte) error {
		if _, ok := v.blockTxs[decodeBlockKey(k)]; !ok || len(k) != 8 {
			v.problem(-1, "", fmt.Sprintf("the transaction records hold one for block %x, which is no config or transaction block", k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return b.txids.ForEach(func(txid, n []byte) error {
		if want, ok := v.txids[string(txid)]; !ok || !bytes.Equal(n, blockKey(want)) {
			v.problem(-1, "", fmt.Sprintf("the transaction index maps transaction %q to block %d, which does not hold it", txid, decodeBlockKey(n)))
		}
		return nil
	})
}

// compareState compares a state bucket with its replay and returns the
// number of keys it holds. The values of a versioned bucket start with the
// number of the block that wrote them (see appendVersionedValue).
func (v *verifier) compareState(bucket *bolt.Bucket, want map[string]expectedValue, name string, versioned bool) (int, error) {
	count := 0
	seen := make(map[string]struct{}, len(want))
	err := bucket.ForEach(func(k, val []byte) error {
		val = storedValue(bucket, k, val)
		count++
		if count%4096 == 0 {
			if err := v.ctx.Err(); err != nil {
				return err
			}
		}
		seen[string(k)] = struct{}{}
		exp, ok := want[string(k)]
		switch {
		case !ok:
			v.problem(-1, string(k), fmt.Sprintf("the %s holds this key, which no block wrote", name))
			return nil
		case exp.deleted:
			v.problem(int64(exp.block), string(k), fmt.Sprintf("the %s holds this key, which the block deleted", name))
			return nil
		}
		written, value := exp.block, val
		if versioned {
			var err error
			if written, value, err = splitVersionedValue(val); err != nil {
				v.problem(int64(exp.block), string(k), fmt.Sprintf("the %s value differs from the value the block wrote: %v", name, err))
				return nil
			}
		}
		switch {
		case sha256.Sum256(value) != exp.hash:
			v.problem(int64(exp.block), string(k), fmt.Sprintf("the %s value differs from the value the block wrote", name))
		case written != exp.block:
			v.problem(int64(exp.block), string(k), fmt.Sprintf("the %s attributes this value to block %d; this block wrote it last", name, written))
		}
		return nil
	})
	if err != nil {
		return count, err
	}
	var missing []string
	for k, exp := range want {
		if _, ok := seen[k]; !ok && !exp.deleted {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	for _, k := range missing {
		v.problem(int64(want[k].block), k, fmt.Sprintf("the block wrote this key, which the %s lacks", name))
	}
	return count, nil
}

// Height returns the number of blocks committed (network.HeightReader).
func (l *Ledger) Height(ctx context.Context) (uint64, error) {
	info, err := l.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.Height, nil
}
