package ledgertest

import (
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// statusListCheckpoints: only the issuer's organisation checkpoints its
// status lists; the last checkpoint is what GetStatusCheckpoint returns,
// with its ledger time and transaction; malformed lists are refused.
func (s *suite) statusListCheckpoints(t *testing.T) {
	ctx := t.Context()
	issuer := s.accredited(t, "lists", "Diploma")
	_, err := s.c.GetStatusCheckpoint(ctx, issuer)
	wantNotFound(t, err, "the checkpoint of an issuer that published no list")

	first := []record.StatusListDigest{{Kind: "ietf", Digest: NewDigest(t)}, {Kind: "revocation", Digest: NewDigest(t)}, {Kind: "suspension", Digest: NewDigest(t)}}
	for _, org := range []string{s.h.Pix, s.h.Governance} {
		_, err := s.c.CheckpointStatusLists(ctx, org, issuer, first)
		wantRefused(t, err, "CheckpointStatusLists", "reserved to its organisation")
	}
	for _, bad := range []struct {
		lists []record.StatusListDigest
		want  string
	}{
		{nil, "1 to 3 lists"},
		{[]record.StatusListDigest{{Kind: "crl", Digest: NewDigest(t)}}, "status list kind"},
		{[]record.StatusListDigest{{Kind: "ietf", Digest: NewDigest(t)}, {Kind: "ietf", Digest: NewDigest(t)}}, "twice"},
		{[]record.StatusListDigest{{Kind: "ietf", Digest: "Hélène Lefèvre"}}, "ietf"},
	} {
		_, err := s.c.CheckpointStatusLists(ctx, s.h.ExamOffice, issuer, bad.lists)
		wantRefused(t, err, "CheckpointStatusLists", bad.want)
	}
	cp, err := s.c.CheckpointStatusLists(ctx, s.h.ExamOffice, issuer, first)
	must(t, err, "CheckpointStatusLists")
	second := []record.StatusListDigest{{Kind: "ietf", Digest: NewDigest(t)}}
	cp2, err := s.c.CheckpointStatusLists(ctx, s.h.ExamOffice, issuer, second)
	must(t, err, "CheckpointStatusLists again")
	got, err := s.c.GetStatusCheckpoint(ctx, issuer)
	must(t, err, "GetStatusCheckpoint")
	if got.TxID != cp2.TxID || got.TxID == cp.TxID || got.CheckpointedAt == "" || got.DigestOf("ietf") != second[0].Digest || got.DigestOf("revocation") != "" {
		t.Errorf("GetStatusCheckpoint = %+v, want the second checkpoint %+v", got, cp2)
	}
}
