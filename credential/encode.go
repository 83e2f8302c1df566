package credential

import (
	"strconv"

	"github.com/sceau/sceau/internal/jsonstr"
	"github.com/sceau/sceau/schemas"
)

// The encoders of this file write a credential's JSON and CBOR by hand,
// appending to one buffer, for batch issuance: an exam office signs three
// forms of every credential, and encoding/json's and the CBOR library's
// reflection, with the buffers they allocate, cost about as much as the
// signatures. They write exactly the bytes the reflective encoders write
// for the wire types (wireCredential, the schemas' subject types, cwtClaims
// and the compact subjects), which decoding keeps using; the tests of
// encode_test.go compare the two on every member, optional ones included.
//
// To add a member to a form: add it to its wire type (so that decoding
// reads it), to the encoder here, in the wire type's member order (for
// CBOR, the order of its keys' encodings), and to the reference encoding
// of encode_test.go; a claim of the SD-JWT VC form outside the subject
// (a status, say) is written by SignSDJWT and named in sdEnvelopeClaims.

// appendCredentialJSON appends the credential as its W3C VC 2.0 JSON
// document: wireCredential as encoding/json writes it, without HTML
// escaping (marshalJSON).
func appendCredentialJSON(dst []byte, c *Credential, schemaURL string) ([]byte, error) {
	dst = append(dst, `{"@context":["`+ContextV2+`",`...)
	dst = jsonstr.Append(dst, ContextURLOf(c.baseOf()), false)
	dst = append(dst, `],"id":`...)
	dst = jsonstr.Append(dst, c.ID, false)
	dst = append(dst, `,"type":["`+TypeVerifiableCredential+`",`...)
	dst = jsonstr.Append(dst, c.Type, false)
	dst = append(dst, `],"issuer":`...)
	dst = jsonstr.Append(dst, c.Issuer(), false)
	dst = append(dst, `,"validFrom":"`...)
	dst = c.ValidFrom.UTC().AppendFormat(dst, timeLayout)
	dst = append(dst, '"')
	if !c.ValidUntil.IsZero() {
		dst = append(dst, `,"validUntil":"`...)
		dst = c.ValidUntil.UTC().AppendFormat(dst, timeLayout)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"credentialSubject":`...)
	dst, err := appendSubjectJSON(dst, c.Subject)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `,"credentialSchema":{"id":`...)
	dst = jsonstr.Append(dst, schemaURL, false)
	dst = append(dst, `,"type":"`+SchemaTypeJSONSchema+`"}`...)
	if entries := c.statusEntries(); len(entries) > 0 {
		dst = append(dst, `,"credentialStatus":[`...)
		for i, e := range entries {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = jsonstr.Append(dst, e.ID, false)
			dst = append(dst, `,"type":`...)
			dst = jsonstr.Append(dst, e.Type, false)
			dst = append(dst, `,"statusPurpose":`...)
			dst = jsonstr.Append(dst, e.StatusPurpose, false)
			dst = append(dst, `,"statusListIndex":`...)
			dst = jsonstr.Append(dst, e.StatusListIndex, false)
			dst = append(dst, `,"statusListCredential":`...)
			dst = jsonstr.Append(dst, e.StatusListCredential, false)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// appendSubjectJSON appends the credential subject as encoding/json writes
// a *schemas.Diploma or *schemas.PixCertification without HTML escaping:
// the members in field order, the optional ones (omitempty) left out when
// empty.
func appendSubjectJSON(dst []byte, record schemas.Record) ([]byte, error) {
	if err := checkRecord(record); err != nil {
		return nil, err
	}
	switch r := record.(type) {
	case *schemas.Diploma:
		dst = appendStudentJSON(dst, &r.Student)
		dst = appendStringMember(dst, "diploma", r.Diploma)
		dst = appendIntMember(dst, "eqf_level", r.EQFLevel)
		dst = appendStringMember(dst, "awarded_on", r.AwardedOn)
		if r.Mention != "" {
			dst = appendStringMember(dst, "mention", r.Mention)
		}
		if len(r.Specialities) > 0 {
			dst = append(dst, `,"specialities":`...)
			dst = appendStringsJSON(dst, r.Specialities)
		}
		if r.RNCP != "" {
			dst = appendStringMember(dst, "rncp", r.RNCP)
		}
		if r.Session != "" {
			dst = appendStringMember(dst, "session", r.Session)
		}
	case *schemas.PixCertification:
		dst = appendStudentJSON(dst, &r.Student)
		dst = appendStringMember(dst, "certification_center", r.CertificationCenter)
		dst = appendStringMember(dst, "certified_on", r.CertifiedOn)
		dst = appendIntMember(dst, "pix_score", r.PixScore)
		dst = append(dst, `,"competences":`...)
		if r.Competences == nil {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, '[')
			for i := range r.Competences {
				comp := &r.Competences[i]
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, `{"id":`...)
				dst = jsonstr.Append(dst, comp.ID, false)
				dst = append(dst, `,"name":`...)
				dst = jsonstr.Append(dst, comp.Name, false)
				dst = append(dst, `,"level":`...)
				dst = strconv.AppendInt(dst, int64(comp.Level), 10)
				dst = append(dst, '}')
			}
			dst = append(dst, ']')
		}
		if r.VerificationCode != "" {
			dst = appendStringMember(dst, "verification_code", r.VerificationCode)
		}
	}
	return append(dst, '}'), nil
}

// appendStudentJSON opens a subject object with the members of its
// embedded schemas.Student.
func appendStudentJSON(dst []byte, s *schemas.Student) []byte {
	dst = append(dst, `{"student_id":`...)
	dst = jsonstr.Append(dst, s.StudentID, false)
	dst = appendStringMember(dst, "given_name", s.GivenName)
	dst = appendStringMember(dst, "family_name", s.FamilyName)
	return appendStringMember(dst, "birth_date", s.BirthDate)
}

// appendStringMember appends `,"name":value`; name needs no escaping.
func appendStringMember(dst []byte, name, value string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return jsonstr.Append(dst, value, false)
}

// appendIntMember appends `,"name":value`; name needs no escaping.
func appendIntMember(dst []byte, name string, value int) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, int64(value), 10)
}

// appendStringsJSON appends a JSON array of strings (null when nil, as
// encoding/json writes a nil slice).
func appendStringsJSON(dst []byte, values []string) []byte {
	if values == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonstr.Append(dst, v, false)
	}
	return append(dst, ']')
}

// flatClaim is one claim of a flattened subject: its value is
// buf[start:end] of the buffer appendFlatSubject appended to.
type flatClaim struct {
	name       string
	start, end int
}

// appendFlatSubject appends the value of each subject claim of the SD-JWT
// form (see flatSubject) to dst as JSON, and returns the claims in the
// order of the subject's fields, competences in framework order. Absent
// optional fields have no claim.
func appendFlatSubject(dst []byte, claims []flatClaim, record schemas.Record) ([]byte, []flatClaim, error) {
	if err := checkRecord(record); err != nil {
		return nil, nil, err
	}
	str := func(name, v string) {
		start := len(dst)
		dst = jsonstr.Append(dst, v, false)
		claims = append(claims, flatClaim{name, start, len(dst)})
	}
	num := func(name string, v int) {
		start := len(dst)
		dst = strconv.AppendInt(dst, int64(v), 10)
		claims = append(claims, flatClaim{name, start, len(dst)})
	}
	student := func(s *schemas.Student) {
		str("student_id", s.StudentID)
		str("given_name", s.GivenName)
		str("family_name", s.FamilyName)
		str("birth_date", s.BirthDate)
	}
	switch r := record.(type) {
	case *schemas.Diploma:
		student(&r.Student)
		str("diploma", r.Diploma)
		num("eqf_level", r.EQFLevel)
		str("awarded_on", r.AwardedOn)
		if r.Mention != "" {
			str("mention", r.Mention)
		}
		if len(r.Specialities) > 0 {
			start := len(dst)
			dst = appendStringsJSON(dst, r.Specialities)
			claims = append(claims, flatClaim{"specialities", start, len(dst)})
		}
		if r.RNCP != "" {
			str("rncp", r.RNCP)
		}
		if r.Session != "" {
			str("session", r.Session)
		}
	case *schemas.PixCertification:
		student(&r.Student)
		str("certification_center", r.CertificationCenter)
		str("certified_on", r.CertifiedOn)
		num("pix_score", r.PixScore)
		if err := checkCompetenceIDs(r.Competences); err != nil {
			return nil, nil, err
		}
		for i, comp := range r.Competences {
			num(schemas.CompetenceFramework[i].Column, comp.Level)
		}
		if r.VerificationCode != "" {
			str("verification_code", r.VerificationCode)
		}
	}
	return dst, claims, nil
}

// cborHead appends the head of a CBOR data item of major type major and
// argument n, in its shortest form (RFC 8949 §4.2.1).
func cborHead(dst []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(dst, m|byte(n))
	case n <= 0xff:
		return append(dst, m|24, byte(n))
	case n <= 0xffff:
		return append(dst, m|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(dst, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// CBOR major types.
const (
	cborUint   = 0
	cborNegInt = 1
	cborBytes  = 2
	cborText   = 3
	cborArray  = 4
	cborMap    = 5
)

// cborInt appends an integer.
func cborInt(dst []byte, v int64) []byte {
	if v >= 0 {
		return cborHead(dst, cborUint, uint64(v))
	}
	return cborHead(dst, cborNegInt, uint64(-1-v))
}

// cborString appends a text string.
func cborString(dst []byte, s string) []byte {
	return append(cborHead(dst, cborText, uint64(len(s))), s...)
}

// cborByteString appends a byte string.
func cborByteString(dst, b []byte) []byte {
	return append(cborHead(dst, cborBytes, uint64(len(b))), b...)
}

// appendCBOR appends the CWT claims set as the CBOR library writes
// cwtClaims under core deterministic encoding (cborEncMode): keys 1, 4
// (when set), 6, 7, then -65537, whose encoding sorts after every
// positive key's.
func (c *cwtClaims) appendCBOR(dst []byte) []byte {
	n := uint64(4)
	if c.Expires != nil {
		n++
	}
	dst = cborHead(dst, cborMap, n)
	dst = cborInt(dst, claimIssuer)
	dst = cborString(dst, c.Issuer)
	if c.Expires != nil {
		dst = cborInt(dst, claimExpires)
		dst = cborInt(dst, *c.Expires)
	}
	dst = cborInt(dst, claimIssuedAt)
	dst = cborInt(dst, c.IssuedAt)
	dst = cborInt(dst, claimID)
	dst = cborByteString(dst, c.ID)
	dst = cborInt(dst, claimSubject)
	return append(dst, c.Subject...)
}

// appendCBOR appends the student's entries (keys 0 to 4).
func (s *studentFields) appendCBOR(dst []byte) []byte {
	dst = append(dst, 0)
	dst = cborInt(dst, int64(s.Type))
	dst = append(dst, 1)
	dst = cborString(dst, s.StudentID)
	dst = append(dst, 2)
	dst = cborString(dst, s.GivenName)
	dst = append(dst, 3)
	dst = cborString(dst, s.FamilyName)
	dst = append(dst, 4)
	return cborInt(dst, s.BirthDate)
}

// appendCBOR appends the subject map of a diploma, as the CBOR library
// writes compactDiploma under core deterministic encoding.
func (d *compactDiploma) appendCBOR(dst []byte) []byte {
	n := uint64(8)
	if d.Mention != nil {
		n++
	}
	if len(d.Specialities) > 0 {
		n++
	}
	if d.RNCP != "" {
		n++
	}
	if d.Session != "" {
		n++
	}
	dst = cborHead(dst, cborMap, n)
	dst = d.studentFields.appendCBOR(dst)
	dst = append(dst, 5)
	dst = cborString(dst, d.Diploma)
	dst = append(dst, 6)
	dst = cborInt(dst, int64(d.EQFLevel))
	dst = append(dst, 7)
	dst = cborInt(dst, d.AwardedOn)
	if d.Mention != nil {
		dst = append(dst, 8)
		dst = cborInt(dst, int64(*d.Mention))
	}
	if len(d.Specialities) > 0 {
		dst = append(dst, 9)
		dst = cborHead(dst, cborArray, uint64(len(d.Specialities)))
		for _, s := range d.Specialities {
			dst = cborString(dst, s)
		}
	}
	if d.RNCP != "" {
		dst = append(dst, 10)
		dst = cborString(dst, d.RNCP)
	}
	if d.Session != "" {
		dst = append(dst, 11)
		dst = cborString(dst, d.Session)
	}
	return dst
}

// appendCBOR appends the subject map of a Pix certification, as the CBOR
// library writes compactPix under core deterministic encoding.
func (p *compactPix) appendCBOR(dst []byte) []byte {
	n := uint64(9)
	if p.VerificationCode != "" {
		n++
	}
	dst = cborHead(dst, cborMap, n)
	dst = p.studentFields.appendCBOR(dst)
	dst = append(dst, 5)
	dst = cborString(dst, p.CertificationCenter)
	dst = append(dst, 6)
	dst = cborInt(dst, p.CertifiedOn)
	dst = append(dst, 7)
	dst = cborInt(dst, int64(p.PixScore))
	dst = append(dst, 8)
	if p.Levels == nil {
		dst = append(dst, 0xf6) // null, as the library writes a nil slice
	} else {
		dst = cborHead(dst, cborArray, uint64(len(p.Levels)))
		for _, l := range p.Levels {
			dst = cborInt(dst, int64(l))
		}
	}
	if p.VerificationCode != "" {
		dst = append(dst, 9)
		dst = cborString(dst, p.VerificationCode)
	}
	return dst
}
