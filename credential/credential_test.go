package credential

import (
	"bytes"
	"encoding/json"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/schemas"
)

func TestNewDiploma(t *testing.T) {
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	if c.ID != "urn:uuid:3f2a910c-5e77-4012-8abc-0123456789ab" {
		t.Errorf("ID = %q, want the version 4 UUID of the id source", c.ID)
	}
	if c.Type != schemas.TypeDiploma {
		t.Errorf("Type = %q", c.Type)
	}
	if !c.ValidFrom.Equal(issuedAt) || c.ValidFrom.Location() != time.UTC {
		t.Errorf("ValidFrom = %v, want %v", c.ValidFrom, issuedAt)
	}
	if !c.ValidUntil.IsZero() {
		t.Errorf("ValidUntil = %v, want none for a diploma", c.ValidUntil)
	}
}

func TestNewPixValidForThreeYears(t *testing.T) {
	c := newCredential(t, samplePix(), "gip-pix")
	want := time.Date(2028, 5, 20, 0, 0, 0, 0, time.UTC)
	if !c.ValidUntil.Equal(want) {
		t.Errorf("ValidUntil = %v, want %v (certified_on + 3 years)", c.ValidUntil, want)
	}
}

func TestNewTruncatesToSecondsUTC(t *testing.T) {
	paris := time.FixedZone("CEST", 2*60*60)
	now := time.Date(2025, 7, 4, 11, 30, 0, 987654321, paris)
	c, err := New(sampleDiploma(), "ac-versailles", now, idSource())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(mustJSON(t, c), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["validFrom"] != "2025-07-04T09:30:00Z" {
		t.Errorf("validFrom = %v, want 2025-07-04T09:30:00Z", doc["validFrom"])
	}
}

func TestNewRejects(t *testing.T) {
	badDate := samplePix()
	badDate.CertifiedOn = "20/05/2025"
	wrongOrder := samplePix()
	wrongOrder.Competences[0], wrongOrder.Competences[1] = wrongOrder.Competences[1], wrongOrder.Competences[0]
	badMention := sampleDiploma()
	badMention.Mention = "excellent"
	tests := []struct {
		name     string
		record   schemas.Record
		issuer   string
		wantText string
	}{
		{"nil record", nil, "ac-versailles", "want a *schemas.Diploma"},
		{"nil diploma", (*schemas.Diploma)(nil), "ac-versailles", "want a *schemas.Diploma"},
		{"bad issuer id", sampleDiploma(), "ac versailles", "position 2"},
		{"empty issuer id", sampleDiploma(), "", "issuer id is empty"},
		{"date not ISO", badDate, "gip-pix", "certified_on"},
		{"competences out of order", wrongOrder, "gip-pix", "competences[0]"},
		{"unknown mention", badMention, "ac-versailles", "mention \"excellent\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.record, tt.issuer, issuedAt, idSource())
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("New error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func TestCredentialJSON(t *testing.T) {
	c := newCredential(t, samplePix(), "gip-pix")
	data := mustJSON(t, c)
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"id":         "urn:uuid:3f2a910c-5e77-4012-8abc-0123456789ab",
		"issuer":     "urn:sceau:issuer:gip-pix",
		"validFrom":  "2025-07-04T09:30:00Z",
		"validUntil": "2028-05-20T00:00:00Z",
	}
	for k, want := range checks {
		if doc[k] != want {
			t.Errorf("%s = %v, want %v", k, doc[k], want)
		}
	}
	if got := doc["@context"].([]any); len(got) != 2 || got[0] != ContextV2 || got[1] != DefaultBase+"/contexts/sceau-v1.jsonld" {
		t.Errorf("@context = %v", got)
	}
	if got := doc["type"].([]any); len(got) != 2 || got[0] != "VerifiableCredential" || got[1] != "PixCertification" {
		t.Errorf("type = %v", got)
	}
	schema := doc["credentialSchema"].(map[string]any)
	wantURL := DefaultBase + "/schemas/pix-certification.json"
	if schema["id"] != wantURL || schema["type"] != "JsonSchema" {
		t.Errorf("credentialSchema = %v", schema)
	}
	subject := doc["credentialSubject"].(map[string]any)
	if subject["given_name"] != "Marie-Amélie" || subject["pix_score"] != float64(612) {
		t.Errorf("credentialSubject = %v", subject)
	}

	back, err := ParseJSON(data)
	if err != nil {
		t.Fatalf("ParseJSON: %v", err)
	}
	if again := mustJSON(t, back); !bytes.Equal(again, data) {
		t.Errorf("round trip changed the credential:\n%s\n%s", data, again)
	}
}

func TestSubjectValidatesAgainstSchema(t *testing.T) {
	v, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, record := range []schemas.Record{sampleDiploma(), sampleBTS(), samplePix()} {
		c := newCredential(t, record, "ac-versailles")
		subject, err := c.SubjectJSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(c.Type, subject); err != nil {
			t.Errorf("%s fixture is not valid: %v", c.Type, err)
		}
	}
}

func TestParseJSONRejects(t *testing.T) {
	valid := string(mustJSON(t, newCredential(t, sampleDiploma(), "ac-versailles")))
	tests := []struct {
		name     string
		edit     func(string) string
		wantText string
	}{
		{"unknown member", func(s string) string { return strings.Replace(s, `"id":`, `"evidence":[],"id":`, 1) }, "evidence"},
		{"duplicate member", func(s string) string {
			return strings.Replace(s, `"id":`, `"issuer":"urn:sceau:issuer:evil","id":`, 1)
		}, "duplicate"},
		{"wrong case member", func(s string) string { return strings.Replace(s, `"validFrom"`, `"ValidFrom"`, 1) }, "ValidFrom"},
		{"another context", func(s string) string {
			return strings.Replace(s, `"https://sceau.example/contexts/sceau-v1.jsonld"`, `"https://example.org/other"`, 1)
		}, "@context"},
		{"a third context", func(s string) string {
			return strings.Replace(s, `"https://www.w3.org/ns/credentials/v2"`, `"https://www.w3.org/ns/credentials/v2","https://example.org/other"`, 1)
		}, "@context"},
		{"unknown type", func(s string) string { return strings.Replace(s, `"Diploma"]`, `"Licence"]`, 1) }, "type"},
		{"issuer not a Sceau URI", func(s string) string {
			return strings.Replace(s, `urn:sceau:issuer:ac-versailles`, `did:web:evil.example`, 1)
		}, "issuer"},
		{"time with offset", func(s string) string {
			return strings.Replace(s, `2025-07-04T09:30:00Z`, `2025-07-04T11:30:00+02:00`, 1)
		}, "validFrom"},
		{"upper-case uuid", func(s string) string { return strings.Replace(s, `3f2a910c`, `3F2A910C`, 1) }, "id"},
		{"schema of another type", func(s string) string {
			return strings.Replace(s, `schemas/diploma.json`, `schemas/pix-certification.json`, 1)
		}, "credentialSchema"},
		{"unknown subject member", func(s string) string {
			return strings.Replace(s, `"student_id":`, `"grade":"A","student_id":`, 1)
		}, "grade"},
		{"trailing data", func(s string) string { return s + `{}` }, "credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(valid)
			if edited == valid {
				t.Fatal("the edit changed nothing")
			}
			_, err := ParseJSON([]byte(edited))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ParseJSON error = %v, want one mentioning %q", err, tt.wantText)
			}
		})
	}
}

func TestIssuerURI(t *testing.T) {
	if got := IssuerURI("ac-versailles"); got != "urn:sceau:issuer:ac-versailles" {
		t.Errorf("IssuerURI = %q", got)
	}
	id, err := ParseIssuerURI("urn:sceau:issuer:ac-versailles")
	if err != nil || id != "ac-versailles" {
		t.Errorf("ParseIssuerURI = %q, %v", id, err)
	}
	for _, bad := range []string{"", "urn:sceau:issuer:", "urn:sceau:other:x", "urn:sceau:issuer:a/b", "urn:sceau:issuer:" + strings.Repeat("a", 64), "urn:sceau:issuer:AC-Paris", "urn:sceau:issuer:-ac"} {
		if _, err := ParseIssuerURI(bad); err == nil {
			t.Errorf("ParseIssuerURI(%q) succeeded, want an error", bad)
		}
	}
}

func TestJSONDoesNotEscapeHTMLCharacters(t *testing.T) {
	p := samplePix()
	p.CertificationCenter = "Lycée Molière & CFA <Sud>"
	c := newCredential(t, p, "gip-pix")
	subject, err := c.SubjectJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(subject), `"Lycée Molière & CFA <Sud>"`) {
		t.Errorf("subject JSON escapes text: %s", subject)
	}
	if !bytes.Contains(mustJSON(t, c), subject) {
		t.Errorf("the credential does not carry the subject JSON as is")
	}
}

// TestStatusAndBase: a credential issued under a deployment's public URL
// points to its schema, its issuer and both its W3C status lists there,
// and reads back the same; a status entry that disagrees with the others
// or points elsewhere is refused.
func TestStatusAndBase(t *testing.T) {
	c := newCredential(t, sampleDiploma(), "ac-versailles")
	idx := 90210
	c.Base, c.IssuerByURL, c.StatusIndex = "https://verify.example/sceau", true, &idx
	data := string(mustJSON(t, c))
	for _, want := range []string{
		`"issuer":"https://verify.example/sceau/issuers/ac-versailles"`,
		`"credentialSchema":{"id":"https://verify.example/sceau/schemas/diploma.json","type":"JsonSchema"}`,
		`{"id":"https://verify.example/sceau/status/ac-versailles/revocation#90210","type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":"90210","statusListCredential":"https://verify.example/sceau/status/ac-versailles/revocation"}`,
		`"statusPurpose":"suspension","statusListIndex":"90210","statusListCredential":"https://verify.example/sceau/status/ac-versailles/suspension"`,
	} {
		if !strings.Contains(data, want) {
			t.Errorf("credential lacks %s:\n%s", want, data)
		}
	}
	back, err := ParseJSON([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if back.Base != c.Base || !back.IssuerByURL || back.StatusIndex == nil || *back.StatusIndex != idx {
		t.Fatalf("read back base %q, by URL %v, index %v", back.Base, back.IssuerByURL, back.StatusIndex)
	}
	for name, edit := range map[string]func(string) string{
		"index differs": func(s string) string {
			return strings.Replace(s, `"statusListIndex":"90210"`, `"statusListIndex":"90211"`, 1)
		},
		"list elsewhere": func(s string) string {
			return strings.Replace(s, `"statusListCredential":"https://verify.example/sceau/status/ac-versailles/suspension"`, `"statusListCredential":"https://evil.example/list"`, 1)
		},
		"issuer under another base": func(s string) string {
			return strings.Replace(s, `"issuer":"https://verify.example/sceau/issuers/`, `"issuer":"https://evil.example/issuers/`, 1)
		},
	} {
		edited := edit(data)
		if edited == data {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := ParseJSON([]byte(edited)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
	sd, err := SignSDJWT(c, generateKey(t, ES256), nil)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseSDJWT(sd.Text)
	if err != nil {
		t.Fatal(err)
	}
	env := parsed.Envelope()
	if env.StatusIndex == nil || *env.StatusIndex != idx || env.Base != c.Base || !env.IssuerByURL {
		t.Fatalf("SD-JWT envelope: %+v", env)
	}
	if ref := env.StatusReference(); ref.Lists["ietf"] != "https://verify.example/sceau/status/ac-versailles/ietf" {
		t.Errorf("IETF list %q", ref.Lists["ietf"])
	}
}

// TestSchemaDocumentValidatesWholeCredentials: the served credentialSchema
// accepts the credential it is quoted by, whole, and refuses one with a
// member Sceau does not write.
func TestSchemaDocumentValidatesWholeCredentials(t *testing.T) {
	for _, subject := range []schemas.Record{sampleDiploma(), samplePix()} {
		c := newCredential(t, subject, "ac-versailles")
		idx := 7
		c.Base, c.StatusIndex = "https://verify.example", &idx
		doc, err := SchemaDocument(c.Base, c.Type)
		if err != nil {
			t.Fatal(err)
		}
		compiler := jsonschema.NewCompiler()
		parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		url, _ := SchemaURLOf(c.Base, c.Type)
		if err := compiler.AddResource(url, parsed); err != nil {
			t.Fatal(err)
		}
		sch, err := compiler.Compile(url)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name  string
			edit  func(map[string]any)
			valid bool
		}{
			{"as issued", func(map[string]any) {}, true},
			{"an extra member", func(m map[string]any) { m["evidence"] = []any{} }, false},
			{"an extra subject member", func(m map[string]any) { m["credentialSubject"].(map[string]any)["grade"] = "A" }, false},
		} {
			var m map[string]any
			if err := json.Unmarshal(mustJSON(t, c), &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			if err := sch.Validate(m); (err == nil) != tt.valid {
				t.Errorf("%s %s: Validate = %v, want valid %v", c.Type, tt.name, err, tt.valid)
			}
		}
	}
}
