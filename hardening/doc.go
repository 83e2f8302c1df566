// Package hardening holds no code: its tests prove Sceau's guarantees from
// the outside, through the command line, the verifier and the ledger a
// user has, and fail if a guarantee breaks.
//
// Forgery and tampering (mutation_test.go): every byte of sample
// credentials in every form — bundle, vc+jwt, SC1 text, QR image, SD-JWT
// with and without key binding — is altered, and each form truncated and
// appended to; each altered copy is rejected, or, when only unsigned bytes
// changed (insignificant JSON white space, disclosures left out), shows
// exactly the claims its issuer signed.
//
// Set SCEAU_LONG_TESTS=1 for the long versions (every byte altered three
// ways).
package hardening
