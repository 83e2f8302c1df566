// Package embedded is Sceau's zero-setup ledger: the same Sceau chaincode a
// Fabric network runs, run in-process through this package's implementation
// of the Fabric shim's ChaincodeStubInterface, over a bbolt store. It
// implements network.Ledger and network.OrgProvisioner. Of the project's
// packages it imports network (the interfaces it implements), chaincode (the
// contract it hosts) and internal ones only.
//
// # Layout
//
// A ledger is a directory:
//
//	<dir>/ledger.db                 bbolt store: blocks, state, history, config, tx index
//	<dir>/orgs/<org>/ca.pem         the org's dev CA certificate (0644)
//	<dir>/orgs/<org>/ca.key         its private key (0600)
//	<dir>/orgs/<org>/cert.pem       the org's member certificate, issued by the CA
//	<dir>/orgs/<org>/key.pem        its private key (0600)
//
// Directories are 0700. Keys are ECDSA P-256 (PKCS #8 PEM). Trust does not
// come from these files: the ledger trusts an org's CA once a config block
// (the genesis block for the governance org, then one signed by the
// governance org per ProvisionOrg) has recorded it in the ledger itself.
//
// # Transactions
//
// Every transaction is a signed proposal (Proposal, SignedProposal): channel,
// chaincode, function, arguments, creator (a marshalled
// msp.SerializedIdentity, so cid.New works as on Fabric), timestamp and
// nonce, in canonical CBOR, signed with ECDSA P-256 over SHA-256 (low-S).
// The transaction id is hex(SHA-256(nonce || creator)), as on Fabric. Before
// running a proposal the ledger checks, as a Fabric peer's MSP would, that
// its channel and chaincode are the ledger's, that its transaction id is
// derived from its nonce and creator, that the creator's MSP is trusted, that
// the creator's certificate is issued by that MSP's CA (so a certificate from
// another CA, or one claiming another MSP, is refused) and that the signature
// is the certificate key's.
//
// The chaincode reads committed state only (GetState never sees the
// transaction's own writes); its writes are buffered in a write set. A
// transaction the chaincode accepts (response status below 400) is committed
// with its block — proposal, signature, write set, event, result, and the
// previous block's hash — in a single bbolt transaction (one fsync), so that
// a crash keeps it whole or not at all. A refused transaction writes nothing.
// Evaluate runs the chaincode the same way against the committed state and
// discards its writes.
//
// The Sceau chaincode runs in this process, so its read-only queries
// (GetIssuer, GetBatch, GetStatus, GetStatusHistory) are answered by
// calling the contract's methods directly, without contract-api's per-call
// reflection, goroutine and schema checks, and byte for byte as contract-api
// answers them (direct.go, and its tests and fuzz target). Every other call
// goes through contract-api, as on a Fabric peer.
//
// # Differences from Fabric
//
//   - Execution and validation are one step. Fabric endorses a transaction
//     against a snapshot, orders it, then invalidates it at commit if a key it
//     read (or a range it scanned) changed meanwhile (MVCC read conflict). Here
//     transactions are committed one at a time and each executes against the
//     latest committed state, so there are no MVCC conflicts to report: a
//     transaction that Fabric would invalidate and that the client would retry
//     simply runs after the one it would have conflicted with. Read sets are
//     therefore not recorded in blocks.
//   - One peer, one org endorsing: there are no endorsement policies.
//     SetStateValidationParameter is refused, GetStateValidationParameter
//     returns nil.
//   - One block per transaction; blocks hold this package's canonical CBOR,
//     not Fabric's protobuf blocks. GetSignedProposal is not supported, as a
//     Fabric SignedProposal cannot be built honestly from these proposals.
//   - Not supported (clear errors): private data, rich queries
//     (GetQueryResult*, as on LevelDB), InvokeChaincode.
//   - Kept as on Fabric (LevelDB state): empty value in PutState is a
//     deletion; range queries skip composite keys unless asked for them;
//     paginated queries return a bookmark that is the next key to read, and
//     are refused in a transaction that wrote (and writes after them); range
//     and history queries return at most 100 000 records (Fabric's default
//     totalQueryLimit); GetHistoryForKey returns newest first; a second
//     SetEvent replaces the first; a duplicate transaction id is refused.
//   - Stricter than Fabric: DelState refuses an empty key; SplitCompositeKey
//     returns an error where the shim would panic; a stub (or iterator) used
//     after its invocation returned fails instead of reaching the peer.
//   - Certificates are checked at the ledger's clock when a proposal is
//     submitted, and at the transaction's own timestamp by Verify.
//   - Time: a proposal stamped further than the window
//     (OpenOptions.TimeWindow, 5 minutes) from the ledger's clock, or
//     earlier than the last block, is refused; Submit stamps and signs its
//     proposal once its turn to commit has come, so concurrent submitters
//     are stamped in commit order. Each block records the ledger's clock
//     at commit (never earlier than the block before); Verify reports
//     block times that go backwards.
//
// # Storage
//
// A committed value is stored twice: in its block (the write set, so that
// the state can be rebuilt and checked) and in the state, after the number
// of the block that wrote it. The history holds only the versions a key no
// longer has: a block that replaces or deletes a key moves the version it
// replaces to the history, and records a deletion there. With a table of
// each block's transaction id and time, GetHistoryForKey reads no block
// (Fabric's history index instead points into its block files).
//
// A key written once, such as an anchored digest, thus costs one insertion
// into the state's B+tree. Digests are random keys: the insertions of a
// batch land all over the tree, and bbolt rewrites every page a commit
// touches, so a batch rewrites about one page (4 KiB) per digest once the
// ledger is much larger than the batch, and most of the state before that.
// Keeping records small keeps that cost down. State, history and
// transaction index pages are left half full after a split, bbolt's
// default, which suits random inserts; blocks are packed full. A block, a
// state version or a history entry larger than a page has a bucket of its
// own, since bbolt never splits a leaf of four entries or fewer: large
// values side by side (consecutive blocks, the digest lists of consecutive
// batches) would be written again by every commit that adds one. A
// transaction writing 50 000 values of 400 bytes adds about 70 MB to
// ledger.db, written with one fsync.
//
// # Concurrency
//
// Reads (Evaluate, Info, Verify, Export) run in parallel, each on one
// consistent bbolt snapshot. Commits run one at a time. One process at a
// time may open a ledger: a second Open fails after about a second with an
// error wrapping ErrInUse that names the directory.
//
// # State digest
//
// Each block records the digest of the whole state after its writes (a
// multiset hash of every chaincode state entry, as stored, and every
// config entry: digest.go), updated from the write set alone. Open
// recomputes it from the store and compares it with the last block's; a
// state changed behind the ledger's back (or a last block that no longer
// matches the hash recorded at its commit) makes the ledger damaged:
// Submit and Evaluate refuse (ErrDamaged, network.ErrUnavailable), Info,
// Verify and Export still work to locate the change. Before mapping
// ledger.db, Open checks its length against its bbolt header (header.go):
// a truncated store is refused with ErrCorrupt rather than read past its
// end (SIGBUS).
//
// # Auditing
//
// Verify recomputes the hash chain and re-checks every block from the
// genesis block on (see Ledger.Verify); Info and Export give the figures and
// every block as JSON lines. Like any self-contained log, the chain proves
// that nothing up to a tip was changed only against a tip hash recorded
// elsewhere: Info gives it.
package embedded
