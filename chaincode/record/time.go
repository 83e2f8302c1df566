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
