package chaincode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/attest"
	"github.com/sceau/sceau/internal/license"
)

// Limits of the resources contract, beyond those of package record.
const (
	// maxResourceRequestSize bounds the JSON argument of the register and
	// endorse functions: the statements and a few digests.
	maxResourceRequestSize = record.MaxResourceAuthors*attest.MaxSize + (record.MaxResourceParents+4)*80 + 4*record.MaxTitleLength + 1024
	// scanPageSize is the page size of lineage and endorsement scans.
	scanPageSize = 200
)

// Object types of the resources contract's composite keys.
const (
	// objResource keys a Resource by digest.
	objResource = "resource"
	// objResourceChild keys a resourceLink by (parent digest, child digest),
	// so the descendants of a resource are a partial-key scan.
	objResourceChild = "resource-child"
	// objResourceEndorsement keys a ResourceEndorsement by (digest, reviewer id).
	objResourceEndorsement = "resource-endorsement"
)

// resourceLink is the value of a child index entry.
type resourceLink struct {
	Child    string `json:"child"`
	Relation string `json:"relation"`
}

// ResourceContract registers open educational resources: provenance
// records, versions, endorsements and lineage. Only a platform (an issuer
// accredited by governance for OpenResource) registers and endorses;
// anyone reads. Its functions are called as "resources:<Function>".
type ResourceContract struct {
	contractapi.Contract
	core *Contract
}

// NewResourceContract returns the resources contract for cfg.
func NewResourceContract(cfg Config) *ResourceContract {
	r := &ResourceContract{core: New(cfg)}
	r.Name = record.ResourceContractName
	r.Info.Title = "Sceau open educational resources"
	r.Info.Version = Version
	return r
}

// GetEvaluateTransactions lists the read-only functions.
func (r *ResourceContract) GetEvaluateTransactions() []string {
	return []string{"GetResource", "GetResourceLineage", "FindResources"}
}

// RegisterResource registers a new resource (requestJSON is a
// ResourceRequest without previous). The caller's organisation must own the
// platform, which must be active and accredited for OpenResource. Every
// author signs a registration statement saying exactly what the request
// says; the ledger keeps their ids (key thumbprints), never their names. A
// resource that derives from others must respect their licences: nothing
// derives from a NoDerivatives resource, a derivative of a ShareAlike
// resource keeps its licence, NonCommercial stays NonCommercial.
func (r *ResourceContract) RegisterResource(ctx contractapi.TransactionContextInterface, requestJSON string) (*record.Resource, error) {
	return r.register(ctx, requestJSON, false)
}

// RegisterResourceVersion registers a new version of a registered resource
// (requestJSON is a ResourceRequest with previous). At least one of its
// authors must be an author of the version it replaces, which must not have
// been replaced already, and it keeps every resource that version derives
// from. The licence may change: the authors hold the rights.
func (r *ResourceContract) RegisterResourceVersion(ctx contractapi.TransactionContextInterface, requestJSON string) (*record.Resource, error) {
	return r.register(ctx, requestJSON, true)
}

func (r *ResourceContract) register(ctx contractapi.TransactionContextInterface, requestJSON string, version bool) (*record.Resource, error) {
	t, err := r.core.begin(ctx)
	if err != nil {
		return nil, err
	}
	req, err := parseResourceRequest(requestJSON)
	if err != nil {
		return nil, err
	}
	switch {
	case version && req.Previous == "":
		return nil, errors.New("RegisterResourceVersion needs previous: the digest of the version it replaces")
	case !version && req.Previous != "":
		return nil, fmt.Errorf("resource %s names a previous version: register it with RegisterResourceVersion", req.Digest)
	}
	if _, err := r.requirePlatform(t, req.PlatformID, "registering resources for"); err != nil {
		return nil, err
	}
	stateKey, err := compositeKey(t.stub, objResource, req.Digest)
	if err != nil {
		return nil, err
	}
	var existing record.Resource
	found, err := getJSON(t.stub, stateKey, &existing)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, fmt.Errorf("resource %s is already registered (by platform %q at %s)", req.Digest, existing.PlatformID, existing.RegisteredAt)
	}
	authors, statements, err := verifyAuthors(req, t.now)
	if err != nil {
		return nil, err
	}
	if err := checkParents(t, req); err != nil {
		return nil, err
	}
	var previous *record.Resource
	var previousKey string
	if req.Previous != "" {
		if previous, previousKey, err = checkPrevious(t, req, authors); err != nil {
			return nil, err
		}
	}

	res := record.Resource{
		Digest:            req.Digest,
		Title:             req.Title,
		License:           req.License,
		Authors:           authors,
		AuthorStatements:  statements,
		DerivedFrom:       append([]string{}, req.DerivedFrom...),
		Previous:          req.Previous,
		AttributionDigest: req.AttributionDigest,
		PlatformID:        req.PlatformID,
		PlatformMSP:       t.caller,
		RegisteredAt:      t.nowText,
		TxID:              t.id,
	}
	if err := putJSON(t.stub, stateKey, res); err != nil {
		return nil, err
	}
	for _, parent := range req.DerivedFrom {
		if err := putLink(t.stub, parent, req.Digest, record.RelationDerivedFrom); err != nil {
			return nil, err
		}
	}
	if previous != nil {
		if err := putLink(t.stub, req.Previous, req.Digest, record.RelationPreviousVersion); err != nil {
			return nil, err
		}
		previous.NextVersion = req.Digest
		previous.UpdatedAt = t.nowText
		previous.UpdateTxID = t.id
		if err := putJSON(t.stub, previousKey, previous); err != nil {
			return nil, err
		}
	}
	if err := emit(t.stub, record.EventResourceRegistered, record.Event{IssuerID: req.PlatformID, Digests: []string{req.Digest}}); err != nil {
		return nil, err
	}
	return &res, nil
}

// requirePlatform checks that the caller's organisation owns platform id
// and that it may act on resources now.
func (r *ResourceContract) requirePlatform(t *txn, id, action string) (*record.Issuer, error) {
	platform, _, err := loadIssuer(t, id)
	if err != nil {
		return nil, err
	}
	if err := requireOwner(t, platform, action); err != nil {
		return nil, err
	}
	if err := platform.CanAnchor(record.TypeOpenResource, t.now); err != nil {
		return nil, fmt.Errorf("platform %w", err)
	}
	return platform, nil
}

// parseResourceRequest decodes a ResourceRequest strictly and checks its
// formats and limits.
func parseResourceRequest(raw string) (*record.ResourceRequest, error) {
	var req record.ResourceRequest
	if err := decodeRequest("resource request", raw, &req); err != nil {
		return nil, err
	}
	if err := record.ValidateIssuerID(req.PlatformID); err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	if err := record.ValidateHexSHA256("resource digest", req.Digest); err != nil {
		return nil, err
	}
	if err := record.ValidateResourceTitle(req.Title); err != nil {
		return nil, err
	}
	if _, err := license.Canonical(req.License); err != nil {
		return nil, err
	}
	if len(req.DerivedFrom) > record.MaxResourceParents {
		return nil, fmt.Errorf("resource %s derives from %d resources, the limit is %d", req.Digest, len(req.DerivedFrom), record.MaxResourceParents)
	}
	for i, parent := range req.DerivedFrom {
		if err := record.ValidateHexSHA256("derivedFrom digest", parent); err != nil {
			return nil, err
		}
		if parent == req.Digest {
			return nil, fmt.Errorf("resource %s cannot derive from itself", req.Digest)
		}
		if slices.Contains(req.DerivedFrom[:i], parent) {
			return nil, fmt.Errorf("derivedFrom lists %s twice", parent)
		}
		if parent == req.Previous {
			return nil, fmt.Errorf("derivedFrom lists %s, which is already the previous version", parent)
		}
	}
	if req.Previous != "" {
		if err := record.ValidateHexSHA256("previous digest", req.Previous); err != nil {
			return nil, err
		}
		if req.Previous == req.Digest {
			return nil, fmt.Errorf("resource %s cannot be its own previous version", req.Digest)
		}
	}
	if req.AttributionDigest != "" {
		if err := record.ValidateHexSHA256("attribution digest", req.AttributionDigest); err != nil {
			return nil, err
		}
	}
	if n := len(req.AuthorStatements); n == 0 || n > record.MaxResourceAuthors {
		return nil, fmt.Errorf("resource %s has %d author statements: want 1 to %d, one per author", req.Digest, n, record.MaxResourceAuthors)
	}
	return &req, nil
}

// decodeRequest decodes a JSON argument strictly: size cap, no unknown
// member, nothing after the object.
func decodeRequest(what, raw string, v any) error {
	if len(raw) > maxResourceRequestSize {
		return fmt.Errorf("%s is %d bytes, the limit is %d", what, len(raw), maxResourceRequestSize)
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s is not a valid JSON object: %w", what, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s has data after its JSON object", what)
	}
	return nil
}

// verifyAuthors checks every author statement against the request and
// returns the authors' ids and the statements' digests, in request order.
func verifyAuthors(req *record.ResourceRequest, now time.Time) ([]string, []string, error) {
	want := attest.Registration{
		Resource:    req.Digest,
		Title:       req.Title,
		License:     req.License,
		DerivedFrom: req.DerivedFrom,
		Previous:    req.Previous,
		Attribution: req.AttributionDigest,
	}
	authors := make([]string, 0, len(req.AuthorStatements))
	digests := make([]string, 0, len(req.AuthorStatements))
	for i, st := range req.AuthorStatements {
		var claims attest.Registration
		author, err := attest.Verify(st, attest.TypeRegistration, &claims)
		if err != nil {
			return nil, nil, fmt.Errorf("author statement %d: %w", i+1, err)
		}
		if err := claims.Mismatch(&want); err != nil {
			return nil, nil, fmt.Errorf("author statement %d (author %s) does not match the request: %w", i+1, author, err)
		}
		if err := attest.CheckFresh("author statement", claims.IssuedAt, now); err != nil {
			return nil, nil, fmt.Errorf("author statement %d (author %s): %w", i+1, author, err)
		}
		if slices.Contains(authors, author) {
			return nil, nil, fmt.Errorf("author %s signed two statements: one per author", author)
		}
		authors = append(authors, author)
		digests = append(digests, attest.Digest(st))
	}
	return authors, digests, nil
}

// checkParents checks that every resource req derives from is registered
// and that its licence allows the derivative.
func checkParents(t *txn, req *record.ResourceRequest) error {
	if len(req.DerivedFrom) == 0 {
		return nil
	}
	parents, _, err := loadResources(t.stub, req.DerivedFrom)
	if err != nil {
		return err
	}
	child, err := license.Canonical(req.License)
	if err != nil {
		return err
	}
	for i, p := range parents {
		if p == nil {
			return fmt.Errorf("resource %s derives from %s, which is not registered: register it first", req.Digest, req.DerivedFrom[i])
		}
		parentLicense, err := license.Canonical(p.License)
		if err != nil {
			return fmt.Errorf("registered resource %s: %w", p.Digest, err)
		}
		if err := license.CheckDerivative(p.Digest, parentLicense, child); err != nil {
			return fmt.Errorf("resource %s (%s) cannot derive from %s: %w", req.Digest, req.License, p.Digest, err)
		}
	}
	return nil
}

// checkPrevious checks the version req replaces and returns it with its key.
func checkPrevious(t *txn, req *record.ResourceRequest, authors []string) (*record.Resource, string, error) {
	records, keys, err := loadResources(t.stub, []string{req.Previous})
	if err != nil {
		return nil, "", err
	}
	previous := records[0]
	if previous == nil {
		return nil, "", fmt.Errorf("previous version %s is not registered", req.Previous)
	}
	if previous.NextVersion != "" {
		return nil, "", fmt.Errorf("version %s was already replaced by %s: a new version replaces the latest one", previous.Digest, previous.NextVersion)
	}
	if !slices.ContainsFunc(authors, func(a string) bool { return slices.Contains(previous.Authors, a) }) {
		return nil, "", fmt.Errorf("a new version of %s must be signed by at least one of its authors (%s); to build on someone else's resource, register a derivative (derivedFrom)", previous.Digest, strings.Join(previous.Authors, ", "))
	}
	for _, source := range previous.DerivedFrom {
		if !slices.Contains(req.DerivedFrom, source) {
			return nil, "", fmt.Errorf("a new version keeps the sources of the version it replaces: %s derives from %s, add it to derivedFrom", previous.Digest, source)
		}
	}
	return previous, keys[0], nil
}

// loadResources reads the records of digests; an absent one is nil.
func loadResources(stub shim.ChaincodeStubInterface, digests []string) ([]*record.Resource, []string, error) {
	keys := make([]string, len(digests))
	for i, d := range digests {
		k, err := compositeKey(stub, objResource, d)
		if err != nil {
			return nil, nil, err
		}
		keys[i] = k
	}
	values, err := stub.GetMultipleStates(keys...)
	if err != nil {
		return nil, nil, fmt.Errorf("reading resource records: %w", err)
	}
	if len(values) != len(keys) {
		return nil, nil, fmt.Errorf("reading resource records: asked for %d, got %d", len(keys), len(values))
	}
	records := make([]*record.Resource, len(values))
	for i, v := range values {
		if v == nil {
			continue
		}
		var res record.Resource
		if err := json.Unmarshal(v, &res); err != nil {
			return nil, nil, fmt.Errorf("decoding state %q: %w", printableKey(keys[i]), err)
		}
		normalizeResource(&res)
		records[i] = &res
	}
	return records, keys, nil
}

// normalizeResource gives empty lists rather than null, as the contract's
// return schema requires arrays.
func normalizeResource(res *record.Resource) {
	if res.Authors == nil {
		res.Authors = []string{}
	}
	if res.AuthorStatements == nil {
		res.AuthorStatements = []string{}
	}
	if res.DerivedFrom == nil {
		res.DerivedFrom = []string{}
	}
}

// putLink writes the child index entry (parent, child).
func putLink(stub shim.ChaincodeStubInterface, parent, child, relation string) error {
	key, err := stub.CreateCompositeKey(objResourceChild, []string{parent, child})
	if err != nil {
		return fmt.Errorf("building the link key %s -> %s: %w", parent, child, err)
	}
	return putJSON(stub, key, resourceLink{Child: child, Relation: relation})
}

// EndorseResource records a reviewer's endorsement of a registered resource
// (requestJSON is an EndorseRequest). The reviewer signs an endorsement
// statement naming the resource and a role (one of record.ResourceRoles()); the
// ledger keeps the reviewer's id (key thumbprint), the role and the
// statement's digest. The caller's organisation must own the platform,
// accredited for OpenResource. A reviewer endorses a resource once, and
// never one they authored.
func (r *ResourceContract) EndorseResource(ctx contractapi.TransactionContextInterface, requestJSON string) (*record.ResourceEndorsement, error) {
	t, err := r.core.begin(ctx)
	if err != nil {
		return nil, err
	}
	var req record.EndorseRequest
	if err := decodeRequest("endorse request", requestJSON, &req); err != nil {
		return nil, err
	}
	if err := record.ValidateIssuerID(req.PlatformID); err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	if err := record.ValidateHexSHA256("resource digest", req.Digest); err != nil {
		return nil, err
	}
	if _, err := r.requirePlatform(t, req.PlatformID, "endorsing resources for"); err != nil {
		return nil, err
	}
	var claims attest.Endorsement
	reviewer, err := attest.Verify(req.Statement, attest.TypeEndorsement, &claims)
	if err != nil {
		return nil, fmt.Errorf("endorsement statement: %w", err)
	}
	if claims.Resource != req.Digest {
		return nil, fmt.Errorf("endorsement statement of reviewer %s endorses resource %s, not %s", reviewer, claims.Resource, req.Digest)
	}
	if !slices.Contains(record.ResourceRoles(), claims.Role) {
		return nil, fmt.Errorf("endorsement role %q is unknown: want one of %s", claims.Role, strings.Join(record.ResourceRoles(), ", "))
	}
	if err := attest.CheckFresh("endorsement statement", claims.IssuedAt, t.now); err != nil {
		return nil, err
	}
	records, _, err := loadResources(t.stub, []string{req.Digest})
	if err != nil {
		return nil, err
	}
	res := records[0]
	if res == nil {
		return nil, record.NotFound("resource", req.Digest)
	}
	if slices.Contains(res.Authors, reviewer) {
		return nil, fmt.Errorf("reviewer %s is an author of resource %s and cannot endorse it", reviewer, req.Digest)
	}
	key, err := t.stub.CreateCompositeKey(objResourceEndorsement, []string{req.Digest, reviewer})
	if err != nil {
		return nil, fmt.Errorf("building the endorsement key: %w", err)
	}
	var existing record.ResourceEndorsement
	found, err := getJSON(t.stub, key, &existing)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, fmt.Errorf("reviewer %s already endorsed resource %s (as %s, at %s)", reviewer, req.Digest, existing.Role, existing.EndorsedAt)
	}
	e := record.ResourceEndorsement{
		Digest:          req.Digest,
		ReviewerID:      reviewer,
		Role:            claims.Role,
		StatementDigest: attest.Digest(req.Statement),
		PlatformID:      req.PlatformID,
		PlatformMSP:     t.caller,
		EndorsedAt:      t.nowText,
		TxID:            t.id,
	}
	if err := putJSON(t.stub, key, e); err != nil {
		return nil, err
	}
	if err := emit(t.stub, record.EventResourceEndorsed, record.Event{IssuerID: req.PlatformID, Digests: []string{req.Digest}}); err != nil {
		return nil, err
	}
	return &e, nil
}

// GetResource returns the provenance record of resource digest with its
// endorsements, ordered by reviewer id.
func (r *ResourceContract) GetResource(ctx contractapi.TransactionContextInterface, digest string) (*record.Resource, error) {
	if err := record.ValidateHexSHA256("resource digest", digest); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	records, _, err := loadResources(stub, []string{digest})
	if err != nil {
		return nil, err
	}
	res := records[0]
	if res == nil {
		return nil, record.NotFound("resource", digest)
	}
	err = scanKeys(stub, objResourceEndorsement, digest, func(key string, value []byte) (bool, error) {
		var e record.ResourceEndorsement
		if err := json.Unmarshal(value, &e); err != nil {
			return false, fmt.Errorf("decoding state %q: %w", printableKey(key), err)
		}
		res.Endorsements = append(res.Endorsements, e)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the endorsements of %s: %w", digest, err)
	}
	return res, nil
}

// FindResources returns the records of the resources among digestsJSON (a
// JSON array of 1 to MaxFindResources hex digests) that are registered, in
// the order asked, without their endorsements (GetResource gives them).
func (r *ResourceContract) FindResources(ctx contractapi.TransactionContextInterface, digestsJSON string) ([]record.Resource, error) {
	var digests []string
	if err := json.Unmarshal([]byte(digestsJSON), &digests); err != nil {
		return nil, fmt.Errorf("digests %q is not a JSON array of strings: %w", digestsJSON, err)
	}
	if len(digests) == 0 || len(digests) > record.MaxFindResources {
		return nil, fmt.Errorf("FindResources looks up 1 to %d digests, got %d", record.MaxFindResources, len(digests))
	}
	for i, d := range digests {
		if err := record.ValidateHexSHA256("resource digest", d); err != nil {
			return nil, err
		}
		if slices.Contains(digests[:i], d) {
			return nil, fmt.Errorf("digest %s is listed twice", d)
		}
	}
	records, _, err := loadResources(ctx.GetStub(), digests)
	if err != nil {
		return nil, err
	}
	found := []record.Resource{}
	for _, res := range records {
		if res != nil {
			found = append(found, *res)
		}
	}
	return found, nil
}

// GetResourceLineage returns the lineage of resource digest: its ancestors
// (the resources it derives from and the versions it replaces, and theirs,
// and so on) and its descendants (derivatives and later versions), each
// side breadth first and capped at MaxLineage resources.
func (r *ResourceContract) GetResourceLineage(ctx contractapi.TransactionContextInterface, digest string) (*record.Lineage, error) {
	if err := record.ValidateHexSHA256("resource digest", digest); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	records, _, err := loadResources(stub, []string{digest})
	if err != nil {
		return nil, err
	}
	if records[0] == nil {
		return nil, record.NotFound("resource", digest)
	}
	lineage := &record.Lineage{Digest: digest, Ancestors: []record.LineageLink{}, Descendants: []record.LineageLink{}}
	if lineage.Truncated, err = ancestors(stub, records[0], lineage); err != nil {
		return nil, err
	}
	truncated, err := descendants(stub, digest, lineage)
	if err != nil {
		return nil, err
	}
	lineage.Truncated = lineage.Truncated || truncated
	return lineage, nil
}

// ancestors walks up from res, breadth first, appending to lineage.Ancestors;
// it reports whether it stopped at MaxLineage.
func ancestors(stub shim.ChaincodeStubInterface, res *record.Resource, lineage *record.Lineage) (bool, error) {
	seen := map[string]bool{res.Digest: true}
	generation := []*record.Resource{res}
	for depth := 1; len(generation) > 0; depth++ {
		start := len(lineage.Ancestors)
		truncated := false
		for _, child := range generation {
			parents := slices.Clone(child.DerivedFrom)
			relations := slices.Repeat([]string{record.RelationDerivedFrom}, len(parents))
			if child.Previous != "" {
				parents = append(parents, child.Previous)
				relations = append(relations, record.RelationPreviousVersion)
			}
			for i, p := range parents {
				if seen[p] {
					continue
				}
				if len(lineage.Ancestors) == record.MaxLineage {
					truncated = true
					break
				}
				seen[p] = true
				lineage.Ancestors = append(lineage.Ancestors, record.LineageLink{Digest: p, Relation: relations[i], Of: child.Digest, Generation: depth})
			}
		}
		records, err := linkRecords(stub, lineage.Ancestors[start:])
		if err != nil || truncated {
			return truncated, err
		}
		generation = records
	}
	return false, nil
}

// descendants walks down from digest through the child index, breadth
// first, appending to lineage.Descendants; it reports whether it stopped at
// MaxLineage.
func descendants(stub shim.ChaincodeStubInterface, digest string, lineage *record.Lineage) (bool, error) {
	seen := map[string]bool{digest: true}
	generation := []string{digest}
	for depth := 1; len(generation) > 0; depth++ {
		start := len(lineage.Descendants)
		truncated := false
		var next []string
		for _, parent := range generation {
			err := scanKeys(stub, objResourceChild, parent, func(key string, value []byte) (bool, error) {
				var link resourceLink
				if err := json.Unmarshal(value, &link); err != nil {
					return false, fmt.Errorf("decoding state %q: %w", printableKey(key), err)
				}
				if seen[link.Child] {
					return true, nil
				}
				if len(lineage.Descendants) == record.MaxLineage {
					truncated = true
					return false, nil
				}
				seen[link.Child] = true
				lineage.Descendants = append(lineage.Descendants, record.LineageLink{Digest: link.Child, Relation: link.Relation, Of: parent, Generation: depth})
				next = append(next, link.Child)
				return true, nil
			})
			if err != nil {
				return false, fmt.Errorf("reading the descendants of %s: %w", parent, err)
			}
			if truncated {
				break
			}
		}
		if _, err := linkRecords(stub, lineage.Descendants[start:]); err != nil || truncated {
			return truncated, err
		}
		generation = next
	}
	return false, nil
}

// linkRecords reads the resources links name, fills in their title and
// licence, and returns the records in the same order.
func linkRecords(stub shim.ChaincodeStubInterface, links []record.LineageLink) ([]*record.Resource, error) {
	digests := make([]string, len(links))
	for i, l := range links {
		digests[i] = l.Digest
	}
	records, _, err := loadResources(stub, digests)
	if err != nil {
		return nil, err
	}
	for i, res := range records {
		if res == nil {
			return nil, fmt.Errorf("lineage: resource %s is linked but has no record", links[i].Digest)
		}
		links[i].Title = res.Title
		links[i].License = res.License
	}
	return records, nil
}

// scanKeys calls fn for the entries of objectType under first, in key
// order, until fn returns false. It pages through the range, as Fabric caps
// unpaginated scans; it is for read-only functions only, as Fabric refuses
// paginated queries in a transaction that writes.
func scanKeys(stub shim.ChaincodeStubInterface, objectType, first string, fn func(key string, value []byte) (bool, error)) error {
	bookmark := ""
	for {
		iter, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(objectType, []string{first}, scanPageSize, bookmark)
		if err != nil {
			return err
		}
		more, err := eachKV(iter, fn)
		if err != nil || !more || meta.GetBookmark() == "" {
			return err
		}
		bookmark = meta.GetBookmark()
	}
}

// eachKV calls fn for every entry of iter until fn returns false, and
// closes iter; it reports whether fn wanted more.
func eachKV(iter shim.StateQueryIteratorInterface, fn func(key string, value []byte) (bool, error)) (bool, error) {
	defer iter.Close()
	for iter.HasNext() {
		kv, err := iter.Next()
		if err != nil {
			return false, err
		}
		more, err := fn(kv.GetKey(), kv.GetValue())
		if err != nil || !more {
			return false, err
		}
	}
	return true, nil
}
