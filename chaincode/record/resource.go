package record

// Open educational resources on the ledger: provenance records,
// endorsements and lineage. Nothing personal is part of them: a resource is
// a SHA-256 digest, authors and reviewers are the RFC 7638 thumbprints of
// their public keys, and an attribution (names, school) is only the digest
// of a statement kept off the ledger.

// ResourceContractName is the name of the resources contract: clients call
// its functions as "resources:<Function>".
const ResourceContractName = "resources"

// Limits of the resources contract.
const (
	// MaxTitleLength is the longest resource title, in characters.
	MaxTitleLength = 300
	// MaxResourceParents is the most resources one resource derives from.
	MaxResourceParents = 16
	// MaxResourceAuthors is the most authors one resource has.
	MaxResourceAuthors = 16
	// MaxLineage is the most resources a lineage lists on each side.
	MaxLineage = 1000
	// MaxFindResources is the most digests FindResources looks up at once.
	MaxFindResources = 100
)

// ResourceRoles are the roles in which a reviewer can endorse a resource:
// no free text goes on the ledger.
func ResourceRoles() []string {
	return []string{"inspector", "peer-teacher", "teacher-trainer", "librarian", "other"}
}

// Relations in a lineage.
const (
	// RelationDerivedFrom links a resource to a resource it derives from.
	RelationDerivedFrom = "derived-from"
	// RelationPreviousVersion links a version to the version it replaces.
	RelationPreviousVersion = "previous-version"
)

// ValidateResourceTitle checks a resource's title: valid UTF-8, not empty,
// no leading or trailing space, at most MaxTitleLength printable
// characters.
func ValidateResourceTitle(title string) error {
	return validateLabel("resource title", title, MaxTitleLength)
}

// ResourceRequest is the argument of RegisterResource and
// RegisterResourceVersion.
type ResourceRequest struct {
	// PlatformID is the registering platform: an issuer accredited for
	// OpenResource, owned by the caller's organisation.
	PlatformID string `json:"platformId"`
	// Digest is the hex SHA-256 of the resource: of a file's content, or of
	// a folder's manifest.
	Digest string `json:"digest"`
	Title  string `json:"title"`
	// License is the SPDX id, spelled canonically.
	License string `json:"license"`
	// DerivedFrom lists the digests of registered resources it derives from.
	DerivedFrom []string `json:"derivedFrom,omitempty" metadata:",optional"`
	// Previous is the digest of the version this one replaces
	// (RegisterResourceVersion only).
	Previous string `json:"previous,omitempty" metadata:",optional"`
	// AttributionDigest is the hex SHA-256 of the author-signed attribution
	// kept off the ledger by the platform, if any.
	AttributionDigest string `json:"attributionDigest,omitempty" metadata:",optional"`
	// AuthorStatements holds one registration statement (compact JWS, see
	// internal/attest) per author, each saying exactly what the request says.
	AuthorStatements []string `json:"authorStatements"`
}

// Resource is the provenance record of a registered resource.
type Resource struct {
	Digest  string `json:"digest"`
	Title   string `json:"title"`
	License string `json:"license"`
	// Authors are the authors' ids: RFC 7638 thumbprints of their keys.
	Authors []string `json:"authors"`
	// AuthorStatements are the hex SHA-256 digests of the authors'
	// registration statements, in the order of Authors.
	AuthorStatements []string `json:"authorStatements"`
	DerivedFrom      []string `json:"derivedFrom" metadata:",optional"`
	Previous         string   `json:"previous,omitempty" metadata:",optional"`
	// NextVersion is the digest of the version that replaced this one.
	NextVersion       string `json:"nextVersion,omitempty" metadata:",optional"`
	AttributionDigest string `json:"attributionDigest,omitempty" metadata:",optional"`
	// PlatformID and PlatformMSP name the registering platform.
	PlatformID   string `json:"platformId"`
	PlatformMSP  string `json:"platformMsp"`
	RegisteredAt string `json:"registeredAt"`
	// TxID is the registering transaction.
	TxID string `json:"txId"`
	// UpdatedAt and UpdateTxID are set when a new version replaced it.
	UpdatedAt  string `json:"updatedAt,omitempty" metadata:",optional"`
	UpdateTxID string `json:"updateTxId,omitempty" metadata:",optional"`
	// Endorsements are filled by GetResource, by reviewer id; they are
	// stored under keys of their own.
	Endorsements []ResourceEndorsement `json:"endorsements,omitempty" metadata:",optional"`
}

// EndorseRequest is the argument of EndorseResource.
type EndorseRequest struct {
	// PlatformID is the submitting platform, accredited for OpenResource.
	PlatformID string `json:"platformId"`
	Digest     string `json:"digest"`
	// Statement is the reviewer's endorsement statement (compact JWS).
	Statement string `json:"statement"`
}

// ResourceEndorsement is a reviewer's endorsement of a resource.
type ResourceEndorsement struct {
	Digest string `json:"digest"`
	// ReviewerID is the RFC 7638 thumbprint of the reviewer's key.
	ReviewerID string `json:"reviewerId"`
	Role       string `json:"role"`
	// StatementDigest is the hex SHA-256 of the endorsement statement.
	StatementDigest string `json:"statementDigest"`
	PlatformID      string `json:"platformId"`
	PlatformMSP     string `json:"platformMsp"`
	EndorsedAt      string `json:"endorsedAt"`
	TxID            string `json:"txId"`
}

// Lineage is the family of a resource: every resource it comes from, and
// every resource that comes from it.
type Lineage struct {
	Digest string `json:"digest"`
	// Ancestors and Descendants are breadth first, nearest generation first.
	Ancestors   []LineageLink `json:"ancestors"`
	Descendants []LineageLink `json:"descendants"`
	// Truncated is set when a side has more than MaxLineage resources and
	// only the first ones are listed.
	Truncated bool `json:"truncated,omitempty" metadata:",optional"`
}

// LineageLink is one resource of a lineage and how it is linked.
type LineageLink struct {
	Digest string `json:"digest"`
	// Relation is RelationDerivedFrom or RelationPreviousVersion, read from
	// the child to the parent: for an ancestor, Digest is the parent of Of;
	// for a descendant, Digest is the child of Of.
	Relation string `json:"relation"`
	Of       string `json:"of"`
	// Generation is 1 for parents and children, 2 for grandparents and
	// grandchildren, and so on.
	Generation int    `json:"generation"`
	Title      string `json:"title"`
	License    string `json:"license"`
}
