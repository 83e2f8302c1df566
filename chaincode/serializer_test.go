package chaincode

import (
	"reflect"
	"strings"
	"testing"

	"github.com/go-openapi/spec"
	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
	"github.com/xeipuuv/gojsonschema"
)

// Every string argument of the contract has a plain string schema, so none
// is validated again: an AnchorBatch request is hundreds of kilobytes.
func TestStringArgumentsSkipTheirNoOpValidation(t *testing.T) {
	h := newHarness(t)
	var md struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name       string `json:"name"`
				Parameters []struct {
					Name   string      `json:"name"`
					Schema spec.Schema `json:"schema"`
				} `json:"parameters"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	h.query(&md, "org.hyperledger.fabric:GetMetadata")
	checked := 0
	for _, tx := range md.Contracts[ContractName].Transactions {
		for _, p := range tx.Parameters {
			if p.Schema.Type.Contains("string") && !isPlainStringSchema(&p.Schema) {
				t.Errorf("%s parameter %s: schema %+v is not a plain string schema: it would be validated", tx.Name, p.Name, p.Schema)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("the metadata lists no parameter")
	}
}

func TestFromStringValidatesWhatASchemaRestricts(t *testing.T) {
	s := new(contractSerializer)
	compile := func(schema *spec.Schema) *metadata.ParameterMetadata {
		t.Helper()
		props := spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"object"}, Properties: map[string]spec.Schema{"arg": *schema}}}
		compiled, err := gojsonschema.NewSchema(gojsonschema.NewGoLoader(props))
		if err != nil {
			t.Fatal(err)
		}
		return &metadata.ParameterMetadata{Name: "arg", Schema: schema, CompiledSchema: compiled}
	}
	long := strings.Repeat("x", 20)
	plain := compile(spec.StringProperty())
	bounded := compile(spec.StringProperty().WithMaxLength(10))
	stringType := reflect.TypeOf("")

	v, err := s.FromString(long, stringType, plain, nil)
	if err != nil || v.Interface() != long {
		t.Errorf("plain string: %v, %v; want the argument itself", v, err)
	}
	if _, err := s.FromString(long, stringType, bounded, nil); err == nil {
		t.Error("a string over its schema's maxLength was accepted")
	}
	if v, err := s.FromString("short", stringType, bounded, nil); err != nil || v.Interface() != "short" {
		t.Errorf("a string within its schema's maxLength: %v, %v", v, err)
	}
	if _, err := s.FromString("x", reflect.TypeOf(0), compile(spec.Int64Property()), nil); err == nil {
		t.Error("a non-number was accepted for an int parameter")
	}
}
