package schemas

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// schemaDoc is the part of a JSON Schema these tests look at.
type schemaDoc struct {
	ID                   string                     `json:"$id"`
	Schema               string                     `json:"$schema"`
	AdditionalProperties *bool                      `json:"additionalProperties"`
	Required             []string                   `json:"required"`
	Properties           map[string]json.RawMessage `json:"properties"`
	Defs                 map[string]json.RawMessage `json:"$defs"`
}

func loadSchema(t *testing.T, credType string) schemaDoc {
	t.Helper()
	raw, err := SchemaJSON(credType)
	if err != nil {
		t.Fatal(err)
	}
	var doc schemaDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("schema of %s: %v", credType, err)
	}
	return doc
}

// jsonFields returns the JSON names of t's fields (embedded structs
// flattened), and those without omitempty.
func jsonFields(t reflect.Type) (all, required []string) {
	for f := range t.Fields() {
		if f.Anonymous {
			a, r := jsonFields(f.Type)
			all, required = append(all, a...), append(required, r...)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	return all, required
}

// SchemaURL answers without building a type's spec: it must name the
// schema the spec names, for every type.
func TestSchemaURLIsTheSpecsSchema(t *testing.T) {
	for _, typ := range record.AccreditationTypes() {
		credType := string(typ)
		spec, specErr := lookupType(credType)
		url, err := SchemaURL(credType)
		if url != spec.schemaURL || (err == nil) != (specErr == nil) {
			t.Errorf("SchemaURL(%s) = %q, %v; the type's spec names %q (%v)", credType, url, err, spec.schemaURL, specErr)
		}
	}
}

// TestSchemasMatchGoTypes checks that each schema describes its Go type as
// it marshals: same properties, required exactly when not omitempty.
func TestSchemasMatchGoTypes(t *testing.T) {
	tests := []struct {
		credType, url string
		goType        reflect.Type
	}{
		{TypeDiploma, DiplomaSchemaURL, reflect.TypeFor[Diploma]()},
		{TypePixCertification, PixCertificationSchemaURL, reflect.TypeFor[PixCertification]()},
	}
	for _, tt := range tests {
		t.Run(tt.credType, func(t *testing.T) {
			doc := loadSchema(t, tt.credType)
			if url, _ := SchemaURL(tt.credType); url != tt.url || doc.ID != tt.url {
				t.Errorf("SchemaURL = %s, $id = %s, want %s", url, doc.ID, tt.url)
			}
			if doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("$schema = %s", doc.Schema)
			}
			if doc.AdditionalProperties == nil || *doc.AdditionalProperties {
				t.Error("additionalProperties is not false")
			}
			all, required := jsonFields(tt.goType)
			var props []string
			for p := range doc.Properties {
				props = append(props, p)
			}
			slices.Sort(all)
			slices.Sort(props)
			if !slices.Equal(all, props) {
				t.Errorf("schema properties %v, Go fields %v", props, all)
			}
			slices.Sort(required)
			gotRequired := slices.Sorted(slices.Values(doc.Required))
			if !slices.Equal(required, gotRequired) {
				t.Errorf("schema requires %v, Go always marshals %v", gotRequired, required)
			}
		})
	}
}

func TestDiplomaSchemaMentionsAreMentions(t *testing.T) {
	var mention struct{ Enum []string }
	if err := json.Unmarshal(loadSchema(t, TypeDiploma).Properties["mention"], &mention); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mention.Enum, Mentions) {
		t.Errorf("schema mentions %v, Mentions %v", mention.Enum, Mentions)
	}
}

func TestPixSchemaFollowsTheFramework(t *testing.T) {
	doc := loadSchema(t, TypePixCertification)
	var competences struct {
		MinItems    int `json:"minItems"`
		MaxItems    int `json:"maxItems"`
		PrefixItems []struct {
			Properties struct {
				ID   struct{ Const string } `json:"id"`
				Name struct{ Const string } `json:"name"`
			} `json:"properties"`
		} `json:"prefixItems"`
	}
	if err := json.Unmarshal(doc.Properties["competences"], &competences); err != nil {
		t.Fatal(err)
	}
	if competences.MinItems != 16 || competences.MaxItems != 16 || len(competences.PrefixItems) != 16 {
		t.Fatalf("competences: minItems %d, maxItems %d, %d prefixItems; want 16 each",
			competences.MinItems, competences.MaxItems, len(competences.PrefixItems))
	}
	for i, item := range competences.PrefixItems {
		def := CompetenceFramework[i]
		if item.Properties.ID.Const != def.ID || item.Properties.Name.Const != def.Name {
			t.Errorf("prefixItems[%d] = %s %q, want %s %q", i,
				item.Properties.ID.Const, item.Properties.Name.Const, def.ID, def.Name)
		}
	}
}

// TestSchemasShareStudentDefinitions keeps the definitions both schemas
// hold (each schema is self-contained) identical.
func TestSchemasShareStudentDefinitions(t *testing.T) {
	diploma, pix := loadSchema(t, TypeDiploma), loadSchema(t, TypePixCertification)
	for _, def := range []string{"ine", "personName", "text", "date"} {
		if string(diploma.Defs[def]) != string(pix.Defs[def]) {
			t.Errorf("$defs/%s differs:\n%s\n%s", def, diploma.Defs[def], pix.Defs[def])
		}
	}
	for _, field := range []string{"student_id", "given_name", "family_name", "birth_date"} {
		if string(diploma.Properties[field]) != string(pix.Properties[field]) {
			t.Errorf("property %s differs", field)
		}
	}
}

func TestSchemaJSONReturnsACopy(t *testing.T) {
	a, err := SchemaJSON(TypeDiploma)
	if err != nil {
		t.Fatal(err)
	}
	clear(a)
	b, _ := SchemaJSON(TypeDiploma)
	if !json.Valid(b) {
		t.Error("modifying a returned schema changed the next one")
	}
}
