package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/sceau/sceau/chaincode/record"
)

// Validator checks credential subjects against the embedded JSON Schemas.
// It compiles the schemas once; it is safe for concurrent use.
type Validator struct {
	types map[string]compiledType
	now   func() time.Time
}

// compiledType is a credential type with its compiled schema.
type compiledType struct {
	spec   typeSpec
	schema *jsonschema.Schema
}

// Option configures a Validator.
type Option func(*Validator)

// WithClock sets the clock that says which dates are in the future (the
// default, or when now is nil, is time.Now). Today is the date of now() in
// its own location.
func WithClock(now func() time.Time) Option {
	return func(v *Validator) {
		if now != nil {
			v.now = now
		}
	}
}

// NewValidator compiles the JSON Schemas of every credential type.
func NewValidator(opts ...Option) (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, typ := range record.CredentialTypes() {
		t := string(typ)
		spec, err := lookupType(t)
		if err != nil {
			return nil, err
		}
		raw, err := SchemaJSON(t)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("parsing the schema of %s: %w", t, err)
		}
		if err := c.AddResource(spec.schemaURL, doc); err != nil {
			return nil, fmt.Errorf("loading the schema of %s: %w", t, err)
		}
	}
	v := &Validator{types: make(map[string]compiledType, len(record.CredentialTypes())), now: time.Now}
	for _, typ := range record.CredentialTypes() {
		t := string(typ)
		spec, err := lookupType(t)
		if err != nil {
			return nil, err
		}
		sch, err := c.Compile(spec.schemaURL)
		if err != nil {
			return nil, fmt.Errorf("compiling the schema of %s: %w", t, err)
		}
		v.types[t] = compiledType{spec: spec, schema: sch}
	}
	for _, opt := range opts {
		opt(v)
	}
	return v, nil
}

// Validate checks subjectJSON, the JSON credential subject of a credential
// of type credType. It returns a *ValidationError listing every violation,
// an error wrapping ErrUnknownType, or nil.
func (v *Validator) Validate(credType string, subjectJSON []byte) error {
	_, err := v.check(credType, subjectJSON)
	return err
}

// Decode validates subjectJSON like Validate, then returns it as a
// *Diploma or a *PixCertification.
func (v *Validator) Decode(credType string, subjectJSON []byte) (Record, error) {
	doc, err := v.check(credType, subjectJSON)
	if err != nil {
		return nil, err
	}
	return v.recordOf(credType, doc)
}

// ValidateRecord checks r as it marshals to JSON: a record built in Go
// must obey the same rules as one read from outside.
func (v *Validator) ValidateRecord(r Record) error {
	if r == nil {
		return errors.New("validating a record: record is nil")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("validating a %s record: %w", r.CredentialType(), err)
	}
	return v.Validate(r.CredentialType(), b)
}

// compiled returns the compiled schema of credType, or an error wrapping
// ErrUnknownType.
func (v *Validator) compiled(credType string) (compiledType, error) {
	ct, ok := v.types[credType]
	if !ok {
		_, err := lookupType(credType)
		if err == nil {
			err = fmt.Errorf("credential type %s has no compiled schema", credType)
		}
		return compiledType{}, err
	}
	return ct, nil
}

// check parses and validates subjectJSON, returning the parsed document
// with its integers in canonical form.
func (v *Validator) check(credType string, subjectJSON []byte) (any, error) {
	if _, err := v.compiled(credType); err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(subjectJSON))
	if err != nil {
		return nil, &ValidationError{CredentialType: credType, Violations: []Violation{{
			Rule:    "json",
			Message: "must be a JSON object: " + err.Error(),
		}}}
	}
	if err := v.validateDoc(credType, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// validateDoc validates doc, a subject parsed with jsonschema.UnmarshalJSON
// or built from a CSV row, rewriting its integral numbers in canonical form
// (3.0 becomes 3). It returns a *ValidationError or an internal error.
func (v *Validator) validateDoc(credType string, doc any) error {
	ct, err := v.compiled(credType)
	if err != nil {
		return err
	}
	violations := canonicalizeNumbers(doc)
	if len(violations) == 0 {
		if err := ct.schema.Validate(doc); err != nil {
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				return fmt.Errorf("validating a %s subject: %w", credType, err)
			}
			violations = violationsOf(verr, doc, nil)
		}
		violations = v.checkPlausible(credType, doc, violations)
	}
	if len(violations) == 0 {
		return nil
	}
	sortViolations(ct.spec.columns, violations)
	return &ValidationError{CredentialType: credType, Violations: violations}
}

// checkPlausible adds to violations those of the rules the schema
// cannot express: plausible dates (dateViolations) and names without
// control or format characters (nameViolation, which replaces the vaguer
// "pattern" violation of the same name).
func (v *Validator) checkPlausible(credType string, doc any, violations []Violation) []Violation {
	obj, ok := doc.(map[string]any)
	if !ok {
		return violations
	}
	text := func(field string) string {
		s, _ := obj[field].(string)
		return s
	}
	for _, field := range personNameFields {
		bad, found := nameViolation(field, text(field))
		if !found {
			continue
		}
		violations = slices.DeleteFunc(violations, func(v Violation) bool { return v.Field == field && v.Rule == "pattern" })
		violations = append(violations, bad)
	}
	event := eventField(credType)
	return append(violations, dateViolations(v.today(), text("birth_date"), event, text(event))...)
}

// recordOf turns a validated document into a record of credType.
func (v *Validator) recordOf(credType string, doc any) (Record, error) {
	ct, err := v.compiled(credType)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("decoding a %s subject: %w", credType, err)
	}
	rec := ct.spec.newRecord()
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, fmt.Errorf("decoding a validated %s subject: %w", credType, err)
	}
	return rec, nil
}

// Every number of a subject is a small integer. Longer number literals, or
// exponents further from zero, are rejected before schema validation, which
// would otherwise spend seconds expanding literals such as 1e999999.
const (
	maxNumberLen   = 32
	maxNumberExp10 = 100
)

// canonicalizeNumbers rewrites in place every integral json.Number of doc
// in plain integer form, so that 3.0 or 3e0 decode into an int field. It
// reports the numbers too big to be checked.
func canonicalizeNumbers(doc any) []Violation {
	var out []Violation
	var walk func(v any, path []string) any
	walk = func(v any, path []string) any {
		switch node := v.(type) {
		case map[string]any:
			for k, child := range node {
				node[k] = walk(child, append(path[:len(path):len(path)], k))
			}
		case []any:
			for i, child := range node {
				node[i] = walk(child, append(path[:len(path):len(path)], strconv.Itoa(i)))
			}
		case json.Number:
			n, ok := canonicalInteger(node)
			if !ok {
				out = append(out, Violation{
					Field:   fieldPath(doc, path),
					Rule:    "number",
					Message: "must be a plain number (this literal is too long or its exponent too large)",
					Got:     shorten(string(node), maxGotLen),
				})
			}
			return n
		}
		return v
	}
	walk(doc, nil)
	return out
}

// canonicalInteger returns n in plain integer form when it is integral,
// n itself otherwise, and false when n is too big to be looked at.
func canonicalInteger(n json.Number) (json.Number, bool) {
	s := string(n)
	if len(s) > maxNumberLen {
		return n, false
	}
	if !strings.ContainsAny(s, ".eE") {
		return n, true
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp > maxNumberExp10 || exp < -maxNumberExp10 {
			return n, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() {
		return n, true
	}
	return json.Number(r.Num().String()), true
}
