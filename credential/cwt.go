package credential

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/uuid"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/schemas"
)

// CWT claim keys of the SC1 format (RFC 8392 and one private-use key).
const (
	claimIssuer    = 1
	claimExpires   = 4
	claimIssuedAt  = 6
	claimID        = 7
	claimSubject   = -65537
	subjectTypeKey = 0
)

// Subject type codes of the SC1 format.
const (
	typeCodeDiploma          = 1
	typeCodePixCertification = 2
)

// mentionCodes are the SC1 codes of diploma mentions, by index. The order
// is part of the public format: append, never reorder.
var mentionCodes = [...]string{"passable", "assez_bien", "bien", "tres_bien", "tres_bien_felicitations"}

// claimNames names the CWT claims for error messages.
var claimNames = map[int64]string{
	claimIssuer: "iss", claimExpires: "exp", claimIssuedAt: "iat", claimID: "cti", claimSubject: "subject",
}

// cwtClaims is the CWT claims set of the SC1 format.
type cwtClaims struct {
	Issuer   string          `cbor:"1,keyasint"`
	Expires  *int64          `cbor:"4,keyasint,omitempty"`
	IssuedAt int64           `cbor:"6,keyasint"`
	ID       []byte          `cbor:"7,keyasint"`
	Subject  cbor.RawMessage `cbor:"-65537,keyasint"`
}

// studentFields are the subject map entries every type shares.
type studentFields struct {
	Type       int    `cbor:"0,keyasint"`
	StudentID  string `cbor:"1,keyasint"`
	GivenName  string `cbor:"2,keyasint"`
	FamilyName string `cbor:"3,keyasint"`
	BirthDate  int64  `cbor:"4,keyasint"`
}

// compactDiploma is the subject map of a Diploma.
type compactDiploma struct {
	studentFields
	Diploma      string   `cbor:"5,keyasint"`
	EQFLevel     int      `cbor:"6,keyasint"`
	AwardedOn    int64    `cbor:"7,keyasint"`
	Mention      *int     `cbor:"8,keyasint,omitempty"`
	Specialities []string `cbor:"9,keyasint,omitempty"`
	RNCP         string   `cbor:"10,keyasint,omitempty"`
	Session      string   `cbor:"11,keyasint,omitempty"`
}

// compactPix is the subject map of a PixCertification.
type compactPix struct {
	studentFields
	CertificationCenter string `cbor:"5,keyasint"`
	CertifiedOn         int64  `cbor:"6,keyasint"`
	PixScore            int    `cbor:"7,keyasint"`
	Levels              []int  `cbor:"8,keyasint"`
	VerificationCode    string `cbor:"9,keyasint,omitempty"`
}

// subjectKey describes one key of a subject map.
type subjectKey struct {
	name     string
	required bool
}

var studentKeys = map[int64]subjectKey{
	0: {"type", true}, 1: {"student_id", true}, 2: {"given_name", true}, 3: {"family_name", true}, 4: {"birth_date", true},
}

var diplomaKeys = withStudentKeys(map[int64]subjectKey{
	5: {"diploma", true}, 6: {"eqf_level", true}, 7: {"awarded_on", true}, 8: {"mention", false},
	9: {"specialities", false}, 10: {"rncp", false}, 11: {"session", false},
})

var pixKeys = withStudentKeys(map[int64]subjectKey{
	5: {"certification_center", true}, 6: {"certified_on", true}, 7: {"pix_score", true}, 8: {"levels", true},
	9: {"verification_code", false},
})

func withStudentKeys(keys map[int64]subjectKey) map[int64]subjectKey {
	for k, v := range studentKeys {
		keys[k] = v
	}
	return keys
}

// encodeClaims returns the CBOR CWT claims set of the credential.
func encodeClaims(c *Credential) ([]byte, error) {
	return appendClaims(nil, c)
}

// appendClaims appends the CBOR CWT claims set of the credential to dst.
func appendClaims(dst []byte, c *Credential) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	id, err := parseID(c.ID)
	if err != nil {
		return nil, err
	}
	var scratch [512]byte
	subject, err := appendSubjectCBOR(scratch[:0], c.Subject)
	if err != nil {
		return nil, err
	}
	claims := cwtClaims{Issuer: c.IssuerID, IssuedAt: c.ValidFrom.Unix(), ID: id[:], Subject: subject}
	if !c.ValidUntil.IsZero() {
		exp := c.ValidUntil.Unix()
		claims.Expires = &exp
	}
	return claims.appendCBOR(dst), nil
}

// appendSubjectCBOR appends the compact subject map of record to dst.
func appendSubjectCBOR(dst []byte, record schemas.Record) ([]byte, error) {
	switch r := record.(type) {
	case *schemas.Diploma:
		d, err := compactDiplomaOf(r)
		if err != nil {
			return nil, fmt.Errorf("compact form of the diploma: %w", err)
		}
		return d.appendCBOR(dst), nil
	case *schemas.PixCertification:
		p, err := compactPixOf(r)
		if err != nil {
			return nil, fmt.Errorf("compact form of the Pix certification: %w", err)
		}
		return p.appendCBOR(dst), nil
	}
	return nil, checkRecord(record)
}

// checkCompact reports whether the subject can be carried by the SC1
// form, as appendSubjectCBOR would find, without encoding it.
func checkCompact(record schemas.Record) error {
	switch r := record.(type) {
	case *schemas.Diploma:
		if _, err := compactDiplomaOf(r); err != nil {
			return fmt.Errorf("compact form of the diploma: %w", err)
		}
		return nil
	case *schemas.PixCertification:
		if _, err := compactPixOf(r); err != nil {
			return fmt.Errorf("compact form of the Pix certification: %w", err)
		}
		return nil
	}
	return checkRecord(record)
}

func compactStudent(typeCode int, s *schemas.Student) (studentFields, error) {
	birth, err := dateToDays("birth_date", s.BirthDate)
	if err != nil {
		return studentFields{}, err
	}
	return studentFields{Type: typeCode, StudentID: s.StudentID, GivenName: s.GivenName, FamilyName: s.FamilyName, BirthDate: birth}, nil
}

func compactDiplomaOf(r *schemas.Diploma) (*compactDiploma, error) {
	if err := checkUTF8(r.StudentID, r.GivenName, r.FamilyName, r.Diploma, r.RNCP, r.Session); err != nil {
		return nil, err
	}
	if err := checkUTF8(r.Specialities...); err != nil {
		return nil, err
	}
	student, err := compactStudent(typeCodeDiploma, &r.Student)
	if err != nil {
		return nil, err
	}
	awarded, err := dateToDays("awarded_on", r.AwardedOn)
	if err != nil {
		return nil, err
	}
	d := &compactDiploma{
		studentFields: student,
		Diploma:       r.Diploma,
		EQFLevel:      r.EQFLevel,
		AwardedOn:     awarded,
		Specialities:  r.Specialities,
		RNCP:          r.RNCP,
		Session:       r.Session,
	}
	if r.Mention != "" {
		code := -1
		for i, m := range mentionCodes {
			if m == r.Mention {
				code = i
			}
		}
		if code < 0 {
			return nil, fmt.Errorf("mention %q: want one of %q", r.Mention, mentionCodes)
		}
		d.Mention = &code
	}
	return d, nil
}

func compactPixOf(r *schemas.PixCertification) (*compactPix, error) {
	if err := checkUTF8(r.StudentID, r.GivenName, r.FamilyName, r.CertificationCenter, r.VerificationCode); err != nil {
		return nil, err
	}
	student, err := compactStudent(typeCodePixCertification, &r.Student)
	if err != nil {
		return nil, err
	}
	certified, err := dateToDays("certified_on", r.CertifiedOn)
	if err != nil {
		return nil, err
	}
	if len(r.Competences) != len(schemas.CompetenceFramework) {
		return nil, fmt.Errorf("competences: %d entries, want the %d of the CRCN framework", len(r.Competences), len(schemas.CompetenceFramework))
	}
	levels := make([]int, len(r.Competences))
	for i, comp := range r.Competences {
		def := schemas.CompetenceFramework[i]
		if comp.ID != def.ID || comp.Name != def.Name {
			return nil, fmt.Errorf("competences[%d]: got %s %q, want %s %q (framework order, official names)", i, comp.ID, comp.Name, def.ID, def.Name)
		}
		levels[i] = comp.Level
	}
	return &compactPix{
		studentFields:       student,
		CertificationCenter: r.CertificationCenter,
		CertifiedOn:         certified,
		PixScore:            r.PixScore,
		Levels:              levels,
		VerificationCode:    r.VerificationCode,
	}, nil
}

func checkUTF8(values ...string) error {
	for _, v := range values {
		if !utf8.ValidString(v) {
			return fmt.Errorf("text %q is not valid UTF-8", v)
		}
	}
	return nil
}

// decodeClaims rebuilds the credential from a CBOR CWT claims set.
func decodeClaims(payload []byte) (*Credential, error) {
	dm, err := cborDecMode(false)
	if err != nil {
		return nil, err
	}
	var entries map[int64]cbor.RawMessage
	if err := dm.Unmarshal(payload, &entries); err != nil {
		return nil, fmt.Errorf("claims: want a map with integer keys: %w", err)
	}
	for key := range entries {
		if _, ok := claimNames[key]; !ok {
			return nil, fmt.Errorf("claim key %d is not part of the SC1 format", key)
		}
	}
	for _, key := range []int64{claimIssuer, claimIssuedAt, claimID, claimSubject} {
		if _, ok := entries[key]; !ok {
			return nil, fmt.Errorf("claim %d (%s) is missing", key, claimNames[key])
		}
	}
	var claims cwtClaims
	if err := dm.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	c := &Credential{IssuerID: claims.Issuer}
	if err := record.ValidateIssuerID(claims.Issuer); err != nil {
		return nil, fmt.Errorf("claim 1 (iss): %w", err)
	}
	id, err := uuid.FromBytes(claims.ID)
	if err != nil {
		return nil, fmt.Errorf("claim 7 (cti): want the 16 bytes of a UUID, got %d bytes", len(claims.ID))
	}
	c.ID = idPrefix + id.String()
	if _, err := parseID(c.ID); err != nil {
		return nil, fmt.Errorf("claim 7 (cti): %w", err)
	}
	if c.ValidFrom, err = epochTime("claim 6 (iat)", claims.IssuedAt); err != nil {
		return nil, err
	}
	if claims.Expires != nil {
		if c.ValidUntil, err = epochTime("claim 4 (exp)", *claims.Expires); err != nil {
			return nil, err
		}
	}
	if c.Subject, err = decodeSubject(dm, claims.Subject); err != nil {
		return nil, fmt.Errorf("claim %d (subject): %w", claimSubject, err)
	}
	c.Type = c.Subject.CredentialType()
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// Times a credential can carry: years 0001 to 9999.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

func epochTime(name string, seconds int64) (time.Time, error) {
	if seconds < minTime.Unix() || seconds > maxTime.Unix() {
		return time.Time{}, fmt.Errorf("%s: %d seconds is outside years 0001 to 9999", name, seconds)
	}
	return time.Unix(seconds, 0).UTC(), nil
}

// decodeSubject rebuilds a credential subject from its compact map.
func decodeSubject(dm cbor.DecMode, data []byte) (schemas.Record, error) {
	var entries map[int64]cbor.RawMessage
	if err := dm.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("want a map with integer keys: %w", err)
	}
	var typeCode int
	raw, ok := entries[subjectTypeKey]
	if !ok {
		return nil, errors.New("key 0 (type) is missing")
	}
	if err := dm.Unmarshal(raw, &typeCode); err != nil {
		return nil, fmt.Errorf("key 0 (type): %w", err)
	}
	switch typeCode {
	case typeCodeDiploma:
		if err := checkSubjectKeys(entries, diplomaKeys, schemas.TypeDiploma); err != nil {
			return nil, err
		}
		var d compactDiploma
		if err := dm.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		return d.record()
	case typeCodePixCertification:
		if err := checkSubjectKeys(entries, pixKeys, schemas.TypePixCertification); err != nil {
			return nil, err
		}
		var p compactPix
		if err := dm.Unmarshal(data, &p); err != nil {
			return nil, err
		}
		return p.record()
	}
	return nil, fmt.Errorf("key 0 (type): unknown type code %d (want %d Diploma or %d PixCertification)", typeCode, typeCodeDiploma, typeCodePixCertification)
}

// checkSubjectKeys reports unknown or missing subject keys.
func checkSubjectKeys(entries map[int64]cbor.RawMessage, keys map[int64]subjectKey, credType string) error {
	var unknown []string
	for k := range entries {
		if _, ok := keys[k]; !ok {
			unknown = append(unknown, fmt.Sprint(k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("keys %s are not part of a %s subject", strings.Join(unknown, ", "), credType)
	}
	known := make([]int64, 0, len(keys))
	for k := range keys {
		known = append(known, k)
	}
	slices.Sort(known)
	for _, k := range known {
		if _, ok := entries[k]; keys[k].required && !ok {
			return fmt.Errorf("key %d (%s) of a %s subject is missing", k, keys[k].name, credType)
		}
	}
	return nil
}

func (s *studentFields) student() (schemas.Student, error) {
	birth, err := daysToDate("key 4 (birth_date)", s.BirthDate)
	if err != nil {
		return schemas.Student{}, err
	}
	return schemas.Student{StudentID: s.StudentID, GivenName: s.GivenName, FamilyName: s.FamilyName, BirthDate: birth}, nil
}

func (d *compactDiploma) record() (*schemas.Diploma, error) {
	student, err := d.student()
	if err != nil {
		return nil, err
	}
	awarded, err := daysToDate("key 7 (awarded_on)", d.AwardedOn)
	if err != nil {
		return nil, err
	}
	r := &schemas.Diploma{
		Student:      student,
		Diploma:      d.Diploma,
		EQFLevel:     d.EQFLevel,
		AwardedOn:    awarded,
		Specialities: d.Specialities,
		RNCP:         d.RNCP,
		Session:      d.Session,
	}
	if d.Mention != nil {
		if *d.Mention < 0 || *d.Mention >= len(mentionCodes) {
			return nil, fmt.Errorf("key 8 (mention): unknown mention code %d", *d.Mention)
		}
		r.Mention = mentionCodes[*d.Mention]
	}
	return r, nil
}

func (p *compactPix) record() (*schemas.PixCertification, error) {
	student, err := p.student()
	if err != nil {
		return nil, err
	}
	certified, err := daysToDate("key 6 (certified_on)", p.CertifiedOn)
	if err != nil {
		return nil, err
	}
	if len(p.Levels) != len(schemas.CompetenceFramework) {
		return nil, fmt.Errorf("key 8 (levels): %d levels, want %d", len(p.Levels), len(schemas.CompetenceFramework))
	}
	competences := make([]schemas.Competence, len(p.Levels))
	for i, level := range p.Levels {
		def := schemas.CompetenceFramework[i]
		competences[i] = schemas.Competence{ID: def.ID, Name: def.Name, Level: level}
	}
	return &schemas.PixCertification{
		Student:             student,
		CertificationCenter: p.CertificationCenter,
		CertifiedOn:         certified,
		PixScore:            p.PixScore,
		Competences:         competences,
		VerificationCode:    p.VerificationCode,
	}, nil
}

const secondsPerDay = 24 * 60 * 60

// dateToDays returns the days since 1970-01-01 of an ISO date.
func dateToDays(name, date string) (int64, error) {
	t, err := parseDate(date)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return t.Unix() / secondsPerDay, nil
}

// daysToDate returns the ISO date days after 1970-01-01.
func daysToDate(name string, days int64) (string, error) {
	if days < minTime.Unix()/secondsPerDay || days > maxTime.Unix()/secondsPerDay {
		return "", fmt.Errorf("%s: %d days is outside years 0001 to 9999", name, days)
	}
	return time.Unix(days*secondsPerDay, 0).UTC().Format(dateLayout), nil
}
