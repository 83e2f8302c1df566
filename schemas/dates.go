package schemas

import (
	"strconv"
	"time"
)

// dateLayout is the layout of every date of a subject.
const dateLayout = "2006-01-02"

// earliestBirthDate is the earliest birth date a subject may carry: an
// earlier one is a typing error.
const earliestBirthDate = "1900-01-01"

// frenchDateMaxLen is the length of the longest French date, DD/MM/YYYY.
const frenchDateMaxLen = len("31/12/2024")

// isoDate returns the ISO form (YYYY-MM-DD) of a CSV date cell written
// the French way, DD/MM/YYYY (or D/M/YYYY), when it is a real calendar
// date; otherwise it returns cell unchanged, for the schema to judge.
func isoDate(cell string) string {
	if len(cell) > frenchDateMaxLen {
		return cell
	}
	day, rest, ok := cutNumber(cell, 1, 2, '/')
	if !ok {
		return cell
	}
	month, year, ok := cutNumber(rest, 1, 2, '/')
	if !ok || len(year) != 4 || !allDigits(year) {
		return cell
	}
	iso := year + "-" + pad2(month) + "-" + pad2(day)
	if !isDate(iso) {
		return cell
	}
	return iso
}

// cutNumber cuts s at the first sep, returning the digits before it
// (between minLen and maxLen of them) and what follows it.
func cutNumber(s string, minLen, maxLen int, sep byte) (digits, rest string, ok bool) {
	for i := 0; i < len(s) && i <= maxLen; i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], i >= minLen && allDigits(s[:i])
		}
	}
	return "", "", false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// isDate is the "date" format as the schema library checks it.
func isDate(s string) bool {
	_, err := time.Parse(dateLayout, s)
	return err == nil
}

// latestZone is the time zone where a day starts first (Kiribati's Line
// Islands, UTC+14).
var latestZone = time.FixedZone("UTC+14", 14*60*60)

// today returns the latest date it is anywhere on Earth at the validator's
// clock: a date is in the future only if it is in the future everywhere. An
// award dated today in Papeete is not refused by an exam office's server in
// Paris, and a diploma awarded today in Paris is not refused by a verifier
// in Papeete, where it is still yesterday.
func (v *Validator) today() string { return v.now().In(latestZone).Format(dateLayout) }

// dateViolations applies the rules of plausible dates to a subject: its
// birth date (field birth_date) and the date of its event, the award or
// the certification (field eventField). Neither may be after today; the
// birth date may not be before earliestBirthDate, nor after the event.
// Dates that are not ISO dates are left to the schema.
func dateViolations(today, birth, eventField, event string) []Violation {
	var out []Violation
	birthOK, eventOK := isDate(birth), isDate(event)
	switch {
	case !birthOK:
	case birth > today:
		out = append(out, inFuture("birth_date", birth))
	case birth < earliestBirthDate:
		out = append(out, Violation{
			Field:   "birth_date",
			Rule:    "notBefore1900",
			Message: "must not be before " + earliestBirthDate,
			Got:     strconv.Quote(birth),
		})
	case eventOK && birth > event:
		out = append(out, Violation{
			Field:   "birth_date",
			Rule:    "notAfterAward",
			Message: "must not be after " + eventField + ", the date the credential was awarded",
			Got:     strconv.Quote(birth),
		})
	}
	if eventOK && event > today {
		out = append(out, inFuture(eventField, event))
	}
	return out
}

// inFuture is the violation of a date after today. The message does not say
// "today is": today is the latest date anywhere on Earth, a day ahead of
// Paris for part of each day, and a clerk reading "today is" tomorrow's date
// would rightly doubt the rule. It says what holds wherever it is read.
func inFuture(field, date string) Violation {
	return Violation{
		Field:   field,
		Rule:    "notInFuture",
		Message: "must not be in the future: " + date + " has not begun anywhere on Earth yet",
		Got:     strconv.Quote(date),
	}
}

// eventField returns the field holding the date of the event a
// credential of credType records.
func eventField(credType string) string {
	if credType == TypePixCertification {
		return "certified_on"
	}
	return "awarded_on"
}
