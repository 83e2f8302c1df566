package verifier

// Reason says in one code why a verdict is not valid: the "reason" of a
// result, next to its verdict. It is decided by the first check that
// failed, and by why it failed; an indeterminate verdict's reason is
// ReasonLedgerUnavailable. A valid verdict has none.
type Reason string

// The reasons, in the order of the checks that decide them.
const (
	// ReasonUnreadable: no credential could be read from the input — no QR
	// code in the photo or the PDF, a text that is none of Sceau's forms,
	// or a form that breaks its format's rules (damaged, cut short, or with
	// a header Sceau refuses). Nothing could be checked, so nothing is
	// confirmed; it says nothing of forgery. (format)
	ReasonUnreadable Reason = "unreadable"
	// ReasonAltered: the credential is not what its issuer signed and
	// recorded: its signature does not verify with the issuer's key it
	// names, or names no key of the issuer's (signature); a bundle's forms
	// disagree, or an SD-JWT shows a disclosure its issuer did not sign
	// (format); a bundle's batch or Merkle proof, or the issuer or type a
	// form was anchored with, do not match the ledger (anchor).
	ReasonAltered Reason = "altered"
	// ReasonUnknownIssuer: the issuer it names is not registered on the
	// ledger. (issuer)
	ReasonUnknownIssuer Reason = "unknown_issuer"
	// ReasonIssuerSuspended: governance suspended the issuer; its
	// credentials are not vouched for until it is reinstated. (issuer)
	ReasonIssuerSuspended Reason = "issuer_suspended"
	// ReasonIssuerWithdrawn: governance withdrew the issuer for good.
	// (issuer)
	ReasonIssuerWithdrawn Reason = "issuer_withdrawn"
	// ReasonNotAccredited: the issuer was not accredited for the
	// credential's type when it was anchored, or is still pending
	// accreditation. (issuer, accreditation)
	ReasonNotAccredited Reason = "not_accredited"
	// ReasonNotAnchored: the credential's digest is not on the ledger: it
	// was never issued through Sceau, or is a re-encoding of one that was.
	// (anchor)
	ReasonNotAnchored Reason = "not_anchored"
	// ReasonKeyCompromised: it was anchored when the key that signed it
	// had been reported compromised. (anchor)
	ReasonKeyCompromised Reason = "key_compromised"
	// ReasonKeyRetired: it was anchored after the key that signed it was
	// retired. (anchor)
	ReasonKeyRetired Reason = "key_retired"
	// ReasonRevoked: its issuer revoked it, for good. (status)
	ReasonRevoked Reason = "revoked"
	// ReasonSuspended: its issuer suspended it, until reinstated. (status)
	ReasonSuspended Reason = "suspended"
	// ReasonNotYetValid: its validity starts later. (validity)
	ReasonNotYetValid Reason = "not_yet_valid"
	// ReasonExpired: its validity ended. (validity)
	ReasonExpired Reason = "expired"
	// ReasonNonconforming: what its issuer signed breaks the rules of its
	// type (its JSON Schema). (schema)
	ReasonNonconforming Reason = "nonconforming"
	// ReasonHolderBinding: an SD-JWT presentation is not proven to come
	// from the credential's holder for this verifier: no key-binding JWT
	// where one is expected, another holder key, other disclosures, a
	// wrong, reused or unknown nonce, another audience, or too old.
	// (holder_binding)
	ReasonHolderBinding Reason = "holder_binding"
	// ReasonLedgerError: the ledger answered, but with something the
	// verifier cannot use (an unknown status, an unreadable record).
	ReasonLedgerError Reason = "ledger_error"
	// ReasonLedgerUnavailable: the verdict is indeterminate: no check
	// failed, but some could not run because the ledger (or the offline
	// cache) could not answer.
	ReasonLedgerUnavailable Reason = "ledger_unavailable"
)

// Reasons lists every reason, in the order above.
func Reasons() []Reason {
	return []Reason{
		ReasonUnreadable, ReasonAltered, ReasonUnknownIssuer, ReasonIssuerSuspended, ReasonIssuerWithdrawn,
		ReasonNotAccredited, ReasonNotAnchored, ReasonKeyCompromised, ReasonKeyRetired, ReasonRevoked,
		ReasonSuspended, ReasonNotYetValid, ReasonExpired, ReasonNonconforming, ReasonHolderBinding,
		ReasonLedgerError, ReasonLedgerUnavailable,
	}
}

// summaryOf returns the summary a reason has when the check that decided
// it gives none of its own: the words for the reason alone.
func summaryOf(why Reason) message {
	switch why {
	case ReasonUnreadable:
		return say(msgSumUnreadableText)
	case ReasonAltered:
		return say(msgSumAlteredContent)
	case ReasonNotAccredited:
		return say(msgSumNotAccredited)
	case ReasonNotAnchored:
		return say(msgSumNotAnchored)
	case ReasonKeyCompromised:
		return say(msgSumKeyCompromised)
	case ReasonKeyRetired:
		return say(msgSumKeyRetired)
	case ReasonNonconforming:
		return say(msgSumNonconforming)
	case ReasonHolderBinding:
		return say(msgSumHolderBinding)
	case ReasonLedgerUnavailable:
		return say(msgSumIndeterminate)
	}
	return say(msgSumLedgerError)
}
