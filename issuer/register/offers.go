package register

import (
	"bytes"
	"crypto/hmac"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// An Offer is a credential kept for pickup (OpenID4VCI's pre-authorized
// code flow, package issuer/oid4vci): the credential as issued, which the
// pickup signs again bound to the wallet's key, and the state of the offer.
// Its pre-authorized code and transaction code are never stored: the offer
// is filed under a keyed hash of the code (OfferCodeKey), and holds a keyed
// hash of the transaction code (TxCodeMatches).
//
// What rules apply to an offer (expiry, tries, single use) is decided by
// package issuer/oid4vci; the register keeps offers sealed and erases them
// (PurgeOffers, ForgetStudent).
type Offer struct {
	// CredentialID is the credential offered, urn:uuid:….
	CredentialID string `cbor:"1,keyasint"`
	StudentID    string `cbor:"2,keyasint"`
	Type         string `cbor:"3,keyasint"`
	// Credential is the credential's vc+jwt form as issued: personal data,
	// kept (sealed) until RetainUntil.
	Credential string `cbor:"4,keyasint"`
	// TxCodeMAC is the keyed hash of the transaction code.
	TxCodeMAC []byte `cbor:"5,keyasint"`
	// Created, Expires and RetainUntil are Unix times: when the offer was
	// made, when it can no longer be redeemed, and when the register
	// erases it (PurgeOffers), not before it expires.
	Created     int64 `cbor:"6,keyasint"`
	Expires     int64 `cbor:"7,keyasint"`
	RetainUntil int64 `cbor:"8,keyasint"`
	// Tries counts the wrong transaction codes given.
	Tries int `cbor:"9,keyasint,omitempty"`
	// Redeemed is when its pre-authorized code was exchanged for an access
	// token (Unix time; 0: not yet).
	Redeemed int64 `cbor:"10,keyasint,omitempty"`
	// Dead says the offer can no longer be redeemed (too many wrong codes).
	Dead bool `cbor:"11,keyasint,omitempty"`
	// Issued lists the credential configurations issued from it.
	Issued []string `cbor:"12,keyasint,omitempty"`
}

// offerKey is the key of the offer of pre-authorized code code.
func (r *Register) offerKey(code string) []byte { return r.mac("offer", code)[:16] }

// txCodeMAC is the keyed hash of transaction code tx of the offer of code.
func (r *Register) txCodeMAC(code, tx string) []byte { return r.mac("tx_code", code, tx) }

// TxCodeMatches reports, in constant time, whether tx is the transaction
// code of o, the offer of pre-authorized code code.
func (r *Register) TxCodeMatches(code, tx string, o *Offer) bool {
	return hmac.Equal(r.txCodeMAC(code, tx), o.TxCodeMAC)
}

// PutOffer files offer o under its pre-authorized code, with its
// transaction code (both hashed), and closes (Dead) the earlier offers of
// the same credential: a new letter replaces a lost one. A code already
// filed is an error.
func (r *Register) PutOffer(code, txCode string, o Offer) error {
	o.TxCodeMAC = r.txCodeMAC(code, txCode)
	key := r.offerKey(code)
	sealed, err := r.sealValue(bucketOffers, key, &o)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOffers)
		if b.Get(key) != nil {
			return fmt.Errorf("offer code collision: make the offer again")
		}
		prefix := r.studentKey(o.StudentID)
		c := tx.Bucket(bucketOfferOwners).Cursor()
		var earlier [][]byte
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			earlier = append(earlier, bytes.Clone(k[len(prefix):]))
		}
		for _, k := range earlier {
			v := b.Get(k)
			if v == nil {
				continue
			}
			var old Offer
			if err := r.openValue(bucketOffers, k, v, &old); err != nil {
				return err
			}
			if old.CredentialID != o.CredentialID || old.Dead {
				continue
			}
			old.Dead = true
			v, err := r.sealValue(bucketOffers, k, &old)
			if err != nil {
				return err
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		if err := b.Put(key, sealed); err != nil {
			return err
		}
		return tx.Bucket(bucketOfferOwners).Put(append(prefix, key...), nil)
	}, false)
}

// EditOffer runs fn on the offer of pre-authorized code code, in one write
// transaction, writes the offer back as fn left it (even when fn returns
// an error: a wrong code's try is counted) and returns fn's error. A code
// the register does not hold is an error wrapping ErrNotFound, and fn is
// not called.
func (r *Register) EditOffer(code string, fn func(o *Offer) error) error {
	key := r.offerKey(code)
	var fnErr error
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOffers)
		sealed := b.Get(key)
		if sealed == nil {
			return fmt.Errorf("offer: %w", ErrNotFound)
		}
		var o Offer
		if err := r.openValue(bucketOffers, key, sealed, &o); err != nil {
			return err
		}
		fnErr = fn(&o)
		sealed, err := r.sealValue(bucketOffers, key, &o)
		if err != nil {
			return err
		}
		return b.Put(key, sealed)
	}, false)
	if err != nil {
		return err
	}
	return fnErr
}

// PurgeOffers erases the offers whose retention ended before now, with
// the personal data they hold, and returns how many. Of the offers
// redeemed before spentBefore (once their access tokens have expired), it
// erases the credential kept for pickup, which is no longer needed: what
// stays until the retention ends says only that the offer was used.
func (r *Register) PurgeOffers(now, spentBefore time.Time) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	err := r.update(func(tx *bolt.Tx) error {
		var gone [][]byte
		var owners [][]byte
		spent := map[string][]byte{}
		b := tx.Bucket(bucketOffers)
		err := b.ForEach(func(k, sealed []byte) error {
			var o Offer
			if err := r.openValue(bucketOffers, k, sealed, &o); err != nil {
				return err
			}
			switch {
			case o.RetainUntil < now.Unix():
				gone = append(gone, bytes.Clone(k))
				owners = append(owners, append(r.studentKey(o.StudentID), k...))
			case o.Redeemed != 0 && o.Redeemed < spentBefore.Unix() && o.Credential != "":
				o.Credential = ""
				v, err := r.sealValue(bucketOffers, k, &o)
				if err != nil {
					return err
				}
				spent[string(k)] = v
			}
			return nil
		})
		if err != nil {
			return err
		}
		for k, sealed := range spent {
			if err := b.Put([]byte(k), sealed); err != nil {
				return err
			}
		}
		for i, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
			if err := tx.Bucket(bucketOfferOwners).Delete(owners[i]); err != nil {
				return err
			}
		}
		n = len(gone)
		return nil
	}, false)
	if err != nil {
		return 0, fmt.Errorf("erasing expired offers: %w", err)
	}
	return n, nil
}

// AddForm records digest as a form of credential id issued later (see
// Entry.Forms). It is called before the form is anchored: a digest recorded
// and never anchored is one the ledger does not know, which status changes
// pass over.
func (r *Register) AddForm(id, digest string) error {
	if err := r.fileAll(); err != nil {
		return err
	}
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
		e.Forms = append(e.Forms, digest)
		if err := tx.Bucket(bucketLaterForms).Put(r.idKey(id), seq); err != nil {
			return err
		}
		return r.store(tx, seq, e)
	}, true)
}

// WithLaterForms returns the entries that have forms issued later
// (AddForm): what a status change of a whole batch must also cover.
func (r *Register) WithLaterForms() ([]Entry, error) {
	if err := r.fileAll(); err != nil {
		return nil, err
	}
	var out []Entry
	err := r.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLaterForms).ForEach(func(_, seq []byte) error {
			e, err := r.load(tx, seq)
			if err != nil {
				return err
			}
			out = append(out, *e)
			return nil
		})
	})
	return out, err
}

// Forgotten counts what ForgetStudent erased.
type Forgotten struct {
	// Credentials is the number of entries erased (every credential of the
	// student, replaced ones included).
	Credentials int `json:"credentials"`
	// Offers is the number of offers erased.
	Offers int `json:"offers"`
}

// ForgetStudent erases everything the register holds of student
// studentID: the entries of the student's credentials, and their offers.
// The ledger holds nothing personal, so what was issued stays valid; the
// issuer no longer knows it issued it (re-running an export would issue it
// again), and can no longer revoke it by id or student (by its file or
// digest it still can).
func (r *Register) ForgetStudent(studentID string) (Forgotten, error) {
	var f Forgotten
	if err := r.fileAll(); err != nil {
		return f, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prefix := r.studentKey(studentID)
	err := r.update(func(tx *bolt.Tx) error {
		// Offers, through their owners' index.
		owners := tx.Bucket(bucketOfferOwners)
		var offerKeys [][]byte
		c := owners.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			offerKeys = append(offerKeys, bytes.Clone(k))
		}
		for _, k := range offerKeys {
			if err := tx.Bucket(bucketOffers).Delete(k[len(prefix):]); err != nil {
				return err
			}
			if err := owners.Delete(k); err != nil {
				return err
			}
		}
		f.Offers = len(offerKeys)
		// Entries: every one of the student's, current or replaced.
		entries := tx.Bucket(bucketEntries)
		var seqs [][]byte
		var found []*Entry
		err := entries.ForEach(func(seq, _ []byte) error {
			e, err := r.load(tx, seq)
			if err != nil {
				return err
			}
			if e.Award.StudentID == studentID {
				seqs = append(seqs, bytes.Clone(seq))
				found = append(found, e)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, seq := range seqs {
			e := found[i]
			if err := entries.Delete(seq); err != nil {
				return err
			}
			if err := tx.Bucket(bucketIDs).Delete(r.idKey(e.ID)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketLaterForms).Delete(r.idKey(e.ID)); err != nil {
				return err
			}
			k := r.Key(e.Award)
			if cur := tx.Bucket(bucketAwards).Get(k[:]); bytes.Equal(cur, seq) {
				if err := tx.Bucket(bucketAwards).Delete(k[:]); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bucketSuperseding).Delete(seq); err != nil {
				return err
			}
		}
		f.Credentials = len(seqs)
		return nil
	}, true)
	if err != nil {
		return Forgotten{}, fmt.Errorf("erasing student %s from the register: %w", studentID, err)
	}
	return f, nil
}
