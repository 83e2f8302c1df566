package chaincode

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// directFixture is a ledger holding an accredited issuer "exam-office",
// its batch "b1" of two credentials of two forms, the first revoked, and
// a DirectChaincode to query it with.
type directFixture struct {
	h      *harness
	direct *DirectChaincode
	// active is a digest of the active credential, revoked one of the
	// revoked credential.
	active, revoked string
}

func newDirectFixture(t *testing.T) *directFixture {
	t.Helper()
	h, creds := anchoredCredentials(t, 2, 2)
	h.submit(officeMSP, "Revoke", creds[0][0], "fraud")
	direct, err := NewDirectChaincode(Config{GovernanceMSP: govMSP})
	if err != nil {
		t.Fatalf("NewDirectChaincode: %v", err)
	}
	return &directFixture{h: h, direct: direct, active: creds[1][1], revoked: creds[0][1]}
}

// compare runs fn(args) as caller through the direct path and through
// contract-api, on the same committed state, and fails t unless both
// answer the same. It reports whether the direct path answered itself.
func (x *directFixture) compare(t *testing.T, caller []byte, fn string, args ...string) bool {
	t.Helper()
	const txID = "0000000000000000000000000000000000000000000000000000000000000001"
	now := x.h.now
	got, answered := x.direct.answer(x.h.ledger.newStub(txID, now, caller, fn, args))
	if !answered {
		got = x.direct.Invoke(x.h.ledger.newStub(txID, now, caller, fn, args))
	}
	want := x.direct.ContractChaincode.Invoke(x.h.ledger.newStub(txID, now, caller, fn, args))
	if got.GetStatus() != want.GetStatus() || got.GetMessage() != want.GetMessage() || !bytes.Equal(got.GetPayload(), want.GetPayload()) {
		t.Errorf("%s(%q): direct answer %d %q %s; contract-api's %d %q %s", fn, args,
			got.GetStatus(), got.GetMessage(), got.GetPayload(), want.GetStatus(), want.GetMessage(), want.GetPayload())
	}
	return answered
}

func TestDirectQueriesAnswerAsContractAPI(t *testing.T) {
	x := newDirectFixture(t)
	office := x.h.creators[officeMSP]
	tests := []struct {
		name   string
		caller []byte
		fn     string
		args   []string
		// direct: the direct path answers, rather than contract-api.
		direct bool
	}{
		{"issuer", office, "GetIssuer", []string{"exam-office"}, true},
		{"unknown issuer", office, "GetIssuer", []string{"no-such-office"}, true},
		{"invalid issuer id", office, "GetIssuer", []string{"Exam Office"}, true},
		{"empty issuer id", office, "GetIssuer", []string{""}, true},
		{"issuer id with a NUL", office, "GetIssuer", []string{"exam\x00office"}, true},
		{"batch", office, "GetBatch", []string{"b1"}, true},
		{"unknown batch", office, "GetBatch", []string{"b9"}, true},
		{"invalid batch id", office, "GetBatch", []string{"b/1"}, true},
		{"active status", office, "GetStatus", []string{x.active}, true},
		{"revoked status", office, "GetStatus", []string{x.revoked}, true},
		{"unknown digest", office, "GetStatus", []string{strings.Repeat("ab", 32)}, true},
		{"upper-case digest", office, "GetStatus", []string{strings.ToUpper(x.active)}, true},
		{"short digest", office, "GetStatus", []string{x.active[:10]}, true},
		{"status history", office, "GetStatusHistory", []string{x.revoked}, true},
		{"unknown history", office, "GetStatusHistory", []string{strings.Repeat("cd", 32)}, true},
		{"governance caller", x.h.creators[govMSP], "GetStatus", []string{x.active}, true},
		{"unreadable caller", []byte("\xff\xff\xff"), "GetStatus", []string{x.active}, true},
		{"no caller", nil, "GetIssuer", []string{"exam-office"}, true},
		{"no argument", office, "GetStatus", nil, false},
		{"extra argument", office, "GetStatus", []string{x.active, "more"}, false},
		{"contract-qualified name", office, "sceau:GetStatus", []string{x.active}, false},
		{"lower-case name", office, "getStatus", []string{x.active}, false},
		{"paged query", office, "ListIssuers", []string{"10", ""}, false},
		{"unknown function", office, "GetEverything", []string{"x"}, false},
		{"transaction", office, "Revoke", []string{x.active, "fraud"}, false},
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
	stub := x.h.ledger.newStub("tx", x.h.now, x.h.creators[pixMSP], "GetStatus", []string{x.active})
	ctx := &queryContext{stub: stub}
	if ctx.identity != nil {
		t.Fatal("the caller was read before anyone asked")
	}
	if msp, err := callerMSP(ctx); err != nil || msp != pixMSP {
		t.Errorf("callerMSP = %q, %v; want %s", msp, err, pixMSP)
	}
	broken := &queryContext{stub: x.h.ledger.newStub("tx", x.h.now, []byte("\xff"), "GetStatus", []string{x.active})}
	if _, err := callerMSP(broken); err == nil {
		t.Error("an unreadable caller identity was accepted")
	}
}

// FuzzDirectQueriesAnswerAsContractAPI calls the direct queries with
// arbitrary arguments: each must answer as contract-api does.
func FuzzDirectQueriesAnswerAsContractAPI(f *testing.F) {
	names := []string{"GetIssuer", "GetBatch", "GetStatus", "GetStatusHistory"}
	f.Add(uint8(0), "exam-office")
	f.Add(uint8(1), "b1")
	f.Add(uint8(2), strings.Repeat("0a", 32))
	f.Add(uint8(3), "")
	f.Add(uint8(2), "\x00digest\x00")
	var (
		setUp sync.Once
		x     *directFixture
	)
	f.Fuzz(func(t *testing.T, fn uint8, arg string) {
		setUp.Do(func() { x = newDirectFixture(t) })
		name := names[int(fn)%len(names)]
		if !x.compare(t, x.h.creators[officeMSP], name, arg) {
			t.Fatalf("%s(%q) was not answered directly", name, arg)
		}
	})
}
