package record

import (
	"fmt"
	"time"
)

// Every time on the ledger is a transaction time (the ledger's clock, not
// the client's wish) written as RFC 3339 in UTC to the second:
// "2026-07-04T10:00:00Z". Records keep them as such strings, so that what a
// client reads is byte for byte what the contract wrote.

// FormatTime writes t as the ledger stores times: RFC 3339, UTC, whole
// seconds.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// ParseTime reads a time given to the contract or on a command line:
// RFC 3339, or a date YYYY-MM-DD meaning its first instant (00:00:00 UTC).
// Fractions of a second are dropped, as the ledger keeps whole seconds.
// field names the value in the error.
func ParseTime(field, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time (2026-07-01T00:00:00Z) nor a date (2026-07-01)", field, s)
}

// ParseStoredTime reads a time of a record, as FormatTime wrote it. A time
// that does not parse means the record is corrupt: field names it in the
// error.
func ParseStoredTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored %s %q is corrupt: %w", field, s, err)
	}
	return t, nil
}

// DefaultTxTimeWindow is how far a transaction's timestamp may be from the
// clock of whoever accepts it (the embedded ledger, each endorsing peer's
// chaincode) by default.
const DefaultTxTimeWindow = 5 * time.Minute

// CheckTxTime is the rule that keeps ledger time out of a client's hands: a
// transaction is stamped by its client (Fabric's GetTxTimestamp is the
// proposal's timestamp), so whoever accepts it refuses a timestamp further
// than window from its own clock now. A thief cannot then anchor today
// under yesterday's date: backdating is bounded by the window, and on
// Fabric needs the endorsing peers of a majority of organisations to
// agree. A window of zero or less turns the rule off.
func CheckTxTime(tx, now time.Time, window time.Duration) error {
	if window <= 0 {
		return nil
	}
	if d := tx.Sub(now); d > window || d < -window {
		return fmt.Errorf("the transaction is stamped %s, more than %s from this ledger's clock (%s): refused (check the client's clock)",
			tx.UTC().Format(time.RFC3339Nano), window, now.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// CheckClock is an issuer's own clock, which only moves forward: a
// transaction acting for the issuer (anchoring, a status change, a change
// of its record) is refused when its time is earlier than the issuer's
// last recorded change (UpdatedAt). A credential anchored after a key was
// reported compromised, or retired, therefore never carries a ledger time
// before that report, whatever time its client claims.
func (is *Issuer) CheckClock(at time.Time) error {
	last := is.UpdatedAt
	if last == "" {
		last = is.RegisteredAt
	}
	if last == "" {
		return nil
	}
	t, err := ParseStoredTime("updatedAt", last)
	if err != nil {
		return fmt.Errorf("issuer %q: %w", is.ID, err)
	}
	if at.Before(t) {
		return fmt.Errorf("the transaction time %s is earlier than issuer %q's last recorded change (%s): an issuer's ledger time never goes back",
			FormatTime(at), is.ID, last)
	}
	return nil
}
