package schemas

import (
	"strconv"
	"strings"
)

// cellKind says how a CSV cell becomes a JSON value of the subject.
type cellKind int

const (
	// cellText is a string field.
	cellText cellKind = iota
	// cellInteger is an integer field.
	cellInteger
	// cellList is an array of strings, separated by listSeparator in the cell.
	cellList
	// cellCompetenceLevel is the level of one CRCN competence.
	cellCompetenceLevel
	// cellHolderJWK is the holder's public key: not part of the subject.
	cellHolderJWK
)

// listSeparator separates the items of a cellList cell, e.g.
// "Mathématiques|Physique-chimie".
const listSeparator = "|"

// holderJWKColumn is the optional column holding the holder's public JWK.
const holderJWKColumn = "holder_jwk"

// column is one CSV column of a credential type.
type column struct {
	// name is the header, lower case.
	name string
	// field is the JSON field of the subject the column fills; for a
	// competence level, "competences".
	field    string
	kind     cellKind
	required bool
	// competence is the index in CompetenceFramework of a
	// cellCompetenceLevel column.
	competence int
}

func studentColumns() []column {
	return []column{
		{name: "student_id", field: "student_id", kind: cellText, required: true},
		{name: "given_name", field: "given_name", kind: cellText, required: true},
		{name: "family_name", field: "family_name", kind: cellText, required: true},
		{name: "birth_date", field: "birth_date", kind: cellText, required: true},
	}
}

// diplomaColumns returns the columns of a Diploma CSV, in the order of
// the subject's fields.
func diplomaColumns() []column {
	return append(studentColumns(),
		column{name: "diploma", field: "diploma", kind: cellText, required: true},
		column{name: "eqf_level", field: "eqf_level", kind: cellInteger, required: true},
		column{name: "awarded_on", field: "awarded_on", kind: cellText, required: true},
		column{name: "mention", field: "mention", kind: cellText},
		column{name: "speciality", field: "specialities", kind: cellList},
		column{name: "rncp", field: "rncp", kind: cellText},
		column{name: "session", field: "session", kind: cellText},
		column{name: holderJWKColumn, kind: cellHolderJWK},
	)
}

// pixCertificationColumns returns the columns of a PixCertification CSV,
// in the order of the subject's fields.
func pixCertificationColumns() []column {
	cols := append(studentColumns(),
		column{name: "certification_center", field: "certification_center", kind: cellText, required: true},
		column{name: "certified_on", field: "certified_on", kind: cellText, required: true},
		column{name: "pix_score", field: "pix_score", kind: cellInteger, required: true},
	)
	for i, c := range CompetenceFramework {
		cols = append(cols, column{name: c.Column, field: "competences", kind: cellCompetenceLevel, required: true, competence: i})
	}
	return append(cols,
		column{name: "verification_code", field: "verification_code", kind: cellText},
		column{name: holderJWKColumn, kind: cellHolderJWK},
	)
}

// columnIndex returns the index in cols of the column a subject field path
// (as in Violation.Field) comes from, or -1 when no column fills it.
func columnIndex(cols []column, field string) int {
	top, rest, _ := strings.Cut(field, ".")
	top, index, indexed := strings.Cut(top, "[")
	if top == "competences" {
		if !indexed {
			return -1
		}
		i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
		if err != nil || i < 0 || i >= len(CompetenceFramework) {
			return -1
		}
		if rest != "" && rest != "level" {
			// id and name are filled from the framework, not from a column.
			return -1
		}
		for j, c := range cols {
			if c.kind == cellCompetenceLevel && c.competence == i {
				return j
			}
		}
		return -1
	}
	for j, c := range cols {
		if c.field != "" && c.field == top {
			return j
		}
	}
	return -1
}
