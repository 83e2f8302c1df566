package schemas

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fast path checks a subject in Go, rule for rule as its JSON Schema
// and validateDoc do, without building a JSON document: it is what lets a
// CSV export of a million rows be validated in seconds. It only decides
// accept or reject; a rejected row goes through the JSON Schema (the
// reference), which names every violation, so error messages are the same
// either way. Fuzz tests check that both paths agree.

// Limits and patterns of the schemas' "$defs", as the fast path applies them.
const (
	personNameMaxLength = 100
	textMaxLength       = 200
	inePattern          = 11
	maxSpecialities     = 20
	minEQFLevel         = 1
	maxEQFLevel         = 8
	maxPixScore         = 1024
	minCompetenceLevel  = -1
	maxCompetenceLevel  = 8
	verificationPrefix  = "P-"
	verificationLength  = 8
	verificationLetters = "2346789BCDFGHJKMPQRTVWXY"
	rncpPrefix          = "RNCP"
	rncpMinDigits       = 3
	rncpMaxDigits       = 6
)

// fastRecord builds and checks the record of a CSV row whose field count
// matches the header. It returns ok = false whenever the row might break a
// rule; the caller then runs the reference path.
func (c *CSVReader) fastRecord(record []string) (rec Record, holderJWK string, ok bool) {
	var (
		d       *Diploma
		p       *PixCertification
		student *Student
	)
	switch c.spec.name {
	case TypeDiploma:
		d = new(Diploma)
		student = &d.Student
		rec = d
	case TypePixCertification:
		p = &PixCertification{Competences: make([]Competence, len(CompetenceFramework))}
		for i, def := range CompetenceFramework {
			p.Competences[i] = Competence{ID: def.ID, Name: def.Name}
		}
		student = &p.Student
		rec = p
	default:
		return nil, "", false
	}
	var filled [32]bool // by index in c.spec.columns
	if len(c.spec.columns) > len(filled) {
		return nil, "", false
	}
	for i, raw := range record {
		cell := strings.TrimSpace(raw)
		if cell == "" {
			continue
		}
		j := c.specOf[i]
		if j < 0 {
			return nil, "", false // a value under an unnamed column
		}
		filled[j] = true
		col := c.spec.columns[j]
		switch col.kind {
		case cellHolderJWK:
			if checkPublicJWK(cell) != nil {
				return nil, "", false
			}
			holderJWK = cell
			continue
		case cellCompetenceLevel:
			n, ok := integerValue(cell)
			if !ok {
				return nil, "", false
			}
			p.Competences[col.competence].Level = n
			continue
		case cellInteger:
			n, ok := integerValue(cell)
			if !ok {
				return nil, "", false
			}
			switch col.field {
			case "eqf_level":
				d.EQFLevel = n
			case "pix_score":
				p.PixScore = n
			default:
				return nil, "", false
			}
			continue
		case cellDate:
			cell = isoDate(cell) // then set as text
		case cellList:
			if col.field != "specialities" || d == nil {
				return nil, "", false
			}
			parts := strings.Split(cell, listSeparator)
			for k, part := range parts {
				parts[k] = strings.TrimSpace(part)
			}
			d.Specialities = parts
			continue
		}
		if !setText(col.field, cell, student, d, p) {
			return nil, "", false
		}
	}
	for j, col := range c.spec.columns {
		if col.required && !filled[j] {
			return nil, "", false
		}
	}
	if !c.validator.Conforms(rec) {
		return nil, "", false
	}
	return rec, holderJWK, true
}

// setText sets the text field named field of the record being built.
func setText(field, value string, s *Student, d *Diploma, p *PixCertification) bool {
	switch field {
	case "student_id":
		s.StudentID = value
	case "given_name":
		s.GivenName = value
	case "family_name":
		s.FamilyName = value
	case "birth_date":
		s.BirthDate = value
	default:
		switch {
		case d != nil:
			return setDiplomaText(field, value, d)
		case p != nil:
			return setPixText(field, value, p)
		}
		return false
	}
	return true
}

func setDiplomaText(field, value string, d *Diploma) bool {
	switch field {
	case "diploma":
		d.Diploma = value
	case "awarded_on":
		d.AwardedOn = value
	case "mention":
		d.Mention = value
	case "rncp":
		d.RNCP = value
	case "session":
		d.Session = value
	default:
		return false
	}
	return true
}

func setPixText(field, value string, p *PixCertification) bool {
	switch field {
	case "certification_center":
		p.CertificationCenter = value
	case "certified_on":
		p.CertifiedOn = value
	case "verification_code":
		p.VerificationCode = value
	default:
		return false
	}
	return true
}

// integerValue parses a cell as integerCell accepts it: an optional sign
// and decimal digits. Values beyond int are refused (no schema range
// reaches them).
func integerValue(cell string) (int, bool) {
	digits := cell
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if digits == "" || len(digits) > maxNumberLen {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(cell)
	return n, err == nil
}

// Conforms reports whether rec, marshalled to JSON, obeys the JSON Schema
// of its type and the rules of plausible dates and names:
// ValidateRecord(rec) == nil. Its strings must be valid UTF-8 (JSON would
// replace invalid bytes); any other string makes it report false.
//
// It decides in Go, without building JSON, fifty times faster than the
// JSON Schema for a diploma (BenchmarkConforms): check with Conforms
// first, and run ValidateRecord (or Validate on the record's JSON) only
// for a record it rejects, to learn why.
func (v *Validator) Conforms(rec Record) bool {
	switch r := rec.(type) {
	case *Diploma:
		return r != nil && studentConforms(&r.Student) && diplomaConforms(r) &&
			len(dateViolations(v.today(), r.BirthDate, "awarded_on", r.AwardedOn)) == 0
	case *PixCertification:
		return r != nil && studentConforms(&r.Student) && pixConforms(r) &&
			len(dateViolations(v.today(), r.BirthDate, "certified_on", r.CertifiedOn)) == 0
	}
	return false
}

func studentConforms(s *Student) bool {
	return isINE(s.StudentID) &&
		isPersonName(s.GivenName) &&
		isPersonName(s.FamilyName) &&
		isDate(s.BirthDate)
}

// isPersonName is the "personName" definition and nameViolation.
func isPersonName(s string) bool {
	if !isLabel(s, personNameMaxLength) {
		return false
	}
	_, bad := nameViolation("", s)
	return !bad
}

func diplomaConforms(d *Diploma) bool {
	if !isLabel(d.Diploma, textMaxLength) || d.EQFLevel < minEQFLevel || d.EQFLevel > maxEQFLevel || !isDate(d.AwardedOn) {
		return false
	}
	if d.Mention != "" && !slices.Contains(Mentions, d.Mention) {
		return false
	}
	if len(d.Specialities) > maxSpecialities {
		return false
	}
	for i, s := range d.Specialities {
		if !isLabel(s, textMaxLength) || slices.Contains(d.Specialities[:i], s) {
			return false
		}
	}
	if d.RNCP != "" && !isRNCP(d.RNCP) {
		return false
	}
	return d.Session == "" || isLabel(d.Session, textMaxLength)
}

func pixConforms(p *PixCertification) bool {
	if !isLabel(p.CertificationCenter, textMaxLength) || !isDate(p.CertifiedOn) || p.PixScore < 0 || p.PixScore > maxPixScore {
		return false
	}
	if len(p.Competences) != len(CompetenceFramework) {
		return false
	}
	for i, c := range p.Competences {
		def := CompetenceFramework[i]
		if c.ID != def.ID || c.Name != def.Name || c.Level < minCompetenceLevel || c.Level > maxCompetenceLevel {
			return false
		}
	}
	return p.VerificationCode == "" || isVerificationCode(p.VerificationCode)
}

// isINE matches the "ine" pattern ^[0-9A-Z]{11}$.
func isINE(s string) bool {
	if len(s) != inePattern {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] < 'A' || s[i] > 'Z') {
			return false
		}
	}
	return true
}

// isLabel matches the "personName" and "text" definitions: at most max
// characters, the pattern ^[^\s\x00-\x1F\x7F](?:[^\x00-\x1F\x7F]*[^\s\x00-\x1F\x7F])?$
// (in Go's regexp, \s is [\t\n\f\r ]: besides control characters, only
// the space is excluded at either end).
func isLabel(s string, max int) bool {
	if s == "" || !utf8.ValidString(s) || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	n := 0
	for _, r := range s {
		if r <= 0x1F || r == 0x7F {
			return false
		}
		n++
	}
	return n <= max
}

// isRNCP matches ^RNCP[0-9]{3,6}$.
func isRNCP(s string) bool {
	digits, ok := strings.CutPrefix(s, rncpPrefix)
	if !ok || len(digits) < rncpMinDigits || len(digits) > rncpMaxDigits {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return false
		}
	}
	return true
}

// isVerificationCode matches ^P-[2346789BCDFGHJKMPQRTVWXY]{8}$.
func isVerificationCode(s string) bool {
	code, ok := strings.CutPrefix(s, verificationPrefix)
	if !ok || len(code) != verificationLength {
		return false
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(verificationLetters, code[i]) < 0 {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
