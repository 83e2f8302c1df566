package embedded

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	bolt "go.etcd.io/bbolt"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/network"
)

// directFixture is a Sceau ledger holding the accredited issuer "bac-lyon"
// and its batch "b1" of two credentials of two forms, the first revoked,
// with the directChaincode the ledger runs.
type directFixture struct {
	l      *Ledger
	direct *directChaincode
	// office and governance are the creators of examoffice's and the
	// governance org's members.
	office, governance []byte
	// active is a digest of the active credential, revoked one of the
	// revoked credential.
	active, revoked string
}

// anchorRequestForms builds a batch of n credentials of forms digests each,
// and its root.
func anchorRequestForms(batchID, issuerID string, n, forms int) record.AnchorRequest {
	req := record.AnchorRequest{BatchID: batchID, IssuerID: issuerID, Type: "Diploma"}
	leaves := make([][]byte, n)
	for i := range n {
		var group []string
		var raws [][]byte
		for j := range forms {
			d := sha256.Sum256(fmt.Appendf(nil, "%s/credential/%d/form/%d", batchID, i, j))
			group = append(group, hex.EncodeToString(d[:]))
			raws = append(raws, d[:])
		}
		req.Credentials = append(req.Credentials, group)
		leaves[i] = merkle.LeafHash(merkle.LeafData(raws))
	}
	req.Root = hex.EncodeToString(merkle.Root(leaves))
	return req
}

func newDirectFixture(t testing.TB) *directFixture {
	t.Helper()
	l, _ := newSceauLedger(t)
	c := network.NewContract(l)
	ctx := context.Background()
	accreditedIssuer(t, l, c)
	req := anchorRequestForms("b1", "bac-lyon", 2, 2)
	if _, err := c.AnchorBatch(ctx, "examoffice", req); err != nil {
		t.Fatalf("AnchorBatch: %v", err)
	}
	if err := c.Revoke(ctx, "examoffice", req.Credentials[0][0], "fraud"); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	direct, ok := l.cc.(*directChaincode)
	if !ok {
		t.Fatalf("the ledger runs a %T, not the direct chaincode", l.cc)
	}
	x := &directFixture{l: l, direct: direct, active: req.Credentials[1][1], revoked: req.Credentials[0][1]}
	for org, creator := range map[string]*[]byte{"examoffice": &x.office, DefaultGovernanceOrg: &x.governance} {
		id, err := l.Identity(org)
		if err != nil {
			t.Fatal(err)
		}
		*creator = id.creator
	}
	return x
}

// withStubs calls fn with a source of stubs over the ledger's committed
// state, each for the same proposal of fn(args) by caller.
func (x *directFixture) withStubs(t *testing.T, caller []byte, fn string, args []string, use func(stub func() *txStub)) {
	t.Helper()
	p, err := NewProposal(x.l.genesis.ChannelID, x.l.genesis.ChaincodeName, fn, args, caller, x.l.clock())
	if err != nil {
		t.Fatal(err)
	}
	err = x.l.db.View(func(tx *bolt.Tx) error {
		b, err := openChaincodeBuckets(tx)
		if err != nil {
			return err
		}
		var stubs []*txStub
		defer func() {
			for _, s := range stubs {
				s.seal()
			}
		}()
		use(func() *txStub {
			s := newTxStub(tx, b, x.l.genesis.ChannelID, x.l.genesis.ChaincodeName, p)
			stubs = append(stubs, s)
			return s
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// compare runs fn(args) as caller through the direct path and through
// contract-api, on the same committed state, and fails t unless both
// answer the same. It reports whether the direct path answered itself.
func (x *directFixture) compare(t *testing.T, caller []byte, fn string, args ...string) bool {
	t.Helper()
	var (
		got, want *peer.Response
		answered  bool
	)
	x.withStubs(t, caller, fn, args, func(stub func() *txStub) {
		if got, answered = x.direct.answer(stub()); !answered {
			got = x.direct.Invoke(stub())
		}
		contract, err := x.direct.contract()
		if err != nil {
			t.Fatal(err)
		}
		want = contract.Invoke(stub())
	})
	if got.GetStatus() != want.GetStatus() || got.GetMessage() != want.GetMessage() || !bytes.Equal(got.GetPayload(), want.GetPayload()) {
		t.Errorf("%s(%q): direct answer %d %q %s; contract-api's %d %q %s", fn, args,
			got.GetStatus(), got.GetMessage(), got.GetPayload(), want.GetStatus(), want.GetMessage(), want.GetPayload())
	}
	return answered
}

func TestDirectQueriesAnswerAsContractAPI(t *testing.T) {
	x := newDirectFixture(t)
	tests := []struct {
		name   string
		caller []byte
		fn     string
		args   []string
		// direct: the direct path answers, rather than contract-api.
		direct bool
	}{
		{"issuer", x.office, "GetIssuer", []string{"bac-lyon"}, true},
		{"unknown issuer", x.office, "GetIssuer", []string{"no-such-office"}, true},
		{"invalid issuer id", x.office, "GetIssuer", []string{"Bac Lyon"}, true},
		{"empty issuer id", x.office, "GetIssuer", []string{""}, true},
		{"issuer id with a NUL", x.office, "GetIssuer", []string{"bac\x00lyon"}, true},
		{"batch", x.office, "GetBatch", []string{"b1"}, true},
		{"unknown batch", x.office, "GetBatch", []string{"b9"}, true},
		{"invalid batch id", x.office, "GetBatch", []string{"b/1"}, true},
		{"active status", x.office, "GetStatus", []string{x.active}, true},
		{"revoked status", x.office, "GetStatus", []string{x.revoked}, true},
		{"unknown digest", x.office, "GetStatus", []string{strings.Repeat("ab", 32)}, true},
		{"upper-case digest", x.office, "GetStatus", []string{strings.ToUpper(x.active)}, true},
		{"short digest", x.office, "GetStatus", []string{x.active[:10]}, true},
		{"status history", x.office, "GetStatusHistory", []string{x.revoked}, true},
		{"unknown history", x.office, "GetStatusHistory", []string{strings.Repeat("cd", 32)}, true},
		{"governance caller", x.governance, "GetStatus", []string{x.active}, true},
		{"unreadable caller", []byte("\xff\xff\xff"), "GetStatus", []string{x.active}, true},
		{"no caller", nil, "GetIssuer", []string{"bac-lyon"}, true},
		{"no argument", x.office, "GetStatus", nil, false},
		{"extra argument", x.office, "GetStatus", []string{x.active, "more"}, false},
		{"contract-qualified name", x.office, "sceau:GetStatus", []string{x.active}, false},
		{"lower-case name", x.office, "getStatus", []string{x.active}, false},
		{"paged query", x.office, "ListIssuers", []string{"10", ""}, false},
		{"unknown function", x.office, "GetEverything", []string{"x"}, false},
		{"transaction", x.office, "Revoke", []string{x.active, "fraud"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if answered := x.compare(t, tt.caller, tt.fn, tt.args...); answered != tt.direct {
				t.Errorf("answered directly: %v, want %v", answered, tt.direct)
			}
		})
	}
}

func TestDirectQueryReadsTheCallerOnlyOnDemand(t *testing.T) {
	x := newDirectFixture(t)
	x.withStubs(t, x.office, "GetStatus", []string{x.active}, func(stub func() *txStub) {
		ctx := &queryContext{stub: stub()}
		if ctx.identity != nil {
			t.Fatal("the caller was read before anyone asked")
		}
		if msp, err := ctx.GetClientIdentity().GetMSPID(); err != nil || msp != "ExamofficeMSP" {
			t.Errorf("the caller's MSP ID = %q, %v; want ExamofficeMSP", msp, err)
		}
	})
	x.withStubs(t, []byte("\xff"), "GetStatus", []string{x.active}, func(stub func() *txStub) {
		// As contract-api: an unreadable caller is a nil *cid.ClientID,
		// which the contract refuses to read from.
		id := (&queryContext{stub: stub()}).GetClientIdentity()
		if ci, ok := id.(*cid.ClientID); !ok || ci != nil {
			t.Errorf("an unreadable caller identity was read as %#v", id)
		}
	})
}

// FuzzDirectQueriesAnswerAsContractAPI calls the direct queries with
// arbitrary arguments: each must answer as contract-api does.
func FuzzDirectQueriesAnswerAsContractAPI(f *testing.F) {
	names := []string{"GetIssuer", "GetBatch", "GetStatus", "GetStatusHistory"}
	f.Add(uint8(0), "bac-lyon")
	f.Add(uint8(1), "b1")
	f.Add(uint8(2), strings.Repeat("0a", 32))
	f.Add(uint8(3), "")
	f.Add(uint8(2), "\x00digest\x00")
	x := newDirectFixture(f)
	f.Fuzz(func(t *testing.T, fn uint8, arg string) {
		name := names[int(fn)%len(names)]
		if !x.compare(t, x.office, name, arg) {
			t.Fatalf("%s(%q) was not answered directly", name, arg)
		}
	})
}
