package schemas

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestCSVTemplateHeaders(t *testing.T) {
	for _, tt := range []struct{ credType, lang, want string }{
		{TypeDiploma, LangEnglish, diplomaHeader + ",mention,speciality,rncp,session,holder_jwk\n"},
		{TypeDiploma, LangFrench, "INE;Prénom;Nom;Date de naissance;Diplôme;Niveau CEC;Date d'obtention;Mention;Spécialités;Code RNCP;Session;Clé du titulaire\n"},
		{TypePixCertification, LangEnglish, pixHeader + ",holder_jwk\n"},
		{TypePixCertification, LangFrench, "INE;Prénom;Nom;Date de naissance;Centre de certification;Date de certification;Score Pix;" +
			"Compétence 1.1;Compétence 1.2;Compétence 1.3;Compétence 2.1;Compétence 2.2;Compétence 2.3;Compétence 2.4;" +
			"Compétence 3.1;Compétence 3.2;Compétence 3.3;Compétence 3.4;Compétence 4.1;Compétence 4.2;Compétence 4.3;" +
			"Compétence 5.1;Compétence 5.2;Code de vérification;Clé du titulaire\n"},
	} {
		var b bytes.Buffer
		if err := WriteCSVTemplate(&b, tt.credType, tt.lang, false); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s template in %s:\n%s\nwant\n%s", tt.credType, tt.lang, b.String(), tt.want)
		}
	}
	if err := WriteCSVTemplate(new(bytes.Buffer), TypeDiploma, "de", false); err == nil || !strings.Contains(err.Error(), `"de"`) {
		t.Errorf("language de: %v", err)
	}
	if err := WriteCSVTemplate(new(bytes.Buffer), "Licence", LangFrench, false); err == nil {
		t.Error("type Licence: no error")
	}
}

// TestCSVTemplateExampleReadsBack: a template with its example row is a
// valid CSV file of one subject, the same in both languages.
func TestCSVTemplateExampleReadsBack(t *testing.T) {
	for _, credType := range []string{TypeDiploma, TypePixCertification} {
		var records []Record
		for _, lang := range []string{LangFrench, LangEnglish} {
			var b bytes.Buffer
			if err := WriteCSVTemplate(&b, credType, lang, true); err != nil {
				t.Fatal(err)
			}
			c, rows := readAll(t, b.String(), credType, CSVOptions{})
			if c.Language() != lang {
				t.Errorf("%s %s template read as %s", credType, lang, c.Language())
			}
			records = append(records, onlyRecord(t, rows))
		}
		if !reflect.DeepEqual(records[0], records[1]) {
			t.Errorf("%s: French example %+v, English %+v", credType, records[0], records[1])
		}
	}
}
