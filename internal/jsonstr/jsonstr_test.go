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

// plainByByte is isPlain one byte at a time: the reference.
func plainByByte(s string, escapeHTML bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || escapeHTML && (c == '<' || c == '>' || c == '&') {
			return false
		}
	}
	return true
}

func TestIsPlainAgreesWithTheByteByByteRule(t *testing.T) {
	// Every byte value, at every place of a word and of the tail.
	base := "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~SC1:6BF-$%*+./: 0Z"
	for c := range 256 {
		for at := range len(base) {
			s := base[:at] + string([]byte{byte(c)}) + base[at+1:]
			for _, escapeHTML := range []bool{true, false} {
				if got, want := isPlain(s, escapeHTML), plainByByte(s, escapeHTML); got != want {
					t.Fatalf("isPlain(%q, %v) = %v, want %v", s, escapeHTML, got, want)
				}
			}
		}
	}
}

func FuzzIsPlain(f *testing.F) {
	f.Add("plain ASCII text, long enough for words", true)
	f.Add("\x7f\x80<>&\"\\ \x1f", false)
	f.Fuzz(func(t *testing.T, s string, escapeHTML bool) {
		if got, want := isPlain(s, escapeHTML), plainByByte(s, escapeHTML); got != want {
			t.Fatalf("isPlain(%q, %v) = %v, want %v", s, escapeHTML, got, want)
		}
	})
}

// encodingJSON is what encoding/json writes for s: the reference.
func encodingJSON(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func TestAppendEscapesEveryByteAsEncodingJSON(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string([]byte{byte(c)}), "Hélène " + string([]byte{byte(c)}) + " Lefèvre"} {
			for _, escapeHTML := range []bool{true, false} {
				if got, want := string(Append(nil, s, escapeHTML)), encodingJSON(s, escapeHTML); got != want {
					t.Fatalf("Append(%q, %v) = %s, want %s", s, escapeHTML, got, want)
				}
				if got, want := string(AppendBytes(nil, []byte(s), escapeHTML)), encodingJSON(s, escapeHTML); got != want {
					t.Fatalf("AppendBytes(%q, %v) = %s, want %s", s, escapeHTML, got, want)
				}
			}
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("Lœuillet, Éluard \u2028\u2029 \xed\xa0\x80 \xf4\x90\x80\x80", true)
	f.Add("<b>&\x00\x1f\x7f\"\\", false)
	f.Fuzz(func(t *testing.T, s string, escapeHTML bool) {
		if got, want := string(Append(nil, s, escapeHTML)), encodingJSON(s, escapeHTML); got != want {
			t.Fatalf("Append(%q, %v) = %s, want %s", s, escapeHTML, got, want)
		}
	})
}
