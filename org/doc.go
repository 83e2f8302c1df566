// Package org is an organisation's life in a Sceau home: an exam office or
// a resource platform, known to the ledger as an issuer. It keeps what the
// organisation holds locally — never what the ledger holds:
//
//   - where things are in the home (Home, Dir): the one place that spells
//     the home's folder layout, for every package and command;
//   - the organisation's profile (Profile, issuer.json): its id, name,
//     ledger identity and the list of its signing keys, no secret;
//   - its signing keys (Keys): created, rotated and unlocked here, kept as
//     private JWKs under keys/, sealed with age under a passphrase;
//   - its API tokens (Tokens), stored as hashes, that let a program act for
//     it over HTTP;
//   - no path built from an id that the ledger's rule
//     (record.ValidateIssuerID) refuses.
//
// Registering keys on the ledger is not done here: Keys.Create and
// Keys.Rotate call back the caller (package issuer) to do it, at the one
// moment when a failure still leaves nothing behind.
//
// The package is named for the organisation rather than for the ledger
// role: package issuer is what an exam office runs to issue diplomas, and
// package provenance what a resource platform runs; both are issuers on the
// ledger and both keep their profile, keys and tokens here.
//
// # The home's layout
//
// A home is the folder given by --home (SCEAU_HOME). Existing homes keep
// working: these paths and file formats do not change.
//
//	<home>/
//	  ledger/                        the embedded ledger (network/embedded owns its inside)
//	  cache/                         the verifier's offline cache of ledger reads
//	  resources/                     a platform's off-ledger store (provenance.Store owns its inside)
//	  serve.json                     the `sceau serve` holding the ledger, and where it listens
//	  issuers/<id>/                  one organisation (Dir)
//	    issuer.json                  its Profile
//	    keys/<kid>.jwk[.age]         its private signing keys (.age: sealed with a passphrase)
//	    tokens.json                  its API tokens (TokenInfo), hashes only
//	    register.db                  what it issued, encrypted (issuer/register owns its inside)
//	    jobs/<job>/                  resume state of `sceau issue` runs
//	    api/credentials/<uuid>.json  credentials issued one by one over HTTP
//	    api/batches/<batch>/         CSV batches uploaded over HTTP
//
// org writes its files (profiles, keys, tokens) atomically, 0600, in 0700
// folders.
//
// # Imports
//
// org may import chaincode/record (the id rule), credential (signing keys), internal/fsutil and
// internal/secret, and nothing else of the project: no ledger, no HTTP.
// issuer, provenance and cli import it.
package org
