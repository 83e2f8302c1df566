// Package oid4vp is the vocabulary of OpenID for Verifiable Presentations
// 1.0 that Sceau speaks, on both sides: the authorization request a
// verifier makes (Request, its DCQL query), how it travels (an
// openid4vp:// URI carrying it by value, or by reference to a request
// object, a JWT of type oauth-authz-req+jwt) and the vp_token a wallet
// answers with (DCQL form: a JSON object keyed by credential query id, each
// holding presentations).
//
// What Sceau supports, and every parser here enforces:
//
//   - response_type vp_token, response_mode direct_post (the wallet posts
//     the response to response_uri);
//   - the client identifier prefix redirect_uri, whose identifier must be
//     the response_uri (OpenID4VP 1.0 §5.9.3): such a request cannot be
//     signed, so its request object is an unsigned JWT (alg "none");
//   - the prefix x509_san_dns, whose identifier is the response_uri's host:
//     the request object is signed (ES256, EdDSA or RS256) by the key of a
//     certificate naming that host, carried in x5c, which the wallet
//     checks against the authorities it trusts (signed.go);
//   - DCQL queries of SD-JWT VC credentials (format dc+sd-jwt) with
//     vct_values and claims paths, optionally claim_sets and values.
//
// The rules that tie a request together (Request.Validate) live here once:
// the verifier builds requests that pass them, the wallet refuses requests
// that do not. Every decoder of outside data (ParseAuthorizationURI,
// ParseRequestObject, ParseVPToken) bounds what it reads and has a fuzz
// target.
//
// It imports the standard library and internal/jws (ES256 and EdDSA
// signatures); no HTTP (verifier/verifierapi serves requests, cli fetches
// them), nothing else of Sceau.
package oid4vp
