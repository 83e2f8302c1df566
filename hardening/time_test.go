package hardening

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/verifier"
)

// TestLedgerTimeCannotBeBackdated plays the thief who stole the exam
// office's signing key and its ledger identity. The office reports the
// key compromised (since now); the thief then anchors a forged diploma
// signed with the stolen key through proposals stamped 2 s before the
// compromise date, 10 minutes earlier, and 10 minutes ahead, and does the
// same with a key retired before. The embedded ledger refuses every
// backdated proposal (earlier than its last block, or outside its window),
// so the forgeries are anchored nowhere and never verify valid; an honest
// anchoring made at the same moment is accepted, and `sceau ledger verify`
// still passes.
func TestLedgerTimeCannotBeBackdated(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	retiredKID := w.currentKID(examOffice)
	w.mustSceau("issuer", "rotate-key", "--id", examOffice, "--no-passphrase")
	stolenKID := w.currentKID(examOffice)
	w.mustSceau("issuer", "rotate-key", "--id", examOffice, "--no-passphrase")
	since := time.Now().UTC().Truncate(time.Second)
	w.mustSceau("issuer", "revoke-key", "--id", examOffice, "--kid", stolenKID, "--since", since.Format(time.RFC3339))

	l := w.openLedger()
	v := newVerifier(t, l, verifier.Options{})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		kid  string
		at   time.Time
	}{
		{"stolen key, stamped 2 s before the compromise date", stolenKID, since.Add(-2 * time.Second)},
		{"stolen key, stamped 10 minutes earlier", stolenKID, time.Now().Add(-10 * time.Minute)},
		{"stolen key, stamped 10 minutes ahead", stolenKID, time.Now().Add(10 * time.Minute)},
		{"retired key, stamped before its retirement", retiredKID, since.Add(-time.Minute)},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := forgeAndAnchor(t, backdating{l, c.at}, w.issuerKey(examOffice, c.kid), "backdated-"+c.kid[:8]+"-"+c.at.Format("150405"))
			if err == nil {
				t.Errorf("the ledger accepted a proposal stamped %s", c.at.Format(time.RFC3339Nano))
			} else if !strings.Contains(err.Error(), "never goes back") && !strings.Contains(err.Error(), "from this ledger's clock") {
				t.Errorf("refused, but not for its time: %v", err)
			}
			for _, form := range []string{f.jwt, f.qr} {
				if r := v.Verify(ctx, []byte(form)); r.Verdict == verifier.Valid {
					t.Errorf("the forgery verifies VALID:\n%s", describe(r))
				}
			}
		})
	}

	// The honest office, at the ledger's own time, is not hindered.
	honest, err := forgeAndAnchor(t, l, w.issuerKey(examOffice, ""), "honest")
	if err != nil {
		t.Fatalf("an honest anchoring: %v", err)
	}
	if r := v.Verify(ctx, []byte(honest.jwt)); r.Verdict != verifier.Valid {
		t.Errorf("the honest credential: %s", describe(r))
	}
	report, err := l.Verify(ctx)
	if err != nil || !report.OK() {
		t.Errorf("ledger verify after the refusals: %v %+v", err, report)
	}
}

// backdating is the thief's client: it stamps its proposals with the
// time it chooses, signs them with the org's ledger identity, and submits
// them as signed proposals.
type backdating struct {
	*embedded.Ledger
	at time.Time
}

func (b backdating) Submit(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	id, err := b.Identity(org)
	if err != nil {
		return nil, err
	}
	g := b.Genesis()
	p, err := embedded.NewProposal(g.ChannelID, g.ChaincodeName, function, args, id.Creator(), b.at)
	if err != nil {
		return nil, err
	}
	sp, err := id.Sign(p)
	if err != nil {
		return nil, err
	}
	return b.SubmitProposal(ctx, sp)
}

// forgeAndAnchor signs a new diploma of the first sample student with key
// and anchors its vc+jwt and SC1 forms as the exam office through l.
func forgeAndAnchor(t *testing.T, l network.Ledger, key *credential.Key, batch string) (forged, error) {
	t.Helper()
	c, err := credential.New(sampleDiplomaRecord(sampleStudents[0]), examOffice, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := credential.SignJWT(c, key)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := credential.SignQR(c, key)
	if err != nil {
		t.Fatal(err)
	}
	group := []string{jwt.Digest, qr.Digest}
	raw := make([][]byte, len(group))
	for i, d := range group {
		raw[i], _ = hex.DecodeString(d)
	}
	root := hex.EncodeToString(merkle.Root([][]byte{merkle.LeafHash(merkle.LeafData(raw))}))
	req := record.AnchorRequest{BatchID: batch, IssuerID: examOffice, Type: record.CredentialType(c.Type), Credentials: [][]string{group}, Root: root}
	_, err = network.NewContract(l).AnchorBatch(context.Background(), examOffice, req)
	return forged{jwt: jwt.Text, qr: qr.Text}, err
}
