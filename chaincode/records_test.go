package chaincode

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// storedGroup is group as the record of its member self stores it: nothing
// for a single form, else "" in place of self.
func storedGroup(group []string, self string) []string {
	if len(group) == 1 {
		return nil
	}
	stored := make([]string, len(group))
	for i, d := range group {
		if d != self {
			stored[i] = d
		}
	}
	return stored
}

func TestAnchoredRecordIsWhatEncodingJSONWrites(t *testing.T) {
	d := func(c string) string { return strings.Repeat(c, 64) }
	for _, tc := range []struct {
		batchID string
		index   int
		group   []string
	}{
		{"b", 0, []string{d("a")}},
		{"2026-bac:0001", 9, []string{d("0"), d("1")}},
		{"pix.2026_06-chunk:0042", 10, []string{d("f"), d("e"), d("d")}},
		{strings.Repeat("B", 128), record.MaxBatchDigests - 1, []string{d("1"), d("2"), d("3"), d("4")}},
	} {
		for self := range tc.group {
			want, err := json.Marshal(digestRecord{BatchID: tc.batchID, Index: tc.index, Group: storedGroup(tc.group, tc.group[self])})
			if err != nil {
				t.Fatal(err)
			}
			got := appendAnchoredRecord([]byte("prefix"), tc.batchID, tc.index, tc.group, self)
			if string(got) != "prefix"+string(want) {
				t.Errorf("batch %s index %d form %d: appended %s, encoding/json writes %s", tc.batchID, tc.index, self, got, want)
			}
			if size := anchoredRecordSize(tc.batchID, tc.index, len(tc.group)); size != len(want) {
				t.Errorf("batch %s index %d: anchoredRecordSize = %d, the record is %d bytes", tc.batchID, tc.index, size, len(want))
			}
			rec, err := decodeDigestRecord("k", got[len("prefix"):])
			if err != nil {
				t.Fatal(err)
			}
			if g := rec.group(tc.group[self]); !slices.Equal(g, tc.group) {
				t.Errorf("form %d: the stored group reads back as %v, want %v", self, g, tc.group)
			}
		}
	}
}

// storedDigest returns the raw state of digest's record.
func storedDigest(t *testing.T, h *harness, digest string) string {
	t.Helper()
	raw, ok := h.ledger.state[digestKeyPrefix+digest+"\x00"]
	if !ok {
		t.Fatalf("no record for digest %s", digest)
	}
	return string(raw)
}

func TestDigestRecordHoldsOnlyWhatTheBatchDoesNot(t *testing.T) {
	h, creds := anchoredCredentials(t, 3, 2)
	group := creds[1]
	want := fmt.Sprintf(`{"batch":"b1","index":1,"group":["%s",""]}`, group[0])
	if got := storedDigest(t, h, group[1]); got != want {
		t.Errorf("anchoring stored %s, want %s", got, want)
	}

	at := h.now.Format(time.RFC3339)
	stub, _ := h.invoke(officeMSP, "Revoke", group[0], "fraud")
	want = fmt.Sprintf(`{"batch":"b1","index":1,"group":["%s",""],"status":"revoked","reason":"fraud","updatedAt":"%s","txId":"%s"}`, group[0], at, stub.txID)
	if got := storedDigest(t, h, group[1]); got != want {
		t.Errorf("a revocation stored %s, want %s", got, want)
	}
	var batch record.Batch
	h.query(&batch, "GetBatch", "b1")
	s := h.status(group[1])
	wantStatus := record.DigestStatus{
		Digest: group[1], IssuerID: "exam-office", Type: "Diploma", BatchID: "b1", Index: 1, Group: group,
		AnchoredAt: batch.AnchoredAt, Status: record.StatusRevoked, Reason: "fraud", UpdatedAt: at, TxID: stub.txID,
	}
	if !reflect.DeepEqual(s, wantStatus) {
		t.Errorf("GetStatus after the revocation = %+v, want %+v", s, wantStatus)
	}
}

func TestSingleFormRecord(t *testing.T) {
	h, creds := anchoredCredentials(t, 2, 1)
	if got, want := storedDigest(t, h, creds[1][0]), `{"batch":"b1","index":1}`; got != want {
		t.Errorf("anchoring a single-form credential stored %s, want %s", got, want)
	}
	if s := h.status(creds[1][0]); !slices.Equal(s.Group, creds[1]) {
		t.Errorf("GetStatus group = %v, want %v", s.Group, creds[1])
	}
}

func TestStatusHistoryThroughRevokeBatch(t *testing.T) {
	h := newHarness(t)
	h.registerAccredited(officeMSP, "exam-office", "Diploma")
	creds := newCredentials(t, 3, 3)
	anchorStub, res := h.invoke(officeMSP, "AnchorBatch", anchorRequest(t, "b1", "exam-office", "Diploma", creds))
	if !res.ok() {
		t.Fatal(res.message)
	}
	var batch record.Batch
	h.query(&batch, "GetBatch", "b1")
	suspendAt := h.now.Format(time.RFC3339)
	suspendStub, _ := h.invoke(officeMSP, "Suspend", creds[0][2], "error")
	revokeAt := h.now.Format(time.RFC3339)
	revokeStub, _ := h.invoke(officeMSP, "RevokeBatch", "b1", "annulled")

	anchored := record.StatusChange{Status: record.StatusActive, At: batch.AnchoredAt, TxID: anchorStub.txID}
	revoked := record.StatusChange{Status: record.StatusRevoked, Reason: "annulled", At: revokeAt, TxID: revokeStub.txID}
	for _, tc := range []struct {
		digest string
		want   []record.StatusChange
	}{
		{creds[0][0], []record.StatusChange{anchored, {Status: record.StatusSuspended, Reason: "error", At: suspendAt, TxID: suspendStub.txID}, revoked}},
		{creds[2][1], []record.StatusChange{anchored, revoked}},
	} {
		var got []record.StatusChange
		h.query(&got, "GetStatusHistory", tc.digest)
		if !slices.Equal(got, tc.want) {
			t.Errorf("history of %s = %+v, want %+v", tc.digest, got, tc.want)
		}
	}
}

func TestARecordWhoseBatchIsMissingIsAnErrorNotAnAbsence(t *testing.T) {
	h, creds := anchoredCredentials(t, 1, 1)
	delete(h.ledger.state, "\x00"+objBatch+"\x00b1\x00")
	for _, fn := range []string{"GetStatus", "GetStatusHistory"} {
		msg := h.queryFails(fn, creds[0][0])
		if strings.Contains(msg, record.NotFoundPrefix) || !strings.Contains(msg, `batch "b1"`) {
			t.Errorf("%s of a digest whose batch record is gone: %q, want an error naming batch b1, not a not-found", fn, msg)
		}
	}
	h.refuse(officeMSP, `batch "b1"`, "Revoke", creds[0][0], "fraud")
}

// FuzzDecodeDigestRecord feeds stored digest records (the state is outside
// data to the contract): decoding never panics, and a record it accepts
// names a batch and a group where the digest stands once, and reads back
// the same once re-encoded.
func FuzzDecodeDigestRecord(f *testing.F) {
	f.Add(appendAnchoredRecord(nil, "b1", 3, []string{strings.Repeat("ab", 32), strings.Repeat("cd", 32)}, 1))
	f.Add([]byte(`{"batch":"b1","index":0,"status":"revoked","reason":"fraud","updatedAt":"2026-07-04T10:00:00Z","txId":"t"}`))
	f.Add([]byte(`{"batch":"b1","index":0,"group":["x",""]}`))
	f.Add([]byte(`{"batch":"","index":0,"group":[]}`))
	f.Add([]byte(`{"batch":"b","index":0,"group":["",""]}`))
	f.Add([]byte(`{"batch":"b","index":-1,"group":[""]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rec, err := decodeDigestRecord("k", raw)
		if err != nil {
			return
		}
		if rec.BatchID == "" || rec.Index < 0 || len(rec.Group) > 0 && countSelf(rec.Group) != 1 {
			t.Fatalf("accepted %q without a batch, a valid index or a group holding the digest once", raw)
		}
		const digest = "self"
		if g := rec.group(digest); len(g) != max(len(rec.Group), 1) || !slices.Contains(g, digest) {
			t.Fatalf("group %q of %q rebuilds as %q", rec.Group, raw, g)
		}
		again, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeDigestRecord("k", again)
		if err != nil {
			t.Fatalf("a re-encoded record %s does not decode: %v", again, err)
		}
		if back.BatchID != rec.BatchID || back.Index != rec.Index || !slices.Equal(back.Group, rec.Group) || back.currentStatus() != rec.currentStatus() {
			t.Fatalf("record changed through a round trip: %+v → %+v", rec, back)
		}
	})
}

// FuzzAppendAnchoredRecord checks the hand-written encoder against
// encoding/json on every input parseAnchorRequest could let through.
func FuzzAppendAnchoredRecord(f *testing.F) {
	f.Add("b1", 0, strings.Repeat("ab", 32), strings.Repeat("cd", 32), true)
	f.Add("2026-bac:0001", 7999, strings.Repeat("01", 32), "", false)
	f.Fuzz(func(t *testing.T, batchID string, index int, d1, d2 string, second bool) {
		group := []string{d1}
		if d2 != "" {
			group = append(group, d2)
		}
		if record.ValidateBatchID(batchID) != nil || index < 0 || d1 == d2 || slices.ContainsFunc(group, func(d string) bool { return record.ValidateDigest(d) != nil }) {
			return
		}
		self := 0
		if second {
			self = len(group) - 1
		}
		want, err := json.Marshal(digestRecord{BatchID: batchID, Index: index, Group: storedGroup(group, group[self])})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendAnchoredRecord(nil, batchID, index, group, self); string(got) != string(want) {
			t.Fatalf("appended %s, encoding/json writes %s", got, want)
		}
		if size := anchoredRecordSize(batchID, index, len(group)); size != len(want) {
			t.Fatalf("anchoredRecordSize = %d for a record of %d bytes", size, len(want))
		}
	})
}

// TestAppendBatchCredentialsIsEncodingJSON checks the batch's digest groups
// record byte for byte against encoding/json, for batches of one to four
// forms a credential.
func TestAppendBatchCredentialsIsEncodingJSON(t *testing.T) {
	for _, shape := range []struct{ n, forms int }{{1, 1}, {3, 2}, {500, 3}, {7, 4}} {
		creds := newCredentials(t, shape.n, shape.forms)
		want, err := json.Marshal(batchCredentials{Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		got := appendBatchCredentials(nil, creds)
		if string(got) != string(want) {
			t.Fatalf("%d credentials of %d forms: appended %.200s…, encoding/json writes %.200s…", shape.n, shape.forms, got, want)
		}
		if got := appendBatchCredentials([]byte("x"), creds); string(got) != "x"+string(want) {
			t.Errorf("appending after a prefix lost it")
		}
	}
}
