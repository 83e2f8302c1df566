// Package fabric is the Hyperledger Fabric backend of network.Ledger: it
// submits and evaluates the Sceau chaincode's transactions through the
// Fabric Gateway of each organisation's peer, as the identities a ledger
// config lists. The scripts beside it (up, down) run a development network
// natively and write such a config.
//
// Imports: network (and may import chaincode/record), of Sceau's
// packages, and fabric-gateway; never the contract.
package fabric

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	"github.com/sceau/sceau/network"
)

// ErrUnknownOrg is wrapped by errors for an org id the ledger config does
// not list: on Fabric, organisations come from the network's material.
var ErrUnknownOrg = errors.New("org not in the ledger config")

// maxCommitAttempts bounds how often Submit runs a transaction that failed
// to commit because a concurrent transaction changed what it read; such a
// transaction had no effect, so running it again is safe.
const maxCommitAttempts = 3

// maxMessageSize is the largest gRPC message exchanged with a peer: the
// peers' own default (peer.maxRecvMsgSize and maxSendMsgSize).
const maxMessageSize = 100 << 20

// submitsInFlight is how many transactions a client gains by keeping in
// flight at once (see ConcurrentSubmits): while one waits for its block,
// the next ones are endorsed and ordered. On the development network,
// anchoring 40 chunks of 500 credentials, 4 did a fifth better than 1, and
// 8 no better than 4.
const submitsInFlight = 4

// Ledger is a network.Ledger over a Fabric network's gateways. It is safe
// for concurrent use, and transactions submitted at once overlap.
type Ledger struct {
	channel       string
	defaultReader string
	timeouts      Timeouts
	logger        *slog.Logger
	orgs          map[string]*orgGateway
	conns         []*grpc.ClientConn
	closed        atomic.Bool
}

// Options are a Ledger's settings that do not come from the ledger config.
type Options struct {
	// Logger receives what the client does on its own, such as retrying a
	// transaction while the peers cannot endorse it yet. Nothing is logged
	// when it is nil.
	Logger *slog.Logger
}

type orgGateway struct {
	gateway  *client.Gateway
	contract *client.Contract
}

var (
	_ network.Ledger              = (*Ledger)(nil)
	_ network.ConcurrentSubmitter = (*Ledger)(nil)
)

// Open reads the ledger config at configPath and prepares one gateway per
// org identity, sharing one gRPC connection per peer. Connections are made
// lazily: a peer that is down shows as network.ErrUnavailable on use.
func Open(ctx context.Context, configPath string, opts Options) (*Ledger, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(configPath)
	if err != nil {
		return nil, err
	}
	return New(cfg, opts)
}

// New prepares a Ledger from a checked config (see ParseConfig).
func New(cfg *Config, opts Options) (*Ledger, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Ledger{
		channel:       cfg.Channel,
		defaultReader: cfg.DefaultReader,
		timeouts:      cfg.Timeouts,
		logger:        logger,
		orgs:          make(map[string]*orgGateway, len(cfg.Orgs)),
	}
	type peerKey struct{ endpoint, caFile, serverName string }
	conns := make(map[peerKey]*grpc.ClientConn)
	for _, id := range sortedKeys(cfg.Orgs) {
		org := cfg.Orgs[id]
		key := peerKey{org.PeerEndpoint, org.TLSCACert, org.ServerNameOverride}
		conn, ok := conns[key]
		if !ok {
			var err error
			if conn, err = dial(org); err != nil {
				l.Close()
				return nil, fmt.Errorf("org %s: %w", id, err)
			}
			conns[key] = conn
			l.conns = append(l.conns, conn)
		}
		gw, err := connect(org, conn)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("org %s: %w", id, err)
		}
		l.orgs[id] = &orgGateway{
			gateway:  gw,
			contract: gw.GetNetwork(cfg.Channel).GetContract(cfg.Chaincode),
		}
	}
	return l, nil
}

func dial(org OrgConfig) (*grpc.ClientConn, error) {
	caPEM, err := os.ReadFile(org.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("tlsCACert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("tlsCACert: %s holds no PEM certificate", org.TLSCACert)
	}
	creds := credentials.NewClientTLSFromCert(pool, org.ServerNameOverride)
	// A batch's endorsement carries its whole write set (about 2.5 MB for
	// issuer.DefaultChunk credentials), above gRPC's 4 MiB default when
	// chunks are large: allow what Fabric's peers allow (100 MiB).
	conn, err := grpc.NewClient(org.PeerEndpoint, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)))
	if err != nil {
		return nil, fmt.Errorf("peerEndpoint %s: %w", org.PeerEndpoint, err)
	}
	return conn, nil
}

func connect(org OrgConfig, conn *grpc.ClientConn) (*client.Gateway, error) {
	certPEM, err := os.ReadFile(org.Certificate)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", org.Certificate, err)
	}
	id, err := identity.NewX509Identity(org.MSPID, cert)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", org.Certificate, err)
	}
	keyPEM, err := os.ReadFile(org.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("privateKey: %w", err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("privateKey %s: %w", org.PrivateKey, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, fmt.Errorf("privateKey %s: %w", org.PrivateKey, err)
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn))
	if err != nil {
		return nil, fmt.Errorf("connecting to the gateway at %s: %w", org.PeerEndpoint, err)
	}
	return gw, nil
}

// Submit runs function as a transaction signed by org's identity, endorsed
// by the peers the chaincode's endorsement policy requires, and waits until
// it is committed. While the gateway cannot yet find peers enough to satisfy
// the policy (see endorsersPending), the endorsement is tried again, within
// the endorse timeout. A transaction invalidated by a concurrent one (MVCC
// or phantom read conflict) is run again, up to three times in all.
//
// Several Submits may run at once: each waits for its own commit status, so
// a caller with many transactions keeps up to ConcurrentSubmits in flight.
func (l *Ledger) Submit(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	gw, err := l.org(org)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", function, err)
	}
	for attempt := 1; ; attempt++ {
		result, code, block, err := l.submitOnce(ctx, gw.contract, function, args)
		if err != nil {
			return nil, err
		}
		switch {
		case code == peer.TxValidationCode_VALID:
			l.awaitPeers(ctx, block+1)
			return result, nil
		case retriable(code) && attempt < maxCommitAttempts:
			continue
		default:
			return nil, fmt.Errorf("%s: the transaction was not committed: %s", function, code)
		}
	}
}

// ConcurrentSubmits returns how many transactions are worth keeping in
// flight at once on a Fabric network: more overlap the endorsement and
// ordering of some with the commit of others.
func (l *Ledger) ConcurrentSubmits() int { return submitsInFlight }

func retriable(code peer.TxValidationCode) bool {
	return code == peer.TxValidationCode_MVCC_READ_CONFLICT || code == peer.TxValidationCode_PHANTOM_READ_CONFLICT
}

// submitOnce endorses one transaction, submits it to the orderer without
// waiting for its commit (the gateway's SubmitAsync, a step at a time so
// that each has its timeout), then awaits its commit status, and returns its
// result, validation code and block number.
func (l *Ledger) submitOnce(ctx context.Context, contract *client.Contract, function string, args []string) ([]byte, peer.TxValidationCode, uint64, error) {
	endorseCtx, cancel := context.WithTimeout(ctx, l.timeouts.Endorse)
	tx, err := l.endorse(endorseCtx, contract, function, args)
	cancel()
	if err != nil {
		return nil, 0, 0, classify(ctx, function, "endorsing", err)
	}

	submitCtx, cancel := context.WithTimeout(ctx, l.timeouts.Submit)
	commit, err := tx.SubmitWithContext(submitCtx)
	cancel()
	if err != nil {
		return nil, 0, 0, classify(ctx, function, "submitting to the orderer", err)
	}

	statusCtx, cancel := context.WithTimeout(ctx, l.timeouts.CommitStatus)
	status, err := commit.StatusWithContext(statusCtx)
	cancel()
	if err != nil {
		return nil, 0, 0, classify(ctx, function, "awaiting the commit of transaction "+commit.TransactionID(), err)
	}
	return tx.Result(), status.Code, status.BlockNumber, nil
}

// endorse has a proposal of function endorsed as the endorsement policy
// requires, trying again while the gateway cannot find endorsers enough yet
// (endorsersPending), until ctx ends. Nothing is submitted.
func (l *Ledger) endorse(ctx context.Context, contract *client.Contract, function string, args []string) (*client.Transaction, error) {
	proposal, err := contract.NewProposal(function, client.WithArguments(args...))
	if err != nil {
		return nil, fmt.Errorf("building the proposal: %w", err)
	}
	var tx *client.Transaction
	err = l.whileEndorsersPending(ctx, function, "endorsing", func(ctx context.Context) error {
		var err error
		tx, err = proposal.EndorseWithContext(ctx)
		return err
	})
	return tx, err
}

// Retry delays while the peers cannot endorse yet: the first, doubled on
// every attempt up to the last.
const (
	firstEndorsersRetry = 100 * time.Millisecond
	maxEndorsersRetry   = 2 * time.Second
)

// whileEndorsersPending calls call until it returns anything but an error
// for which endorsersPending holds, or until ctx ends: then it returns the
// last error. It waits between calls (from firstEndorsersRetry, doubling up
// to maxEndorsersRetry) and logs the retries: a warning for the first, the
// others at debug level.
func (l *Ledger) whileEndorsersPending(ctx context.Context, function, step string, call func(context.Context) error) error {
	start := time.Now()
	delay := firstEndorsersRetry
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil || !endorsersPending(err) {
			return err
		}
		deadline, bounded := ctx.Deadline()
		if ctx.Err() != nil || (bounded && time.Until(deadline) < delay) {
			return fmt.Errorf("%w (still so after %d attempt(s) in %v)", err, attempt, time.Since(start).Round(time.Millisecond))
		}
		level := slog.LevelDebug
		if attempt == 1 {
			level = slog.LevelWarn
		}
		l.logger.Log(ctx, level, "fabric: the peers cannot endorse yet; retrying",
			"function", function, "step", step, "attempt", attempt, "retry_in", delay, "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (still so after %d attempt(s) in %v)", err, attempt, time.Since(start).Round(time.Millisecond))
		case <-time.After(delay):
		}
		delay = min(2*delay, maxEndorsersRetry)
	}
}

// readinessProbe is the transaction WaitEndorsable has endorsed: a
// read-only one (the first page of one issuer), so that endorsing it
// changes nothing even if it were submitted, which it is not.
var readinessProbe = []string{"ListIssuers", "1", ""}

// WaitEndorsable returns once the gateway of every org in the config can
// have a transaction of the chaincode endorsed as its endorsement policy
// requires, which needs the peers' discovery to know endorsers enough (it
// learns them through gossip, seconds after the chaincode is committed or
// a peer comes back). It endorses a read-only transaction as each org, all
// at once, and submits nothing. While an org's gateway cannot find
// endorsers enough, it tries again until ctx ends; any other failure (a
// peer unreachable, the chaincode refusing) ends that org's tries at once.
// The error names every org not ready, and why.
func (l *Ledger) WaitEndorsable(ctx context.Context) error {
	ids := l.Orgs()
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		gw, err := l.org(id)
		if err != nil {
			return err
		}
		wg.Go(func() {
			if _, err := l.endorse(ctx, gw.contract, readinessProbe[0], readinessProbe[1:]); err != nil {
				errs[i] = classify(ctx, readinessProbe[0], "endorsing as org "+id, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the peers cannot endorse transactions of the chaincode:\n%w", err)
	}
	return nil
}

// awaitPeers waits, at most the commit-status timeout, until the peer of
// every org in the config holds height blocks. Submit returns when the
// submitter's peer has committed; without this wait a read through another
// org's peer right after it (the default reader, or an endorsement by
// another org) could miss the transaction. A peer that lags or cannot be
// asked is not an error: the transaction is committed, and reads through
// that peer report what it has, or that it is unavailable.
func (l *Ledger) awaitPeers(ctx context.Context, height uint64) {
	ctx, cancel := context.WithTimeout(ctx, l.timeouts.CommitStatus)
	defer cancel()
	for _, org := range l.Orgs() {
		for {
			h, err := l.chainHeight(ctx, org)
			if err != nil || h >= height {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// chainHeight asks org's peer for the channel's height (qscc GetChainInfo).
func (l *Ledger) chainHeight(ctx context.Context, org string) (uint64, error) {
	gw, err := l.org(org)
	if err != nil {
		return 0, err
	}
	qscc := gw.gateway.GetNetwork(l.channel).GetContract("qscc")
	raw, err := qscc.EvaluateWithContext(ctx, "GetChainInfo", client.WithArguments(l.channel))
	if err != nil {
		return 0, classify(ctx, "GetChainInfo", "evaluating", err)
	}
	var info common.BlockchainInfo
	if err := proto.Unmarshal(raw, &info); err != nil {
		return 0, fmt.Errorf("decoding qscc GetChainInfo: %w", err)
	}
	return info.GetHeight(), nil
}

// Evaluate runs function as a query on org's peer (the config's default
// reader when org is empty); nothing is written. While the gateway knows no
// peer that can run it yet (endorsersPending), it is tried again, within
// the evaluate timeout.
func (l *Ledger) Evaluate(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	if org == "" {
		org = l.defaultReader
	}
	gw, err := l.org(org)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", function, err)
	}
	evalCtx, cancel := context.WithTimeout(ctx, l.timeouts.Evaluate)
	defer cancel()
	var result []byte
	err = l.whileEndorsersPending(evalCtx, function, "evaluating", func(ctx context.Context) error {
		var err error
		result, err = gw.contract.EvaluateWithContext(ctx, function, client.WithArguments(args...))
		return err
	})
	if err != nil {
		return nil, classify(ctx, function, "evaluating", err)
	}
	return result, nil
}

func (l *Ledger) org(id string) (*orgGateway, error) {
	if l.closed.Load() {
		return nil, fmt.Errorf("the ledger is closed: %w", network.ErrUnavailable)
	}
	gw, ok := l.orgs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q (known: %s)", ErrUnknownOrg, id, strings.Join(sortedKeys(l.orgs), ", "))
	}
	return gw, nil
}

// Orgs returns the org ids the ledger holds an identity for, sorted.
func (l *Ledger) Orgs() []string { return sortedKeys(l.orgs) }

// Close closes every gateway and peer connection. Calls made after it fail
// with network.ErrUnavailable; closing again does nothing.
func (l *Ledger) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	var errs []error
	for _, id := range sortedKeys(l.orgs) {
		if err := l.orgs[id].gateway.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the gateway of org %s: %w", id, err))
		}
	}
	for _, conn := range l.conns {
		if err := conn.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the connection to %s: %w", conn.Target(), err))
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Height returns the channel's height as the default reader's peer knows
// it (network.HeightReader).
func (l *Ledger) Height(ctx context.Context) (uint64, error) {
	return l.chainHeight(ctx, l.defaultReader)
}
