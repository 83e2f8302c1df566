// Package provenance gives value to open educational resources made by
// teachers: who made a resource, under which licence, what it derives
// from, who reviewed it — provable years later on the ledger, without
// putting teachers' personal data on a ledger that never forgets.
//
// # Resources and their digests
//
// A resource is identified by the SHA-256 of its content, as 64 lowercase
// hex characters. For a file, it is the SHA-256 of the file's bytes (what
// `sha256sum FILE` prints). For a folder, it is the SHA-256 of the folder's
// manifest, a text file:
//
//	sceau-resource-manifest-v1
//	<sha256 hex of the file>  <relative/path>
//	…
//
// The first line is the header "sceau-resource-manifest-v1". Then comes one
// line per regular file of the folder, at any depth, hidden files included:
// the file's SHA-256 in lowercase hex, two spaces, and its path relative to
// the folder. Every line ends with "\n" (the last one too). Paths:
//
//   - use "/" as separator, whatever the system;
//   - are valid UTF-8 normalised to Unicode NFC (as macOS may store names in
//     NFD, names are normalised when read; two names equal once normalised
//     are refused);
//   - have no empty, "." or ".." component, no control character and no
//     backslash, and are at most MaxPathLength bytes;
//   - are sorted by their bytes, each listed once.
//
// Empty folders are ignored: they are not content. Symbolic links and
// special files are refused, naming them. A folder holds at most MaxFiles
// files of at most MaxFileSize bytes each. Below the header, the manifest
// is `sha256sum`'s format, so `tail -n +2 manifest | sha256sum -c` checks a
// folder against it; and the folder's digest is `sha256sum manifest`.
//
// The manifest stays off the ledger (paths can name people): the platform
// keeps it in its Store, and only its digest is anchored.
//
// # Provenance on the ledger
//
// A platform (an issuer made with `sceau issuer init` and accredited by
// governance for OpenResource) registers a resource with the chaincode's
// resources contract (ResourceContract in the chaincode). The record holds the
// digest, a title, an SPDX licence (internal/license lists the accepted
// ones), the authors as pseudonymous ids (the RFC 7638 thumbprints of their
// public keys), the resources it derives from, the version it replaces,
// the registering platform and its MSP, the time and the transaction id.
// Each author signs a registration statement (a JWS, internal/attest)
// saying exactly what the record says, so no platform can invent authors;
// the chaincode checks every signature. Reviewers endorse a resource the
// same way, with a role (inspector, peer-teacher…), never free text.
//
// The chaincode enforces the licence rules when a derivative is registered,
// naming the parent's digest and the rule; this package checks them first
// for an early error. The rules follow the licences' own texts
// (internal/license): nothing derives from an ND resource; a derivative of
// an SA resource keeps its licence or one the licence's text allows — CC
// BY-SA 3.0 allows "a later version of this License with the same License
// Elements" (so 3.0 → 4.0, never 4.0 → 3.0), CC BY-SA 4.0 "this version
// or later, or a BY-SA Compatible License" (the GNU GPL v3, as Creative
// Commons declared it, one way); NC stays NC. Every pair:
//
//	parent licence      a derivative may carry
//	CC0-1.0             any accepted licence
//	CC-BY-4.0           any accepted licence
//	CC-BY-SA-4.0        CC-BY-SA-4.0, GPL-3.0-or-later
//	CC-BY-NC-4.0        CC-BY-NC-4.0, CC-BY-NC-SA-4.0, CC-BY-NC-ND-4.0
//	CC-BY-NC-SA-4.0     CC-BY-NC-SA-4.0
//	CC-BY-ND-4.0        nothing (no derivatives)
//	CC-BY-NC-ND-4.0     nothing (no derivatives)
//	CC-BY-3.0           any accepted licence
//	CC-BY-SA-3.0        CC-BY-SA-4.0, CC-BY-SA-3.0
//	etalab-2.0          any accepted licence
//	MIT                 any accepted licence
//	GPL-3.0-or-later    GPL-3.0-or-later
//
// # Attribution, kept off the ledger
//
// How an author wants to be credited (names, school, e-mail, a statement)
// is an attribution statement signed by the author, with a random nonce.
// The platform keeps it in its Store and serves it through its API; the
// ledger holds only its digest, which the nonce keeps from being confirmed
// by guessing. EraseAttribution deletes it: nothing personal about the
// author is then readable anywhere, as the ledger never had it.
//
// # The platform's store
//
// Store keeps, under <home>/resources/:
//
//	manifests/<digest>            folder manifests, by resource digest
//	attributions/<digest>.jws     attribution statements, by resource digest
//	attributions/<digest>.erased  when an attribution was erased
//
// Verify uses the manifests to name the files that differ between a folder
// that is not registered and the registered folder sharing the most files
// with it.
//
// # HTTP API
//
// Package provenance/provenanceapi serves, over this package's Service:
//
//	GET  /v1/resources/{digest}          View: {"resource": {…record, endorsements}, "attribution": "<JWS>",
//	                                     "attributionStatus": "none|available|erased|elsewhere"}
//	GET  /v1/resources/{digest}/lineage  {"digest", "ancestors": [link…], "descendants": [link…], "truncated"}
//	POST /v1/resources                   body: Submission; answer 201 with the record
//
// POST needs an issuer API token (`Authorization: Bearer <token>`): the
// resource is registered by the token's issuer, which must be a platform
// accredited for OpenResource. Its body is a Submission:
//
//	{"digest": "<hex>",              optional when "manifest" is given
//	 "manifest": "sceau-resource-manifest-v1\n…",  for a folder, optional
//	 "title": "…", "license": "CC-BY-SA-4.0",
//	 "derivedFrom": ["<hex>"…], "previous": "<hex>",
//	 "authorStatements": ["<JWS>"…],  one registration statement per author
//	 "attribution": "<JWS>"}          optional, signed by an author
//
// Authors sign on their own devices; their keys never reach the platform.
// A registration statement is a compact JWS whose protected header is
// exactly {"alg": "ES256"|"EdDSA", "typ": "sceau-resource-registration+jws",
// "jwk": <the author's public key>} and whose payload is
//
//	{"resource": "<hex>", "title": "…", "license": "…", "derivedFrom": […],
//	 "previous": "<hex>", "attribution": "<hex SHA-256 of the attribution JWS>", "iat": <unix seconds>}
//
// (empty members omitted), signed at most 30 days before the registration.
// An attribution statement has "typ": "sceau-resource-attribution+jws" and
// the payload of Attribution.
//
// # Imports
//
// A platform is an organisation of the home, as an exam office is: its
// profile and API tokens are package org's. provenance may import org,
// network, chaincode/record, credential and internal packages; not issuer,
// which is what an exam office runs, and nothing of HTTP: its API is
// provenance/provenanceapi, which imports this package.
package provenance
