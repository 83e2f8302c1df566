package chaincode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/attest"
	"github.com/sceau/sceau/internal/license"
)

// The platform of the resource tests: an issuer run by the exam office's
// organisation, accredited for OpenResource.
const platform = "edu-platform"

// person is an author or reviewer: a key pair and its id.
type person struct {
	key crypto.Signer
	id  string
}

func newPerson(t testing.TB) person {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := attest.Thumbprint(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return person{key: k, id: id}
}

// resourceHarness is a ledger with an accredited platform.
func resourceHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	h.registerAccredited(officeMSP, platform, string(record.TypeOpenResource))
	return h
}

// statementFor signs, as p, the registration statement matching req, at iat.
func statementFor(t testing.TB, p person, req record.ResourceRequest, iat time.Time) string {
	t.Helper()
	st, err := attest.Sign(p.key, attest.TypeRegistration, attest.Registration{
		Resource: req.Digest, Title: req.Title, License: req.License, DerivedFrom: req.DerivedFrom,
		Previous: req.Previous, Attribution: req.AttributionDigest, IssuedAt: iat.Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// signed returns req as JSON, with a statement by each author.
func (h *harness) signed(req record.ResourceRequest, authors ...person) string {
	h.t.Helper()
	if req.PlatformID == "" {
		req.PlatformID = platform
	}
	for _, a := range authors {
		req.AuthorStatements = append(req.AuthorStatements, statementFor(h.t, a, req, h.now))
	}
	raw, err := json.Marshal(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return string(raw)
}

// registerResource registers a new resource under lic, by authors, as the platform.
func (h *harness) registerResource(lic string, derivedFrom []string, authors ...person) record.Resource {
	h.t.Helper()
	req := record.ResourceRequest{Digest: newDigest(h.t), Title: "Ressource " + lic, License: lic, DerivedFrom: derivedFrom}
	var res record.Resource
	if err := json.Unmarshal(h.submit(officeMSP, "resources:RegisterResource", h.signed(req, authors...)), &res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h *harness) resource(digest string) record.Resource {
	h.t.Helper()
	var r record.Resource
	h.query(&r, "resources:GetResource", digest)
	return r
}

func (h *harness) lineage(digest string) record.Lineage {
	h.t.Helper()
	var l record.Lineage
	h.query(&l, "resources:GetResourceLineage", digest)
	return l
}

// endorsement signs, as reviewer, an endorsement of digest in role.
func endorsement(t testing.TB, reviewer person, digest, role string, iat time.Time) string {
	t.Helper()
	st, err := attest.Sign(reviewer.key, attest.TypeEndorsement, attest.Endorsement{Resource: digest, Role: role, IssuedAt: iat.Unix()})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(record.EndorseRequest{PlatformID: platform, Digest: digest, Statement: st})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestResourceMetadataListsItsFunctions(t *testing.T) {
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
	for _, tx := range md.Contracts[record.ResourceContractName].Transactions {
		tags[tx.Name] = tx.Tag
	}
	want := map[string]string{
		"RegisterResource": "SUBMIT", "RegisterResourceVersion": "SUBMIT", "EndorseResource": "SUBMIT",
		"GetResource": "EVALUATE", "GetResourceLineage": "EVALUATE", "FindResources": "EVALUATE",
	}
	for fn, tag := range want {
		if !containsString(tags[fn], tag) {
			t.Errorf("%s: tags %v, want %s", fn, tags[fn], tag)
		}
	}
	if len(tags) != len(want) {
		t.Errorf("the resources contract exposes %d functions, want %d: %v", len(tags), len(want), tags)
	}
}

func TestRegisterResourceRecordsProvenance(t *testing.T) {
	h := resourceHarness(t)
	alice, bob := newPerson(t), newPerson(t)
	req := record.ResourceRequest{Digest: newDigest(t), Title: "Les fractions en 6e", License: "CC-BY-SA-4.0", AttributionDigest: newDigest(t)}
	at := h.now
	stub, res := h.invoke(officeMSP, "resources:RegisterResource", h.signed(req, alice, bob))
	if !res.ok() {
		t.Fatal(res.message)
	}
	ev := lastEvent(t, stub, record.EventResourceRegistered)
	if ev.IssuerID != platform || len(ev.Digests) != 1 || ev.Digests[0] != req.Digest {
		t.Errorf("event %+v", ev)
	}
	got := h.resource(req.Digest)
	if got.Title != req.Title || got.License != req.License || got.AttributionDigest != req.AttributionDigest {
		t.Errorf("record %+v", got)
	}
	if len(got.Authors) != 2 || got.Authors[0] != alice.id || got.Authors[1] != bob.id {
		t.Errorf("authors %v, want the thumbprints %s, %s", got.Authors, alice.id, bob.id)
	}
	if len(got.AuthorStatements) != 2 || len(got.AuthorStatements[0]) != 64 {
		t.Errorf("author statement digests %v", got.AuthorStatements)
	}
	if got.PlatformID != platform || got.PlatformMSP != officeMSP || got.RegisteredAt != at.Format(time.RFC3339) || got.TxID != stub.txID {
		t.Errorf("platform %s (%s), registered %s in %s; want %s (%s) at %s in %s", got.PlatformID, got.PlatformMSP, got.RegisteredAt, got.TxID, platform, officeMSP, at.Format(time.RFC3339), stub.txID)
	}
	if len(got.DerivedFrom) != 0 || got.Previous != "" || got.NextVersion != "" || len(got.Endorsements) != 0 {
		t.Errorf("a first registration has lineage or endorsements: %+v", got)
	}
	if msg := h.queryFails("resources:GetResource", newDigest(t)); !strings.HasPrefix(msg, record.NotFoundPrefix) {
		t.Errorf("unknown resource: %q, want a not-found error", msg)
	}
}

func TestOnlyAccreditedPlatformsRegister(t *testing.T) {
	h := newHarness(t)
	h.registerAccredited(officeMSP, platform, string(record.TypeOpenResource))
	h.registerAccredited(pixMSP, "pix", "PixCertification")
	h.submit(rogueMSP, "RegisterIssuer", "pending-platform", "Pending", newP256Key(t).public)
	h.registerAccredited(rogueMSP, "suspended-platform", string(record.TypeOpenResource))
	h.submit(govMSP, "SuspendIssuer", "suspended-platform", "fraud")
	alice := newPerson(t)
	req := func(platformID string) string {
		return h.signed(record.ResourceRequest{PlatformID: platformID, Digest: newDigest(t), Title: "Cours", License: "CC0-1.0"}, alice)
	}
	tests := []struct {
		name, msp, want, request string
	}{
		{"another organisation for the platform", pixMSP, "reserved to its organisation", req(platform)},
		{"governance for the platform", govMSP, "reserved to its organisation", req(platform)},
		{"issuer accredited for another type", pixMSP, "not accredited for OpenResource", req("pix")},
		{"pending platform", rogueMSP, "only an active issuer", req("pending-platform")},
		{"suspended platform", rogueMSP, "only an active issuer", req("suspended-platform")},
		{"unknown platform", officeMSP, record.NotFoundPrefix, req("nowhere")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).refuse(tc.msp, tc.want, "resources:RegisterResource", tc.request)
		})
	}
	h.submit(officeMSP, "resources:RegisterResource", req(platform))
}

func TestRegisterResourceRefusesBadRequests(t *testing.T) {
	h := resourceHarness(t)
	alice := newPerson(t)
	existing := h.registerResource("CC-BY-4.0", nil, alice)
	base := func() record.ResourceRequest {
		return record.ResourceRequest{PlatformID: platform, Digest: newDigest(t), Title: "Cours de géométrie", License: "CC-BY-4.0"}
	}
	with := func(change func(*record.ResourceRequest)) string {
		r := base()
		change(&r)
		return h.signed(r, alice)
	}
	// Statements that do not match what is asked.
	mismatched := func(change func(*record.ResourceRequest)) string {
		r := base()
		signedFor := r
		change(&signedFor)
		r.AuthorStatements = []string{statementFor(t, alice, signedFor, h.now)}
		raw, _ := json.Marshal(r)
		return string(raw)
	}
	stale := base()
	stale.AuthorStatements = []string{statementFor(t, alice, stale, h.now.Add(-attest.MaxAge-time.Hour))}
	staleJSON, _ := json.Marshal(stale)
	early := base()
	early.AuthorStatements = []string{statementFor(t, alice, early, h.now.Add(time.Hour))}
	earlyJSON, _ := json.Marshal(early)
	twice := base()
	twice.AuthorStatements = []string{statementFor(t, alice, twice, h.now), statementFor(t, alice, twice, h.now)}
	twiceJSON, _ := json.Marshal(twice)
	wrongType := base()
	endorseStatement, _ := attest.Sign(alice.key, attest.TypeEndorsement, attest.Endorsement{Resource: wrongType.Digest, Role: "inspector", IssuedAt: h.now.Unix()})
	wrongType.AuthorStatements = []string{endorseStatement}
	wrongTypeJSON, _ := json.Marshal(wrongType)
	tooMany := base()
	for range record.MaxResourceAuthors + 1 {
		tooMany.AuthorStatements = append(tooMany.AuthorStatements, "x")
	}
	tooManyJSON, _ := json.Marshal(tooMany)

	tests := []struct {
		name, want, request string
	}{
		{"digest not hex", "resource digest", with(func(r *record.ResourceRequest) { r.Digest = strings.ToUpper(r.Digest) })},
		{"empty title", "title", with(func(r *record.ResourceRequest) { r.Title = "" })},
		{"title with a newline", "non-printable", with(func(r *record.ResourceRequest) { r.Title = "Cours\nde maths" })},
		{"title too long", "limit", with(func(r *record.ResourceRequest) { r.Title = strings.Repeat("é", record.MaxTitleLength+1) })},
		{"unknown licence", "not an accepted SPDX identifier", with(func(r *record.ResourceRequest) { r.License = "Proprietary" })},
		{"licence not spelled canonically", `must be spelled "CC-BY-4.0"`, with(func(r *record.ResourceRequest) { r.License = "cc-by-4.0" })},
		{"bad platform id", "platform", with(func(r *record.ResourceRequest) { r.PlatformID = "Edu" })},
		{"previous given to RegisterResource", "RegisterResourceVersion", with(func(r *record.ResourceRequest) { r.Previous = existing.Digest })},
		{"unregistered parent", "not registered", with(func(r *record.ResourceRequest) { r.DerivedFrom = []string{newDigest(t)} })},
		{"parent listed twice", "twice", with(func(r *record.ResourceRequest) { r.DerivedFrom = []string{existing.Digest, existing.Digest} })},
		{"derives from itself", "itself", with(func(r *record.ResourceRequest) { r.DerivedFrom = []string{r.Digest} })},
		{"already registered", "already registered", with(func(r *record.ResourceRequest) { r.Digest = existing.Digest })},
		{"bad attribution digest", "attribution digest", with(func(r *record.ResourceRequest) { r.AttributionDigest = "abc" })},
		{"no author statement", "author statements", func() string { raw, _ := json.Marshal(base()); return string(raw) }()},
		{"too many author statements", "author statements", string(tooManyJSON)},
		{"statement for another resource", "resource", mismatched(func(r *record.ResourceRequest) { r.Digest = newDigest(t) })},
		{"statement with another title", "title", mismatched(func(r *record.ResourceRequest) { r.Title = "Autre" })},
		{"statement with another licence", "license", mismatched(func(r *record.ResourceRequest) { r.License = "CC0-1.0" })},
		{"statement without the attribution", "attribution", mismatched(func(r *record.ResourceRequest) { r.AttributionDigest = newDigest(t) })},
		{"statement with other sources", "derivedFrom", mismatched(func(r *record.ResourceRequest) { r.DerivedFrom = []string{existing.Digest} })},
		{"stale statement", "sign a new one", string(staleJSON)},
		{"statement from the future", "after the transaction time", string(earlyJSON)},
		{"one author signing twice", "two statements", string(twiceJSON)},
		{"endorsement used as a registration", "typ", string(wrongTypeJSON)},
		{"garbage statement", "author statement 1", `{"platformId":"edu-platform","digest":"` + newDigest(t) + `","title":"T","license":"CC0-1.0","authorStatements":["a.b.c"]}`},
		{"unknown member", "unknown field", `{"platformId":"edu-platform","digest":"` + newDigest(t) + `","title":"T","license":"CC0-1.0","authorStatements":[],"authorName":"Jeanne Martin"}`},
		{"trailing data", "after its JSON object", with(func(r *record.ResourceRequest) {}) + "{}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).refuse(officeMSP, tc.want, "resources:RegisterResource", tc.request)
		})
	}
}

func TestLicenceRulesOnDerivatives(t *testing.T) {
	h := resourceHarness(t)
	alice, bob := newPerson(t), newPerson(t)
	tests := []struct {
		parent, child, rule string
	}{
		{"CC-BY-SA-4.0", "CC-BY-4.0", license.RuleShareAlike},
		{"CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", license.RuleShareAlike},
		{"CC-BY-SA-4.0", "CC-BY-SA-4.0", ""},
		{"CC-BY-ND-4.0", "CC-BY-ND-4.0", license.RuleNoDerivatives},
		{"CC-BY-NC-ND-4.0", "CC-BY-NC-4.0", license.RuleNoDerivatives},
		{"CC-BY-NC-4.0", "CC-BY-4.0", license.RuleNonCommercial},
		{"CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", ""},
		{"CC-BY-NC-SA-4.0", "CC-BY-NC-SA-4.0", ""},
		{"CC-BY-4.0", "CC-BY-NC-ND-4.0", ""},
		{"etalab-2.0", "CC0-1.0", ""},
	}
	for _, tc := range tests {
		t.Run(tc.parent+" to "+tc.child, func(t *testing.T) {
			h := h.with(t)
			parent := h.registerResource(tc.parent, nil, alice)
			req := record.ResourceRequest{Digest: newDigest(t), Title: "Adaptation", License: tc.child, DerivedFrom: []string{parent.Digest}}
			if tc.rule == "" {
				h.submit(officeMSP, "resources:RegisterResource", h.signed(req, bob))
				if got := h.resource(req.Digest); len(got.DerivedFrom) != 1 || got.DerivedFrom[0] != parent.Digest {
					t.Errorf("derivedFrom %v, want [%s]", got.DerivedFrom, parent.Digest)
				}
				return
			}
			_, res := h.invoke(officeMSP, "resources:RegisterResource", h.signed(req, bob))
			if res.ok() {
				t.Fatalf("a %s derivative of a %s resource was registered", tc.child, tc.parent)
			}
			for _, want := range []string{parent.Digest, "licence rule " + tc.rule, tc.parent} {
				if !strings.Contains(res.message, want) {
					t.Errorf("refusal %q does not name %q", res.message, want)
				}
			}
		})
	}
	// With several parents, the one that forbids is named.
	free := h.registerResource("CC-BY-4.0", nil, alice)
	sa := h.registerResource("CC-BY-SA-4.0", nil, alice)
	req := record.ResourceRequest{Digest: newDigest(t), Title: "Compilation", License: "CC-BY-4.0", DerivedFrom: []string{free.Digest, sa.Digest}}
	_, res := h.invoke(officeMSP, "resources:RegisterResource", h.signed(req, bob))
	if res.ok() || !strings.Contains(res.message, sa.Digest) || strings.Contains(res.message, free.Digest) {
		t.Errorf("compilation refused with %q; want the share-alike parent %s named", res.message, sa.Digest)
	}
}

func TestResourceVersions(t *testing.T) {
	h := resourceHarness(t)
	alice, bob, carol := newPerson(t), newPerson(t), newPerson(t)
	source := h.registerResource("CC-BY-SA-4.0", nil, carol)
	v1Req := record.ResourceRequest{Digest: newDigest(t), Title: "Cours v1", License: "CC-BY-SA-4.0", DerivedFrom: []string{source.Digest}}
	h.submit(officeMSP, "resources:RegisterResource", h.signed(v1Req, alice, bob))

	v2Req := record.ResourceRequest{Digest: newDigest(t), Title: "Cours v2", License: "CC-BY-SA-4.0", DerivedFrom: []string{source.Digest}, Previous: v1Req.Digest}
	stub, res := h.invoke(officeMSP, "resources:RegisterResourceVersion", h.signed(v2Req, bob))
	if !res.ok() {
		t.Fatal(res.message)
	}
	v1 := h.resource(v1Req.Digest)
	if v1.NextVersion != v2Req.Digest || v1.UpdateTxID != stub.txID {
		t.Errorf("v1 next version %q (tx %s), want %s (tx %s)", v1.NextVersion, v1.UpdateTxID, v2Req.Digest, stub.txID)
	}
	if v2 := h.resource(v2Req.Digest); v2.Previous != v1Req.Digest {
		t.Errorf("v2 previous %q, want %s", v2.Previous, v1Req.Digest)
	}

	// The authors may relicense their own resource (ND included) as long as
	// its sources allow it.
	own := h.registerResource("CC-BY-ND-4.0", nil, alice)
	relicensed := record.ResourceRequest{Digest: newDigest(t), Title: "Cours v2", License: "CC-BY-4.0", Previous: own.Digest}
	h.submit(officeMSP, "resources:RegisterResourceVersion", h.signed(relicensed, alice))

	tests := []struct {
		name, fn, want string
		req            record.ResourceRequest
		by             person
	}{
		{"second version of a replaced one", "resources:RegisterResourceVersion", "already replaced by " + v2Req.Digest,
			record.ResourceRequest{Digest: newDigest(t), Title: "Fork", License: "CC-BY-SA-4.0", DerivedFrom: []string{source.Digest}, Previous: v1Req.Digest}, alice},
		{"version by someone who is not an author", "resources:RegisterResourceVersion", "at least one of its authors",
			record.ResourceRequest{Digest: newDigest(t), Title: "v3", License: "CC-BY-SA-4.0", DerivedFrom: []string{source.Digest}, Previous: v2Req.Digest}, carol},
		{"version that drops a source", "resources:RegisterResourceVersion", "keeps the sources",
			record.ResourceRequest{Digest: newDigest(t), Title: "v3", License: "CC-BY-SA-4.0", Previous: v2Req.Digest}, bob},
		{"version whose licence its source forbids", "resources:RegisterResourceVersion", "licence rule share-alike",
			record.ResourceRequest{Digest: newDigest(t), Title: "v3", License: "CC-BY-4.0", DerivedFrom: []string{source.Digest}, Previous: v2Req.Digest}, bob},
		{"version of an unregistered resource", "resources:RegisterResourceVersion", "not registered",
			record.ResourceRequest{Digest: newDigest(t), Title: "v3", License: "CC0-1.0", Previous: newDigest(t)}, bob},
		{"version without previous", "resources:RegisterResourceVersion", "needs previous",
			record.ResourceRequest{Digest: newDigest(t), Title: "v3", License: "CC0-1.0"}, bob},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			h.refuse(officeMSP, tc.want, tc.fn, h.signed(tc.req, tc.by))
		})
	}
}

func TestEndorseResource(t *testing.T) {
	h := resourceHarness(t)
	h.registerAccredited(pixMSP, "other-platform", string(record.TypeOpenResource))
	alice, inspector, peer := newPerson(t), newPerson(t), newPerson(t)
	res := h.registerResource("CC-BY-4.0", nil, alice)

	stub, r := h.invoke(officeMSP, "resources:EndorseResource", endorsement(t, inspector, res.Digest, "inspector", h.now))
	if !r.ok() {
		t.Fatal(r.message)
	}
	if ev := lastEvent(t, stub, record.EventResourceEndorsed); ev.Digests[0] != res.Digest {
		t.Errorf("event %+v", ev)
	}
	h.submit(officeMSP, "resources:EndorseResource", endorsement(t, peer, res.Digest, "peer-teacher", h.now))
	got := h.resource(res.Digest)
	if len(got.Endorsements) != 2 {
		t.Fatalf("endorsements %+v, want 2", got.Endorsements)
	}
	byReviewer := map[string]record.ResourceEndorsement{}
	for _, e := range got.Endorsements {
		byReviewer[e.ReviewerID] = e
	}
	if e := byReviewer[inspector.id]; e.Role != "inspector" || e.PlatformID != platform || e.PlatformMSP != officeMSP || len(e.StatementDigest) != 64 || e.TxID != stub.txID {
		t.Errorf("inspector's endorsement %+v", e)
	}
	if e := byReviewer[peer.id]; e.Role != "peer-teacher" {
		t.Errorf("peer's endorsement %+v", e)
	}

	other := h.registerResource("CC0-1.0", nil, alice)
	wrongResource := endorsement(t, inspector, newDigest(t), "inspector", h.now)
	var req record.EndorseRequest
	_ = json.Unmarshal([]byte(wrongResource), &req)
	req.Digest = other.Digest
	wrongResourceJSON, _ := json.Marshal(req)
	otherPlatform := endorsement(t, inspector, other.Digest, "inspector", h.now)
	tests := []struct {
		name, msp, want, request string
	}{
		{"twice by the same reviewer", officeMSP, "already endorsed", endorsement(t, inspector, res.Digest, "librarian", h.now)},
		{"by an author", officeMSP, "is an author", endorsement(t, alice, res.Digest, "peer-teacher", h.now)},
		{"unknown role", officeMSP, "role", endorsement(t, peer, other.Digest, "Rector of the academy", h.now)},
		{"statement for another resource", officeMSP, "not " + other.Digest, string(wrongResourceJSON)},
		{"stale statement", officeMSP, "sign a new one", endorsement(t, peer, other.Digest, "inspector", h.now.Add(-attest.MaxAge-time.Hour))},
		{"unregistered resource", officeMSP, record.NotFoundPrefix, endorsement(t, peer, newDigest(t), "inspector", h.now)},
		{"platform of another organisation", pixMSP, "reserved to its organisation", otherPlatform},
		{"not a statement", officeMSP, "endorsement statement", `{"platformId":"edu-platform","digest":"` + other.Digest + `","statement":"e30.e30.e30"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).refuse(tc.msp, tc.want, "resources:EndorseResource", tc.request)
		})
	}
}

func TestLineageOfThreeGenerations(t *testing.T) {
	h := resourceHarness(t)
	alice, bob, carol := newPerson(t), newPerson(t), newPerson(t)
	grandparent := h.registerResource("CC-BY-SA-4.0", nil, alice)
	parent := h.registerResource("CC-BY-SA-4.0", []string{grandparent.Digest}, bob)
	child := h.registerResource("CC-BY-SA-4.0", []string{parent.Digest}, carol)
	childV2 := record.ResourceRequest{Digest: newDigest(t), Title: "Enfant v2", License: "CC-BY-SA-4.0", DerivedFrom: []string{parent.Digest}, Previous: child.Digest}
	h.submit(officeMSP, "resources:RegisterResourceVersion", h.signed(childV2, carol))
	unrelated := h.registerResource("CC-BY-4.0", nil, alice)

	l := h.lineage(child.Digest)
	wantAncestors := []record.LineageLink{
		{Digest: parent.Digest, Relation: record.RelationDerivedFrom, Of: child.Digest, Generation: 1, Title: parent.Title, License: "CC-BY-SA-4.0"},
		{Digest: grandparent.Digest, Relation: record.RelationDerivedFrom, Of: parent.Digest, Generation: 2, Title: grandparent.Title, License: "CC-BY-SA-4.0"},
	}
	if !equalLinks(l.Ancestors, wantAncestors) {
		t.Errorf("ancestors of the child:\n got %+v\nwant %+v", l.Ancestors, wantAncestors)
	}
	if len(l.Descendants) != 1 || l.Descendants[0].Digest != childV2.Digest || l.Descendants[0].Relation != record.RelationPreviousVersion {
		t.Errorf("descendants of the child: %+v, want its new version", l.Descendants)
	}

	// The new version's ancestors: its previous version and its sources, each once.
	l = h.lineage(childV2.Digest)
	got := map[string]int{}
	for _, a := range l.Ancestors {
		got[a.Digest] = a.Generation
	}
	if len(l.Ancestors) != 3 || got[parent.Digest] != 1 || got[child.Digest] != 1 || got[grandparent.Digest] != 2 {
		t.Errorf("ancestors of the new version: %+v", l.Ancestors)
	}

	l = h.lineage(grandparent.Digest)
	if len(l.Ancestors) != 0 {
		t.Errorf("the grandparent has ancestors: %+v", l.Ancestors)
	}
	desc := map[string]int{}
	for _, d := range l.Descendants {
		desc[d.Digest] = d.Generation
	}
	if len(l.Descendants) != 3 || desc[parent.Digest] != 1 || desc[child.Digest] != 2 || desc[childV2.Digest] != 2 {
		t.Errorf("descendants of the grandparent: %+v", l.Descendants)
	}
	if _, ok := desc[unrelated.Digest]; ok {
		t.Error("an unrelated resource is listed as a descendant")
	}
	if msg := h.queryFails("resources:GetResourceLineage", newDigest(t)); !strings.HasPrefix(msg, record.NotFoundPrefix) {
		t.Errorf("lineage of an unknown resource: %q", msg)
	}
}

func equalLinks(a, b []record.LineageLink) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFindResources(t *testing.T) {
	h := resourceHarness(t)
	alice := newPerson(t)
	a := h.registerResource("CC-BY-4.0", nil, alice)
	b := h.registerResource("CC0-1.0", nil, alice)
	missing := newDigest(t)
	list, _ := json.Marshal([]string{b.Digest, missing, a.Digest})
	var found []record.Resource
	h.query(&found, "resources:FindResources", string(list))
	if len(found) != 2 || found[0].Digest != b.Digest || found[1].Digest != a.Digest {
		t.Errorf("found %+v, want %s then %s", found, b.Digest, a.Digest)
	}
	none, _ := json.Marshal([]string{missing})
	h.query(&found, "resources:FindResources", string(none))
	if len(found) != 0 {
		t.Errorf("found %+v for an unregistered digest", found)
	}
	tooMany := make([]string, record.MaxFindResources+1)
	for i := range tooMany {
		tooMany[i] = newDigest(t)
	}
	tooManyJSON, _ := json.Marshal(tooMany)
	for arg, want := range map[string]string{
		`[]`:                                    "1 to",
		string(tooManyJSON):                     "1 to",
		`["abc"]`:                               "resource digest",
		`["` + missing + `","` + missing + `"]`: "twice",
		`{}`:                                    "JSON array",
	} {
		if msg := h.queryFails("resources:FindResources", arg); !strings.Contains(msg, want) {
			t.Errorf("FindResources(%.40s): %q, want %q", arg, msg, want)
		}
	}
}

// FuzzParseResourceRequest feeds arbitrary arguments to the request
// decoder: it must never panic, and what it accepts must be well-formed.
func FuzzParseResourceRequest(f *testing.F) {
	d := strings.Repeat("ab", 32)
	f.Add(`{"platformId":"edu-platform","digest":"` + d + `","title":"Cours","license":"CC0-1.0","authorStatements":["a.b.c"]}`)
	f.Add(`{"platformId":"edu-platform","digest":"` + d + `","title":"Cours","license":"CC-BY-SA-4.0","derivedFrom":["` + strings.Repeat("cd", 32) + `"],"previous":"` + strings.Repeat("ef", 32) + `","authorStatements":["x"]}`)
	f.Add(`{"digest":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := parseResourceRequest(raw)
		if err != nil {
			return
		}
		if record.ValidateIssuerID(req.PlatformID) != nil || record.ValidateDigest(req.Digest) != nil || record.ValidateResourceTitle(req.Title) != nil {
			t.Fatalf("accepted %+v", req)
		}
		if _, err := license.Canonical(req.License); err != nil {
			t.Fatalf("accepted licence %q", req.License)
		}
		if len(req.DerivedFrom) > record.MaxResourceParents || len(req.AuthorStatements) == 0 || len(req.AuthorStatements) > record.MaxResourceAuthors {
			t.Fatalf("accepted %d parents and %d statements", len(req.DerivedFrom), len(req.AuthorStatements))
		}
		for i, p := range req.DerivedFrom {
			if record.ValidateDigest(p) != nil || p == req.Digest || p == req.Previous || strings.Contains(strings.Join(req.DerivedFrom[:i], ","), p) {
				t.Fatalf("accepted parent %q", p)
			}
		}
		if req.Previous != "" && (record.ValidateDigest(req.Previous) != nil || req.Previous == req.Digest) {
			t.Fatalf("accepted previous %q", req.Previous)
		}
	})
}
