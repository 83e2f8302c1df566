package register

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sceau/sceau/schemas"
	bolt "go.etcd.io/bbolt"
)

// testKeys are signing keys as the register sees them: kid → secret.
type testKeys map[string][]byte

func (k testKeys) as(current string) Keys {
	return Keys{Current: current, Secret: func(kid string) ([]byte, error) {
		s, ok := k[kid]
		if !ok {
			return nil, fmt.Errorf("no key %s", kid)
		}
		return s, nil
	}}
}

var keyA = testKeys{"kidA": bytes.Repeat([]byte{1}, 32)}

func openTest(t *testing.T, path string, keys Keys) *Register {
	t.Helper()
	r, err := Open(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func diploma(student, title, session, awarded string) *schemas.Diploma {
	return &schemas.Diploma{
		Student: schemas.Student{StudentID: student, GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2007-03-14"},
		Diploma: title, EQFLevel: 4, AwardedOn: awarded, Session: session,
	}
}

func entry(id string, rec schemas.Record, batch string) Entry {
	return Entry{ID: id, Award: AwardOf(rec), Batch: batch, Digest: fmt.Sprintf("%064x", len(id))}
}

func TestAwardOfTellsTheSameAwardFromAnother(t *testing.T) {
	same := func(a, b schemas.Record) bool {
		return fmt.Sprint(AwardOf(a)) == fmt.Sprint(AwardOf(b)) && AwardOf(a).StudentID == AwardOf(b).StudentID
	}
	bac := diploma("070123456AB", "Baccalauréat général", "juin 2025", "2025-07-04")
	for _, tt := range []struct {
		name string
		b    schemas.Record
		want bool
	}{
		{"another mention, another date, same session", func() *schemas.Diploma {
			d := diploma("070123456AB", "Baccalauréat général", "juin 2025", "2025-07-08")
			d.Mention = "bien"
			return d
		}(), true},
		{"title in another case, spaces and Unicode form", diploma("070123456AB", "BACCALAURE\u0301AT  général ", "Juin 2025", "2025-07-04"), true},
		{"another session", diploma("070123456AB", "Baccalauréat général", "juin 2026", "2026-07-04"), false},
		{"another diploma", diploma("070123456AB", "BTS SIO", "juin 2025", "2025-07-04"), false},
		{"another student", diploma("070123456AC", "Baccalauréat général", "juin 2025", "2025-07-04"), false},
	} {
		if got := same(bac, tt.b); got != tt.want {
			t.Errorf("%s: same award = %v, want %v (%v / %v)", tt.name, got, tt.want, AwardOf(bac), AwardOf(tt.b))
		}
	}
	// Without a session, the award date tells them apart.
	if same(diploma("070123456AB", "Licence", "", "2025-07-04"), diploma("070123456AB", "Licence", "", "2026-07-04")) {
		t.Error("two licences of different dates, no session: the same award")
	}
	pix := func(centre, date string, score int) *schemas.PixCertification {
		return &schemas.PixCertification{Student: bac.Student, CertificationCenter: centre, CertifiedOn: date, PixScore: score}
	}
	if !same(pix("Lycée Pasteur", "2025-05-20", 400), pix("Lycee Pasteur, Besançon", "2025-05-20", 420)) {
		t.Error("a Pix certification of the same day with its centre and score corrected: not the same award")
	}
	if same(pix("Lycée Pasteur", "2025-05-20", 400), pix("Lycée Pasteur", "2025-06-20", 400)) {
		t.Error("Pix certifications of two days: the same award")
	}
}

func TestAnEntryIsFoundByAwardIDAndStudentOnceAnchored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register.db")
	r := openTest(t, path, keyA.as("kidA"))
	bac := diploma("070123456AB", "Baccalauréat général", "juin 2025", "2025-07-04")
	e := entry("urn:uuid:1", bac, "b1")
	if err := r.Pending("b1", "root1", []Entry{e}); err != nil {
		t.Fatal(err)
	}
	if cur, err := r.Current(r.Key(e.Award)); err != nil || cur != nil {
		t.Fatalf("before anchoring: current %+v, %v; want none", cur, err)
	}
	if err := r.Anchored("b1", nil); err != nil {
		t.Fatal(err)
	}
	cur, err := r.Current(r.Key(AwardOf(bac)))
	if err != nil || cur == nil || cur.ID != e.ID || cur.Status != Anchored || cur.Batch != "b1" {
		t.Fatalf("current %+v, %v", cur, err)
	}
	if got, err := r.ByID("urn:uuid:1"); err != nil || got.Award.StudentID != "070123456AB" {
		t.Errorf("ByID: %+v %v", got, err)
	}
	if _, err := r.ByID("urn:uuid:2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ByID of an unknown id: %v", err)
	}
	pix := &schemas.PixCertification{Student: bac.Student, CertificationCenter: "Lycée", CertifiedOn: "2025-05-20"}
	if err := r.Anchored("b2", []Entry{entry("urn:uuid:3", pix, "b2"), entry("urn:uuid:4", diploma("070123456AC", "Baccalauréat général", "juin 2025", "2025-07-04"), "b2")}); err != nil {
		t.Fatal(err)
	}
	got, err := r.ByStudent("070123456AB")
	if err != nil || len(got) != 2 {
		t.Fatalf("ByStudent: %d entries, %v; want the diploma and the Pix certification", len(got), err)
	}
	if got, _ := r.ByStudent("999999999ZZ"); len(got) != 0 {
		t.Errorf("an unknown student has %d entries", len(got))
	}
	// Anchored again (a resumed run) keeps what changed since.
	if err := r.SetStatus("urn:uuid:1", Revoked, "fraud"); err != nil {
		t.Fatal(err)
	}
	if err := r.Anchored("b1", []Entry{e}); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.ByID("urn:uuid:1"); got.Status != Revoked || got.Reason != "fraud" {
		t.Errorf("after Anchored again: %+v, want still revoked for fraud", got)
	}
}

func TestTheSameAwardIsRefusedUnlessReplaced(t *testing.T) {
	r := openTest(t, filepath.Join(t.TempDir(), "register.db"), keyA.as("kidA"))
	bac := diploma("070123456AB", "Baccalauréat général", "juin 2025", "2025-07-04")
	first := entry("urn:uuid:1", bac, "b1")
	if err := r.Claim(first); err != nil {
		t.Fatal(err)
	}
	var conflict *ConflictError
	if err := r.Pending("b2", "r", []Entry{entry("urn:uuid:2", bac, "b2")}); !errors.As(err, &conflict) || !conflict.InFlight || conflict.Holder != "urn:uuid:1" {
		t.Fatalf("a second credential while the first is being issued: %v", err)
	}
	if err := r.Anchored("b1", []Entry{first}); err != nil {
		t.Fatal(err)
	}
	second := entry("urn:uuid:2", bac, "b2")
	second.Line = 7
	err := r.Pending("b2", "r", []Entry{second})
	if !errors.As(err, &conflict) || conflict.InFlight || conflict.Holder != "urn:uuid:1" {
		t.Fatalf("a second credential once the first is anchored: %v", err)
	}
	if want := "line 7: the same student and award (Diploma, baccalauréat général, session juin 2025) is already issued as urn:uuid:1"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if b, _ := r.PendingBatches(); len(b) != 0 {
		t.Errorf("a refused batch is pending: %+v", b)
	}

	// A replacement: filed as superseding, completed by Replaced.
	second.Replaces = "urn:uuid:1"
	if err := r.Pending("b2", "r", []Entry{second}); err != nil {
		t.Fatal(err)
	}
	if err := r.Anchored("b2", nil); err != nil {
		t.Fatal(err)
	}
	reps, err := r.Replacements()
	if err != nil || len(reps) != 1 || reps[0].Old.ID != "urn:uuid:1" || reps[0].New.ID != "urn:uuid:2" {
		t.Fatalf("replacements %+v, %v", reps, err)
	}
	if cur, _ := r.Current(r.Key(AwardOf(bac))); cur.ID != "urn:uuid:2" {
		t.Errorf("current %s, want the replacement", cur.ID)
	}
	if err := r.Replaced(reps[0]); err != nil {
		t.Fatal(err)
	}
	if reps, _ := r.Replacements(); len(reps) != 0 {
		t.Errorf("replacements left: %+v", reps)
	}
	if old, _ := r.ByID("urn:uuid:1"); old.Status != Superseded || old.ReplacedBy != "urn:uuid:2" {
		t.Errorf("the replaced credential: %+v", old)
	}
}

func TestPendingBatchesOutliveTheProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register.db")
	r, err := Open(path, keyA.as("kidA"))
	if err != nil {
		t.Fatal(err)
	}
	a := entry("urn:uuid:a", diploma("070123456AB", "Licence", "", "2025-07-04"), "anchored")
	n := entry("urn:uuid:n", diploma("070123456AC", "Licence", "", "2025-07-04"), "never")
	if err := r.Pending("anchored", "ra", []Entry{a}); err != nil {
		t.Fatal(err)
	}
	if err := r.Pending("never", "rn", []Entry{n}); err != nil {
		t.Fatal(err)
	}
	r.Close() // the process stops while anchoring

	r = openTest(t, path, keyA.as("kidA"))
	pending, err := r.PendingBatches()
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending %+v, %v", pending, err)
	}
	for _, p := range pending {
		if len(p.Entries) != 1 || p.Entries[0].Status != Pending || p.Root != map[string]string{"anchored": "ra", "never": "rn"}[p.Batch] {
			t.Errorf("pending batch %+v", p)
		}
	}
	if err := r.Anchored("anchored", nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Abandon("never"); err != nil {
		t.Fatal(err)
	}
	if pending, _ := r.PendingBatches(); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
	if _, err := r.ByID("urn:uuid:a"); err != nil {
		t.Errorf("the anchored batch's credential: %v", err)
	}
	if _, err := r.ByID("urn:uuid:n"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the abandoned batch's credential: %v", err)
	}
	// Its award is free again.
	if err := r.Claim(entry("urn:uuid:n2", diploma("070123456AC", "Licence", "", "2025-07-04"), "b")); err != nil {
		t.Errorf("claiming an abandoned award: %v", err)
	}
}

func TestTheFileHoldsNothingInClearAndOpensOnlyWithItsKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register.db")
	r, err := Open(path, keyA.as("kidA"))
	if err != nil {
		t.Fatal(err)
	}
	bac := diploma("070123456AB", "Baccalauréat général", "juin 2025", "2025-07-04")
	if err := r.Anchored("examoffice-batch-0001", []Entry{entry("urn:uuid:0b6f0a8e-4c3d-4f7e-9a51-2d8c1e7b9f10", bac, "examoffice-batch-0001")}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"070123456AB", "Baccalauréat", "baccalaur", "juin 2025", "0b6f0a8e", "examoffice-batch"} {
		if bytes.Contains(data, []byte(clear)) {
			t.Errorf("the file holds %q in clear", clear)
		}
	}

	if _, err := Open(path, testKeys{"kidA": bytes.Repeat([]byte{2}, 32)}.as("kidA")); !errors.Is(err, ErrDamaged) {
		t.Errorf("opened with another key: %v", err)
	}
	// After a key rotation, the first opening wraps the data key again
	// under the new key; later ones need the new key only.
	rotated := testKeys{"kidA": keyA["kidA"], "kidB": bytes.Repeat([]byte{3}, 32)}
	r = openTest(t, path, rotated.as("kidB"))
	r.Close()
	r = openTest(t, path, testKeys{"kidB": rotated["kidB"]}.as("kidB"))
	if got, err := r.ByStudent("070123456AB"); err != nil || len(got) != 1 {
		t.Errorf("after the rotation: %d entries, %v", len(got), err)
	}
}

func TestASecondOpeningSaysTheRegisterIsInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register.db")
	openTest(t, path, keyA.as("kidA"))
	if _, err := Open(path, keyA.as("kidA")); !errors.Is(err, ErrInUse) {
		t.Errorf("second Open: %v, want ErrInUse", err)
	}
}

func TestAReplacementOfACredentialNotFiledYet(t *testing.T) {
	r := openTest(t, filepath.Join(t.TempDir(), "register.db"), keyA.as("kidA"))
	pix := &schemas.PixCertification{Student: schemas.Student{StudentID: "070123456AB"}, CertifiedOn: "2025-05-20"}
	first := entry("urn:uuid:1", pix, "b1")
	if err := r.Pending("b1", "r1", []Entry{first}); err != nil {
		t.Fatal(err)
	}
	if err := r.Anchored("b1", nil); err != nil { // kept in memory, not filed yet
		t.Fatal(err)
	}
	if cur, err := r.Current(r.Key(AwardOf(pix))); err != nil || cur == nil || cur.ID != "urn:uuid:1" || cur.Status != Anchored {
		t.Fatalf("current before filing: %+v %v", cur, err)
	}
	second := entry("urn:uuid:2", pix, "b2")
	second.Replaces = "urn:uuid:1"
	if err := r.Claim(second); err != nil {
		t.Fatalf("claiming a replacement: %v", err)
	}
	if err := r.Pending("b2", "r2", []Entry{second}); err != nil {
		t.Fatal(err)
	}
	if err := r.Anchored("b2", nil); err != nil {
		t.Fatal(err)
	}
	reps, err := r.Replacements()
	if err != nil || len(reps) != 1 || reps[0].Old.ID != "urn:uuid:1" || reps[0].New.ID != "urn:uuid:2" {
		t.Errorf("replacements %+v %v", reps, err)
	}
	var keys []AwardKey
	keys = append(keys, r.Key(AwardOf(pix)), r.Key(AwardOf(diploma("070123456AB", "Licence", "", "2025-07-04"))))
	var found []string
	if err := r.Currents(keys, func(i int, e *Entry) error { found = append(found, fmt.Sprint(i, e.ID)); return nil }); err != nil || len(found) != 1 || found[0] != "0urn:uuid:2" {
		t.Errorf("Currents: %v %v", found, err)
	}
}

// Anchored batches wait in memory until fileEvery credentials of them
// have gathered, then are filed in one transaction: their Pending records
// go, and their entries are found under their indexes.
func TestAnchoredBatchesAreFiledOnceFileEveryHaveGathered(t *testing.T) {
	r := openTest(t, filepath.Join(t.TempDir(), "register.db"), keyA.as("kidA"))
	const perBatch = fileEvery / 4
	pendingRecords := func() int {
		n := 0
		if err := r.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketPending).Stats().KeyN; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for b := range 4 {
		batch := fmt.Sprintf("b%d", b)
		entries := make([]Entry, perBatch)
		for i := range entries {
			student := fmt.Sprintf("%011d", b*perBatch+i)
			entries[i] = entry(fmt.Sprintf("urn:uuid:%s", student), &schemas.PixCertification{Student: schemas.Student{StudentID: student}, CertifiedOn: "2025-05-20"}, batch)
		}
		if err := r.Pending(batch, "root", entries); err != nil {
			t.Fatal(err)
		}
		if err := r.Anchored(batch, nil); err != nil {
			t.Fatal(err)
		}
		if want := (b + 1) % 4; pendingRecords() != want {
			t.Errorf("after batch %d: %d Pending records, want %d", b, pendingRecords(), want)
		}
	}
	if r.unfiled.count != 0 {
		t.Errorf("%d credentials still unfiled after %d anchored", r.unfiled.count, fileEvery)
	}
	got, err := r.ByStudent(fmt.Sprintf("%011d", 7))
	if err != nil || len(got) != 1 || got[0].ID != "urn:uuid:00000000007" || got[0].Status != Anchored {
		t.Errorf("a filed credential of the first batch: %+v %v", got, err)
	}
}
