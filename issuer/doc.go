// Package issuer is what an exam office runs: its creation and key
// rotation on the ledger, and batch issuance from CSV exports: validate,
// sign, anchor, write bundles — streaming, chunked and resumable; status
// changes; and the issuer HTTP API.
//
// The office's local profile, signing keys (encrypted at rest) and API
// tokens, and the layout of the Sceau home, are package org's: an exam
// office is an organisation known to the ledger as an issuer, as a
// resource platform is.
//
// issuer may import org, credential, sdjwt, schemas, certificate, qrcode,
// network and internal packages; never cli, verifier, wallet or provenance.
package issuer
