package chaincode

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

func TestAnchorBatchRecordsBatchAndEveryDigest(t *testing.T) {
	h := newHarness(t)
	h.registerAccredited(officeMSP, "exam-office", "Diploma")
	creds := newCredentials(t, 5, 3)
	creds[2] = creds[2][:1] // credentials may have different numbers of forms
	at := h.now.Format(time.RFC3339)
	stub, res := h.invoke(officeMSP, "AnchorBatch", anchorRequest(t, "2026-bac:0001", "exam-office", "Diploma", creds))
	if !res.ok() {
		t.Fatal(res.message)
	}
	var returned record.Batch
	if err := json.Unmarshal(res.payload, &returned); err != nil {
		t.Fatal(err)
	}
	want := record.Batch{BatchID: "2026-bac:0001", IssuerID: "exam-office", Type: "Diploma", Root: rootOf(t, creds), Size: 5, AnchoredAt: at, TxID: stub.txID}
	if returned != want {
		t.Errorf("AnchorBatch returned %+v, want %+v", returned, want)
	}
	var stored record.Batch
	h.query(&stored, "GetBatch", "2026-bac:0001")
	if stored != want {
		t.Errorf("GetBatch = %+v, want %+v", stored, want)
	}
	ev := lastEvent(t, stub, record.EventBatchAnchored)
	if ev.IssuerID != "exam-office" || ev.BatchID != "2026-bac:0001" || ev.Size != 5 || len(ev.Digests) != 0 {
		t.Errorf("event %+v, want issuer, batch and size 5 without digests", ev)
	}
	for i, group := range creds {
		for _, d := range group {
			s := h.status(d)
			if s.Digest != d || s.IssuerID != "exam-office" || s.Type != "Diploma" || s.BatchID != "2026-bac:0001" ||
				s.Index != i || strings.Join(s.Group, ",") != strings.Join(group, ",") ||
				s.AnchoredAt != at || s.UpdatedAt != at || s.Status != record.StatusActive || s.Reason != "" || s.TxID != stub.txID {
				t.Errorf("status of credential %d digest %s: %+v", i, d, s)
			}
		}
	}
	if stub.writeBatches != 0 {
		t.Error("a write batch was left open")
	}
}

func TestConcurrentBatchesDoNotConflict(t *testing.T) {
	h := newHarness(t)
	h.registerAccredited(officeMSP, "exam-office", "Diploma")
	h.registerAccredited(pixMSP, "pix", "PixCertification")
	// Three batches endorsed against the same state, then committed in turn,
	// as they would be when ordered into one block.
	var stubs []*memStub
	for i, b := range []struct{ msp, issuer, typ string }{
		{officeMSP, "exam-office", "Diploma"}, {officeMSP, "exam-office", "Diploma"}, {pixMSP, "pix", "PixCertification"},
	} {
		stub, res := h.endorse(b.msp, "AnchorBatch", anchorRequest(t, fmt.Sprintf("batch-%d", i), b.issuer, b.typ, newCredentials(t, 20, 2)))
		if !res.ok() {
			t.Fatal(res.message)
		}
		stubs = append(stubs, stub)
	}
	for i, stub := range stubs {
		if err := h.ledger.commit(stub); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	if n := len(h.ledger.keysOfType(objBatch)); n != 3 {
		t.Fatalf("%d batches on the ledger, want 3", n)
	}
}

func TestAnchorRequiresAnAccreditedActiveIssuerOfTheCaller(t *testing.T) {
	h := newHarness(t)
	h.registerAccredited(officeMSP, "exam-office", "Diploma")
	h.submit(pixMSP, "RegisterIssuer", "pix", "Pix", newP256Key(t).public)
	req := func(issuer, typ string) string {
		return anchorRequest(t, "b-"+newDigest(t)[:8], issuer, typ, newCredentials(t, 2, 1))
	}

	h.refuse(rogueMSP, "reserved to its organisation", "AnchorBatch", req("exam-office", "Diploma"))
	h.refuse(govMSP, "reserved to its organisation", "AnchorBatch", req("exam-office", "Diploma"))
	h.refuse(officeMSP, "not accredited for PixCertification", "AnchorBatch", req("exam-office", "PixCertification"))
	h.refuse(pixMSP, "pending", "AnchorBatch", req("pix", "PixCertification"))
	h.refuse(officeMSP, record.NotFoundPrefix+`issuer "nobody"`, "AnchorBatch", req("nobody", "Diploma"))

	// An accreditation with an end date covers anchoring until then only.
	until := h.now.Add(time.Hour)
	h.submit(govMSP, "AccreditIssuer", "pix", `["PixCertification"]`, until.Format(time.RFC3339))
	h.anchor(pixMSP, "pix-1", "pix", "PixCertification", newCredentials(t, 1, 1))
	h.now = until.Add(-time.Second)
	h.anchor(pixMSP, "pix-2", "pix", "PixCertification", newCredentials(t, 1, 1))
	h.now = until
	h.refuse(pixMSP, "not accredited for PixCertification", "AnchorBatch", req("pix", "PixCertification"))
}

func TestAnchorBatchRefusesMalformedOrInconsistentBatches(t *testing.T) {
	h := newHarness(t)
	h.registerAccredited(officeMSP, "exam-office", "Diploma")
	anchored := newCredentials(t, 2, 2)
	h.anchor(officeMSP, "first", "exam-office", "Diploma", anchored)

	good := newCredentials(t, 3, 2)
	build := func(mutate func(r *record.AnchorRequest)) string {
		r := record.AnchorRequest{BatchID: "second", IssuerID: "exam-office", Type: "Diploma", Credentials: cloneCreds(good), Root: rootOf(t, good)}
		mutate(&r)
		raw, _ := json.Marshal(r)
		return string(raw)
	}
	withRoot := func(creds [][]string) func(r *record.AnchorRequest) {
		return func(r *record.AnchorRequest) { r.Credentials, r.Root = creds, rootOf(t, creds) }
	}
	dupAcross := cloneCreds(good)
	dupAcross[2][1] = dupAcross[0][0]
	dupWithin := cloneCreds(good)
	dupWithin[1][1] = dupWithin[1][0]
	crossBatch := cloneCreds(good)
	crossBatch[1][0] = anchored[1][1]
	upper := cloneCreds(good)
	upper[0][0] = strings.ToUpper(upper[0][0])
	short := cloneCreds(good)
	short[0][0] = short[0][0][:62]
	tooMany := cloneCreds(good)
	tooMany[0] = newCredentials(t, 1, record.MaxDigestsPerCredential+1)[0]
	empty := cloneCreds(good)
	empty[1] = []string{}
	reordered := cloneCreds(good)
	reordered[0], reordered[1] = reordered[1], reordered[0]

	tests := []struct {
		name, request, want string
	}{
		{"root of other credentials", build(func(r *record.AnchorRequest) { r.Root = rootOf(t, reordered) }), "does not match"},
		{"root not hex", build(func(r *record.AnchorRequest) { r.Root = "root" }), "root"},
		{"digest twice across credentials", build(withRoot(dupAcross)), "appears twice (credentials 0 and 2)"},
		{"digest twice in one credential", build(withRoot(dupWithin)), "appears twice (credentials 1 and 1)"},
		{"digest anchored by an earlier batch", build(withRoot(crossBatch)), `already anchored (batch "first"`},
		{"batch id already used", build(func(r *record.AnchorRequest) { r.BatchID = "first" }), `batch id "first" is already used`},
		{"uppercase digest", build(withRoot(upper)), "not lowercase hex"},
		{"short digest", build(withRoot(short)), "want 64"},
		{"too many forms", build(withRoot(tooMany)), "want 1 to 4"},
		{"credential without digest", build(withRoot(empty)), "has 0 digests"},
		{"no credentials", build(func(r *record.AnchorRequest) { r.Credentials = nil }), "no credentials"},
		{"bad batch id", build(func(r *record.AnchorRequest) { r.BatchID = "a b" }), "batch id"},
		{"unknown type", build(func(r *record.AnchorRequest) { r.Type = "Licence" }), "unknown"},
		{"unknown field", `{"batchId":"x","issuerId":"exam-office","type":"Diploma","credentials":[],"root":"","extra":1}`, "unknown field"},
		{"trailing data", build(func(*record.AnchorRequest) {}) + "{}", "after its JSON object"},
		{"not JSON", "batch", "not a valid AnchorRequest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).refuse(officeMSP, tc.want, "AnchorBatch", tc.request)
		})
	}
	h.anchor(officeMSP, "second", "exam-office", "Diploma", good)
}

func cloneCreds(creds [][]string) [][]string {
	out := make([][]string, len(creds))
	for i, g := range creds {
		out[i] = append([]string(nil), g...)
	}
	return out
}

// A batch at the digest cap, with the longest ids and four forms per
// credential, must fit in a default Fabric block (10 MB), and one digest
// more must be refused.
func TestLargestBatchFitsInAFabricBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("anchors a full batch")
	}
	h := newHarness(t)
	issuerID := strings.Repeat("x", 63)
	batchID := strings.Repeat("B", 128)
	h.registerAccredited(officeMSP, issuerID, "PixCertification")

	over := newCredentials(t, record.MaxBatchDigests/record.MaxDigestsPerCredential+1, record.MaxDigestsPerCredential)
	h.refuse(officeMSP, fmt.Sprintf("more than %d digests", record.MaxBatchDigests), "AnchorBatch", anchorRequest(t, batchID, issuerID, "PixCertification", over))

	full := over[:record.MaxBatchDigests/record.MaxDigestsPerCredential]
	stub, res := h.invoke(officeMSP, "AnchorBatch", anchorRequest(t, batchID, issuerID, "PixCertification", full))
	if !res.ok() {
		t.Fatal(res.message)
	}
	const blockLimit = 10 * 1000 * 1000
	if size := stub.size(); size > blockLimit {
		t.Fatalf("a full batch adds %d bytes to a block, over the %d limit", size, blockLimit)
	} else {
		t.Logf("a full batch of %d digests adds %.1f MB to a block", record.MaxBatchDigests, float64(size)/1e6)
	}
	if n := len(h.ledger.keysOfType(objDigest)); n != record.MaxBatchDigests {
		t.Fatalf("%d digest records, want %d", n, record.MaxBatchDigests)
	}
}

func TestGetBatchAndStatusOfUnknownRecords(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		fn, arg, want string
	}{
		{"GetIssuer", "nobody", record.NotFoundPrefix + `issuer "nobody"`},
		{"GetBatch", "missing", record.NotFoundPrefix + `batch "missing"`},
		{"GetStatus", strings.Repeat("ab", 32), record.NotFoundPrefix + `digest "` + strings.Repeat("ab", 32) + `"`},
		{"GetStatusHistory", strings.Repeat("cd", 32), record.NotFoundPrefix + `digest "` + strings.Repeat("cd", 32) + `"`},
		// Malformed arguments are errors, not absent records.
		{"GetIssuer", "No Body", "issuer id"},
		{"GetBatch", "a/b", "batch id"},
		{"GetStatus", "ABCD", "digest"},
		{"GetStatusHistory", "xyz", "digest"},
	}
	for _, tc := range tests {
		msg := h.queryFails(tc.fn, tc.arg)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s(%q): %q, want it to contain %q", tc.fn, tc.arg, msg, tc.want)
		}
		if isNotFound := strings.HasPrefix(tc.want, record.NotFoundPrefix); isNotFound != strings.Contains(msg, record.NotFoundPrefix) {
			t.Errorf("%s(%q): %q: not-found prefix present = %v, want %v", tc.fn, tc.arg, msg, !isNotFound, isNotFound)
		}
	}
}
