// Package hardening holds no code: its tests prove Sceau's guarantees from
// the outside — through the sceau command line (in-process, and as a
// process of its own), the verifier and the embedded ledger a user has —
// and fail if a guarantee breaks.
//
// # Forgery and tampering
//
// TestEveryMutationIsRejectedOrShowsOnlySignedClaims alters sample
// credentials in every form — bundle, vc+jwt, SC1 text, QR image, SD-JWT
// as issued (of a Pix certification, bound to no holder key) and SD-JWT
// presentation with key binding (of a diploma bound to its holder's key),
// of a diploma and of a Pix certification — byte by byte, truncates them at every length and
// appends to them, and verifies each altered copy against the ledger. An
// altered credential is never valid unless only unsigned bytes changed
// (insignificant JSON white space, surrounding white space, disclosures a
// holder left out, PNG bytes that decode to the same text), and no verdict
// ever shows a claim its issuer did not sign.
//
// TestKnownJOSEAndCOSEAttacksAreRejectedWithANamedReason forges genuine,
// anchored credentials the known ways: alg "none", HS256 keyed with the
// issuer's public key, a jwk, jku, x5u or x5c header, unknown crit
// (RFC 7797 b64 included), a kid of another issuer, an issuer in the
// payload other than the key's, a retired or a compromised key (the
// forgery anchored by the issuer's own ledger identity), a high-S twin of
// an ECDSA signature, and in COSE the alg or kid in the unprotected
// header, crit, x5chain and an HMAC "signature". Each is invalid, the
// expected check fails first, and its reason names the attack — through
// Verifier.Verify and through the HTTP service's POST /v1/verify.
//
// # Hostile input
//
// TestHostileInputIsRefusedQuicklyWithAClearError gives the verifier a
// zlib bomb, CBOR nested thousands deep or announcing 2^64 elements,
// indefinite lengths, JSON nested 100 000 deep, every form over its size
// limit, PNG images announcing too many pixels or at the pixel cap, an
// SD-JWT with thousands of disclosures and an oversized PDF: each is
// refused at the format check, naming the limit, quickly and with bounded
// memory.
//
// The fuzz targets of every decoder of outside data live with their
// packages (credential, sdjwt, verifier, issuer, qrcode, schemas,
// provenance, wallet, chaincode, network/...); scripts/fuzz runs
// each of them for a given time: `scripts/fuzz 30s`.
//
// # Crashes and concurrency
//
// TestKilledIssuanceResumesExactlyOnce kills `sceau issue` with SIGKILL at
// random, seeded points of a batch, many times: after each kill `sceau
// ledger verify` passes, and a last run issues every row exactly once (one
// manifest line, one bundle, one anchored credential; no orphan anchored).
//
// TestConcurrentSubmittersNeverCorruptTheLedger issues for three exam
// offices, creates a fourth, changes statuses and verifies, all at once on
// one embedded ledger, while a second sceau process is refused with the
// "in use" error; the ledger verifies afterwards and every verdict is
// right.
//
// TestLedgerVerifyDetectsEveryChangeToTheStore changes ledger.db directly
// (a block byte, blocks swapped or deleted with the tip hash rewritten, a
// status, an issuer key, state entries added or deleted, history, a
// trusted CA): `sceau ledger verify` exits 1 naming the block or key.
//
// # Hardening II (issue 17)
//
// TestLedgerTimeCannotBeBackdated anchors forgeries signed with a key
// reported compromised (and one retired) through proposals stamped before
// the report, and outside the ledger's window: each is refused, none
// verifies valid, an honest anchoring is accepted.
//
// TestHolderBindingCannotBeStripped gives a holder-bound SD-JWT without
// its key-binding JWT, and a presentation to another audience with it cut
// off, to `sceau verify`, POST /v1/verify, POST /credentials/verify and the
// page: none is valid, each names holder_binding.
//
// TestBombsAndLargeUploadsKeepTheServerSmall sends a running `sceau serve`
// 1 MB PDFs inflating to 1 GiB and parallel 32 MiB uploads: the bombs are
// refused within a second, the server stays under 400 MB.
//
// TestFloodsFromOneAddressDoNotStopOthers floods challenges and bad issuer
// API tokens from one address: it gets 429, another address's presentation
// stays valid and its good token works; the log never holds a token.
//
// TestRollbackAndStateEditsAreNoticedWhereVerdictsAreGiven copies an old
// ledger.db back over a revocation (indeterminate, never valid, through
// `sceau verify` and `sceau serve`) and undoes a revocation in the state
// alone (verify exits 3, serve refuses to start, ledger verify names the
// key).
//
// TestACorruptLedgerFailsCleanly truncates ledger.db: every command exits
// 3 with one line naming the file. TestVerifyTrustsOnlyTheServerOfItsHome
// puts impostors at the address serve.json names: `sceau verify` believes
// only the server holding its secret, answering about the input it sent.
// TestCommandsRefuseIssuerIDsThatArePaths gives every command that takes
// an issuer id one that climbs out of the home: nothing is written outside.
//
// # Load and privacy
//
// The verifier HTTP service's load test is verifierapi.TestLoadVerifyV1 (64
// and 256 concurrent clients on loopback, zero errors and bounded heap
// asserted, latency logged); it is not repeated here.
//
// TestLedgerHoldsNothingPersonal issues, revokes, suspends, registers a
// teacher's resource with an attribution, endorses it and erases the
// attribution, then searches the ledger export and the raw ledger.db for
// every personal value — names, student ids, birth dates, certification
// centre, subject member names that would carry grades, pieces of the
// signed forms, the holder's key, the teacher's names, school, e-mail and
// file paths — in several spellings and encodings: none is there.
//
// # Running
//
// `go test ./hardening` runs a deterministic sample (about a minute on a
// loaded two-core machine); SCEAU_LONG_TESTS=1 alters every byte three
// ways, kills 30 times over 2 000 rows and verifies every bundle;
// SCEAU_CRASH_SEED replays the kills of a logged seed. -short skips the
// process-killing test.
//
// Imports: nothing of Sceau outside its tests, which drive the built `sceau`
// command and the packages under test as a user or an attacker would.
package hardening
