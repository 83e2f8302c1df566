package chaincode

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(GovernanceMSPEnv, "")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), GovernanceMSPEnv) {
		t.Fatalf("empty %s: err = %v, want an error naming the variable", GovernanceMSPEnv, err)
	}
	t.Setenv(GovernanceMSPEnv, govMSP)
	cfg, err := ConfigFromEnv()
	if err != nil || cfg.GovernanceMSP != govMSP {
		t.Fatalf("ConfigFromEnv = %+v, %v", cfg, err)
	}
}

func TestNewChaincodeRequiresGovernanceMSP(t *testing.T) {
	if _, err := NewChaincode(Config{}); err == nil {
		t.Fatal("NewChaincode accepted an empty governance MSP")
	}
}

func TestMetadataListsEveryFunction(t *testing.T) {
	h := newHarness(t)
	var md struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name string   `json:"name"`
				Tag  []string `json:"tag"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	h.query(&md, "org.hyperledger.fabric:GetMetadata")
	tags := map[string][]string{}
	for _, tx := range md.Contracts[ContractName].Transactions {
		tags[tx.Name] = tx.Tag
	}
	submits := []string{"RegisterIssuer", "AccreditIssuer", "SuspendIssuer", "ReinstateIssuer", "WithdrawIssuer",
		"RotateIssuerKey", "CompromiseIssuerKey", "AnchorBatch", "Revoke", "Suspend", "Reinstate", "RevokeBatch", "CheckpointStatusLists"}
	evaluates := []string{"GetIssuer", "ListIssuers", "GetBatch", "GetStatus", "GetStatusHistory", "GetStatusCheckpoint"}
	for _, fn := range submits {
		if !containsString(tags[fn], "SUBMIT") {
			t.Errorf("%s: tags %v, want SUBMIT", fn, tags[fn])
		}
	}
	for _, fn := range evaluates {
		if !containsString(tags[fn], "EVALUATE") {
			t.Errorf("%s: tags %v, want EVALUATE", fn, tags[fn])
		}
	}
	if len(tags) != len(submits)+len(evaluates) {
		t.Errorf("the contract exposes %d functions, want %d: %v", len(tags), len(submits)+len(evaluates), tags)
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestRegisterIssuerCreatesPendingIssuerBoundToCaller(t *testing.T) {
	h := newHarness(t)
	key := newEd25519Key(t)
	at := h.now
	stub, res := h.invoke(officeMSP, "RegisterIssuer", "exam-office", "Office des examens", key.public)
	if !res.ok() {
		t.Fatal(res.message)
	}
	ev := lastEvent(t, stub, record.EventIssuerChanged)
	if ev.IssuerID != "exam-office" || ev.Status != string(record.IssuerPending) {
		t.Errorf("event %+v", ev)
	}
	is := h.issuer("exam-office")
	if is.MSPID != officeMSP || is.Status != record.IssuerPending || is.Name != "Office des examens" {
		t.Errorf("issuer %+v", is)
	}
	if is.RegisteredAt != at.Format(time.RFC3339) || is.TxID != stub.txID {
		t.Errorf("registeredAt %s txId %s, want %s %s", is.RegisteredAt, is.TxID, at.Format(time.RFC3339), stub.txID)
	}
	if len(is.Keys) != 1 || is.Keys[0].KID != key.kid || is.Keys[0].ValidFrom != is.RegisteredAt {
		t.Fatalf("keys %+v, want one key with kid %s", is.Keys, key.kid)
	}
	var stored map[string]any
	if err := json.Unmarshal([]byte(is.Keys[0].JWK), &stored); err != nil {
		t.Fatal(err)
	}
	if stored["kid"] != key.kid || stored["kty"] != "OKP" || stored["crv"] != "Ed25519" {
		t.Errorf("stored JWK %v", stored)
	}
	if len(is.Accreditations) != 0 {
		t.Errorf("a new issuer has accreditations: %+v", is.Accreditations)
	}
}

func TestRegisterIssuerRefusesBadInput(t *testing.T) {
	h := newHarness(t)
	good := newP256Key(t)
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	var members map[string]any
	_ = json.Unmarshal([]byte(good.public), &members)
	with := func(extra map[string]any) string {
		m := map[string]any{}
		for k, v := range members {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		raw, _ := json.Marshal(m)
		return string(raw)
	}
	private, _ := json.Marshal(jsonWebKeyOf(ecPriv))
	tests := []struct {
		name, id, issuerName, jwk, want string
	}{
		{"id with capitals", "Exam-Office", "Office", good.public, "issuer id"},
		{"id too short", "e", "Office", good.public, "issuer id"},
		{"id starting with dash", "-office", "Office", good.public, "issuer id"},
		{"id too long", strings.Repeat("a", 64), "Office", good.public, "issuer id"},
		{"empty name", "exam-office", "", good.public, "issuer name"},
		{"name with control character", "exam-office", "Office\n", good.public, "issuer name"},
		{"name too long", "exam-office", strings.Repeat("é", record.MaxNameLength+1), good.public, "issuer name"},
		{"private JWK", "exam-office", "Office", string(private), `private member "d"`},
		{"symmetric key", "exam-office", "Office", `{"kty":"oct","k":"c2VjcmV0"}`, `private member "k"`},
		{"P-384 key", "exam-office", "Office", publicJWK(t, &p384.PublicKey), "only P-256"},
		{"RSA key", "exam-office", "Office", publicJWK(t, &rsaKey.PublicKey), "not accepted"},
		{"malformed JSON", "exam-office", "Office", `{"kty":"EC",`, "not a JSON object"},
		{"not an object", "exam-office", "Office", `"key"`, "not a JSON object"},
		{"kid that is not the thumbprint", "exam-office", "Office", with(map[string]any{"kid": "key-1"}), "thumbprint"},
		{"alg of another key type", "exam-office", "Office", with(map[string]any{"alg": "EdDSA"}), "alg"},
		{"encryption key", "exam-office", "Office", with(map[string]any{"use": "enc"}), "signing key"},
		{"certificate chain", "exam-office", "Office", with(map[string]any{"x5c": []string{"MIIB"}}), "x5c"},
		{"oversized JWK", "exam-office", "Office", with(map[string]any{"pad": strings.Repeat("x", record.MaxJWKSize)}), "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).refuse(officeMSP, tc.want, "RegisterIssuer", tc.id, tc.issuerName, tc.jwk)
		})
	}
}

func jsonWebKeyOf(key any) map[string]any {
	raw, err := joseMarshal(key)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func publicJWK(t *testing.T, pub any) string {
	t.Helper()
	raw, err := joseMarshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestRegisterIssuerAcceptsMatchingKidAlgAndUse(t *testing.T) {
	h := newHarness(t)
	key := newP256Key(t)
	var m map[string]any
	_ = json.Unmarshal([]byte(key.public), &m)
	m["kid"], m["alg"], m["use"] = key.kid, "ES256", "sig"
	raw, _ := json.Marshal(m)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", string(raw))
	if got := h.issuer("exam-office").Keys[0].KID; got != key.kid {
		t.Fatalf("kid %s, want %s", got, key.kid)
	}
}

func TestGovernanceCannotRegisterAsIssuer(t *testing.T) {
	h := newHarness(t)
	h.refuse(govMSP, "governance", "RegisterIssuer", "ministry", "Ministère", newP256Key(t).public)
}

func TestIssuerIDCannotBeSquattedOrReregistered(t *testing.T) {
	h := newHarness(t)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	h.refuse(rogueMSP, "already bound to organisation", "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	h.refuse(officeMSP, "already registered", "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	if is := h.issuer("exam-office"); is.MSPID != officeMSP || len(is.Keys) != 1 {
		t.Fatalf("issuer changed: %+v", is)
	}
}

func TestAccreditationIsGovernanceOnly(t *testing.T) {
	h := newHarness(t)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	h.refuse(officeMSP, "reserved to the governance organisation", "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	h.refuse(rogueMSP, "reserved to the governance organisation", "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	at := h.now
	stub, res := h.invoke(govMSP, "AccreditIssuer", "exam-office", `["Diploma","OpenResource"]`, "2027-09-01")
	if !res.ok() {
		t.Fatal(res.message)
	}
	if ev := lastEvent(t, stub, record.EventIssuerChanged); ev.IssuerID != "exam-office" || ev.Status != string(record.IssuerActive) {
		t.Errorf("event %+v", ev)
	}
	is := h.issuer("exam-office")
	if is.Status != record.IssuerActive {
		t.Errorf("status %s, want active", is.Status)
	}
	want := []record.Accreditation{
		{Type: "Diploma", ValidFrom: at.Format(time.RFC3339), ValidUntil: "2027-09-01T00:00:00Z", TxID: stub.txID},
		{Type: "OpenResource", ValidFrom: at.Format(time.RFC3339), ValidUntil: "2027-09-01T00:00:00Z", TxID: stub.txID},
	}
	if fmt.Sprint(is.Accreditations) != fmt.Sprint(want) {
		t.Errorf("accreditations %+v, want %+v", is.Accreditations, want)
	}
}

func TestAccreditIssuerRefusesBadInput(t *testing.T) {
	h := newHarness(t)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	past := h.now.Add(-time.Hour).Format(time.RFC3339)
	tests := []struct{ name, id, types, until, want string }{
		{"unknown type", "exam-office", `["Licence"]`, "", "unknown"},
		{"no types", "exam-office", `[]`, "", "empty"},
		{"null types", "exam-office", `null`, "", "empty"},
		{"type listed twice", "exam-office", `["Diploma","Diploma"]`, "", "twice"},
		{"types not JSON", "exam-office", `Diploma`, "", "JSON array"},
		{"validUntil in the past", "exam-office", `["Diploma"]`, past, "not after the transaction time"},
		{"validUntil unreadable", "exam-office", `["Diploma"]`, "next year", "RFC 3339"},
		{"unknown issuer", "nobody", `["Diploma"]`, "", record.NotFoundPrefix + `issuer "nobody"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).refuse(govMSP, tc.want, "AccreditIssuer", tc.id, tc.types, tc.until)
		})
	}
}

func TestAccreditationInForceIsAmendedAndLapsedOneKeptAsHistory(t *testing.T) {
	h := newHarness(t)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	first := h.now.Format(time.RFC3339)
	until := h.now.Add(time.Hour).Format(time.RFC3339)
	h.submit(govMSP, "AccreditIssuer", "exam-office", `["Diploma"]`, until)

	extended := h.now.Add(2 * time.Hour).Format(time.RFC3339)
	h.submit(govMSP, "AccreditIssuer", "exam-office", `["Diploma"]`, extended)
	accs := h.issuer("exam-office").Accreditations
	if len(accs) != 1 || accs[0].ValidFrom != first || accs[0].ValidUntil != extended {
		t.Fatalf("after amending: %+v, want one window from %s to %s", accs, first, extended)
	}

	h.now = h.now.Add(3 * time.Hour)
	renewed := h.now.Format(time.RFC3339)
	h.submit(govMSP, "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	accs = h.issuer("exam-office").Accreditations
	if len(accs) != 2 || accs[0].ValidUntil != extended || accs[1].ValidFrom != renewed || accs[1].ValidUntil != "" {
		t.Fatalf("after renewing a lapsed accreditation: %+v, want the old window kept and a new open one", accs)
	}
}

func TestIssuerSuspensionReinstatementAndWithdrawal(t *testing.T) {
	h := newHarness(t)
	h.registerAccredited(officeMSP, "exam-office", "Diploma")

	h.refuse(officeMSP, "reserved to the governance", "SuspendIssuer", "exam-office", "fraud")
	h.refuse(govMSP, "not a reason code", "SuspendIssuer", "exam-office", "because")
	stub, res := h.invoke(govMSP, "SuspendIssuer", "exam-office", "fraud")
	if !res.ok() {
		t.Fatal(res.message)
	}
	if ev := lastEvent(t, stub, record.EventIssuerChanged); ev.Status != string(record.IssuerSuspended) || ev.Reason != "fraud" {
		t.Errorf("event %+v", ev)
	}
	if is := h.issuer("exam-office"); is.Status != record.IssuerSuspended || is.StatusReason != "fraud" {
		t.Fatalf("issuer %+v", is)
	}
	h.refuse(govMSP, "already suspended", "SuspendIssuer", "exam-office", "fraud")
	h.refuse(officeMSP, "active issuer", "AnchorBatch", anchorRequest(t, "b1", "exam-office", "Diploma", newCredentials(t, 1, 1)))

	// Accrediting does not lift a suspension.
	h.submit(govMSP, "AccreditIssuer", "exam-office", `["PixCertification"]`, "")
	if is := h.issuer("exam-office"); is.Status != record.IssuerSuspended {
		t.Fatalf("accreditation lifted the suspension: %+v", is)
	}

	h.refuse(officeMSP, "reserved to the governance", "ReinstateIssuer", "exam-office")
	h.submit(govMSP, "ReinstateIssuer", "exam-office")
	if is := h.issuer("exam-office"); is.Status != record.IssuerActive || is.StatusReason != "" {
		t.Fatalf("after reinstating: %+v", is)
	}
	h.refuse(govMSP, "not suspended", "ReinstateIssuer", "exam-office")
	h.anchor(officeMSP, "b1", "exam-office", "Diploma", newCredentials(t, 1, 1))

	h.refuse(officeMSP, "reserved to the governance", "WithdrawIssuer", "exam-office", "other")
	h.submit(govMSP, "WithdrawIssuer", "exam-office", "annulled")
	if is := h.issuer("exam-office"); is.Status != record.IssuerWithdrawn || is.StatusReason != "annulled" {
		t.Fatalf("after withdrawing: %+v", is)
	}
	h.refuse(govMSP, "already withdrawn", "WithdrawIssuer", "exam-office", "other")
	h.refuse(govMSP, "withdrawn for good", "SuspendIssuer", "exam-office", "other")
	h.refuse(govMSP, "not suspended", "ReinstateIssuer", "exam-office")
	h.refuse(govMSP, "cannot be accredited again", "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	h.refuse(officeMSP, "active issuer", "AnchorBatch", anchorRequest(t, "b2", "exam-office", "Diploma", newCredentials(t, 1, 1)))
}

func TestReinstatingANeverAccreditedIssuerLeavesItPending(t *testing.T) {
	h := newHarness(t)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	h.submit(govMSP, "SuspendIssuer", "exam-office", "other")
	h.submit(govMSP, "ReinstateIssuer", "exam-office")
	if is := h.issuer("exam-office"); is.Status != record.IssuerPending {
		t.Fatalf("status %s, want pending", is.Status)
	}
}

func TestKeyRotation(t *testing.T) {
	h := newHarness(t)
	first := h.registerAccredited(officeMSP, "exam-office", "Diploma")
	second := newEd25519Key(t)

	h.refuse(rogueMSP, "reserved to its organisation", "RotateIssuerKey", "exam-office", second.public)
	h.refuse(govMSP, "reserved to its organisation", "RotateIssuerKey", "exam-office", second.public)
	h.refuse(officeMSP, "already registered", "RotateIssuerKey", "exam-office", first.public)

	at := h.now.Format(time.RFC3339)
	h.submit(officeMSP, "RotateIssuerKey", "exam-office", second.public)
	keys := h.issuer("exam-office").Keys
	if len(keys) != 2 || keys[0].KID != first.kid || keys[0].RetiredAt != at || keys[1].KID != second.kid || keys[1].ValidFrom != at || keys[1].RetiredAt != "" {
		t.Fatalf("keys after rotation: %+v", keys)
	}
	// The retired key cannot come back.
	h.refuse(officeMSP, "already registered", "RotateIssuerKey", "exam-office", first.public)
	h.anchor(officeMSP, "b1", "exam-office", "Diploma", newCredentials(t, 2, 1))

	third := newP256Key(t)
	h.submit(officeMSP, "RotateIssuerKey", "exam-office", third.public)
	keys = h.issuer("exam-office").Keys
	if keys[0].RetiredAt != at {
		t.Errorf("rotation moved the retirement of an already retired key: %+v", keys[0])
	}
	if keys[1].RetiredAt == "" || keys[2].RetiredAt != "" {
		t.Errorf("keys after second rotation: %+v", keys)
	}

	h.submit(govMSP, "WithdrawIssuer", "exam-office", "other")
	h.refuse(officeMSP, "withdrawn", "RotateIssuerKey", "exam-office", newP256Key(t).public)
}

func TestKeyCompromise(t *testing.T) {
	h := newHarness(t)
	key := h.registerAccredited(officeMSP, "exam-office", "Diploma")
	h.anchor(officeMSP, "b1", "exam-office", "Diploma", newCredentials(t, 1, 1))

	future := h.now.Add(time.Hour).Format(time.RFC3339)
	h.refuse(rogueMSP, "reserved to its organisation", "CompromiseIssuerKey", "exam-office", key.kid, "2026-05-01")
	h.refuse(officeMSP, "after the transaction time", "CompromiseIssuerKey", "exam-office", key.kid, future)
	h.refuse(officeMSP, record.NotFoundPrefix+"key", "CompromiseIssuerKey", "exam-office", "no-such-kid", "2026-05-01")
	h.refuse(officeMSP, "RFC 3339", "CompromiseIssuerKey", "exam-office", key.kid, "yesterday")

	at := h.now.Format(time.RFC3339)
	stub, res := h.invoke(officeMSP, "CompromiseIssuerKey", "exam-office", key.kid, "2026-05-20T10:00:00Z")
	if !res.ok() {
		t.Fatal(res.message)
	}
	lastEvent(t, stub, record.EventIssuerChanged)
	k := h.issuer("exam-office").Keys[0]
	if k.CompromisedSince != "2026-05-20T10:00:00Z" || k.RetiredAt != at {
		t.Fatalf("key %+v, want compromised since 2026-05-20T10:00:00Z and retired at %s", k, at)
	}
	// With no key in service, the issuer cannot anchor.
	h.refuse(officeMSP, "no key in service", "AnchorBatch", anchorRequest(t, "b2", "exam-office", "Diploma", newCredentials(t, 1, 1)))

	// Governance may report it too, and only move it earlier.
	h.refuse(govMSP, "already compromised", "CompromiseIssuerKey", "exam-office", key.kid, "2026-05-21")
	h.submit(govMSP, "CompromiseIssuerKey", "exam-office", key.kid, "2026-05-01")
	k = h.issuer("exam-office").Keys[0]
	if k.CompromisedSince != "2026-05-01T00:00:00Z" || k.RetiredAt != at {
		t.Fatalf("key %+v, want compromised since 2026-05-01 and still retired at %s", k, at)
	}

	h.submit(officeMSP, "RotateIssuerKey", "exam-office", newP256Key(t).public)
	h.anchor(officeMSP, "b2", "exam-office", "Diploma", newCredentials(t, 1, 1))
}

func TestListIssuersPagesInIDOrder(t *testing.T) {
	h := newHarness(t)
	ids := []string{"rectorat-lyon", "pix", "rectorat-aix", "exam-office", "cned", "rectorat-nice", "onisep"}
	for _, id := range ids {
		h.submit(officeMSP, "RegisterIssuer", id, "Issuer "+id, newP256Key(t).public)
	}
	// Batches and digests must never show up in the listing.
	h.submit(govMSP, "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	h.anchor(officeMSP, "b1", "exam-office", "Diploma", newCredentials(t, 3, 1))

	var got []string
	bookmark := ""
	pages := 0
	for {
		var page record.IssuerPage
		h.query(&page, "ListIssuers", "3", bookmark)
		pages++
		if len(page.Issuers) > 3 {
			t.Fatalf("page of %d issuers, asked 3", len(page.Issuers))
		}
		for _, is := range page.Issuers {
			got = append(got, is.ID)
		}
		if page.Bookmark == "" {
			break
		}
		bookmark = page.Bookmark
		if pages > 10 {
			t.Fatal("the listing does not end")
		}
	}
	want := "cned exam-office onisep pix rectorat-aix rectorat-lyon rectorat-nice"
	if strings.Join(got, " ") != want || pages != 3 {
		t.Fatalf("listed %v in %d pages, want %s in 3", got, pages, want)
	}

	var all record.IssuerPage
	h.query(&all, "ListIssuers", "0", "")
	if len(all.Issuers) != len(ids) || all.Bookmark != "" {
		t.Fatalf("default page: %d issuers, bookmark %q", len(all.Issuers), all.Bookmark)
	}

	for _, size := range []string{"-1", "1001", "many"} {
		if msg := h.queryFails("ListIssuers", size, ""); msg == "" {
			t.Errorf("page size %s accepted", size)
		}
	}
	if msg := h.queryFails("ListIssuers", "10", "\x00batch\x00"); !strings.Contains(msg, "outside the issuer registry") {
		t.Errorf("a bookmark into batch records: %q", msg)
	}
}

func TestListIssuersOnEmptyRegistry(t *testing.T) {
	h := newHarness(t)
	_, res := h.endorse(officeMSP, "ListIssuers", "10", "")
	if !res.ok() {
		t.Fatal(res.message)
	}
	if string(res.payload) != `{"issuers":[]}` {
		t.Fatalf("empty page %s", res.payload)
	}
}
