package embedded

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	bolt "go.etcd.io/bbolt"

	"github.com/sceau/sceau/network"
)

// withStub runs fn with a stub over l's committed state, as an invocation of
// function with args would see it.
func withStub(t *testing.T, l *Ledger, function string, args []string, fn func(s *txStub)) {
	t.Helper()
	id, err := l.Identity("ministry")
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.NewProposal(id, function, args...)
	if err != nil {
		t.Fatal(err)
	}
	err = l.db.View(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return err
		}
		s := newTxStub(tx, b, l.genesis.ChannelID, l.genesis.ChaincodeName, p)
		defer s.seal()
		fn(s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStubArgumentsAndMultipleStates(t *testing.T) {
	l, _ := newTestLedger(t)
	mustSubmit(t, l, "ministry", "put", "a", "1")
	mustSubmit(t, l, "ministry", "put", "b", "2")
	withStub(t, l, "Fn", []string{"x", "yz"}, func(s *txStub) {
		if got := s.GetArgs(); len(got) != 3 || string(got[0]) != "Fn" || string(got[2]) != "yz" {
			t.Errorf("GetArgs = %q", got)
		}
		if fn, params := s.GetFunctionAndParameters(); fn != "Fn" || !slices.Equal(params, []string{"x", "yz"}) {
			t.Errorf("GetFunctionAndParameters = %q, %q", fn, params)
		}
		if b, _ := s.GetArgsSlice(); string(b) != "Fnxyz" {
			t.Errorf("GetArgsSlice = %q", b)
		}
		vals, err := s.GetMultipleStates("b", "missing", "a")
		if err != nil || len(vals) != 3 || string(vals[0]) != "2" || vals[1] != nil || string(vals[2]) != "1" {
			t.Errorf("GetMultipleStates = %q, %v", vals, err)
		}
		if vals, err := s.GetMultipleStates(); vals != nil || err != nil {
			t.Errorf("GetMultipleStates() = %q, %v; want nil, nil", vals, err)
		}
		if tr, err := s.GetTransient(); tr != nil || err != nil || s.GetDecorations() != nil {
			t.Error("a proposal here has no transient data and no decorations")
		}
		if ep, err := s.GetStateValidationParameter("a"); ep != nil || err != nil {
			t.Errorf("GetStateValidationParameter = %q, %v", ep, err)
		}
		if err := s.SetStateValidationParameter("a", []byte("policy")); err == nil {
			t.Error("SetStateValidationParameter succeeded")
		}
		s.StartWriteBatch()
		if err := s.PutState("c", []byte("3")); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishWriteBatch(); err != nil {
			t.Fatal(err)
		}
		if err := s.PutState("", []byte("x")); err == nil {
			t.Error("PutState with an empty key succeeded")
		}
		if err := s.PutState("d", nil); err != nil {
			t.Fatal(err)
		}
		ws, _ := s.writeSet()
		if len(ws) != 2 || string(ws[0].Key) != "c" || !ws[1].Delete || ws[1].Value != nil {
			t.Errorf("write set %+v, want c set and d deleted (an empty PutState deletes)", ws)
		}
	})
}

func TestStubAllCompositeKeysWithPagination(t *testing.T) {
	l, _ := newTestLedger(t)
	mustSubmit(t, l, "ministry", "put", "simple", "1")
	for _, typ := range []string{"a", "b", "c"} {
		mustSubmit(t, l, "ministry", "putcomposite", typ, "1")
	}
	withStub(t, l, "list", nil, func(s *txStub) {
		it, meta, err := s.GetAllStatesCompositeKeyWithPagination(2, "")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for it.HasNext() {
			kv, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, kv.Key)
		}
		want, _ := shim.CreateCompositeKey("c", []string{"1"})
		if len(keys) != 2 || meta.FetchedRecordsCount != 2 || meta.Bookmark != want {
			t.Errorf("first page %q, metadata %v; want 2 composite keys and bookmark %q", keys, meta, want)
		}
		if _, err := it.Next(); err == nil {
			t.Error("Next past the end succeeded")
		}
		it.Close()
		if it.HasNext() {
			t.Error("a closed iterator has more")
		}
		if err := s.PutState("x", []byte("1")); err == nil {
			t.Error("PutState after a paginated query succeeded")
		}
	})
}

func TestStubRefusesPrivateDataAndRichQueries(t *testing.T) {
	l, _ := newTestLedger(t)
	withStub(t, l, "f", nil, func(s *txStub) {
		errs := []error{
			func() error { _, err := s.GetPrivateData("c", "k"); return err }(),
			func() error { _, err := s.GetMultiplePrivateData("c", "k"); return err }(),
			func() error { _, err := s.GetPrivateDataHash("c", "k"); return err }(),
			s.PutPrivateData("c", "k", []byte("v")),
			s.DelPrivateData("c", "k"),
			s.PurgePrivateData("c", "k"),
			s.SetPrivateDataValidationParameter("c", "k", nil),
			func() error { _, err := s.GetPrivateDataValidationParameter("c", "k"); return err }(),
			func() error { _, err := s.GetPrivateDataByRange("c", "a", "b"); return err }(),
			func() error { _, err := s.GetPrivateDataByPartialCompositeKey("c", "t", nil); return err }(),
			func() error { _, err := s.GetPrivateDataQueryResult("c", "{}"); return err }(),
			func() error { _, err := s.GetQueryResult("{}"); return err }(),
			func() error { _, _, err := s.GetQueryResultWithPagination("{}", 1, ""); return err }(),
			func() error { _, err := s.GetSignedProposal(); return err }(),
		}
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "not supported by the embedded ledger") {
				t.Errorf("call %d: %v, want a 'not supported' error", i, err)
			}
		}
	})
}

func TestTrustOrgRefusals(t *testing.T) {
	l, dir := newTestLedger(t)
	g := l.Genesis()
	m, err := ensureOrgMaterial(dir, "examoffice", newTestClock().Now())
	if err != nil {
		t.Fatal(err)
	}
	gov, _ := loadOrgMaterial(dir, "ministry", false)
	none := func(string) (*orgRecord, error) { return nil, nil }
	bound := func(string) (*orgRecord, error) {
		return &orgRecord{Org: "exam-office", MSPID: "ExamofficeMSP", CACert: m.caPEM}, nil
	}
	same := func(string) (*orgRecord, error) {
		return &orgRecord{Org: "examoffice", MSPID: "ExamofficeMSP", CACert: m.caPEM}, nil
	}
	other := func(string) (*orgRecord, error) {
		return &orgRecord{Org: "examoffice", MSPID: "ExamofficeMSP", CACert: gov.caPEM}, nil
	}
	for _, c := range []struct {
		name    string
		lookup  func(string) (*orgRecord, error)
		creator string
		fn      string
		args    []string
		want    string
	}{
		{"unknown function", none, "MinistryMSP", "DropOrg", nil, "unknown config function"},
		{"not governance", none, "ExamofficeMSP", fnTrustOrg, []string{"examoffice", "ExamofficeMSP", string(m.caPEM)}, "only the governance"},
		{"arguments", none, "MinistryMSP", fnTrustOrg, []string{"examoffice"}, "expects 3 arguments"},
		{"bad org id", none, "MinistryMSP", fnTrustOrg, []string{"Exam", "ExamMSP", string(m.caPEM)}, "org id"},
		{"MSP not derived", none, "MinistryMSP", fnTrustOrg, []string{"examoffice", "OtherMSP", string(m.caPEM)}, "not the one derived"},
		{"member certificate as CA", none, "MinistryMSP", fnTrustOrg, []string{"examoffice", "ExamofficeMSP", string(m.member.certPEM)}, "not a CA certificate"},
		{"MSP bound to another org", bound, "MinistryMSP", fnTrustOrg, []string{"examoffice", "ExamofficeMSP", string(m.caPEM)}, "already bound"},
		{"already trusted", same, "MinistryMSP", fnTrustOrg, []string{"examoffice", "ExamofficeMSP", string(m.caPEM)}, "already trusted with this CA"},
		{"another CA", other, "MinistryMSP", fnTrustOrg, []string{"examoffice", "ExamofficeMSP", string(m.caPEM)}, "already trusted with another CA"},
	} {
		_, err := evalTrustOrg(c.lookup, g, c.creator, &Proposal{Function: c.fn, Args: c.args})
		var ce *network.ContractError
		if !errors.As(err, &ce) || !strings.Contains(ce.Message, c.want) {
			t.Errorf("%s: %v, want a ContractError saying %q", c.name, err, c.want)
		}
	}
	w, err := evalTrustOrg(none, g, "MinistryMSP", &Proposal{Function: fnTrustOrg, Args: []string{"examoffice", "ExamofficeMSP", string(m.caPEM)}})
	if err != nil || string(w.Key) != "ExamofficeMSP" {
		t.Errorf("a valid TrustOrg: %+v, %v", w, err)
	}
}

func TestClosedLedgerIsUnavailable(t *testing.T) {
	l, _ := newTestLedger(t)
	l.Close()
	ctx := context.Background()
	if _, err := l.Info(ctx); !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("Info: %v", err)
	}
	if _, err := l.Verify(ctx); !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("Verify: %v", err)
	}
	if err := l.Export(ctx, &strings.Builder{}); !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("Export: %v", err)
	}
	if _, err := l.Evaluate(ctx, "", "get", "k"); !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("Evaluate: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

func TestProblemString(t *testing.T) {
	for _, c := range []struct {
		p    Problem
		want string
	}{
		{Problem{Block: 3, Key: "a\x00b", Message: "differs"}, `block 3: key "a\x00b": differs`},
		{Problem{Block: -1, Key: "z", Message: "stray"}, `key "z": stray`},
		{Problem{Block: -1, Message: "empty"}, "empty"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.p, got, c.want)
		}
	}
}

// TestStubWriteSet checks the write set a commit receives: sorted by key,
// each key once with its last write, copies of the chaincode's buffers,
// and, for each write, whether the invocation found its key absent.
func TestStubWriteSet(t *testing.T) {
	l, _ := newTestLedger(t)
	mustSubmit(t, l, "ministry", "put", "a", "1")
	withStub(t, l, "Fn", nil, func(s *txStub) {
		buf := []byte("first")
		steps := []func() error{
			func() error { return s.PutState("m", buf) },
			func() error { _, err := s.GetState("z"); return err },
			func() error { return s.PutState("z", []byte("zz")) },
			func() error { _, err := s.GetMultipleStates("a", "b"); return err },
			func() error { return s.PutState("a", []byte("11")) },
			func() error { return s.PutState("b", []byte("22")) },
			func() error { return s.DelState("b") },
			func() error { return s.PutState("m", []byte("second")) },
			func() error { _, err := s.GetState("m"); return err },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		copy(buf, "XXXXX")
		ws, absent := s.writeSet()
		type got struct {
			key, value     string
			deleted, fresh bool
		}
		var gots []got
		for i, w := range ws {
			gots = append(gots, got{string(w.Key), string(w.Value), w.Delete, absent[i]})
		}
		want := []got{
			{"a", "11", false, false},
			{"b", "", true, true},
			{"m", "second", false, true},
			{"z", "zz", false, true},
		}
		if !slices.Equal(gots, want) {
			t.Errorf("write set %+v, want %+v", gots, want)
		}
	})
}
