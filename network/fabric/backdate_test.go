package fabric

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// endorseAt asks the gateway of org's peer to endorse function with args
// in a proposal stamped at, built and signed by hand as a client choosing
// its timestamp would (the Fabric gateway client always stamps now).
func endorseAt(ctx context.Context, t *testing.T, cfg *Config, org string, at time.Time, function string, args ...string) error {
	t.Helper()
	o := cfg.Orgs[org]
	conn, err := dial(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	certPEM, err := os.ReadFile(o.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(o.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		t.Fatal(err)
	}
	marshal := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	creator := marshal(&msp.SerializedIdentity{Mspid: o.MSPID, IdBytes: certPEM})
	nonce := make([]byte, 24)
	rand.Read(nonce)
	sum := sha256.Sum256(append(append([]byte(nil), nonce...), creator...))
	txID := hex.EncodeToString(sum[:])
	chaincodeID := &peer.ChaincodeID{Name: cfg.Chaincode}
	header := &common.Header{
		ChannelHeader: marshal(&common.ChannelHeader{
			Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: cfg.Channel, TxId: txID,
			Timestamp: timestamppb.New(at), Extension: marshal(&peer.ChaincodeHeaderExtension{ChaincodeId: chaincodeID}),
		}),
		SignatureHeader: marshal(&common.SignatureHeader{Creator: creator, Nonce: nonce}),
	}
	input := [][]byte{[]byte(function)}
	for _, a := range args {
		input = append(input, []byte(a))
	}
	payload := marshal(&peer.ChaincodeProposalPayload{Input: marshal(&peer.ChaincodeInvocationSpec{
		ChaincodeSpec: &peer.ChaincodeSpec{Type: peer.ChaincodeSpec_GOLANG, ChaincodeId: chaincodeID, Input: &peer.ChaincodeInput{Args: input}},
	})})
	proposal := marshal(&peer.Proposal{Header: marshal(header), Payload: payload})
	digest := sha256.Sum256(proposal)
	signature, err := sign(digest[:])
	if err != nil {
		t.Fatal(err)
	}
	_, err = gatewaypb.NewGatewayClient(conn).Endorse(ctx, &gatewaypb.EndorseRequest{
		TransactionId: txID, ChannelId: cfg.Channel,
		ProposedTransaction: &peer.SignedProposal{ProposalBytes: proposal, Signature: signature},
	})
	if err == nil {
		return nil
	}
	// What each peer said is in the status details.
	msgs := []string{err.Error()}
	for _, d := range status.Convert(err).Details() {
		if detail, ok := d.(*gatewaypb.ErrorDetail); ok {
			msgs = append(msgs, detail.GetMspId()+": "+detail.GetMessage())
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

// backdatedProposalsAreRefused: a transaction (registering an issuer,
// endorsed only, never ordered) stamped ten minutes before (or after) the
// peers' clocks is refused by the endorsing peers' chaincode (the
// transaction time window, 5 minutes); the same proposal stamped now is
// endorsed.
func backdatedProposalsAreRefused(ctx context.Context, t *testing.T, cfg *Config) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	jwk := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`,
		base64.RawURLEncoding.EncodeToString(pub[1:33]), base64.RawURLEncoding.EncodeToString(pub[33:]))
	args := []string{"backdate-probe", "Probe", jwk}
	if err := endorseAt(ctx, t, cfg, "examoffice", time.Now(), "RegisterIssuer", args...); err != nil {
		t.Fatalf("a proposal stamped now: %v", err)
	}
	for _, shift := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		err := endorseAt(ctx, t, cfg, "examoffice", time.Now().Add(shift), "RegisterIssuer", args...)
		if err == nil {
			t.Errorf("a proposal stamped %s from now was endorsed", shift)
		} else if !strings.Contains(err.Error(), "from this ledger's clock") {
			t.Errorf("a proposal stamped %s from now: refused, but not for its time: %v", shift, err)
		}
	}
}
