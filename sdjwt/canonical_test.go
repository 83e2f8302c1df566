package sdjwt

import (
	"bytes"
	"strings"
	"testing"
)

// slowCompact is compactValue's round trip for objects and arrays, which
// isCanonicalJSON lets it skip.
func slowCompact(value []byte) ([]byte, error) {
	v, err := decodeJSON(value)
	if err != nil {
		return nil, err
	}
	if err := checkReservedNames(v, Path{}); err != nil {
		return nil, err
	}
	return encodeJSON(v)
}

func TestIsCanonicalJSON(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{"a credential's status", `{"status_list":{"idx":81234,"uri":"https://example.fr/status/ietf/1"}}`, true},
		{"empty object", `{}`, true},
		{"empty array", `[]`, true},
		{"every kind of value", `[1,-0.5,2e10,1E-3,"é",true,false,null,{},[],{"a":[{"b":1}]}]`, true},
		{"whitespace", `{"a": 1}`, false},
		{"names out of order", `{"b":1,"a":2}`, false},
		{"a name twice", `{"a":1,"a":2}`, false},
		{"an escape", `{"a":"\"q\""}`, false},
		{"U+2028, which the encoder escapes", "[\"\u2028\"]", false},
		{"invalid UTF-8", "[\"\xff\"]", false},
		{"the name _sd", `{"_sd":[]}`, false},
		{"the name ...", `[{"...":"x"}]`, false},
		{"a leading zero", `[01]`, false},
		{"a bare dot", `[1.]`, false},
		{"an empty exponent", `[1e]`, false},
		{"trailing data", `{}x`, false},
		{"a trailing comma", `[1,]`, false},
		{"unclosed", `{"a":1`, false},
		{"a misspelt literal", `[nul]`, false},
		{"nested as deep as allowed", deep, false}, // the slow path decides
		{"a scalar", `"a"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isCanonicalJSON([]byte(tt.value)); got != tt.want {
				t.Fatalf("isCanonicalJSON(%s) = %v, want %v", tt.value, got, tt.want)
			}
			if tt.want {
				slow, err := slowCompact([]byte(tt.value))
				if err != nil || !bytes.Equal(slow, []byte(tt.value)) {
					t.Fatalf("the round trip gives %s, %v: not the identity", slow, err)
				}
			}
		})
	}
}

// FuzzCanonicalJSON checks that whenever isCanonicalJSON says yes, the
// round trip it skips succeeds and gives back the same bytes.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{
		`{"status_list":{"idx":1,"uri":"https://x"}}`, `[1,2.5e-3,"a",true,null,{"a":{}}]`,
		`{"a":1,"b":[{"c":"d"}]}`, `{"b":1,"a":2}`, "[\"\u2028\"]", `[-0]`, `{"_sd":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		if !isCanonicalJSON(value) {
			return
		}
		slow, err := slowCompact(value)
		if err != nil {
			t.Fatalf("isCanonicalJSON(%q) but the round trip fails: %v", value, err)
		}
		if !bytes.Equal(slow, value) {
			t.Fatalf("isCanonicalJSON(%q) but the round trip gives %q", value, slow)
		}
	})
}

// BenchmarkCompactStatus compacts a credential's status claim, the object
// every issued SD-JWT VC holds: by the check alone (fast) and by the
// decode/encode round trip it spares (roundTrip).
func BenchmarkCompactStatus(b *testing.B) {
	status := []byte(`{"status_list":{"idx":81234,"uri":"https://examens.example.fr/status/examoffice/ietf/1"}}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := compactValue(status); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("roundTrip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := slowCompact(status); err != nil {
				b.Fatal(err)
			}
		}
	})
}
