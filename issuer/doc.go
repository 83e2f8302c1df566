// Package issuer is what an exam office runs: its creation and key
// rotation on the ledger (Service.Init, RotateKey, RevokeKey), batch
// issuance from CSV exports — validate, sign, anchor, write a batch file
// per anchored chunk; streaming, chunked, and resumable where it stopped
// (Service.Issue) — single credentials taken out of batch files as
// bundles, QR images or certificates (Export), and status changes
// (Service.ChangeStatus).
//
// What an office issued is kept in its register (package issuer/register,
// encrypted under its signing key; register.go here opens it and settles
// what a stopped run left): issuance leaves out the rows it already holds
// (IssueOptions.Reissue replaces them instead) and refuses a student and
// award twice in one file; status changes go by credential id or student
// through the register too (Service.ChangeRegisteredStatus).
//
// A long-running process issues through a Desk: single credentials
// (Desk.IssueOne), anchored in micro-batches so that many share one ledger
// transaction; uploaded CSV files issued in the background, their status on
// disk; and what it issued found again and revoked. The desk is the domain
// of the issuer HTTP API, which lives apart, in issuer/issuerapi, and only
// translates requests into desk calls.
//
// The office's local profile, signing keys (encrypted at rest) and API
// tokens, and the layout of the Sceau home, are package org's: an exam
// office is an organisation known to the ledger as an issuer, as a
// resource platform is.
//
// issuer may import org, issuer/register, credential, sdjwt, statuslist
// (the lists it publishes, statuslists.go), schemas, certificate, qrcode,
// network, chaincode/record and internal packages; never net/http, chi or
// any HTTP code (issuerapi imports issuer, not the reverse), nor cli,
// verifier, wallet or provenance.
package issuer
