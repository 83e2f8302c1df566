// Package sdjwt issues, presents and verifies Selective Disclosure JWTs
// (SD-JWT, RFC 9901) and SD-JWT VCs (typ "dc+sd-jwt",
// draft-ietf-oauth-sd-jwt-vc).
//
// An issuer signs the claims with Issue, hiding each claim listed in
// IssueOptions.Disclosable behind a salted digest; the result is the
// issuer-signed JWT followed by every disclosure:
//
//	<issuer-signed JWT>~<disclosure>~<disclosure>~…~
//
// A holder picks the claims to show with Present, which keeps only their
// disclosures (and those of the claims that contain them) and appends a
// key-binding JWT (typ "kb+jwt") signed with the holder key named in the
// issuer-signed JWT's cnf.jwk. A verifier calls Verify, which checks the
// issuer signature, every disclosure, the key-binding JWT (nonce, audience,
// freshness, sd_hash) and returns the disclosed claims.
//
// Claims are JSON values decoded as map[string]any, []any, string,
// json.Number (numbers keep their exact text), bool and nil. Claims are
// addressed by a Path. Only ES256 (ECDSA P-256) and EdDSA (Ed25519)
// signatures and the sha-256 digest algorithm are accepted.
//
// Imports: internal/jsonstr and internal/jws, of Sceau's packages: it knows
// nothing of Sceau's credentials.
package sdjwt
