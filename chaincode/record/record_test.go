package record_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

func TestValidateIssuerID(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want string // "" when valid, else part of the error
	}{
		{"examoffice", ""},
		{"ac-nancy-metz", ""},
		{"a1", ""},
		{strings.Repeat("a", 63), ""},
		{"", "issuer id is empty"},
		{"a", "it has 1 characters"},
		{strings.Repeat("a", 64), "it has 64 characters"},
		{"-office", "starts with '-'"},
		{"Exam-Office", `character 'E' at position 0`},
		{"ac versailles", "position 2"},
		{"../../x", "position 0"},
		{"exam\x00office", "position 4"},
		{"académie", `character 'é' at position 4`},
	} {
		err := record.ValidateIssuerID(tt.id)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidateIssuerID(%q) = %v, want nil", tt.id, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ValidateIssuerID(%q) = %v, want an error mentioning %q", tt.id, err, tt.want)
		}
	}
}

func TestValidateBatchIDAndDigest(t *testing.T) {
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{"bac-2026-lyon-1", true}, {"a", true}, {"urn:uuid:1.2_3", true}, {strings.Repeat("b", 128), true},
		{"", false}, {strings.Repeat("b", 129), false}, {"a/b", false}, {"a b", false}, {"é", false},
	} {
		if err := record.ValidateBatchID(tt.id); (err == nil) != tt.ok {
			t.Errorf("ValidateBatchID(%q) = %v, want ok %v", tt.id, err, tt.ok)
		}
	}
	good := strings.Repeat("0f", 32)
	for _, tt := range []struct {
		d  string
		ok bool
	}{
		{good, true}, {strings.ToUpper(good), false}, {good[:63], false}, {good + "0", false}, {good[:63] + "g", false}, {"", false},
	} {
		if err := record.ValidateDigest(tt.d); (err == nil) != tt.ok || record.IsDigest(tt.d) != tt.ok {
			t.Errorf("ValidateDigest(%q) = %v, want ok %v", tt.d, err, tt.ok)
		}
	}
}

func TestVocabulary(t *testing.T) {
	if got := record.Join(record.ReasonCodes(), ", "); got != "fraud, error, annulled, superseded, other" {
		t.Errorf("reason codes %q", got)
	}
	for _, r := range record.ReasonCodes() {
		if err := record.ValidateReason(r); err != nil {
			t.Errorf("ValidateReason(%q) = %v", r, err)
		}
	}
	if err := record.ValidateReason("because"); err == nil || !strings.Contains(err.Error(), "fraud, error") {
		t.Errorf("ValidateReason(because) = %v, want the list of codes", err)
	}
	if got := record.Join(record.AccreditationTypes(), ","); got != "Diploma,PixCertification,OpenResource" {
		t.Errorf("accreditation types %q", got)
	}
	if !record.IsCredentialType("Diploma") || record.IsCredentialType("OpenResource") || record.IsCredentialType("diploma") {
		t.Error("IsCredentialType: want Diploma and PixCertification only")
	}
	if err := record.ValidateCredentialType("OpenResource"); err != nil {
		t.Errorf("OpenResource is accredited by governance: %v", err)
	}
	// The lists are fresh copies: a caller that appends cannot change them.
	types := record.CredentialTypes()
	_ = append(types[:1], "Licence")
	if record.CredentialTypes()[1] != record.TypePixCertification {
		t.Error("CredentialTypes shares its backing array")
	}
}

func TestParseTime(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"2026-07-01", "2026-07-01T00:00:00Z"},
		{"2026-07-01T12:30:45.9+02:00", "2026-07-01T10:30:45Z"},
		{"2026-07-01T00:00:00Z", "2026-07-01T00:00:00Z"},
	} {
		got, err := record.ParseTime("until", tt.in)
		if err != nil || record.FormatTime(got) != tt.want {
			t.Errorf("ParseTime(%q) = %s, %v; want %s", tt.in, record.FormatTime(got), err, tt.want)
		}
	}
	if _, err := record.ParseTime("until", "01/07/2026"); err == nil || !strings.Contains(err.Error(), "until") {
		t.Errorf("ParseTime(01/07/2026) = %v, want an error naming the field", err)
	}
	if _, err := record.ParseStoredTime("validFrom", "2026-07-01"); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("ParseStoredTime of a bare date = %v, want corrupt", err)
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// reaccredited is an exam office accredited for diplomas until the end of
// June, left without accreditation over the summer, and accredited again
// from September: two windows, and a gap between them.
func reaccredited() *record.Issuer {
	return &record.Issuer{
		ID: "examoffice", Status: record.IssuerActive,
		Accreditations: []record.Accreditation{
			{Type: record.TypeDiploma, ValidFrom: "2026-01-10T09:00:00Z", ValidUntil: "2026-07-01T00:00:00Z"},
			{Type: record.TypePixCertification, ValidFrom: "2026-01-10T09:00:00Z"},
			{Type: record.TypeDiploma, ValidFrom: "2026-09-01T08:00:00Z", ValidUntil: "2027-07-01T00:00:00Z"},
		},
		Keys: []record.IssuerKey{{KID: "k1", ValidFrom: "2026-01-10T09:00:00Z"}},
	}
}

func TestAccreditationAtEveryWindow(t *testing.T) {
	is := reaccredited()
	for _, tt := range []struct {
		typ    record.CredentialType
		at     string
		window int // -1: none holds
	}{
		{record.TypeDiploma, "2026-01-10T08:59:59Z", -1},
		{record.TypeDiploma, "2026-01-10T09:00:00Z", 0},
		{record.TypeDiploma, "2026-06-30T23:59:59Z", 0},
		{record.TypeDiploma, "2026-07-01T00:00:00Z", -1}, // the gap starts where the first window ends
		{record.TypeDiploma, "2026-08-15T12:00:00Z", -1},
		{record.TypeDiploma, "2026-09-01T08:00:00Z", 2}, // the second window, past the first of the type
		{record.TypeDiploma, "2027-06-30T23:59:59Z", 2},
		{record.TypeDiploma, "2027-07-01T00:00:00Z", -1},
		{record.TypePixCertification, "2030-01-01T00:00:00Z", 1},
		{record.TypeOpenResource, "2026-03-01T00:00:00Z", -1},
	} {
		i, ok, err := is.AccreditationAt(tt.typ, at(tt.at))
		if err != nil {
			t.Fatal(err)
		}
		if got := map[bool]int{true: i, false: -1}[ok]; got != tt.window {
			t.Errorf("AccreditationAt(%s, %s) = window %d, want %d", tt.typ, tt.at, got, tt.window)
		}
	}
	corrupt := &record.Issuer{ID: "x1", Accreditations: []record.Accreditation{{Type: record.TypeDiploma, ValidFrom: "yesterday"}}}
	if _, _, err := corrupt.AccreditationAt(record.TypeDiploma, at("2026-01-01T00:00:00Z")); err == nil {
		t.Error("a corrupt window must be an error, not a refusal nor a pass")
	}
}

func TestCanAnchor(t *testing.T) {
	is := reaccredited()
	problem := func(err error) record.AnchorProblem {
		var ae *record.AnchorError
		if errors.As(err, &ae) {
			return ae.Problem
		}
		if err != nil {
			t.Fatalf("CanAnchor error %v is not an *AnchorError", err)
		}
		return 0
	}
	if err := is.CanAnchor(record.TypeDiploma, at("2026-09-02T10:00:00Z")); err != nil {
		t.Errorf("re-accredited in September: %v, want allowed", err)
	}
	err := is.CanAnchor(record.TypeDiploma, at("2026-08-01T10:00:00Z"))
	if problem(err) != record.NotAccredited || !strings.Contains(err.Error(), "ended at 2026-07-01T00:00:00Z") {
		t.Errorf("in the gap: %v, want not accredited, naming when the accreditation ended", err)
	}
	err = is.CanAnchor(record.TypeDiploma, at("2025-12-01T10:00:00Z"))
	if problem(err) != record.NotAccredited || strings.Contains(err.Error(), "ended") {
		t.Errorf("before any window: %v, want not accredited, without an end date", err)
	}
	pending := *is
	pending.Status = record.IssuerPending
	if err := pending.CanAnchor(record.TypeDiploma, at("2026-09-02T10:00:00Z")); problem(err) != record.NotActive || !strings.Contains(err.Error(), "pending") {
		t.Errorf("pending issuer: %v", err)
	}
	retired := *is
	retired.Keys = []record.IssuerKey{{KID: "k1", RetiredAt: "2026-05-01T00:00:00Z"}, {KID: "k2", CompromisedSince: "2026-05-02T00:00:00Z"}}
	if err := retired.CanAnchor(record.TypeDiploma, at("2026-09-02T10:00:00Z")); problem(err) != record.NoKeyInService {
		t.Errorf("no key in service: %v", err)
	}
}

func TestCoversAnchoringAt(t *testing.T) {
	key := record.IssuerKey{KID: "k1", ValidFrom: "2026-01-01T00:00:00Z", RetiredAt: "2026-06-01T00:00:00Z", CompromisedSince: "2026-07-01T00:00:00Z"}
	for _, tt := range []struct {
		at   string
		want string
	}{
		{"2026-05-31T23:59:59Z", ""},
		{"2026-06-01T00:00:00Z", ""}, // anchored as the key was retired: still covered
		{"2026-06-01T00:00:01Z", "after signing key k1 was retired"},
		{"2026-07-01T00:00:00Z", "was compromised"},
	} {
		err := key.CoversAnchoringAt(at(tt.at))
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CoversAnchoringAt(%s) = %v, want %q", tt.at, err, tt.want)
		}
	}
	stolen := record.IssuerKey{KID: "k2", CompromisedSince: "2026-03-01T00:00:00Z"}
	if err := stolen.CoversAnchoringAt(at("2026-02-28T23:59:59Z")); err != nil {
		t.Errorf("anchored before the compromise: %v", err)
	}
	if stolen.InService() || !(record.IssuerKey{KID: "k3"}).InService() {
		t.Error("InService: a compromised key is out of service, a fresh one in")
	}
}

func TestCheckTransition(t *testing.T) {
	for _, tt := range []struct {
		from, to record.CredentialStatus
		want     string
	}{
		{record.StatusActive, record.StatusSuspended, ""},
		{record.StatusActive, record.StatusRevoked, ""},
		{record.StatusSuspended, record.StatusActive, ""},
		{record.StatusSuspended, record.StatusRevoked, ""},
		{record.StatusActive, record.StatusActive, "only a suspended credential can be reinstated"},
		{record.StatusSuspended, record.StatusSuspended, "only an active credential can be suspended"},
		{record.StatusRevoked, record.StatusActive, "revocation is final"},
		{record.StatusRevoked, record.StatusRevoked, "revocation is final"},
	} {
		s := &record.DigestStatus{Digest: "d", Status: tt.from}
		err := s.CheckTransition(tt.to)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s → %s: %v, want %q", tt.from, tt.to, err, tt.want)
		}
	}
}
