package embedded

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/sceau/sceau/chaincode"
	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
)

// dbFile is the ledger's bbolt store, in the ledger directory.
const dbFile = "ledger.db"

// openTimeout is how long Open waits for another process to release the
// store before reporting ErrInUse.
const openTimeout = time.Second

// Default genesis settings.
const (
	DefaultChannelID     = "sceau"
	DefaultChaincodeName = "sceau"
	DefaultGovernanceOrg = "ministry"
)

// OpenOptions tune a ledger being opened.
type OpenOptions struct {
	// Chaincode builds the chaincode the ledger runs from its genesis
	// settings. Nil: the Sceau chaincode, with the genesis governance MSP.
	Chaincode func(Genesis) (shim.Chaincode, error)
	// Clock gives proposal timestamps, block times and the time
	// certificates are checked at. Nil: time.Now.
	Clock func() time.Time
	// TimeWindow is how far a proposal's timestamp may be from the
	// ledger's clock (record.CheckTxTime), for the ledger and for the
	// chaincode it runs. Zero: record.DefaultTxTimeWindow (5 minutes);
	// negative: no window (tests replaying old proposals).
	TimeWindow time.Duration
	// TrustState skips reading the whole state at open to check it
	// against the tip block's state digest: the ledger starts from the
	// digest the tip block records. Its commits still record digests
	// derived from that one, so a state changed behind the ledger's back
	// is caught by the next open that checks (a verifier's, a server's,
	// `sceau ledger verify`), never made right. For commands that write
	// and give no verdict, for which reading millions of entries at every
	// start (about 1.2 µs each) would cost more than the work itself
	// (resuming `sceau issue` on a national ledger).
	TrustState bool
}

// InitOptions are the settings of a new ledger. Empty fields take the
// defaults (DefaultChannelID, DefaultChaincodeName, DefaultGovernanceOrg).
type InitOptions struct {
	ChannelID     string
	ChaincodeName string
	GovernanceOrg string
	OpenOptions
}

// Ledger is an embedded ledger: the Sceau chaincode run in-process over a
// bbolt store, with Fabric's transaction semantics. It implements
// network.Ledger and network.OrgProvisioner. It is safe for concurrent use.
type Ledger struct {
	dir     string
	db      *bolt.DB
	genesis Genesis
	cc      shim.Chaincode
	clock   func() time.Time
	closed  atomic.Bool

	window time.Duration

	// writer admits one committer at a time. It guards height, tip,
	// damaged, digest and lastTime.
	writer  chan struct{}
	height  uint64
	tip     [sha256.Size]byte
	damaged error
	// digest is the state digest after the last block (stateDigest).
	digest stateDigest
	// lastTime is the latest of the last block's time and its proposal's
	// timestamp (Unix nanoseconds): no later proposal may be stamped
	// earlier.
	lastTime int64
	// head is the height and tip hash as readers see them (Tip).
	head atomic.Pointer[Tip]

	trust atomic.Pointer[trustSet]

	// scratch holds the buffers of the last commit, reused by the next
	// (guarded by writer, as the commit that uses them).
	scratch commitScratch

	idMu sync.Mutex
	ids  map[string]*Identity
}

var (
	_ network.Ledger         = (*Ledger)(nil)
	_ network.OrgProvisioner = (*Ledger)(nil)
)

// Init creates a ledger in dir (created if needed): its store, the dev CA
// and member identity of the governance org, and the genesis block holding
// the settings and trusting the governance org's CA. It refuses a directory
// that already holds a ledger with blocks (ErrLedgerExists).
func Init(ctx context.Context, dir string, opts InitOptions) (*Ledger, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := Genesis{
		ChannelID:     cmp.Or(opts.ChannelID, DefaultChannelID),
		ChaincodeName: cmp.Or(opts.ChaincodeName, DefaultChaincodeName),
		GovernanceOrg: cmp.Or(opts.GovernanceOrg, DefaultGovernanceOrg),
	}
	g.GovernanceMSP, _ = MSPID(g.GovernanceOrg)
	if err := validateGenesis(g); err != nil {
		return nil, fmt.Errorf("creating ledger %s: %w", dir, err)
	}
	clock := clockOrNow(opts.Clock)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating ledger %s: %w", dir, err)
	}
	db, err := openDB(dir)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Ledger, error) {
		db.Close()
		return nil, err
	}
	var last []byte
	err = db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketBlocks); b != nil {
			last, _ = b.Cursor().Last()
			last = bytes.Clone(last)
		}
		return nil
	})
	if err != nil {
		return fail(unavailable("reading ledger "+dir, err))
	}
	if last != nil {
		return fail(fmt.Errorf("creating ledger %s: it already holds %d blocks: %w", dir, decodeBlockKey(last)+1, ErrLedgerExists))
	}
	now := clock()
	g.CreatedAt = now.UTC()
	gov, err := ensureOrgMaterial(dir, g.GovernanceOrg, now)
	if err != nil {
		return fail(fmt.Errorf("creating ledger %s: %w", dir, err))
	}
	orgRec, err := encodeOrgRecord(&orgRecord{Org: gov.org, MSPID: gov.mspID, CACert: gov.caPEM})
	if err != nil {
		return fail(err)
	}
	genesis := &block{
		Number: 0,
		Kind:   kindGenesis,
		Genesis: &genesisWire{
			ChannelID:     g.ChannelID,
			ChaincodeName: g.ChaincodeName,
			GovernanceOrg: g.GovernanceOrg,
			GovernanceMSP: g.GovernanceMSP,
			CreatedAt:     g.CreatedAt.UnixNano(),
		},
		Writes: []write{{Key: []byte(gov.mspID), Value: orgRec}},
		Time:   g.CreatedAt.UnixNano(),
	}
	var digest stateDigest
	digest.add(newEntryHasher().entry(domainConfig, []byte(gov.mspID), orgRec))
	genesis.StateDigest = digest.bytes()
	raw, hash, err := encodeBlock(genesis)
	if err != nil {
		return fail(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		b, err := openBuckets(tx)
		if err != nil {
			return err
		}
		if err := b.meta.Put(metaFormat, []byte(storeFormat)); err != nil {
			return err
		}
		return appendBlock(b, genesis, raw, hash, nil, nil, nil)
	})
	if err != nil {
		return fail(unavailable("writing the genesis block of ledger "+dir, err))
	}
	return newLedger(dir, db, opts.OpenOptions)
}

// Open opens the ledger in dir. It fails at once with ErrInUse if another
// process has it open (after waiting about a second), and with ErrNoLedger
// if dir holds no ledger.
func Open(ctx context.Context, dir string, opts OpenOptions) (*Ledger, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, dbFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("opening ledger %s: there is no %s (create the ledger first): %w", dir, dbFile, ErrNoLedger)
	} else if err != nil {
		return nil, unavailable("opening ledger "+dir, err)
	}
	db, err := openDB(dir)
	if err != nil {
		return nil, err
	}
	return newLedger(dir, db, opts)
}

func openDB(dir string) (*bolt.DB, error) {
	if err := checkStoreFile(filepath.Join(dir, dbFile)); err != nil {
		return nil, err
	}
	// The array freelist (a sorted list of free pages) hands out a single
	// page, which is what a commit of random keys takes by the thousand,
	// from the front of the list; the hash map one starts a map iteration
	// for each. Anchoring 1 500 digests, the array spent a third of the
	// map's time allocating pages. Both store the same freelist page.
	opts := &bolt.Options{Timeout: openTimeout, FreelistType: bolt.FreelistArrayType}
	if strconv.IntSize == 64 {
		// Map 1 GiB of address space up front (the file does not grow for
		// it): the store is rarely remapped, and readers never stall a
		// commit that makes the store grow below that size.
		opts.InitialMmapSize = 1 << 30
	}
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, opts)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, &inUseError{dir: dir}
	}
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) || errors.Is(err, bolterrors.ErrVersionMismatch) {
		return nil, &corruptError{path: filepath.Join(dir, dbFile), reason: err.Error()}
	}
	if err != nil {
		return nil, unavailable("opening ledger "+dir, err)
	}
	return db, nil
}

// newLedger loads the genesis settings, the trusted orgs and the tip of an
// open store. It closes db if it fails.
func newLedger(dir string, db *bolt.DB, opts OpenOptions) (*Ledger, error) {
	l := &Ledger{dir: dir, db: db, clock: clockOrNow(opts.Clock), window: opts.TimeWindow, writer: make(chan struct{}, 1), ids: map[string]*Identity{}}
	if l.window == 0 {
		l.window = record.DefaultTxTimeWindow
	}
	err := db.View(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNoLedger, err)
		}
		if f := b.meta.Get(metaFormat); string(f) != storeFormat {
			return fmt.Errorf("unknown store format %q (this version reads %q)", f, storeFormat)
		}
		raw := blockAt(b.blocks, 0)
		if raw == nil {
			return fmt.Errorf("%w: the genesis block is missing", ErrNoLedger)
		}
		gb, err := decodeBlock(raw)
		if err != nil {
			return fmt.Errorf("block 0, the genesis block: %w", err)
		}
		if gb.Kind != kindGenesis {
			return fmt.Errorf("block 0 is a %s block, not the genesis block", gb.Kind)
		}
		l.genesis = gb.Genesis.settings()
		ts, err := loadTrust(b.config)
		if err != nil {
			return err
		}
		l.trust.Store(&ts)
		k, last := b.blocks.Cursor().Last()
		last = storedValue(b.blocks, k, last)
		l.height = decodeBlockKey(k) + 1
		l.tip = sha256.Sum256(last)
		if recorded := b.meta.Get(metaTip); !bytes.Equal(recorded, l.tip[:]) {
			l.damaged = fmt.Errorf("ledger %s: block %d does not match the hash recorded when it was committed (run sceau ledger verify): %w", dir, l.height-1, ErrDamaged)
		}
		tipBlock, err := decodeBlock(last)
		if err != nil {
			l.damaged = fmt.Errorf("ledger %s: block %d, the last, cannot be decoded (run sceau ledger verify): %w: %v", dir, l.height-1, ErrDamaged, err)
			return nil
		}
		// The state must be the one the tip block says it is: a state
		// edited behind the ledger's back is not served. With TrustState,
		// the tip's digest is taken as the state's, for the next checking
		// open to judge.
		if recorded, ok := parseStateDigest(tipBlock.StateDigest); opts.TrustState && ok {
			l.digest = recorded
		} else {
			l.digest = computeStateDigest(b)
			if tipBlock.StateDigest != nil && !bytes.Equal(tipBlock.StateDigest, l.digest.bytes()) && l.damaged == nil {
				l.damaged = fmt.Errorf("ledger %s: the state does not match block %d, the last (its state digest): it was changed behind the ledger's back (run sceau ledger verify): %w", dir, l.height-1, ErrDamaged)
			}
		}
		l.lastTime = max(tipBlock.Time, gb.Genesis.CreatedAt)
		if p, err := blockProposal(tipBlock); err == nil {
			l.lastTime = max(l.lastTime, p.Timestamp.UnixNano())
		}
		return nil
	})
	if err != nil {
		db.Close()
		if errors.Is(err, ErrNoLedger) {
			return nil, fmt.Errorf("opening ledger %s: %w", dir, err)
		}
		return nil, unavailable("opening ledger "+dir, err)
	}
	if err := validateGenesis(l.genesis); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening ledger %s: block 0, the genesis block, holds invalid settings: %w", dir, err)
	}
	build := opts.Chaincode
	if build == nil {
		build = sceauChaincode
	}
	if opts.Chaincode == nil {
		build = func(g Genesis) (shim.Chaincode, error) {
			return newDirectChaincode(chaincode.Config{GovernanceMSP: g.GovernanceMSP, Now: l.clock, TxTimeWindow: l.window})
		}
	}
	if l.cc, err = build(l.genesis); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening ledger %s: building its chaincode: %w", dir, err)
	}
	l.publishHead()
	return l, nil
}

// sceauChaincode is the default chaincode: the real Sceau contract, governed
// by the genesis governance MSP. It runs in this process, so it answers
// the read-only queries a verifier makes without contract-api's per-call
// machinery, exactly as contract-api would (directChaincode).
func sceauChaincode(g Genesis) (shim.Chaincode, error) {
	return newDirectChaincode(chaincode.Config{GovernanceMSP: g.GovernanceMSP})
}

// Dir returns the ledger directory.
func (l *Ledger) Dir() string { return l.dir }

// Genesis returns the ledger's genesis settings.
func (l *Ledger) Genesis() Genesis { return l.genesis }

// Close releases the ledger, waiting for running transactions to end.
func (l *Ledger) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	if err := l.db.Close(); err != nil {
		return unavailable("closing ledger "+l.dir, err)
	}
	return nil
}

// Identity returns the member identity of org, read from the ledger
// directory (ErrUnknownOrg when the org has none).
func (l *Ledger) Identity(org string) (*Identity, error) {
	l.idMu.Lock()
	defer l.idMu.Unlock()
	if id, ok := l.ids[org]; ok {
		return id, nil
	}
	if err := validateOrgID(org); err != nil {
		return nil, err
	}
	if _, err := os.Stat(orgDir(l.dir, org)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("org %s has no identity in ledger %s (provision it first): %w", org, l.dir, ErrUnknownOrg)
	}
	m, err := loadOrgMaterial(l.dir, org, false)
	if err != nil {
		return nil, unavailable("reading an identity of ledger "+l.dir, err)
	}
	l.ids[org] = m.member
	return m.member, nil
}

// NewProposal returns a proposal to run function with args on the ledger's
// chaincode as id, timestamped by the ledger's clock.
func (l *Ledger) NewProposal(id *Identity, function string, args ...string) (*Proposal, error) {
	return NewProposal(l.genesis.ChannelID, l.genesis.ChaincodeName, function, args, id.creator, l.clock())
}

// Submit runs function as a transaction signed by org's member identity and
// commits it. A refusal of the chaincode is a *network.ContractError.
//
// The proposal is stamped and signed once the transaction's turn to commit
// has come, so that transactions submitted at once are stamped in the
// order they commit: the ledger's time never goes back.
func (l *Ledger) Submit(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	id, err := l.Identity(org)
	if err != nil {
		return nil, err
	}
	return l.submitBuilt(ctx, func(at time.Time) (*SignedProposal, error) {
		p, err := NewProposal(l.genesis.ChannelID, l.genesis.ChaincodeName, function, args, id.creator, at)
		if err != nil {
			return nil, err
		}
		return id.Sign(p)
	})
}

// submitBuilt takes the writer's turn, then has build sign a proposal
// stamped with the ledger's clock (never earlier than the last block), and
// commits it.
func (l *Ledger) submitBuilt(ctx context.Context, build func(at time.Time) (*SignedProposal, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := l.lockWriter(ctx); err != nil {
		return nil, err
	}
	defer func() { <-l.writer }()
	at := l.clock()
	if at.UnixNano() < l.lastTime {
		at = timeFromNanos(l.lastTime)
	}
	sp, err := build(at)
	if err != nil {
		return nil, err
	}
	return l.submitLocked(ctx, sp)
}

// lockWriter takes the one writer's turn (release: <-l.writer).
func (l *Ledger) lockWriter(ctx context.Context) error {
	select {
	case l.writer <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Evaluate runs function against the committed state as org (the
// governance org when org is empty); nothing it writes is kept. When the
// default reader (the governance org's member) has no usable identity, the
// error wraps network.ErrUnavailable: the ledger cannot be read.
//
// Unlike Submit and EvaluateProposal, Evaluate does not sign its proposal:
// it runs in the process that holds org's identity, and a query changes
// nothing, so a signature would prove nothing the process does not already
// know, at the cost of two ECDSA operations per read (verifiers read a
// status per credential).
func (l *Ledger) Evaluate(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.closed.Load() {
		return nil, fmt.Errorf("ledger %s is closed: %w", l.dir, network.ErrUnavailable)
	}
	if l.damaged != nil {
		// A store changed behind the ledger's back answers nothing a
		// verdict could rest on.
		return nil, fmt.Errorf("%w: %w", network.ErrUnavailable, l.damaged)
	}
	defaultReader := org == ""
	if defaultReader {
		org = l.genesis.GovernanceOrg
	}
	id, err := l.Identity(org)
	if err == nil {
		var p *Proposal
		if p, err = l.NewProposal(id, function, args...); err == nil {
			return l.evaluate(p)
		}
	}
	if defaultReader && !errors.Is(err, network.ErrUnavailable) {
		err = unavailable("reading as the default reader of ledger "+l.dir, err)
	}
	return nil, err
}

// checkProposal decodes a signed proposal and checks it is for this ledger
// and signed by a creator the ledger trusts. It returns the block kind the
// proposal leads to.
func (l *Ledger) checkProposal(sp *SignedProposal) (*Proposal, *verifiedCreator, string, error) {
	if l.closed.Load() {
		return nil, nil, "", fmt.Errorf("ledger %s is closed: %w", l.dir, network.ErrUnavailable)
	}
	if sp == nil {
		return nil, nil, "", fmt.Errorf("no proposal: %w", ErrInvalidProposal)
	}
	p, err := UnmarshalProposal(sp.Proposal)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%w: %w", ErrInvalidProposal, err)
	}
	if p.ChannelID != l.genesis.ChannelID {
		return nil, nil, "", fmt.Errorf("%w: proposal %s is for channel %q, this ledger is channel %q", ErrInvalidProposal, p.TxID, p.ChannelID, l.genesis.ChannelID)
	}
	kind := kindTransaction
	switch p.Chaincode {
	case l.genesis.ChaincodeName:
	case configChaincode:
		kind = kindConfig
	default:
		return nil, nil, "", fmt.Errorf("%w: proposal %s is for chaincode %q, this ledger runs %q", ErrInvalidProposal, p.TxID, p.Chaincode, l.genesis.ChaincodeName)
	}
	now := l.clock()
	if err := record.CheckTxTime(p.Timestamp, now, l.window); err != nil {
		return nil, nil, "", fmt.Errorf("%w: proposal %s: %w", ErrInvalidProposal, p.TxID, err)
	}
	creator, err := (*l.trust.Load()).verifySignedProposal(p, sp, now)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%w: %w", ErrInvalidProposal, err)
	}
	return p, creator, kind, nil
}

// commitScratch holds the buffers a commit builds its block and its state
// values in. bbolt keeps the values a transaction puts until it commits,
// and copies them into its pages then: once the commit is over, the next
// one may write over them. An anchoring of thousands of digests would
// otherwise allocate and zero its block and values again each time.
type commitScratch struct {
	block, values []byte
}

// maxScratch is the largest buffer a ledger keeps between commits: a full
// batch's block (record.MaxBatchDigests digests) is about 3 MB.
const maxScratch = 8 << 20

// keep stores block and values for the next commit, unless too large to
// hold on to.
func (sc *commitScratch) keep(block, values []byte) {
	sc.block, sc.values = nil, nil
	if cap(block) <= maxScratch {
		sc.block = block
	}
	if cap(values) <= maxScratch {
		sc.values = values
	}
}

// errRefused rolls back a bbolt transaction whose ledger transaction was refused.
var errRefused = errors.New("transaction refused")

// SubmitProposal checks a signed proposal (ErrInvalidProposal), runs it
// against the committed state and, if the chaincode accepts it, commits its
// write set and its block in one bbolt transaction. It returns the
// chaincode's result. Transactions are committed one at a time.
//
// A proposal names either the ledger's chaincode or the config system
// chaincode "_config", whose one function, TrustOrg(org, MSP ID, CA PEM),
// only the governance org may call (ProvisionOrg builds such proposals).
func (l *Ledger) SubmitProposal(ctx context.Context, sp *SignedProposal) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := l.lockWriter(ctx); err != nil {
		return nil, err
	}
	defer func() { <-l.writer }()
	return l.submitLocked(ctx, sp)
}

// submitLocked checks and commits sp; the caller holds the writer's turn.
func (l *Ledger) submitLocked(ctx context.Context, sp *SignedProposal) ([]byte, error) {
	p, creator, kind, err := l.checkProposal(sp)
	if err != nil {
		return nil, err
	}
	if l.damaged != nil {
		return nil, l.damaged
	}
	var (
		refused  error
		result   []byte
		tip      [sha256.Size]byte
		digest   = l.digest
		lastTime int64
		// The commit's buffers, kept for the next once bbolt is done
		// with them.
		blockBuf, valuesBuf = l.scratch.block, l.scratch.values
	)
	defer func() { l.scratch.keep(blockBuf, valuesBuf) }()
	err = l.db.Update(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return err
		}
		if n := b.txids.Get([]byte(p.TxID)); n != nil {
			refused = fmt.Errorf("%w: transaction %s is already committed (block %d)", ErrInvalidProposal, p.TxID, decodeBlockKey(n))
			return errRefused
		}
		if ts := p.Timestamp.UnixNano(); ts < l.lastTime {
			refused = fmt.Errorf("%w: proposal %s is stamped %s, earlier than the last block (%s): the ledger's time never goes back",
				ErrInvalidProposal, p.TxID, p.Timestamp.Format(time.RFC3339Nano), timeFromNanos(l.lastTime).Format(time.RFC3339Nano))
			return errRefused
		}
		blk := &block{Number: l.height, PrevHash: l.tip[:], Kind: kind, Proposal: sp.Proposal, Signature: sp.Signature}
		// absent[i]: the chaincode read the key of write i and found
		// no committed value. values[i]: the stored form of write i.
		var (
			absent []bool
			values [][]byte
		)
		switch kind {
		case kindConfig:
			lookup := func(mspID string) (*orgRecord, error) {
				v := b.config.Get([]byte(mspID))
				if v == nil {
					return nil, nil
				}
				return decodeOrgRecord(v)
			}
			w, err := evalTrustOrg(lookup, l.genesis, creator.mspID, p)
			if err != nil {
				refused = err
				return errRefused
			}
			blk.Writes = []write{w}
		default:
			inv, err := l.invoke(tx, b, p)
			if err != nil {
				refused = err
				return errRefused
			}
			blk.Writes, blk.Event, blk.Result, absent = inv.writes, inv.event, inv.payload, inv.absent
			values, valuesBuf = versionedValues(valuesBuf, blk.Number, blk.Writes)
		}
		if err := ctx.Err(); err != nil {
			refused = err
			return errRefused
		}
		blk.Time = max(l.clock().UnixNano(), l.lastTime)
		applyToDigest(&digest, b, blk, absent, values)
		blk.StateDigest = digest.bytes()
		lastTime = max(blk.Time, p.Timestamp.UnixNano())
		raw, hash, err := encodeBlockTo(blockBuf, blk)
		if err != nil {
			return err
		}
		blockBuf = raw
		if err := appendBlock(b, blk, raw, hash, p, absent, values); err != nil {
			return err
		}
		result, tip = blk.Result, hash
		return nil
	})
	if refused != nil {
		return nil, refused
	}
	if err != nil {
		return nil, unavailable(fmt.Sprintf("committing transaction %s to ledger %s", p.TxID, l.dir), err)
	}
	l.height++
	l.tip = tip
	l.digest = digest
	l.lastTime = lastTime
	l.publishHead()
	if kind == kindConfig {
		if err := l.reloadTrust(); err != nil {
			return nil, err
		}
	}
	return result, nil
}

// EvaluateProposal checks a signed proposal and runs it against the
// committed state; whatever it writes is discarded.
func (l *Ledger) EvaluateProposal(ctx context.Context, sp *SignedProposal) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, _, kind, err := l.checkProposal(sp)
	if err != nil {
		return nil, err
	}
	if kind != kindTransaction {
		return nil, fmt.Errorf("%w: proposal %s: config changes cannot be evaluated", ErrInvalidProposal, p.TxID)
	}
	return l.evaluate(p)
}

// evaluate runs a transaction proposal against the committed state and
// discards its writes.
func (l *Ledger) evaluate(p *Proposal) ([]byte, error) {
	var (
		refused error
		result  []byte
	)
	err := l.db.View(func(tx *bolt.Tx) error {
		b, err := openChaincodeBuckets(tx)
		if err != nil {
			return err
		}
		inv, err := l.invoke(tx, b, p)
		if err != nil {
			refused = err
			return errRefused
		}
		result = inv.payload
		return nil
	})
	if refused != nil {
		return nil, refused
	}
	if err != nil {
		return nil, unavailable(fmt.Sprintf("evaluating %s on ledger %s", p.Function, l.dir), err)
	}
	return result, nil
}

// invocation is what a chaincode invocation produced.
type invocation struct {
	writes  []write
	event   *event
	payload []byte
	// absent[i] is whether the chaincode read the key of writes[i] and
	// found no committed value.
	absent []bool
}

// invoke runs the chaincode on p against the snapshot tx. A response with a
// status of 400 or more is a *network.ContractError, as a Fabric endorser
// refuses it.
func (l *Ledger) invoke(tx *bolt.Tx, b *buckets, p *Proposal) (*invocation, error) {
	stub := newTxStub(tx, b, l.genesis.ChannelID, l.genesis.ChaincodeName, p)
	resp, err := callChaincode(l.cc, stub)
	stub.seal()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Function, err)
	}
	if resp == nil {
		return nil, fmt.Errorf("%s: the chaincode returned no response", p.Function)
	}
	if resp.Status >= shim.ERRORTHRESHOLD {
		return nil, &network.ContractError{Function: p.Function, Message: resp.Message}
	}
	writes, absent := stub.writeSet()
	return &invocation{writes: writes, event: stub.chaincodeEvent(), payload: bytes.Clone(resp.Payload), absent: absent}, nil
}

// callChaincode calls Invoke, turning a panic into an error.
func callChaincode(cc shim.Chaincode, stub *txStub) (resp *peer.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the chaincode panicked: %v", r)
		}
	}()
	return cc.Invoke(stub), nil
}

// appendBlock stores blk (raw, hashing to hash) and applies its writes: to
// the chaincode state and its history for a transaction, to the config
// state otherwise. p is blk's proposal (nil for the genesis block); for a
// transaction, absent and values are as applyStateWrites takes them.
func appendBlock(b *buckets, blk *block, raw []byte, hash [sha256.Size]byte, p *Proposal, absent []bool, values [][]byte) error {
	key := blockKey(blk.Number)
	if err := putBlock(b.blocks, blk.Number, raw); err != nil {
		return err
	}
	if blk.Kind == kindTransaction {
		if err := applyStateWrites(b, blk.Number, blk.Writes, absent, values); err != nil {
			return err
		}
	} else {
		for _, w := range blk.Writes {
			var err error
			if w.Delete {
				err = b.config.Delete(w.Key)
			} else {
				err = b.config.Put(w.Key, w.Value)
			}
			if err != nil {
				return fmt.Errorf("config key %q: %w", w.Key, err)
			}
		}
	}
	if p != nil {
		if err := b.txids.Put([]byte(p.TxID), key); err != nil {
			return err
		}
		rec, err := encodeTxRecord(&txRecord{TxID: p.TxID, Timestamp: p.Timestamp.UnixNano()})
		if err != nil {
			return err
		}
		if err := b.blockTxs.Put(key, rec); err != nil {
			return err
		}
	}
	return b.meta.Put(metaTip, hash[:])
}

// applyStateWrites applies the write set of transaction block n to the
// state, moving each version it replaces to the history, and recording its
// deletions there. values[i] is the stored form of writes[i]
// (versionedValues). It does not look up the key of a write whose absent
// entry is true, which the transaction's chaincode read in this same bbolt
// transaction and found absent: a batch of fresh digests then costs one
// search per key, not two.
func applyStateWrites(b *buckets, n uint64, writes []write, absent []bool, values [][]byte) error {
	for i, w := range writes {
		if !absent[i] {
			if err := moveToHistory(b, w.Key); err != nil {
				return err
			}
		}
		if w.Delete {
			if err := deleteValue(b.state, w.Key); err != nil {
				return fmt.Errorf("key %q: %w", w.Key, err)
			}
			entry, err := encodeHistoryEntry(&historyEntry{Delete: true})
			if err != nil {
				return err
			}
			if err := putValue(b.history, historyKey(w.Key, n), entry); err != nil {
				return fmt.Errorf("history of key %q: %w", w.Key, err)
			}
			continue
		}
		if err := putValue(b.state, w.Key, values[i]); err != nil {
			return fmt.Errorf("key %q: %w", w.Key, err)
		}
	}
	return nil
}

// versionedValues returns the stored form (appendVersionedValue) of the
// value of each write of block n, nil for a deletion, and the buffer they
// share, each capped to its length: buf's memory when it has room (buf's
// content is overwritten). bbolt keeps the values it is given until the
// commit.
func versionedValues(buf []byte, n uint64, writes []write) ([][]byte, []byte) {
	size := 0
	for _, w := range writes {
		if !w.Delete {
			size += versionedValueSize(n, len(w.Value))
		}
	}
	buf = slices.Grow(buf[:0], size)
	values := make([][]byte, len(writes))
	for i, w := range writes {
		if w.Delete {
			continue
		}
		start := len(buf)
		buf = appendVersionedValue(buf, n, w.Value)
		values[i] = buf[start:len(buf):len(buf)]
	}
	return values, buf
}

// moveToHistory copies the current version of key, if any, to the history.
func moveToHistory(b *buckets, key []byte) error {
	old := valueAt(b.state, key)
	if old == nil {
		return nil
	}
	written, value, err := splitVersionedValue(old)
	if err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	entry, err := encodeHistoryEntry(&historyEntry{Value: value})
	if err != nil {
		return err
	}
	if err := putValue(b.history, historyKey(key, written), entry); err != nil {
		return fmt.Errorf("history of key %q: %w", key, err)
	}
	return nil
}

func (l *Ledger) reloadTrust() error {
	return l.db.View(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return unavailable("reading the config of ledger "+l.dir, err)
		}
		ts, err := loadTrust(b.config)
		if err != nil {
			return unavailable("reading the config of ledger "+l.dir, err)
		}
		l.trust.Store(&ts)
		return nil
	})
}

// ProvisionOrg makes sure org has a dev CA and a member identity in the
// ledger directory (creating them if needed) and that the ledger trusts the
// org's CA, committing a config block signed by the governance org if it
// does not yet. It returns the org's MSP ID (see MSPID).
func (l *Ledger) ProvisionOrg(ctx context.Context, org string) (string, error) {
	mspID, err := MSPID(org)
	if err != nil {
		return "", err
	}
	m, err := ensureOrgMaterial(l.dir, org, l.clock())
	if err != nil {
		return "", err
	}
	trusted := func() (bool, error) {
		t, ok := (*l.trust.Load())[mspID]
		switch {
		case !ok:
			return false, nil
		case t.record.Org != org:
			return false, fmt.Errorf("provisioning org %s: MSP ID %s is already bound to org %q", org, mspID, t.record.Org)
		case !bytes.Equal(t.ca.Raw, m.ca.Raw):
			return false, fmt.Errorf("provisioning org %s: the ledger trusts another CA for %s than %s", org, mspID, filepath.Join(orgDir(l.dir, org), caCertFile))
		}
		return true, nil
	}
	if ok, err := trusted(); ok || err != nil {
		return mspID, err
	}
	gov, err := l.Identity(l.genesis.GovernanceOrg)
	if err != nil {
		return "", err
	}
	_, err = l.submitBuilt(ctx, func(at time.Time) (*SignedProposal, error) {
		p, err := NewProposal(l.genesis.ChannelID, configChaincode, fnTrustOrg, []string{org, mspID, string(m.caPEM)}, gov.creator, at)
		if err != nil {
			return nil, err
		}
		return gov.Sign(p)
	})
	if err != nil {
		// A concurrent ProvisionOrg may have trusted the same CA first.
		if ok, _ := trusted(); ok {
			return mspID, nil
		}
		return "", fmt.Errorf("provisioning org %s: %w", org, err)
	}
	return mspID, nil
}

// unavailable wraps a store error in network.ErrUnavailable.
func unavailable(doing string, err error) error {
	return fmt.Errorf("%s: %w: %w", doing, network.ErrUnavailable, err)
}

func clockOrNow(clock func() time.Time) func() time.Time {
	if clock == nil {
		return time.Now
	}
	return clock
}
