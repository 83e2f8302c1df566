package schemas

import "testing"

func TestClaimLabelNamesClaimsInFrenchAndEnglish(t *testing.T) {
	for _, tc := range []struct {
		typ, claim, lang, want string
		ok                     bool
	}{
		{TypeDiploma, "given_name", LangFrench, "Prénom", true},
		{TypeDiploma, "given_name", LangEnglish, "Given name", true},
		{TypeDiploma, "student_id", LangFrench, "INE", true},
		{TypeDiploma, "student_id", LangEnglish, "Student ID", true},
		{TypeDiploma, "eqf_level", LangEnglish, "EQF level", true},
		{TypeDiploma, "specialities", LangFrench, "Spécialités", true},
		{TypePixCertification, "c1_1", LangFrench, "Compétence 1.1", true},
		{TypePixCertification, "c5_2", LangEnglish, "Competence 5.2", true},
		{TypeDiploma, "c1_1", LangEnglish, "", false},
		{"Unknown", "given_name", LangEnglish, "", false},
	} {
		got, ok := ClaimLabel(tc.typ, tc.claim, tc.lang)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ClaimLabel(%s, %s, %s) = %q, %v; want %q, %v", tc.typ, tc.claim, tc.lang, got, ok, tc.want, tc.ok)
		}
	}
}
