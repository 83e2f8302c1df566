package provenance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/attest"
	"github.com/sceau/sceau/internal/license"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
)

// Service is what a platform runs: it registers resources on the ledger
// with their provenance, verifies and endorses them, and keeps manifests
// and attributions off the ledger, in its Store.
type Service struct {
	// Home is the Sceau home: platforms are organisations in it.
	Home     org.Home
	Contract *network.Contract
	Store    *Store
	Logger   *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// NewService returns a Service over ledger for the Sceau home folder.
func NewService(home string, ledger network.Ledger, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{Home: org.Home(home), Contract: network.NewContract(ledger), Store: NewStore(home), Logger: logger}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// InvalidError is a registration or endorsement the platform refuses
// before it reaches the ledger: malformed, or contradicting itself or the
// ledger. A licence rule broken wraps a *license.Violation.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// ErrNotAccredited is wrapped by the error for a platform that is not
// accredited for OpenResource now.
var ErrNotAccredited = errors.New("platform not accredited")

func invalid(format string, args ...any) error {
	return &InvalidError{Err: fmt.Errorf(format, args...)}
}

// Submission is a registration as a platform receives it, signed by the
// authors already: it is the body of POST /v1/resources.
type Submission struct {
	// Digest is the resource digest. It may be omitted when Manifest is
	// given, and must otherwise be the manifest's digest.
	Digest string `json:"digest,omitempty"`
	// Manifest is a folder's manifest (see the package documentation),
	// kept by the platform, never put on the ledger.
	Manifest string `json:"manifest,omitempty"`
	Title    string `json:"title"`
	// License is the SPDX id, spelled canonically.
	License     string   `json:"license"`
	DerivedFrom []string `json:"derivedFrom,omitempty"`
	Previous    string   `json:"previous,omitempty"`
	// AuthorStatements holds one registration statement per author (see
	// internal/attest): each says exactly what the submission says, with
	// attribution the hex SHA-256 of Attribution when there is one.
	AuthorStatements []string `json:"authorStatements"`
	// Attribution is an author's signed attribution statement, kept by the
	// platform and served by its API until erased.
	Attribution string `json:"attribution,omitempty"`
}

// Submit checks a submission, keeps its manifest and attribution in the
// store and registers it on the ledger as platform platformID (an issuer of
// this home accredited for OpenResource). On failure nothing new stays in
// the store.
func (s *Service) Submit(ctx context.Context, platformID string, sub Submission) (*record.Resource, error) {
	profile, err := s.Home.LoadProfile(platformID)
	if err != nil {
		return nil, err
	}
	var manifest *Manifest
	if sub.Manifest != "" {
		if manifest, err = ParseManifest([]byte(sub.Manifest)); err != nil {
			return nil, &InvalidError{Err: err}
		}
		if sub.Digest == "" {
			sub.Digest = manifest.Digest()
		}
		if sub.Digest != manifest.Digest() {
			return nil, invalid("digest %s is not the digest of the manifest, %s", sub.Digest, manifest.Digest())
		}
	}
	if err := record.ValidateDigest(sub.Digest); err != nil {
		return nil, invalid("resource %w", err)
	}
	if _, err := license.Canonical(sub.License); err != nil {
		return nil, &InvalidError{Err: err}
	}
	attributionDigest := ""
	if sub.Attribution != "" {
		attributionDigest = attest.Digest(sub.Attribution)
	}
	authors, err := checkStatements(&sub, attributionDigest, s.now())
	if err != nil {
		return nil, err
	}
	if sub.Attribution != "" {
		a, signer, err := VerifyAttribution(sub.Attribution)
		if err != nil {
			return nil, &InvalidError{Err: err}
		}
		if a.Resource != sub.Digest {
			return nil, invalid("the attribution is for resource %s, not %s", a.Resource, sub.Digest)
		}
		if !slices.Contains(authors, signer) {
			return nil, invalid("the attribution is signed by %s, who is not an author", signer)
		}
	}
	if err := s.checkPlatform(ctx, platformID); err != nil {
		return nil, err
	}
	if err := s.checkLineage(ctx, &sub, authors); err != nil {
		return nil, err
	}

	var created []string
	cleanup := func() {
		for _, p := range created {
			if err := s.Store.remove(p); err != nil {
				s.Logger.Warn("could not remove a file of a failed registration", "path", p, "err", err)
			}
		}
	}
	if manifest != nil {
		isNew, err := s.Store.PutManifest(manifest)
		if err != nil {
			return nil, err
		}
		if isNew {
			created = append(created, s.Store.manifestPath(sub.Digest))
		}
	}
	if sub.Attribution != "" {
		isNew, err := s.Store.PutAttribution(sub.Digest, sub.Attribution)
		if err != nil {
			cleanup()
			return nil, err
		}
		if isNew {
			created = append(created, s.Store.attributionPath(sub.Digest))
		}
	}
	req := record.ResourceRequest{
		PlatformID:        platformID,
		Digest:            sub.Digest,
		Title:             sub.Title,
		License:           sub.License,
		DerivedFrom:       sub.DerivedFrom,
		Previous:          sub.Previous,
		AttributionDigest: attributionDigest,
		AuthorStatements:  sub.AuthorStatements,
	}
	var res *record.Resource
	if sub.Previous == "" {
		res, err = s.Contract.RegisterResource(ctx, profile.Org, req)
	} else {
		res, err = s.Contract.RegisterResourceVersion(ctx, profile.Org, req)
	}
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("registering resource %s: %w", sub.Digest, err)
	}
	s.Logger.Info("resource registered", "digest", res.Digest, "platform", platformID, "license", res.License, "tx", res.TxID)
	return res, nil
}

// checkStatements verifies every author statement against the submission
// and returns the authors' ids, as the chaincode will.
func checkStatements(sub *Submission, attributionDigest string, now time.Time) ([]string, error) {
	if n := len(sub.AuthorStatements); n == 0 || n > record.MaxResourceAuthors {
		return nil, invalid("%d author statements: want 1 to %d, one per author", n, record.MaxResourceAuthors)
	}
	want := attest.Registration{Resource: sub.Digest, Title: sub.Title, License: sub.License, DerivedFrom: sub.DerivedFrom, Previous: sub.Previous, Attribution: attributionDigest}
	var authors []string
	for i, st := range sub.AuthorStatements {
		var claims attest.Registration
		author, err := attest.Verify(st, attest.TypeRegistration, &claims)
		if err != nil {
			return nil, invalid("author statement %d: %w", i+1, err)
		}
		if err := claims.Mismatch(&want); err != nil {
			return nil, invalid("author statement %d (author %s) does not match the submission: %w", i+1, author, err)
		}
		if err := attest.CheckFresh("author statement", claims.IssuedAt, now); err != nil {
			return nil, invalid("author statement %d (author %s): %w", i+1, author, err)
		}
		if slices.Contains(authors, author) {
			return nil, invalid("author %s signed two statements: one per author", author)
		}
		authors = append(authors, author)
	}
	return authors, nil
}

// checkPlatform checks, for a clear error before submitting, that platform
// id is active and accredited for OpenResource now.
func (s *Service) checkPlatform(ctx context.Context, id string) error {
	is, err := s.Contract.GetIssuer(ctx, id)
	if err != nil {
		return fmt.Errorf("platform %s: %w", id, err)
	}
	var refused *record.AnchorError
	if err := is.CanAnchor(record.TypeOpenResource, s.now()); errors.As(err, &refused) && refused.Problem != record.NoKeyInService {
		return invalid("%w: platform %s is %s and not accredited for %s now: governance accredits it with `sceau issuer accredit --id %s --types %s`", ErrNotAccredited, id, is.Status, record.TypeOpenResource, id, record.TypeOpenResource)
	} else if err != nil {
		return fmt.Errorf("platform %s: %w", id, err)
	}
	return nil
}

// checkLineage checks, for a clear error before submitting, that the
// resources sub derives from are registered and allow it, and that the
// version it replaces can be replaced.
func (s *Service) checkLineage(ctx context.Context, sub *Submission, authors []string) error {
	if len(sub.DerivedFrom) > record.MaxResourceParents {
		return invalid("resource %s derives from %d resources, the limit is %d", sub.Digest, len(sub.DerivedFrom), record.MaxResourceParents)
	}
	if len(sub.DerivedFrom) > 0 {
		for _, d := range sub.DerivedFrom {
			if err := record.ValidateDigest(d); err != nil {
				return invalid("derivedFrom: %w", err)
			}
		}
		found, err := s.Contract.FindResources(ctx, sub.DerivedFrom)
		if err != nil {
			return fmt.Errorf("reading the resources %s derives from: %w", sub.Digest, err)
		}
		child, err := license.Canonical(sub.License)
		if err != nil {
			return &InvalidError{Err: err}
		}
		for _, d := range sub.DerivedFrom {
			i := slices.IndexFunc(found, func(r record.Resource) bool { return r.Digest == d })
			if i < 0 {
				return invalid("resource %s derives from %s, which is not registered: register it first", sub.Digest, d)
			}
			parent, err := license.Canonical(found[i].License)
			if err != nil {
				return fmt.Errorf("registered resource %s: %w", d, err)
			}
			if err := license.CheckDerivative(d, parent, child); err != nil {
				return invalid("resource %s (%s) cannot derive from %s: %w", sub.Digest, sub.License, d, err)
			}
		}
	}
	if sub.Previous == "" {
		return nil
	}
	if err := record.ValidateDigest(sub.Previous); err != nil {
		return invalid("previous: %w", err)
	}
	prev, err := s.Contract.GetResource(ctx, sub.Previous)
	if errors.Is(err, network.ErrNotFound) {
		return invalid("previous version %s is not registered", sub.Previous)
	}
	if err != nil {
		return fmt.Errorf("reading previous version %s: %w", sub.Previous, err)
	}
	if prev.NextVersion != "" {
		return invalid("version %s was already replaced by %s: a new version replaces the latest one", prev.Digest, prev.NextVersion)
	}
	if !slices.ContainsFunc(authors, func(a string) bool { return slices.Contains(prev.Authors, a) }) {
		return invalid("a new version of %s must be signed by at least one of its authors (%s); to build on someone else's resource, register a derivative (--derived-from)", prev.Digest, strings.Join(prev.Authors, ", "))
	}
	for _, source := range prev.DerivedFrom {
		if !slices.Contains(sub.DerivedFrom, source) {
			return invalid("a new version keeps the sources of the version it replaces: %s derives from %s, add it to derivedFrom", prev.Digest, source)
		}
	}
	return nil
}

// RegisterOptions describe a registration made on the platform's machine,
// where the authors' keys are at hand.
type RegisterOptions struct {
	// PlatformID is the registering platform, an issuer of this home.
	PlatformID string
	// Path is the resource: a file or a folder.
	Path  string
	Title string
	// License is an SPDX id, matched case-insensitively.
	License string
	// Authors sign the registration; at least one.
	Authors     []*Key
	DerivedFrom []string
	// Previous is the digest of the version this one replaces. The new
	// version keeps that version's sources: they are added to DerivedFrom.
	Previous string
	// AttributionFile is an attribution file (see ReadAttributionFile): an
	// AttributionInput is signed by the first author.
	AttributionFile string
}

// Register hashes the resource at opts.Path, has its authors sign the
// registration and submits it (see Submit).
func (s *Service) Register(ctx context.Context, opts RegisterOptions) (*record.Resource, error) {
	if len(opts.Authors) == 0 {
		return nil, invalid("a resource needs at least one author key")
	}
	lic, err := license.Lookup(opts.License)
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	content, err := Hash(ctx, opts.Path)
	if err != nil {
		return nil, err
	}
	derivedFrom := slices.Clone(opts.DerivedFrom)
	for i, d := range derivedFrom {
		if slices.Contains(derivedFrom[:i], d) {
			return nil, invalid("--derived-from %s is given twice", d)
		}
	}
	if opts.Previous != "" {
		if err := record.ValidateDigest(opts.Previous); err != nil {
			return nil, invalid("previous: %w", err)
		}
		prev, err := s.Contract.GetResource(ctx, opts.Previous)
		if errors.Is(err, network.ErrNotFound) {
			return nil, invalid("previous version %s is not registered", opts.Previous)
		}
		if err != nil {
			return nil, fmt.Errorf("reading previous version %s: %w", opts.Previous, err)
		}
		for _, source := range prev.DerivedFrom {
			if !slices.Contains(derivedFrom, source) {
				derivedFrom = append(derivedFrom, source)
			}
		}
	}
	now := s.now()
	sub := Submission{Digest: content.Digest, Title: opts.Title, License: lic.ID, DerivedFrom: derivedFrom, Previous: opts.Previous}
	if content.Manifest != nil {
		sub.Manifest = string(content.Manifest.Bytes())
	}
	if opts.AttributionFile != "" {
		signed, input, err := ReadAttributionFile(opts.AttributionFile)
		if err != nil {
			return nil, &InvalidError{Err: err}
		}
		if input != nil {
			if signed, err = SignAttribution(opts.Authors[0], content.Digest, *input, now); err != nil {
				return nil, err
			}
		}
		sub.Attribution = signed
	}
	claims := attest.Registration{Resource: sub.Digest, Title: sub.Title, License: sub.License, DerivedFrom: sub.DerivedFrom, Previous: sub.Previous, IssuedAt: now.Unix()}
	if sub.Attribution != "" {
		claims.Attribution = attest.Digest(sub.Attribution)
	}
	for _, author := range opts.Authors {
		st, err := attest.Sign(author.Signer(), attest.TypeRegistration, claims)
		if err != nil {
			return nil, err
		}
		sub.AuthorStatements = append(sub.AuthorStatements, st)
	}
	return s.Submit(ctx, opts.PlatformID, sub)
}

// Verification is what the ledger and the platform's store say about a
// resource found on disk.
type Verification struct {
	Digest     string `json:"digest"`
	Registered bool   `json:"registered"`
	// Resource and Lineage are set when it is registered; Attribution when
	// this platform holds its attribution.
	Resource    *record.Resource `json:"resource,omitempty"`
	Lineage     *record.Lineage  `json:"lineage,omitempty"`
	Attribution *Attribution     `json:"attribution,omitempty"`
	// Closest is set when it is not registered but a registered folder
	// whose manifest this platform keeps shares files with it.
	Closest *Closest `json:"closest,omitempty"`
}

// Closest is the registered version closest to an unregistered folder,
// and what differs from it.
type Closest struct {
	Resource *record.Resource `json:"resource"`
	Changes  Changes          `json:"changes"`
}

// Verify tells whether the exact content at path is registered. When it
// is not and it is a folder, it looks in the store for the registered
// folder sharing the most files with it and lists the files that differ.
func (s *Service) Verify(ctx context.Context, path string) (*Verification, error) {
	content, err := Hash(ctx, path)
	if err != nil {
		return nil, err
	}
	return s.VerifyContent(ctx, content)
}

// VerifyContent is Verify for content already hashed.
func (s *Service) VerifyContent(ctx context.Context, content *Content) (*Verification, error) {
	v := &Verification{Digest: content.Digest}
	res, err := s.Contract.GetResource(ctx, content.Digest)
	switch {
	case err == nil:
		v.Registered = true
		v.Resource = res
		if v.Lineage, err = s.Contract.GetResourceLineage(ctx, content.Digest); err != nil {
			return nil, fmt.Errorf("reading the lineage of %s: %w", content.Digest, err)
		}
		v.Attribution = s.storedAttribution(res)
		return v, nil
	case !errors.Is(err, network.ErrNotFound):
		return nil, fmt.Errorf("looking up resource %s: %w", content.Digest, err)
	}
	if content.Manifest != nil {
		if v.Closest, err = s.closest(ctx, content.Manifest); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// HeldAttribution returns the attribution of res this platform holds and
// the ledger names (its digest matches, its signature verifies), or nil:
// what `resource verify` and `resource history` credit.
func (s *Service) HeldAttribution(res *record.Resource) *Attribution { return s.storedAttribution(res) }

// storedAttribution returns the attribution of res this platform holds,
// if it is the one the ledger names.
func (s *Service) storedAttribution(res *record.Resource) *Attribution {
	if res.AttributionDigest == "" {
		return nil
	}
	st, err := s.Store.Attribution(res.Digest)
	if err != nil {
		return nil
	}
	if attest.Digest(st) != res.AttributionDigest {
		s.Logger.Warn("stored attribution is not the one on the ledger", "resource", res.Digest)
		return nil
	}
	a, _, err := VerifyAttribution(st)
	if err != nil {
		s.Logger.Warn("stored attribution does not verify", "resource", res.Digest, "err", err)
		return nil
	}
	return a
}

// closest finds the registered folder, among the manifests in the store,
// that shares the most files with m.
func (s *Service) closest(ctx context.Context, m *Manifest) (*Closest, error) {
	digests, err := s.Store.ManifestDigests()
	if err != nil {
		return nil, err
	}
	type candidate struct {
		digest   string
		manifest *Manifest
		score    int
	}
	var candidates []candidate
	for _, d := range digests {
		stored, err := s.Store.Manifest(d)
		if err != nil {
			s.Logger.Warn("skipping an unreadable manifest", "digest", d, "err", err)
			continue
		}
		if score := similarity(m, stored); score > 0 {
			candidates = append(candidates, candidate{d, stored, score})
		}
	}
	slices.SortStableFunc(candidates, func(a, b candidate) int { return b.score - a.score })
	for start := 0; start < len(candidates); start += record.MaxFindResources {
		chunk := candidates[start:min(start+record.MaxFindResources, len(candidates))]
		ask := make([]string, len(chunk))
		for i, c := range chunk {
			ask[i] = c.digest
		}
		found, err := s.Contract.FindResources(ctx, ask)
		if err != nil {
			return nil, fmt.Errorf("looking up registered versions: %w", err)
		}
		for _, c := range chunk {
			i := slices.IndexFunc(found, func(r record.Resource) bool { return r.Digest == c.digest })
			if i >= 0 {
				return &Closest{Resource: &found[i], Changes: Diff(c.manifest, m)}, nil
			}
		}
	}
	return nil, nil
}

// History returns the record of resource digest and its lineage.
func (s *Service) History(ctx context.Context, digest string) (*record.Resource, *record.Lineage, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return nil, nil, invalid("resource %w", err)
	}
	res, err := s.Contract.GetResource(ctx, digest)
	if err != nil {
		return nil, nil, err
	}
	lineage, err := s.Contract.GetResourceLineage(ctx, digest)
	if err != nil {
		return nil, nil, err
	}
	return res, lineage, nil
}

// Lineage returns the ancestors and descendants of resource digest, as
// the ledger links them.
func (s *Service) Lineage(ctx context.Context, digest string) (*record.Lineage, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return nil, invalid("resource %w", err)
	}
	return s.Contract.GetResourceLineage(ctx, digest)
}

// EndorseOptions describe an endorsement.
type EndorseOptions struct {
	// PlatformID is the submitting platform, an issuer of this home.
	PlatformID string
	Digest     string
	// Role is one of record.ResourceRoles().
	Role     string
	Reviewer *Key
}

// Endorse has the reviewer sign an endorsement of a resource and records
// it on the ledger through the platform.
func (s *Service) Endorse(ctx context.Context, opts EndorseOptions) (*record.ResourceEndorsement, error) {
	if err := record.ValidateDigest(opts.Digest); err != nil {
		return nil, invalid("resource %w", err)
	}
	if roles := record.ResourceRoles(); !slices.Contains(roles, opts.Role) {
		return nil, invalid("role %q is unknown: want one of %s", opts.Role, strings.Join(roles, ", "))
	}
	profile, err := s.Home.LoadProfile(opts.PlatformID)
	if err != nil {
		return nil, err
	}
	st, err := attest.Sign(opts.Reviewer.Signer(), attest.TypeEndorsement, attest.Endorsement{Resource: opts.Digest, Role: opts.Role, IssuedAt: s.now().Unix()})
	if err != nil {
		return nil, err
	}
	e, err := s.Contract.EndorseResource(ctx, profile.Org, record.EndorseRequest{PlatformID: opts.PlatformID, Digest: opts.Digest, Statement: st})
	if err != nil {
		return nil, fmt.Errorf("endorsing resource %s: %w", opts.Digest, err)
	}
	return e, nil
}

// DefaultPlatform returns the one issuer of this home accredited for
// OpenResource, for commands that need a platform and were given none.
func (s *Service) DefaultPlatform(ctx context.Context) (string, error) {
	ids, err := s.Home.OrgIDs()
	if err != nil {
		return "", fmt.Errorf("listing the platforms of %s: %w", s.Home, err)
	}
	var platforms []string
	for _, id := range ids {
		if _, err := s.Home.LoadProfile(id); err != nil {
			continue
		}
		is, err := s.Contract.GetIssuer(ctx, id)
		if errors.Is(err, network.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("reading issuer %s: %w", id, err)
		}
		if is.CanAnchor(record.TypeOpenResource, s.now()) == nil {
			platforms = append(platforms, id)
		}
	}
	switch len(platforms) {
	case 1:
		return platforms[0], nil
	case 0:
		return "", invalid("no platform accredited for %s in %s: create one with `sceau issuer init` and have governance accredit it", record.TypeOpenResource, s.Home)
	default:
		return "", invalid("several platforms are accredited for %s in %s (%s): choose one with --issuer", record.TypeOpenResource, s.Home, strings.Join(platforms, ", "))
	}
}

// EraseAttribution deletes the attribution of resource digest from the
// store: the ledger only ever held its digest, so nothing personal about
// the author remains readable.
func (s *Service) EraseAttribution(digest string) error {
	if err := record.ValidateDigest(digest); err != nil {
		return invalid("resource %w", err)
	}
	if err := s.Store.EraseAttribution(digest, s.now()); err != nil {
		return err
	}
	s.Logger.Info("attribution erased", "resource", digest)
	return nil
}

// View is a resource as the platform's API serves it: the ledger's record
// and, while the platform holds it, the author's attribution.
type View struct {
	Resource *record.Resource `json:"resource"`
	// Attribution is the signed attribution statement (compact JWS).
	Attribution string `json:"attribution,omitempty"`
	// AttributionStatus is "none" (the ledger names no attribution),
	// "available", "erased" (at AttributionErasedAt) or "elsewhere"
	// (another platform holds it).
	AttributionStatus   string `json:"attributionStatus"`
	AttributionErasedAt string `json:"attributionErasedAt,omitempty"`
}

// View returns resource digest as the API serves it.
func (s *Service) View(ctx context.Context, digest string) (*View, error) {
	if err := record.ValidateDigest(digest); err != nil {
		return nil, invalid("resource %w", err)
	}
	res, err := s.Contract.GetResource(ctx, digest)
	if err != nil {
		return nil, err
	}
	v := &View{Resource: res, AttributionStatus: "none"}
	if res.AttributionDigest == "" {
		return v, nil
	}
	if st, err := s.Store.Attribution(digest); err == nil && attest.Digest(st) == res.AttributionDigest {
		v.Attribution, v.AttributionStatus = st, "available"
	} else if at, ok := s.Store.AttributionErasedAt(digest); ok {
		v.AttributionStatus, v.AttributionErasedAt = "erased", at.Format(time.RFC3339)
	} else {
		v.AttributionStatus = "elsewhere"
	}
	return v, nil
}
