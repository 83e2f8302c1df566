package hardening

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
)

// The sample students carry synthetic values chosen so that a search of
// the ledger for them cannot match by chance: names, identifiers and a
// certification centre that occur nowhere else, and birth dates before
// anything the ledger timestamps (every ledger time is the test's now).
type sampleStudent struct {
	studentID, givenName, familyName, birthDate string
}

var sampleStudents = []sampleStudent{
	{"0Q7Z3X9K2WA", "Zéphyrine", "Quintalou-Brévart", "2006-09-17"},
	{"9W4YKQ2V8JB", "Anatoliy", "Ørskov-Mbappé", "2005-12-03"},
	{"3XJQ8Z1T6VC", "Maëlwenn", "Kerjéguézec", "2007-04-29"},
}

// sampleCentre is the Pix certification centre of every sample student.
const sampleCentre = "Lycée Zéphyrin-Quintal de Saint-Brévin-les-Pins"

// samplePixScores are the sample students' Pix scores, in order: values
// that the ledger could only hold as a "pix_score" member.
var samplePixScores = []int{1013, 977, 861}

// sampleLevels are the 16 competence levels of every sample student.
const sampleLevels = "7,3,5,6,2,4,8,1,6,5,3,7,2,4,6,5"

// csvLine joins cells as one CSV record, quoting as needed.
func csvLine(cells ...string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(cells)
	w.Flush()
	return b.String()
}

// sampleDiplomaCSV returns a diploma CSV of the sample students. The first
// one is bound to holderJWK (the public JWK of their wallet key) when it
// is not empty.
func sampleDiplomaCSV(holderJWK []byte) string {
	var b strings.Builder
	b.WriteString(csvLine("student_id", "given_name", "family_name", "birth_date", "diploma", "eqf_level", "awarded_on", "mention", "speciality", "session", "holder_jwk"))
	mentions := []string{"tres_bien_felicitations", "assez_bien", ""}
	for i, s := range sampleStudents {
		jwk := ""
		if i == 0 {
			jwk = string(holderJWK)
		}
		b.WriteString(csvLine(s.studentID, s.givenName, s.familyName, s.birthDate, "Baccalauréat général", "4", "2025-07-04", mentions[i], "Mathématiques|Physique-chimie", "juin 2025", jwk))
	}
	return b.String()
}

// sampleDiplomaRecord returns a diploma of sample student s.
func sampleDiplomaRecord(s sampleStudent) *schemas.Diploma {
	return &schemas.Diploma{
		Student:   schemas.Student{StudentID: s.studentID, GivenName: s.givenName, FamilyName: s.familyName, BirthDate: s.birthDate},
		Diploma:   "Baccalauréat général",
		EQFLevel:  4,
		AwardedOn: "2025-07-04",
		Mention:   "tres_bien_felicitations",
	}
}

// samplePixCSV returns a Pix certification CSV of the sample students.
func samplePixCSV() string {
	var b strings.Builder
	b.WriteString("student_id,given_name,family_name,birth_date,certification_center,certified_on,pix_score," +
		"c1_1,c1_2,c1_3,c2_1,c2_2,c2_3,c2_4,c3_1,c3_2,c3_3,c3_4,c4_1,c4_2,c4_3,c5_1,c5_2\n")
	for i, s := range sampleStudents {
		cells := []string{s.studentID, s.givenName, s.familyName, s.birthDate, sampleCentre, "2025-05-20", fmt.Sprint(samplePixScores[i])}
		cells = append(cells, strings.Split(sampleLevels, ",")...)
		b.WriteString(csvLine(cells...))
	}
	return b.String()
}

// syntheticStudentID returns the i-th synthetic student id of a large
// input: "S" and ten digits, so that ids are distinct and never a prefix
// of one another.
func syntheticStudentID(i int) string { return fmt.Sprintf("S%010d", i) }

// syntheticDiplomaCSV returns a diploma CSV of n fictitious students,
// drawn from seed.
func syntheticDiplomaCSV(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 0x5cea))
	given := []string{"Léa", "Hugo", "Inès", "Noé", "Chloé", "Adam", "Manon", "Lucas", "Jade", "Émile"}
	family := []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"}
	mentions := []string{"", "passable", "assez_bien", "bien", "tres_bien"}
	var b strings.Builder
	b.WriteString("student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,mention\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,%s,%s,2007-%02d-%02d,Baccalauréat général,4,2025-07-04,%s\n",
			syntheticStudentID(i), given[rng.IntN(len(given))], family[rng.IntN(len(family))],
			1+rng.IntN(12), 1+rng.IntN(28), mentions[rng.IntN(len(mentions))])
	}
	return b.String()
}

// holderKey returns a new wallet key and its public JWK.
func holderKey(t *testing.T) (*credential.Key, []byte) {
	t.Helper()
	k, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := k.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	return k, jwk
}
