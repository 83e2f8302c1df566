package record

import (
	"fmt"
	"slices"
)

// Status lists are the whole-list form of credential statuses that anyone
// may fetch from an issuer's deployment (package statuslist); a checkpoint
// anchors the digest of each list an issuer published, so that whoever
// holds a list can check that it is the one the ledger knows. A checkpoint
// holds only digests and kinds of lists: nothing personal, no credential's
// digest.

// StatusListKinds are the kinds of list an issuer publishes: the IETF
// Token Status List, the W3C Bitstring Status Lists of purpose revocation
// and suspension.
func StatusListKinds() []string { return []string{"ietf", "revocation", "suspension"} }

// StatusListDigest is the hex SHA-256 of one published list (its compact
// JWS, as served).
type StatusListDigest struct {
	Kind   string `json:"kind"`
	Digest string `json:"digest"`
}

// StatusCheckpoint is the ledger's record of the lists an issuer last
// published, as GetStatusCheckpoint returns it.
type StatusCheckpoint struct {
	IssuerID string             `json:"issuerId"`
	Lists    []StatusListDigest `json:"lists"`
	// CheckpointedAt is the ledger time of the checkpoint, TxID its
	// transaction.
	CheckpointedAt string `json:"checkpointedAt"`
	TxID           string `json:"txId"`
}

// ValidateStatusLists checks the lists of a checkpoint: one to three,
// each of a kind of StatusListKinds at most once, each digest a hex
// SHA-256.
func ValidateStatusLists(lists []StatusListDigest) error {
	if len(lists) == 0 || len(lists) > len(StatusListKinds()) {
		return fmt.Errorf("a checkpoint holds 1 to %d lists, got %d", len(StatusListKinds()), len(lists))
	}
	seen := map[string]bool{}
	for _, l := range lists {
		if !slices.Contains(StatusListKinds(), l.Kind) {
			return fmt.Errorf("status list kind %q: want one of %q", l.Kind, StatusListKinds())
		}
		if seen[l.Kind] {
			return fmt.Errorf("status list kind %q is given twice", l.Kind)
		}
		seen[l.Kind] = true
		if err := ValidateDigest(l.Digest); err != nil {
			return fmt.Errorf("status list %s: %w", l.Kind, err)
		}
	}
	return nil
}

// DigestOf returns the digest the checkpoint holds for kind, or "".
func (c *StatusCheckpoint) DigestOf(kind string) string {
	for _, l := range c.Lists {
		if l.Kind == kind {
			return l.Digest
		}
	}
	return ""
}
