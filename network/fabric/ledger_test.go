package fabric

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/sceau/sceau/network"
)

// fakeGateway answers a peer gateway's calls the way Fabric does, chosen
// by the transaction's function name:
//
//	Whoami    evaluates to the caller's MSP ID
//	Missing   fails in the chaincode with "not found: issuer x" (so does GetIssuer)
//	Refuse    fails in the chaincode with "issuer pix is suspended"
//	Offline   fails as if the chaincode server were down
//	NoPeers   fails as if no endorser were known (evaluation only)
//	Slow      never answers before the call's deadline (evaluation only)
//	Record    is endorsed with the caller's MSP ID as result, and commits
//	          after the number of MVCC read conflicts set in conflicts
//	Invalid   is endorsed, then invalidated by the endorsement policy
//	ListIssuers is endorsed (the probe of WaitEndorsable)
//
// While undiscovered is above zero, each endorsement of Record, Invalid or
// ListIssuers and each evaluation of Whoami uses one up and fails as the
// gateway does while its discovery knows too few peers. A commit status
// request waits until at least holdCommits transactions were endorsed.
type fakeGateway struct {
	gateway.UnimplementedGatewayServer
	conflicts    atomic.Int32 // commit statuses still to answer MVCC_READ_CONFLICT
	undiscovered atomic.Int32 // calls still to answer "no combination of peers"
	attempts     atomic.Int32 // endorsements and evaluations asked for, failed or not
	endorsements atomic.Int32 // successful endorsements so far
	functions    sync.Map     // transaction id → function name
	holdCommits  atomic.Int32 // endorsements to wait for before answering a commit status
}

// notDiscoveredYet uses up one of g.undiscovered and tells whether the call
// must fail as if the gateway's discovery knew too few peers.
func (g *fakeGateway) notDiscoveredYet() bool {
	g.attempts.Add(1)
	return g.undiscovered.Add(-1) >= 0
}

func (g *fakeGateway) Evaluate(ctx context.Context, req *gateway.EvaluateRequest) (*gateway.EvaluateResponse, error) {
	fn, mspID, err := readProposal(req.GetProposedTransaction())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	switch fn {
	case "Whoami":
		if g.notDiscoveredYet() {
			return nil, status.Error(codes.Unavailable, "no peers available to evaluate chaincode sceau in channel sceau")
		}
		return &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: []byte(mspID)}}, nil
	case "Missing", "GetIssuer":
		return nil, chaincodeFailure(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, not found: issuer x", "chaincode response 500, not found: issuer x")
	case "Offline":
		return nil, chaincodeFailure(codes.Aborted, "failed to evaluate transaction, see attached details for more info",
			"error in simulation: failed to execute transaction: could not launch chaincode sceau_1: connection refused")
	case "NoPeers":
		return nil, status.Error(codes.Unavailable, "no peers available to evaluate chaincode sceau in channel sceau")
	case "Slow":
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return nil, status.Errorf(codes.Unimplemented, "fake gateway: no function %s", fn)
}

func (g *fakeGateway) Endorse(ctx context.Context, req *gateway.EndorseRequest) (*gateway.EndorseResponse, error) {
	fn, mspID, err := readProposal(req.GetProposedTransaction())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	switch fn {
	case "Refuse":
		return nil, chaincodeFailure(codes.Aborted, "failed to endorse transaction, see attached details for more info", "chaincode response 500, issuer pix is suspended")
	case "Offline":
		return nil, chaincodeFailure(codes.Aborted, "failed to endorse transaction, see attached details for more info",
			"error in simulation: failed to execute transaction: could not launch chaincode sceau_1: connection refused")
	case "Record", "Invalid", "ListIssuers":
		if g.notDiscoveredYet() {
			return nil, status.Error(codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy: "+
				"no peer combination can satisfy the endorsement policy")
		}
		g.endorsements.Add(1)
		g.functions.Store(req.GetTransactionId(), fn)
		envelope, err := preparedTransaction(req.GetChannelId(), []byte(mspID))
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		return &gateway.EndorseResponse{PreparedTransaction: envelope}, nil
	}
	return nil, status.Errorf(codes.Unimplemented, "fake gateway: no function %s", fn)
}

func (g *fakeGateway) Submit(context.Context, *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
	return &gateway.SubmitResponse{}, nil
}

func (g *fakeGateway) CommitStatus(ctx context.Context, req *gateway.SignedCommitStatusRequest) (*gateway.CommitStatusResponse, error) {
	for g.endorsements.Load() < g.holdCommits.Load() {
		select {
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	var r gateway.CommitStatusRequest
	if err := proto.Unmarshal(req.GetRequest(), &r); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	fn, _ := g.functions.Load(r.GetTransactionId())
	code := peer.TxValidationCode_VALID
	switch {
	case fn == "Invalid":
		code = peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE
	case g.conflicts.Add(-1) >= 0:
		code = peer.TxValidationCode_MVCC_READ_CONFLICT
	}
	return &gateway.CommitStatusResponse{Result: code, BlockNumber: 7}, nil
}

// preparedTransaction is the envelope of an endorsed transaction whose
// chaincode returned result, as far as the gateway client reads it.
func preparedTransaction(channel string, result []byte) (*common.Envelope, error) {
	action, err := proto.Marshal(&peer.ChaincodeAction{Response: &peer.Response{Status: 200, Payload: result}})
	if err != nil {
		return nil, err
	}
	prp, err := proto.Marshal(&peer.ProposalResponsePayload{Extension: action})
	if err != nil {
		return nil, err
	}
	actionPayload, err := proto.Marshal(&peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: prp}})
	if err != nil {
		return nil, err
	}
	tx, err := proto.Marshal(&peer.Transaction{Actions: []*peer.TransactionAction{{Payload: actionPayload}}})
	if err != nil {
		return nil, err
	}
	chdr, err := proto.Marshal(&common.ChannelHeader{ChannelId: channel})
	if err != nil {
		return nil, err
	}
	payload, err := proto.Marshal(&common.Payload{Header: &common.Header{ChannelHeader: chdr}, Data: tx})
	if err != nil {
		return nil, err
	}
	return &common.Envelope{Payload: payload}, nil
}

func chaincodeFailure(code codes.Code, message, detail string) error {
	st, err := status.New(code, message).WithDetails(protoadapt.MessageV1Of(&gateway.ErrorDetail{
		Address: "peer0.ministry.sceau.test:7060", MspId: "MinistryMSP", Message: detail,
	}))
	if err != nil {
		panic(err)
	}
	return st.Err()
}

// readProposal returns the function name and the creator's MSP ID of a signed proposal.
func readProposal(sp *peer.SignedProposal) (fn, mspID string, err error) {
	var prop peer.Proposal
	if err := proto.Unmarshal(sp.GetProposalBytes(), &prop); err != nil {
		return "", "", err
	}
	var hdr common.Header
	if err := proto.Unmarshal(prop.GetHeader(), &hdr); err != nil {
		return "", "", err
	}
	var sigHdr common.SignatureHeader
	if err := proto.Unmarshal(hdr.GetSignatureHeader(), &sigHdr); err != nil {
		return "", "", err
	}
	var creator msp.SerializedIdentity
	if err := proto.Unmarshal(sigHdr.GetCreator(), &creator); err != nil {
		return "", "", err
	}
	var payload peer.ChaincodeProposalPayload
	if err := proto.Unmarshal(prop.GetPayload(), &payload); err != nil {
		return "", "", err
	}
	var spec peer.ChaincodeInvocationSpec
	if err := proto.Unmarshal(payload.GetInput(), &spec); err != nil {
		return "", "", err
	}
	args := spec.GetChaincodeSpec().GetInput().GetArgs()
	if len(args) == 0 {
		return "", "", errors.New("proposal without a function name")
	}
	return string(args[0]), creator.GetMspid(), nil
}

// testPKI writes a TLS CA (which also serves as the fake peer's
// certificate, for serverName) and one client identity per MSP ID into dir.
type testPKI struct {
	caFile     string
	serverCert tls.Certificate
}

func newTestPKI(t *testing.T, dir, serverName string, mspIDs ...string) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: serverName},
		DNSNames:              []string{serverName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pki := testPKI{
		caFile:     filepath.Join(dir, "ca.crt"),
		serverCert: tls.Certificate{Certificate: [][]byte{caDER}, PrivateKey: caKey},
	}
	writePEM(t, pki.caFile, "CERTIFICATE", caDER)
	for i, mspID := range mspIDs {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)),
			Subject:      pkix.Name{CommonName: "User1", Organization: []string{mspID}},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, filepath.Join(dir, mspID+"-cert.pem"), "CERTIFICATE", der)
		writePEM(t, filepath.Join(dir, mspID+"-key.pem"), "PRIVATE KEY", keyDER)
	}
	return pki
}

func writePEM(t *testing.T, path, blockType string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startFakeGateway serves fakeGateway over TLS on a loopback port and
// returns its address.
func startFakeGateway(t *testing.T, pki testPKI, gw *fakeGateway) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewServerTLSFromCert(&pki.serverCert)))
	gateway.RegisterGatewayServer(srv, gw)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// testLogger logs to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// openFake opens a Ledger whose orgs ministry and pix both use one peer:
// the returned fake gateway, or, when serve is false, a port nothing
// listens on. extra is appended to the config object (e.g. a timeouts field).
func openFake(t *testing.T, serve bool, extra string) (*Ledger, *fakeGateway) {
	t.Helper()
	dir := t.TempDir()
	pki := newTestPKI(t, dir, "peer0.test", "MinistryMSP", "PixMSP")
	gw := &fakeGateway{}
	endpoint := closedPort(t)
	if serve {
		endpoint = startFakeGateway(t, pki, gw)
	}
	cfg := fmt.Sprintf(`{
	  "channel": "sceau", "chaincode": "sceau", "defaultReader": "ministry",
	  "orgs": {
	    "ministry": {"mspId": "MinistryMSP", "peerEndpoint": %q, "serverNameOverride": "peer0.test",
	      "tlsCACert": "ca.crt", "certificate": "MinistryMSP-cert.pem", "privateKey": "MinistryMSP-key.pem"},
	    "pix": {"mspId": "PixMSP", "peerEndpoint": %q, "serverNameOverride": "peer0.test",
	      "tlsCACert": "ca.crt", "certificate": "PixMSP-cert.pem", "privateKey": "PixMSP-key.pem"}
	  }%s
	}`, endpoint, endpoint, extra)
	path := filepath.Join(dir, "ledger.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Open(context.Background(), path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l, gw
}

func TestEvaluateSignsAsTheRequestedOrg(t *testing.T) {
	l, _ := openFake(t, true, "")
	if got := len(l.conns); got != 1 {
		t.Errorf("two orgs on one peer opened %d connections, want 1", got)
	}
	for _, tt := range []struct{ org, wantMSP string }{
		{"", "MinistryMSP"}, // the default reader
		{"ministry", "MinistryMSP"},
		{"pix", "PixMSP"},
	} {
		got, err := l.Evaluate(context.Background(), tt.org, "Whoami")
		if err != nil {
			t.Fatalf("Evaluate as %q: %v", tt.org, err)
		}
		if string(got) != tt.wantMSP {
			t.Errorf("Evaluate as %q was signed by %s, want %s", tt.org, got, tt.wantMSP)
		}
	}
}

func TestChaincodeErrorsBecomeContractErrors(t *testing.T) {
	l, _ := openFake(t, true, "")
	ctx := context.Background()

	_, err := l.Evaluate(ctx, "", "Missing", "x")
	var ce *network.ContractError
	if !errors.As(err, &ce) {
		t.Fatalf("Evaluate of a missing record: %v is not a *network.ContractError", err)
	}
	if ce.Function != "Missing" || ce.Message != "not found: issuer x" {
		t.Errorf("ContractError = {%q, %q}, want {Missing, not found: issuer x}", ce.Function, ce.Message)
	}
	if errors.Is(err, network.ErrUnavailable) {
		t.Errorf("a chaincode refusal must not read as unavailable: %v", err)
	}

	_, err = l.Submit(ctx, "pix", "Refuse", "batch-1")
	if !errors.As(err, &ce) {
		t.Fatalf("Submit refused by the chaincode: %v is not a *network.ContractError", err)
	}
	if ce.Function != "Refuse" || ce.Message != "issuer pix is suspended" {
		t.Errorf("ContractError = {%q, %q}, want {Refuse, issuer pix is suspended}", ce.Function, ce.Message)
	}
}

func TestTypedClientSeesNotFound(t *testing.T) {
	l, _ := openFake(t, true, "")
	_, err := network.NewContract(l).GetIssuer(context.Background(), "x")
	if !errors.Is(err, network.ErrNotFound) {
		t.Errorf("GetIssuer of an absent issuer: %v does not wrap network.ErrNotFound", err)
	}
}

func TestUnavailableNetwork(t *testing.T) {
	ctx := context.Background()
	t.Run("peer unreachable", func(t *testing.T) {
		l, _ := openFake(t, false, `, "timeouts": {"evaluate": "2s", "endorse": "2s"}`)
		if _, err := l.Evaluate(ctx, "", "Whoami"); !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("Evaluate: %v does not wrap network.ErrUnavailable", err)
		}
		if _, err := l.Submit(ctx, "pix", "Whoami"); !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("Submit: %v does not wrap network.ErrUnavailable", err)
		}
	})
	t.Run("no endorser reachable", func(t *testing.T) {
		l, _ := openFake(t, true, `, "timeouts": {"evaluate": "500ms"}`)
		_, err := l.Evaluate(ctx, "", "Offline")
		if !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("Evaluate: %v does not wrap network.ErrUnavailable", err)
		}
		if err != nil && !strings.Contains(err.Error(), "MinistryMSP): error in simulation: failed to execute transaction: could not launch chaincode") {
			t.Errorf("Evaluate: error %q does not carry the peer's message", err)
		}
		if _, err := l.Evaluate(ctx, "", "NoPeers"); !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("Evaluate with no endorser: %v does not wrap network.ErrUnavailable", err)
		}
		_, err = l.Submit(ctx, "ministry", "Offline")
		if !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("Submit: %v does not wrap network.ErrUnavailable", err)
		}
		var ce *network.ContractError
		if errors.As(err, &ce) {
			t.Errorf("a peer's own failure must not read as the chaincode's: %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		l, _ := openFake(t, true, `, "timeouts": {"evaluate": "200ms"}`)
		start := time.Now()
		_, err := l.Evaluate(ctx, "", "Slow")
		if !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("Evaluate: %v does not wrap network.ErrUnavailable", err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Evaluate took %v despite a 200ms timeout", elapsed)
		}
	})
}

func TestCallerCancellation(t *testing.T) {
	l, _ := openFake(t, true, "")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := l.Evaluate(ctx, "", "Slow")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Evaluate: %v does not wrap context.Canceled", err)
	}
	if errors.Is(err, network.ErrUnavailable) {
		t.Errorf("the caller's own cancellation must not read as unavailable: %v", err)
	}
}

func TestUnknownOrg(t *testing.T) {
	l, _ := openFake(t, true, "")
	_, err := l.Submit(context.Background(), "examoffice", "Whoami")
	if !errors.Is(err, ErrUnknownOrg) {
		t.Fatalf("Submit as an unlisted org: %v does not wrap ErrUnknownOrg", err)
	}
	if !strings.Contains(err.Error(), "ministry, pix") {
		t.Errorf("error %q does not list the known orgs", err)
	}
	if got := l.Orgs(); strings.Join(got, ",") != "ministry,pix" {
		t.Errorf("Orgs() = %v, want [ministry pix]", got)
	}
}

func TestOpenNamesBadMaterial(t *testing.T) {
	dir := t.TempDir()
	newTestPKI(t, dir, "peer0.test", "PixMSP")
	if err := os.WriteFile(filepath.Join(dir, "garbage.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	org := func(field, value string) string {
		o := map[string]string{"tlsCACert": "ca.crt", "certificate": "PixMSP-cert.pem", "privateKey": "PixMSP-key.pem"}
		o[field] = value
		return fmt.Sprintf(`{"channel":"c","chaincode":"cc","orgs":{"pix":{"mspId":"PixMSP","peerEndpoint":"127.0.0.1:1",
			"tlsCACert":%q,"certificate":%q,"privateKey":%q}}}`, o["tlsCACert"], o["certificate"], o["privateKey"])
	}
	for _, tt := range []struct{ field, value, want string }{
		{"tlsCACert", "absent.crt", "tlsCACert"},
		{"tlsCACert", "garbage.pem", "holds no PEM certificate"},
		{"certificate", "absent.pem", "certificate"},
		{"certificate", "garbage.pem", "certificate"},
		{"privateKey", "absent.pem", "privateKey"},
		{"privateKey", "garbage.pem", "privateKey"},
	} {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			path := filepath.Join(dir, "ledger.json")
			if err := os.WriteFile(path, []byte(org(tt.field, tt.value)), 0o600); err != nil {
				t.Fatal(err)
			}
			l, err := Open(context.Background(), path, Options{})
			if err == nil {
				l.Close()
				t.Fatal("Open accepted unusable material")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "org pix") {
				t.Errorf("error %q does not name org pix and %q", err, tt.want)
			}
		})
	}
}

func TestSubmitWaitsForTheCommit(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name             string
		function         string
		conflicts        int32
		wantErr          string // empty: success
		wantEndorsements int32
	}{
		{name: "committed", function: "Record", wantEndorsements: 1},
		{name: "committed after two read conflicts", function: "Record", conflicts: 2, wantEndorsements: 3},
		{name: "read conflicts every time", function: "Record", conflicts: 3, wantErr: "MVCC_READ_CONFLICT", wantEndorsements: 3},
		{name: "invalidated", function: "Invalid", wantErr: "ENDORSEMENT_POLICY_FAILURE", wantEndorsements: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, gw := openFake(t, true, "")
			gw.conflicts.Store(tt.conflicts)
			result, err := l.Submit(ctx, "pix", tt.function, "arg")
			if got := gw.endorsements.Load(); got != tt.wantEndorsements {
				t.Errorf("the transaction was endorsed %d times, want %d", got, tt.wantEndorsements)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Submit: %v", err)
				}
				if string(result) != "PixMSP" {
					t.Errorf("Submit returned %q, want the chaincode's result PixMSP", result)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.function) {
				t.Fatalf("Submit: error %v does not name %s and %s", err, tt.function, tt.wantErr)
			}
			var ce *network.ContractError
			if errors.As(err, &ce) || errors.Is(err, network.ErrUnavailable) {
				t.Errorf("an invalidated transaction is neither the chaincode's refusal nor unavailability: %v", err)
			}
		})
	}
}

// TestSubmitsOverlap: transactions submitted at once are in flight together,
// each waiting for its own commit, as many as ConcurrentSubmits says.
func TestSubmitsOverlap(t *testing.T) {
	l, gw := openFake(t, true, `, "timeouts": {"commitStatus": "3s"}`)
	n := l.ConcurrentSubmits()
	if n < 2 {
		t.Fatalf("ConcurrentSubmits() = %d: a Fabric client gains by overlapping transactions", n)
	}
	// No commit status is answered before n transactions are endorsed:
	// Submits run one after the other would wait for the timeout.
	gw.holdCommits.Store(int32(n))
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := l.Submit(context.Background(), "pix", "Record", "arg")
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Submit: %v", err)
		}
	}
}

// TestRetriesWhileThePeersCannotEndorse: right after a network comes up,
// the gateway's discovery knows too few peers for a while; transactions
// then succeed once it does, and fail as unavailable, naming why, when it
// never does within the step's timeout.
func TestRetriesWhileThePeersCannotEndorse(t *testing.T) {
	ctx := context.Background()
	t.Run("submit succeeds once the peers are known", func(t *testing.T) {
		l, gw := openFake(t, true, "")
		gw.undiscovered.Store(3)
		got, err := l.Submit(ctx, "pix", "Record", "arg")
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if string(got) != "PixMSP" {
			t.Errorf("Submit returned %q, want PixMSP", got)
		}
		if a := gw.attempts.Load(); a != 4 {
			t.Errorf("endorsement asked %d times, want 4 (3 refused, 1 endorsed)", a)
		}
	})
	t.Run("evaluate succeeds once the peers are known", func(t *testing.T) {
		l, gw := openFake(t, true, "")
		gw.undiscovered.Store(2)
		got, err := l.Evaluate(ctx, "pix", "Whoami")
		if err != nil || string(got) != "PixMSP" {
			t.Fatalf("Evaluate = %q, %v; want PixMSP", got, err)
		}
	})
	t.Run("bounded by the step's timeout", func(t *testing.T) {
		l, gw := openFake(t, true, `, "timeouts": {"endorse": "600ms", "evaluate": "600ms"}`)
		gw.undiscovered.Store(1 << 20)
		for _, call := range []struct {
			name string
			do   func() error
		}{
			{"Submit", func() error { _, err := l.Submit(ctx, "pix", "Record", "arg"); return err }},
			{"Evaluate", func() error { _, err := l.Evaluate(ctx, "pix", "Whoami"); return err }},
		} {
			gw.attempts.Store(0)
			start := time.Now()
			err := call.do()
			elapsed := time.Since(start)
			if !errors.Is(err, network.ErrUnavailable) {
				t.Errorf("%s: %v does not wrap network.ErrUnavailable", call.name, err)
			}
			if err != nil && !strings.Contains(err.Error(), "no ") {
				t.Errorf("%s: error %q does not carry the gateway's reason", call.name, err)
			}
			if a := gw.attempts.Load(); a < 2 {
				t.Errorf("%s: asked %d time(s), want retries", call.name, a)
			}
			if elapsed > 3*time.Second {
				t.Errorf("%s: gave up after %v despite a 600ms timeout", call.name, elapsed)
			}
		}
	})
	t.Run("the caller's cancellation stops the retries", func(t *testing.T) {
		l, gw := openFake(t, true, "")
		gw.undiscovered.Store(1 << 20)
		ctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		_, err := l.Submit(ctx, "pix", "Record", "arg")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Submit: %v does not wrap context.Canceled", err)
		}
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("Submit returned %v after the cancellation", elapsed)
		}
	})
}

func TestWaitEndorsable(t *testing.T) {
	t.Run("ready once every org can endorse", func(t *testing.T) {
		l, gw := openFake(t, true, "")
		gw.undiscovered.Store(3)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.WaitEndorsable(ctx); err != nil {
			t.Fatalf("WaitEndorsable: %v", err)
		}
		if got := gw.endorsements.Load(); got != 2 {
			t.Errorf("%d probe(s) endorsed, want one per org (2)", got)
		}
	})
	t.Run("names the orgs not ready when time is up", func(t *testing.T) {
		l, gw := openFake(t, true, "")
		gw.undiscovered.Store(1 << 20)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		err := l.WaitEndorsable(ctx)
		if !errors.Is(err, network.ErrUnavailable) {
			t.Fatalf("WaitEndorsable: %v does not wrap network.ErrUnavailable", err)
		}
		for _, want := range []string{"org ministry", "org pix", "no combination of peers"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
	t.Run("an unreachable peer is reported at once", func(t *testing.T) {
		l, _ := openFake(t, false, `, "timeouts": {"endorse": "2s"}`)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		start := time.Now()
		if err := l.WaitEndorsable(ctx); !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("WaitEndorsable: %v does not wrap network.ErrUnavailable", err)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("WaitEndorsable took %v to report an unreachable peer", elapsed)
		}
	})
}
