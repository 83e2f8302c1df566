package register

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Status is a credential's status as the register knows it: set when its
// batch is anchored, and changed by what goes through the register
// (SetStatus, Replaced). The ledger's status is the one verifiers read.
type Status string

// The statuses of an entry.
const (
	// Pending: its batch is being anchored (entries of PendingBatches).
	Pending Status = "pending"
	// Anchored: issued, in force.
	Anchored Status = "anchored"
	// Suspended: suspended until reinstated.
	Suspended Status = "suspended"
	// Revoked: revoked for good (Reason says why).
	Revoked Status = "revoked"
	// Superseded: revoked because a reissued credential replaced it
	// (ReplacedBy names it).
	Superseded Status = "superseded"
)

// Entry is what the register keeps of one credential.
type Entry struct {
	// ID is the credential's id, urn:uuid:….
	ID    string `cbor:"1,keyasint"`
	Award Award  `cbor:"2,keyasint"`
	// Batch is the batch it is anchored in.
	Batch  string `cbor:"3,keyasint"`
	Status Status `cbor:"4,keyasint"`
	// Reason is the reason code of a revocation or suspension.
	Reason string `cbor:"5,keyasint,omitempty"`
	// Digest is the hex digest of one of its forms: the ledger changes the
	// status of every form of a credential together.
	Digest string `cbor:"7,keyasint"`
	// Line is the line of the CSV row it was issued from (0 when issued
	// one by one).
	Line int `cbor:"8,keyasint,omitempty"`
	// Replaces is the id of the credential it replaces (--reissue).
	Replaces string `cbor:"9,keyasint,omitempty"`
	// ReplacedBy is the id of the credential that replaced it.
	ReplacedBy string `cbor:"10,keyasint,omitempty"`
	// Forms are the digests of forms issued later for the same credential
	// (an SD-JWT VC bound to a wallet's key at pickup, see AddForm), each
	// anchored on its own: a status change of the credential covers them.
	Forms []string `cbor:"11,keyasint,omitempty"`
}

// ConflictError refuses a credential for an award another credential
// holds, anchored or being issued.
type ConflictError struct {
	// Entry is the credential refused.
	Entry Entry
	// Holder is the id of the credential holding the award.
	Holder string
	// InFlight says the holder is being issued, not anchored yet.
	InFlight bool
}

func (e *ConflictError) Error() string {
	where := ""
	if e.Entry.Line > 0 {
		where = fmt.Sprintf("line %d: ", e.Entry.Line)
	}
	how := "already issued as"
	if e.InFlight {
		how = "being issued meanwhile as"
	}
	return fmt.Sprintf("%sthe same student and award (%s) is %s %s", where, e.Entry.Award, how, e.Holder)
}

// seqKey is the key of entry number seq.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// load opens entry number seq (8 bytes, big-endian).
func (r *Register) load(tx *bolt.Tx, seq []byte) (*Entry, error) {
	sealed := tx.Bucket(bucketEntries).Get(seq)
	if sealed == nil {
		return nil, fmt.Errorf("%w: an index points to no entry", ErrDamaged)
	}
	var e Entry
	if err := r.openValue(bucketEntries, seq, sealed, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// store writes e as entry number seq.
func (r *Register) store(tx *bolt.Tx, seq []byte, e *Entry) error {
	sealed, err := r.sealValue(bucketEntries, seq, e)
	if err != nil {
		return err
	}
	b := tx.Bucket(bucketEntries)
	b.FillPercent = 1 // new entries are appended in order
	return b.Put(seq, sealed)
}

// current returns the sequence number and entry of award k's current
// credential, or nils.
func (r *Register) current(tx *bolt.Tx, k AwardKey) ([]byte, *Entry, error) {
	seq := tx.Bucket(bucketAwards).Get(k[:])
	if seq == nil {
		return nil, nil, nil
	}
	e, err := r.load(tx, seq)
	if err != nil {
		return nil, nil, err
	}
	if r.Key(e.Award) != k {
		return nil, nil, fmt.Errorf("%w: an award points to another award's credential", ErrDamaged)
	}
	return bytes.Clone(seq), e, nil
}

// byID returns the sequence number and entry of credential id, or nils.
func (r *Register) byID(tx *bolt.Tx, id string) ([]byte, *Entry, error) {
	seq := tx.Bucket(bucketIDs).Get(r.idKey(id))
	if seq == nil {
		return nil, nil, nil
	}
	e, err := r.load(tx, seq)
	if err != nil {
		return nil, nil, err
	}
	if e.ID != id {
		return nil, nil, fmt.Errorf("%w: a credential id points to another credential", ErrDamaged)
	}
	return bytes.Clone(seq), e, nil
}

// update runs fn, unless nil, in a write transaction, which first files
// the anchored batches waiting to be when there are fileEvery credentials
// of them, or always with all. r.mu must be held.
func (r *Register) update(fn func(tx *bolt.Tx) error, all bool) error {
	file := r.unfiled.count > 0 && (all || r.unfiled.count >= fileEvery)
	if fn == nil && !file {
		return nil
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		if file {
			if err := r.fileUnfiled(tx); err != nil {
				return err
			}
		}
		if fn != nil {
			return fn(tx)
		}
		return nil
	})
	if err != nil || !file {
		return err
	}
	for k, e := range r.unfiled.byAward {
		if r.claims[k] == e.ID {
			delete(r.claims, k)
		}
	}
	r.unfiled = unfiled{}
	return nil
}

// fileUnfiled files the anchored batches waiting to be: their entries
// appended in order, then their index keys put in key order, which visits
// each B-tree page once.
func (r *Register) fileUnfiled(tx *bolt.Tx) error {
	type indexed struct {
		key []byte
		seq []byte
		e   *Entry
	}
	var ids, awards []indexed
	entries := tx.Bucket(bucketEntries)
	for _, b := range r.unfiled.batches {
		for i := range b.entries {
			n, err := entries.NextSequence()
			if err != nil {
				return err
			}
			seq := seqKey(n)
			if err := r.store(tx, seq, &b.entries[i]); err != nil {
				return err
			}
			ids = append(ids, indexed{key: b.ids[i], seq: seq})
			awards = append(awards, indexed{key: b.awards[i][:], seq: seq, e: &b.entries[i]})
		}
		if err := tx.Bucket(bucketPending).Delete([]byte(b.batch)); err != nil {
			return err
		}
	}
	byKey := func(a, b indexed) int { return bytes.Compare(a.key, b.key) }
	slices.SortFunc(ids, byKey)
	idBucket := tx.Bucket(bucketIDs)
	for _, x := range ids {
		if err := idBucket.Put(x.key, x.seq); err != nil {
			return err
		}
	}
	// Stable: a later credential of the same award is its current one.
	slices.SortStableFunc(awards, byKey)
	awardBucket := tx.Bucket(bucketAwards)
	for _, x := range awards {
		prevSeq := bytes.Clone(awardBucket.Get(x.key))
		if err := awardBucket.Put(x.key, x.seq); err != nil {
			return err
		}
		if prevSeq == nil || x.e.Replaces == "" {
			continue
		}
		prev, err := r.load(tx, prevSeq)
		if err != nil {
			return err
		}
		if prev.ID == x.e.Replaces {
			if err := tx.Bucket(bucketSuperseding).Put(prevSeq, x.seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// File files every anchored batch waiting to be (see Anchored), in one
// transaction synced to disk. Close does it too; an issuance run calls it
// as soon as its last batch is anchored, so that the filing overlaps the
// writing of its output instead of following it.
func (r *Register) File() error { return r.fileAll() }

// fileAll files every anchored batch waiting to be.
func (r *Register) fileAll() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.update(nil, true); err != nil {
		return fmt.Errorf("filing anchored batches: %w", err)
	}
	return nil
}

// Current returns the current credential of award k — the last one issued
// for it, whatever its status — or nil when the register holds none.
func (r *Register) Current(k AwardKey) (*Entry, error) {
	var e *Entry
	err := r.Currents([]AwardKey{k}, func(_ int, found *Entry) error {
		e = found
		return nil
	})
	return e, err
}

// Currents calls found with the index and the current credential of each
// of keys whose award the register holds, in order, reading the file once:
// Current for many awards.
func (r *Register) Currents(keys []AwardKey, found func(i int, e *Entry) error) error {
	r.mu.Lock()
	unfiled := make(map[int]Entry)
	for i, k := range keys {
		if e, ok := r.unfiled.byAward[k]; ok {
			unfiled[i] = *e
		}
	}
	r.mu.Unlock()
	return r.db.View(func(tx *bolt.Tx) error {
		for i, k := range keys {
			e, ok := unfiled[i]
			if !ok {
				_, cur, err := r.current(tx, k)
				if err != nil || cur == nil {
					if err != nil {
						return err
					}
					continue
				}
				e = *cur
			}
			if err := found(i, &e); err != nil {
				return err
			}
		}
		return nil
	})
}

// ByID returns the entry of credential id (urn:uuid:…); one the register
// does not hold is an error wrapping ErrNotFound.
func (r *Register) ByID(id string) (*Entry, error) {
	r.mu.Lock()
	if e, ok := r.unfiled.byID[id]; ok {
		c := *e
		r.mu.Unlock()
		return &c, nil
	}
	r.mu.Unlock()
	var e *Entry
	err := r.db.View(func(tx *bolt.Tx) (err error) {
		_, e, err = r.byID(tx, id)
		return err
	})
	if err == nil && e == nil {
		err = fmt.Errorf("credential %s: %w", id, ErrNotFound)
	}
	return e, err
}

// ByStudent returns the current credential of each of the student's
// awards, whatever its status (replaced ones are not listed: they are
// superseded).
func (r *Register) ByStudent(studentID string) ([]Entry, error) {
	if err := r.fileAll(); err != nil {
		return nil, err
	}
	prefix := r.studentKey(studentID)
	var entries []Entry
	err := r.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAwards).Cursor()
		for k, seq := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, seq = c.Next() {
			e, err := r.load(tx, seq)
			if err != nil {
				return err
			}
			if e.Award.StudentID != studentID {
				return fmt.Errorf("%w: a student's award points to another student's credential", ErrDamaged)
			}
			entries = append(entries, *e)
		}
		return nil
	})
	return entries, err
}

// Claim reserves e's award for e while it is being issued, in this process:
// it refuses with a *ConflictError an award whose current credential is
// neither e nor the one e replaces, or that another credential claimed.
// Anchored, Abandon and Release end the claim.
func (r *Register) Claim(e Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.claim(e)
}

// claim is Claim with r.mu held. The awards of the anchored batches not
// filed yet are still claimed: reading the file is enough for the others.
func (r *Register) claim(e Entry) error {
	return r.db.View(func(tx *bolt.Tx) error { return r.claimIn(tx, e) })
}

// claimIn is claim, reading the register in tx.
func (r *Register) claimIn(tx *bolt.Tx, e Entry) error {
	k := r.Key(e.Award)
	if holder, ok := r.claims[k]; ok {
		if holder == e.ID {
			return nil
		}
		_, anchored := r.unfiled.byID[holder]
		if !anchored || holder != e.Replaces {
			return &ConflictError{Entry: e, Holder: holder, InFlight: !anchored}
		}
		// e replaces an anchored credential waiting to be filed.
		r.claims[k] = e.ID
		return nil
	}
	_, cur, err := r.current(tx, k)
	if err != nil {
		return err
	}
	if cur != nil && cur.ID != e.ID && cur.ID != e.Replaces {
		return &ConflictError{Entry: e, Holder: cur.ID}
	}
	r.claims[k] = e.ID
	return nil
}

// Release ends the claims of entries (a credential that will not be issued).
func (r *Register) Release(entries []Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.release(entries)
}

func (r *Register) release(entries []Entry) {
	for _, e := range entries {
		k := r.Key(e.Award)
		if r.claims[k] == e.ID {
			delete(r.claims, k)
		}
	}
}

// pendingBatch is a batch being anchored, as the pending bucket keeps it.
type pendingBatch struct {
	Root    string  `cbor:"1,keyasint"`
	Entries []Entry `cbor:"2,keyasint"`
}

// Pending records batch, about to be anchored with Merkle root root, and
// claims the awards of its entries (see Claim; on a conflict nothing is
// recorded and nothing claimed). Call it before submitting the batch: once
// it returns, the record is on disk.
func (r *Register) Pending(batch, root string, entries []Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Every award claimed in one read transaction.
	err := r.db.View(func(tx *bolt.Tx) error {
		for i, e := range entries {
			if err := r.claimIn(tx, e); err != nil {
				r.release(entries[:i])
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sealed, err := r.sealValue(bucketPending, []byte(batch), pendingBatch{Root: root, Entries: entries})
	if err == nil {
		err = r.update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketPending).Put([]byte(batch), sealed)
		}, false)
	}
	if err != nil {
		r.release(entries)
		return fmt.Errorf("recording batch %s as pending: %w", batch, err)
	}
	return nil
}

// PendingBatch is a batch Pending recorded and neither Anchored nor Abandon
// settled: a process stopped while anchoring it.
type PendingBatch struct {
	Batch string
	Root  string
	// Entries are its credentials, with status Pending.
	Entries []Entry
}

// PendingBatches lists the batches recorded as pending, for the caller to
// ask the ledger whether each was anchored (Anchored) or not (Abandon).
func (r *Register) PendingBatches() ([]PendingBatch, error) {
	if err := r.fileAll(); err != nil {
		return nil, err
	}
	var batches []PendingBatch
	err := r.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPending).ForEach(func(k, v []byte) error {
			p, err := r.pending(k, v)
			if err != nil {
				return err
			}
			for i := range p.Entries {
				p.Entries[i].Status = Pending
			}
			batches = append(batches, PendingBatch{Batch: string(k), Root: p.Root, Entries: p.Entries})
			return nil
		})
	})
	return batches, err
}

func (r *Register) pending(batch, sealed []byte) (*pendingBatch, error) {
	var p pendingBatch
	if err := r.openValue(bucketPending, batch, sealed, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Anchored records that batch is anchored on the ledger: its entries are
// filed under their indexes, and their claims end. entries nil means those
// Pending recorded. Entries already filed are left as they are (their
// status may have changed since): Anchored may be called again for the
// same batch. An entry that replaces its award's current credential is
// filed as superseding it (see Replacements).
//
// Batches are filed a few thousand credentials at a time (fileEvery), in
// the transaction of a later write, or at Close: filing costs a B-tree
// page per index and credential, and many batches share the pages. Until
// then, the register finds their entries in memory, and their Pending
// records stand for them should the process stop. A batch that replaces
// credentials is filed at once, so that Replacements lists them.
func (r *Register) Anchored(batch string, entries []Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := anchoredBatch{batch: batch}
	err := r.db.View(func(tx *bolt.Tx) error {
		if entries == nil {
			sealed := tx.Bucket(bucketPending).Get([]byte(batch))
			if sealed == nil {
				return nil
			}
			p, err := r.pending([]byte(batch), sealed)
			if err != nil {
				return err
			}
			entries = p.Entries
		}
		// Those filed already (a batch anchored again by a resumed run)
		// stay as they are; so do those of a batch waiting to be filed.
		ids := tx.Bucket(bucketIDs)
		for _, e := range entries {
			if _, waiting := r.unfiled.byID[e.ID]; waiting {
				continue
			}
			id := r.idKey(e.ID)
			if ids.Get(id) != nil {
				r.release([]Entry{e})
				continue
			}
			b.entries = append(b.entries, e)
			b.awards = append(b.awards, r.Key(e.Award))
			b.ids = append(b.ids, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording batch %s as anchored: %w", batch, err)
	}
	r.unfiled.add(b)
	entries = b.entries
	replaces := slices.ContainsFunc(entries, func(e Entry) bool { return e.Replaces != "" })
	if err := r.update(nil, replaces); err != nil {
		return fmt.Errorf("recording batch %s as anchored: %w", batch, err)
	}
	return nil
}

// Abandon forgets batch, recorded as pending and never anchored, and ends
// the claims of its entries.
func (r *Register) Abandon(batch string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var entries []Entry
	err := r.update(func(tx *bolt.Tx) error {
		pending := tx.Bucket(bucketPending)
		if sealed := pending.Get([]byte(batch)); sealed != nil {
			p, err := r.pending([]byte(batch), sealed)
			if err != nil {
				return err
			}
			entries = p.Entries
		}
		return pending.Delete([]byte(batch))
	}, true)
	if err != nil {
		return fmt.Errorf("abandoning pending batch %s: %w", batch, err)
	}
	r.release(entries)
	return nil
}

// Replacement is a reissued credential whose predecessor is still to be
// revoked as superseded.
type Replacement struct {
	Old, New Entry
}

// Replacements lists the replacements Anchored filed and Replaced has not
// completed.
func (r *Register) Replacements() ([]Replacement, error) {
	if err := r.fileAll(); err != nil {
		return nil, err
	}
	var reps []Replacement
	err := r.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSuperseding).ForEach(func(oldSeq, newSeq []byte) error {
			old, err := r.load(tx, oldSeq)
			if err != nil {
				return err
			}
			repl, err := r.load(tx, newSeq)
			if err != nil {
				return err
			}
			reps = append(reps, Replacement{Old: *old, New: *repl})
			return nil
		})
	})
	return reps, err
}

// Replaced completes a replacement once the old credential is revoked on
// the ledger: it is marked superseded by the new one.
func (r *Register) Replaced(rep Replacement) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.update(func(tx *bolt.Tx) error {
		seq, old, err := r.byID(tx, rep.Old.ID)
		if err != nil {
			return err
		}
		if old == nil {
			return fmt.Errorf("credential %s: %w", rep.Old.ID, ErrNotFound)
		}
		old.Status, old.Reason, old.ReplacedBy = Superseded, "superseded", rep.New.ID
		if err := r.store(tx, seq, old); err != nil {
			return err
		}
		return tx.Bucket(bucketSuperseding).Delete(seq)
	}, true)
}

// SetStatus records a status change of credential id made on the ledger.
func (r *Register) SetStatus(id string, st Status, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.update(func(tx *bolt.Tx) error {
		seq, e, err := r.byID(tx, id)
		if err != nil {
			return err
		}
		if e == nil {
			return fmt.Errorf("credential %s: %w", id, ErrNotFound)
		}
		e.Status, e.Reason = st, reason
		return r.store(tx, seq, e)
	}, true)
}
