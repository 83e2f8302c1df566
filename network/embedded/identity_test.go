package embedded

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sceau/sceau/network"
)

func TestMSPID(t *testing.T) {
	for _, c := range []struct{ org, want, wantErr string }{
		{org: "ministry", want: "MinistryMSP"},
		{org: "examoffice", want: "ExamofficeMSP"},
		{org: "exam-office", want: "ExamofficeMSP"},
		{org: "rectorat_lyon2", want: "Rectoratlyon2MSP"},
		{org: "", wantErr: "1 to 64"},
		{org: strings.Repeat("a", 65), wantErr: "1 to 64"},
		{org: "Ministry", wantErr: "position 0"},
		{org: "2pix", wantErr: "position 0"},
		{org: "exam office", wantErr: "position 4"},
		{org: "../x", wantErr: "position 0"},
		{org: "a/b", wantErr: "position 1"},
	} {
		got, err := MSPID(c.org)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("MSPID(%q) = %q, %v; want an error about %q", c.org, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("MSPID(%q) = %q, %v; want %q", c.org, got, err, c.want)
		}
	}
}

func TestProvisionOrg(t *testing.T) {
	l, dir := newTestLedger(t)
	ctx := context.Background()

	msp, err := l.ProvisionOrg(ctx, "examoffice")
	if err != nil || msp != "ExamofficeMSP" {
		t.Fatalf("ProvisionOrg(examoffice) = %q, %v", msp, err)
	}
	for _, f := range []string{"ca.pem", "ca.key", "cert.pem", "key.pem"} {
		if _, err := os.Stat(filepath.Join(dir, "orgs", "examoffice", f)); err != nil {
			t.Errorf("examoffice's %s: %v", f, err)
		}
	}
	info := mustInfo(t, l)
	if info.Height != 2 || len(info.Orgs) != 2 || info.Orgs[0].MSPID != "ExamofficeMSP" {
		t.Fatalf("after ProvisionOrg: height %d, orgs %+v; want a config block trusting ExamofficeMSP", info.Height, info.Orgs)
	}
	if got := string(mustSubmit(t, l, "examoffice", "whoami")); got != "ExamofficeMSP|member.examoffice" {
		t.Errorf("examoffice submits as %q", got)
	}

	// Provisioning again changes nothing.
	if msp, err := l.ProvisionOrg(ctx, "examoffice"); err != nil || msp != "ExamofficeMSP" {
		t.Fatalf("second ProvisionOrg = %q, %v", msp, err)
	}
	if msp, err := l.ProvisionOrg(ctx, "ministry"); err != nil || msp != "MinistryMSP" {
		t.Fatalf("ProvisionOrg(ministry) = %q, %v", msp, err)
	}
	if h := mustInfo(t, l).Height; h != 3 {
		t.Errorf("provisioning known orgs added blocks: height %d, want 3", h)
	}
	// Another org id mapping to the same MSP ID is refused.
	if _, err := l.ProvisionOrg(ctx, "exam-office"); err == nil || !strings.Contains(err.Error(), `already bound to org "examoffice"`) {
		t.Errorf("ProvisionOrg(exam-office) after examoffice: %v, want a refusal naming the MSP's org", err)
	}
	if _, err := l.ProvisionOrg(ctx, "Bad/Org"); err == nil {
		t.Error("ProvisionOrg accepted an invalid org id")
	}
	mustVerifyClean(t, l)
}

func TestTrustComesFromTheLedgerNotFromFiles(t *testing.T) {
	l, dir := newTestLedger(t)
	// Org material dropped in the directory without a config block is not trusted.
	if _, err := ensureOrgMaterial(dir, "intruder", newTestClock().Now()); err != nil {
		t.Fatal(err)
	}
	_, err := l.Submit(context.Background(), "intruder", "put", "k", "v")
	if !errors.Is(err, ErrInvalidProposal) || !strings.Contains(err.Error(), "MSP IntruderMSP is not trusted") {
		t.Fatalf("Submit by an org whose CA the ledger does not trust: %v", err)
	}
	// Replacing a trusted org's CA file does not change what the ledger trusts.
	if _, err := l.ProvisionOrg(context.Background(), "examoffice"); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "orgs", "examoffice"))
	if _, err := l.ProvisionOrg(context.Background(), "examoffice"); err == nil || !strings.Contains(err.Error(), "trusts another CA") {
		t.Errorf("ProvisionOrg with a new CA for a trusted org: %v, want a refusal", err)
	}
}

// signedBy builds a proposal whose creator is creator and signs it with signer.
func signedBy(t *testing.T, l *Ledger, creator []byte, signer *Identity, mutate func(*Proposal)) *SignedProposal {
	t.Helper()
	p, err := NewProposal(l.Genesis().ChannelID, l.Genesis().ChaincodeName, "put", []string{"forged", "yes"}, creator, l.clock())
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(p)
	}
	sp, err := signer.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// foreignIdentity returns an identity issued by a CA the ledger does not trust.
func foreignIdentity(t *testing.T, mspID string) *Identity {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "orgs", "rogue"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeOrgMaterial(filepath.Join(dir, "orgs", "rogue"), "rogue", "RogueMSP", newTestClock().Now()); err != nil {
		t.Fatal(err)
	}
	m, err := loadOrgMaterial(dir, "rogue", true)
	if err != nil {
		t.Fatal(err)
	}
	id, err := NewIdentity(mspID, m.member.certPEM, m.member.key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestForgedProposalsAreRefused(t *testing.T) {
	l, _ := newTestLedger(t)
	ctx := context.Background()
	if _, err := l.ProvisionOrg(ctx, "examoffice"); err != nil {
		t.Fatal(err)
	}
	ministry, _ := l.Identity("ministry")
	exam, _ := l.Identity("examoffice")
	rogueAsMinistry := foreignIdentity(t, "MinistryMSP")
	examCertAsMinistry, err := MarshalCreator("MinistryMSP", exam.certPEM)
	if err != nil {
		t.Fatal(err)
	}
	before := mustInfo(t, l)

	for _, c := range []struct {
		name    string
		sp      *SignedProposal
		wantErr string
	}{
		{"key does not match the certificate", signedBy(t, l, ministry.Creator(), exam, nil), "does not match the creator's certificate"},
		{"certificate from another CA claiming the ministry", signedBy(t, l, rogueAsMinistry.Creator(), rogueAsMinistry, nil), "not valid for MSP MinistryMSP"},
		{"examoffice certificate claiming the ministry MSP", signedBy(t, l, examCertAsMinistry, exam, nil), "not valid for MSP MinistryMSP"},
		{"unknown MSP", signedBy(t, l, foreignIdentity(t, "RogueMSP").Creator(), foreignIdentity(t, "RogueMSP"), nil), "MSP RogueMSP is not trusted"},
		{"transaction id not derived from nonce and creator", signedBy(t, l, ministry.Creator(), ministry, func(p *Proposal) { p.TxID = strings.Repeat("0", 64) }), "is not the SHA-256"},
		{"another channel", signedBy(t, l, ministry.Creator(), ministry, func(p *Proposal) { p.ChannelID = "other" }), `for channel "other"`},
		{"another chaincode", signedBy(t, l, ministry.Creator(), ministry, func(p *Proposal) { p.Chaincode = "other" }), `for chaincode "other"`},
		{"creator that is not a serialized identity", signedBy(t, l, []byte("MinistryMSP"), ministry, nil), "creator"},
		{"no signature", &SignedProposal{Proposal: signedBy(t, l, ministry.Creator(), ministry, nil).Proposal}, "not a DER ECDSA signature"},
		{"bytes that are not a proposal", &SignedProposal{Proposal: []byte("hello"), Signature: []byte{1}}, "decoding proposal"},
		{"governance config change signed by examoffice", func() *SignedProposal {
			return signedBy(t, l, exam.Creator(), exam, func(p *Proposal) {
				p.Chaincode, p.Function, p.Args = configChaincode, fnTrustOrg, []string{"rogue", "RogueMSP", string(rogueAsMinistry.certPEM)}
			})
		}(), "only the governance organisation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := l.SubmitProposal(ctx, c.sp)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("SubmitProposal: %v, want an error containing %q", err, c.wantErr)
			}
			var ce *network.ContractError
			if !errors.Is(err, ErrInvalidProposal) && !errors.As(err, &ce) {
				t.Errorf("the refusal %v is neither ErrInvalidProposal nor a ContractError", err)
			}
		})
	}
	// A proposal altered after signing no longer verifies.
	sp := signedBy(t, l, ministry.Creator(), ministry, nil)
	p, _ := UnmarshalProposal(sp.Proposal)
	p.Args = []string{"forged", "altered"}
	sp.Proposal, _ = p.Marshal()
	if _, err := l.SubmitProposal(ctx, sp); !errors.Is(err, ErrInvalidProposal) {
		t.Errorf("a proposal altered after signing: %v, want ErrInvalidProposal", err)
	}
	// A high-S signature (the malleable twin of a valid one) is refused.
	sp = signedBy(t, l, ministry.Creator(), ministry, nil)
	sp.Signature = highS(t, sp.Signature)
	if _, err := l.SubmitProposal(ctx, sp); err == nil || !strings.Contains(err.Error(), "low-S") {
		t.Errorf("a high-S signature: %v, want a refusal", err)
	}
	// A replayed proposal is refused.
	sp = signedBy(t, l, ministry.Creator(), ministry, nil)
	if _, err := l.SubmitProposal(ctx, sp); err != nil {
		t.Fatal(err)
	}
	if _, err := l.SubmitProposal(ctx, sp); !errors.Is(err, ErrInvalidProposal) || !strings.Contains(err.Error(), "already committed") {
		t.Errorf("a replayed proposal: %v, want a refusal", err)
	}
	if after := mustInfo(t, l); after.Height != before.Height+1 {
		t.Errorf("refused proposals changed the height: %d → %d (only the one valid proposal may commit)", before.Height, after.Height)
	}
}

func highS(t *testing.T, sig []byte) []byte {
	t.Helper()
	var es ecdsaSignature
	if _, err := asn1.Unmarshal(sig, &es); err != nil {
		t.Fatal(err)
	}
	es.S.Sub(elliptic.P256().Params().N, es.S)
	out, err := asn1.Marshal(es)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNewIdentityChecksTheKey(t *testing.T) {
	l, _ := newTestLedger(t)
	ministry, _ := l.Identity("ministry")
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := NewIdentity("MinistryMSP", ministry.certPEM, other); err == nil {
		t.Error("NewIdentity accepted a key that does not match the certificate")
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := NewIdentity("MinistryMSP", ministry.certPEM, p384); err == nil {
		t.Error("NewIdentity accepted a P-384 key")
	}
}

func TestExpiredCertificatesAreRefused(t *testing.T) {
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	l, err := Init(context.Background(), t.TempDir(), InitOptions{OpenOptions: OpenOptions{Chaincode: newTestChaincode, Clock: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mustSubmit(t, l, "ministry", "put", "k", "v") // the member certificate is now known good
	mu.Lock()
	now = now.AddDate(11, 0, 0)
	mu.Unlock()
	_, err = l.Submit(context.Background(), "ministry", "put", "k", "later")
	if !errors.Is(err, ErrInvalidProposal) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Submit with a certificate expired at the ledger's clock: %v, want a refusal", err)
	}
	// Verify judges each block at its own time: the ledger still verifies.
	mustVerifyClean(t, l)
}

func TestBrokenReaderIdentityMakesTheLedgerUnavailable(t *testing.T) {
	l, dir := newTestLedger(t)
	if err := os.WriteFile(filepath.Join(dir, "orgs", "ministry", "key.pem"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := l.Evaluate(context.Background(), "", "get", "k")
	if !errors.Is(err, network.ErrUnavailable) || !strings.Contains(err.Error(), "key.pem") {
		t.Errorf("Evaluate with a broken reader key: %v, want ErrUnavailable naming key.pem", err)
	}
	os.RemoveAll(filepath.Join(dir, "orgs", "ministry"))
	if _, err := l.Evaluate(context.Background(), "", "get", "k"); !errors.Is(err, network.ErrUnavailable) || !errors.Is(err, ErrUnknownOrg) {
		t.Errorf("Evaluate without a reader identity: %v, want ErrUnavailable and ErrUnknownOrg", err)
	}
}
