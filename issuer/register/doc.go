// Package register is an exam office's record of what it issued: one entry
// per credential — its id, the award it certifies (type, student and the
// fields that identify the award), its batch and its status — encrypted at
// rest, since it holds personal data, and found again by the award, by the
// student or by the credential id without reading any other entry.
//
// It is what lets `sceau issue` issue only the new rows of an extended
// export (a row whose award the register holds is already issued), replace
// a credential on purpose (--reissue, which revokes the old one as
// superseded), and revoke by credential id or by student — covering the
// forms picked up later with OpenID4VCI (Entry.Forms, AddForm).
//
// It is also the issuer's credential store for pickup: an Offer keeps,
// sealed, a credential as issued until its retention ends (PutOffer,
// EditOffer, PurgeOffers), and ForgetStudent erases a student's entries
// and offers.
//
// # What identifies an award
//
// Two rows are the same award when AwardOf gives them the same Award: the
// same type and student (student_id), and
//
//   - for a Diploma, the same title (diploma, compared without regard to
//     case, accents' Unicode form or repeated spaces) and the same session
//     when the row gives one (session, compared likewise), else the same
//     award date (awarded_on). A student is awarded a given diploma once a
//     session: a re-sit in the same session, or a corrected mention, grade
//     or date, is the same award, which only --reissue replaces.
//   - for a PixCertification, the same certification date (certified_on): a
//     student sits one Pix certification a day. The centre is left out so
//     that correcting its spelling is not a new certification.
//
// Everything else a row carries (names, birth date, mention, specialities,
// score, competences…) is what a reissue may correct.
//
// # The file
//
// One bbolt database (package org names its path), with these buckets:
//
//	meta         "wrap" → the data key, wrapped under the issuer's signing key (see Keys)
//	entries      sequence number → one Entry, sealed
//	awards       H(student)[:12] ‖ H(award)[:8] → the sequence number of the award's current credential
//	ids          H(credential id)[:16] → its sequence number
//	pending      batch id → the entries of a batch being anchored, sealed
//	superseding  old sequence number → new: replacements whose old credential is still to be revoked
//	offers       H(pre-authorized code)[:16] → an Offer kept for pickup, sealed (see offers.go)
//	offer-students  H(student)[:12] ‖ H(code)[:16] → nothing: a student's offers, for ForgetStudent
//	later-forms  H(credential id)[:16] → the sequence number of an entry with Forms (AddForm)
//
// H is HMAC-SHA256 under the index key: the keys say nothing of a student,
// an award or a credential id to whoever reads the file without the data
// key, and an award is found, and a student's awards listed (a prefix), by
// one B-tree lookup. An entry is CBOR sealed with XChaCha20-Poly1305 under
// the entry key, its bucket and key as associated data, so that entries
// cannot be swapped; an index that points to the wrong entry is detected
// when the entry is opened. The index key and the entry key are derived
// with HKDF-SHA256 from a random 32-byte data key.
//
// # The data key
//
// The data key is wrapped (XChaCha20-Poly1305) under a key derived with
// HKDF-SHA256 from the private part of the issuer's current signing key:
// whoever can sign for the office can read its register, and nobody else.
// Opening the register thus costs no passphrase and no scrypt beyond the
// one that unlocks the signing key, which issuing needs anyway. After a key
// rotation, the first Open unwraps with the key that wrapped it (asking for
// it through Keys.Secret) and wraps again under the current key.
//
// # Anchoring in two steps
//
// A batch is recorded in two steps around its anchoring: Pending, before it
// is submitted, keeps its entries aside (one sealed value, synced to disk)
// and claims its awards in memory, refusing an award another credential
// holds; Anchored, once the ledger committed it, files the entries under
// their indexes and ends the claims. Filing writes a B-tree page per index
// and credential, so anchored batches are filed a few thousand credentials
// at a time, in the transaction of a later write (or at Close), and found
// in memory meanwhile; their Pending records stand for them until then.
// After a crash, the caller asks the ledger about each of PendingBatches
// and calls Anchored or Abandon: nothing anchored is ever missing from the
// register, and nothing is in it that was not anchored. Each write is one
// bbolt transaction, synced to disk.
//
// A replacement (an entry whose Replaces names the award's current
// credential) is filed by Anchored as superseding the old one; the caller
// revokes the old credential on the ledger (reason superseded), then calls
// Replaced. Replacements lists those still to do, after a crash too.
//
// The register is opened by one process at a time (bbolt's file lock);
// within it, it is safe for concurrent use.
//
// Imports: schemas (the records whose award it identifies), nothing else of
// Sceau.
package register
