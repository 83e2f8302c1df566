// Package record is the ledger's vocabulary: the records the Sceau chaincode
// keeps and returns, and the rules that say what a valid one is. It is the
// one place those rules live. The contract (package chaincode) enforces them
// when it writes; the clients — the network client, the issuer, the
// verifier, the wallet, the resources service — read the same records and
// apply the same rules, without linking the contract or Fabric's
// chaincode libraries.
//
// What is here:
//
//   - the records: Issuer with its Accreditations and IssuerKeys, Batch,
//     DigestStatus and StatusChange, the resource records, and the typed
//     words they use (IssuerStatus, CredentialStatus, ReasonCode,
//     CredentialType);
//   - the syntax rules of what a transaction names: issuer ids, batch ids,
//     hex SHA-256 digests, issuer names, public JWKs (ParsePublicJWK);
//   - the time rules: how the ledger writes a time (FormatTime), which
//     accreditation window holds at a time (Issuer.AccreditationAt), which
//     keys may sign what was anchored at a time (IssuerKey.CoversAnchoringAt),
//     whether an issuer may anchor now (Issuer.CanAnchor), which status
//     changes the credential lifecycle allows (CheckTransition).
//
// Nothing personal is part of any record: issuers are organisations,
// credentials appear only as SHA-256 digests, authors and reviewers as key
// thumbprints.
//
// Imports: the standard library only. Every other package of Sceau may
// import this one; it imports none of them.
package record
