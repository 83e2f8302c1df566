package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/schemas"
)

// testDiploma is the record of a row of testDiplomas.
func testDiploma(student, title string) *schemas.Diploma {
	return &schemas.Diploma{Student: schemas.Student{StudentID: student}, Diploma: title, EQFLevel: 4, AwardedOn: "2025-07-04"}
}

// fakeChunk is a batch of one made-up credential per record, with digests
// that are not of any signed form: enough for the ledger and the register.
func fakeChunk(batch string, recs ...schemas.Record) *chunk {
	c := &chunk{BatchID: batch}
	for _, rec := range recs {
		d := func(form string) string {
			sum := sha256.Sum256([]byte(batch + form + rec.Holder().StudentID))
			return hex.EncodeToString(sum[:])
		}
		id := d("id")
		cr := issued{ID: "urn:uuid:" + id[:8] + "-" + id[8:12] + "-4" + id[13:16] + "-8" + id[17:20] + "-" + id[20:32], StudentID: rec.Holder().StudentID,
			Forms: Forms{JWTDigest: d("jwt"), QRDigest: d("qr")}}
		c.IDs = append(c.IDs, cr.ID)
		c.Students = append(c.Students, cr.StudentID)
		c.Leaves = append(c.Leaves, cr.Forms.Digests())
		c.entries = append(c.entries, register.Entry{ID: cr.ID, Award: register.AwardOf(rec), Batch: batch, Digest: cr.Forms.JWTDigest})
	}
	root, err := merkleRoot(c.Leaves)
	if err != nil {
		panic(err)
	}
	c.Root = root
	return c
}

// TestARunSettlesWhatAStoppedRunLeftPending: a process stopped between
// recording a batch as pending and recording it as anchored, once after
// the ledger committed it and once before. The next run, of another file,
// counts the first batch's rows as already issued and issues the second's.
func TestARunSettlesWhatAStoppedRunLeftPending(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	p, err := env.svc.Home.LoadProfile("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	key, err := env.svc.Keys.Open(p, p.CurrentKID)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := env.svc.openRegister(ctx, p, key)
	if err != nil {
		t.Fatal(err)
	}
	anchored := fakeChunk("examoffice-stopped-0001", testDiploma("070123456AB", "Baccalauréat général"))
	never := fakeChunk("examoffice-stopped-0002", testDiploma("081234567CD", "Baccalauréat général"))
	for _, c := range []*chunk{anchored, never} {
		req := c.anchorRequest("examoffice", schemas.TypeDiploma)
		if err := reg.Pending(c.BatchID, req.Root, c.entries); err != nil {
			t.Fatal(err)
		}
		if c == anchored {
			if _, err := env.svc.Contract.AnchorBatch(ctx, p.Org, req); err != nil {
				t.Fatal(err)
			}
		}
	}
	reg.Close() // the process stops

	sum, err := env.svc.Issue(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, testDiplomas), OutDir: filepath.Join(t.TempDir(), "out")})
	if err != nil {
		t.Fatal(err)
	}
	if sum.AlreadyIssued != 1 || sum.Issued != 2 {
		t.Errorf("summary %+v: want the anchored batch's row already issued, the other two issued", sum)
	}
	if reg, err = env.svc.openRegister(ctx, p, key); err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if pending, _ := reg.PendingBatches(); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
	if _, err := reg.ByID(never.IDs[0]); err == nil {
		t.Error("the credential of the batch never anchored is in the register")
	}
	jerome, err := reg.ByStudent("081234567CD")
	if err != nil || len(jerome) != 1 || jerome[0].ID == never.IDs[0] || jerome[0].Status != register.Anchored {
		t.Errorf("the student of the batch never anchored: %+v, %v; want the credential of the run", jerome, err)
	}
}

// TestAReplacementInterruptedBeforeTheRevocationIsCompleted: the new
// credential is anchored and filed, the process stops before revoking the
// old one; opening the register again revokes it as superseded.
func TestAReplacementInterruptedBeforeTheRevocationIsCompleted(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	if _, err := env.svc.Issue(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, testDiplomas), OutDir: filepath.Join(t.TempDir(), "out")}); err != nil {
		t.Fatal(err)
	}
	p, _ := env.svc.Home.LoadProfile("examoffice")
	key, _ := env.svc.Keys.Open(p, p.CurrentKID)
	reg, err := env.svc.openRegister(ctx, p, key)
	if err != nil {
		t.Fatal(err)
	}
	old, err := reg.ByStudent("070123456AB")
	if err != nil || len(old) != 1 {
		t.Fatalf("the issued credential: %+v %v", old, err)
	}
	c := fakeChunk("examoffice-replacement-0001", testDiploma("070123456AB", "Baccalauréat général"))
	c.entries[0].Replaces = old[0].ID
	req := c.anchorRequest("examoffice", schemas.TypeDiploma)
	if _, err := env.svc.Contract.AnchorBatch(ctx, p.Org, req); err != nil {
		t.Fatal(err)
	}
	if err := reg.Anchored(c.BatchID, c.entries); err != nil {
		t.Fatal(err)
	}
	reg.Close() // stopped before the revocation

	if reg, err = env.svc.openRegister(ctx, p, key); err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	st, err := env.svc.Contract.GetStatus(ctx, old[0].Digest)
	if err != nil || st.Status != record.StatusRevoked || st.Reason != record.ReasonSuperseded {
		t.Errorf("the replaced credential on the ledger: %+v %v; want revoked, superseded", st, err)
	}
	if e, _ := reg.ByID(old[0].ID); e.Status != register.Superseded || e.ReplacedBy != c.IDs[0] {
		t.Errorf("the replaced credential in the register: %+v", e)
	}
}
