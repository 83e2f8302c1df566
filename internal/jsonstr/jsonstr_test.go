package jsonstr

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAppendWritesWhatEncodingJSONWrites(t *testing.T) {
	for _, s := range []string{
		"", "plain ASCII text", "SC1:6BF-$%*+./: 0Z", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~",
		`quote " and backslash \`, "<tag> & more", "accents: Élodie, Lefèvre", "\x01 control\n\t",
		"line sep \u2028 para sep \u2029", "invalid UTF-8 \xff",
	} {
		for _, escapeHTML := range []bool{true, false} {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(escapeHTML)
			if err := enc.Encode(s); err != nil {
				t.Fatal(err)
			}
			want := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
			if got := Append([]byte("x"), s, escapeHTML); string(got) != "x"+string(want) {
				t.Errorf("Append(%q, escapeHTML %v) = %s, want x%s", s, escapeHTML, got, want)
			}
		}
	}
}
