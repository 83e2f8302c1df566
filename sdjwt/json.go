package sdjwt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// decodeJSON decodes one JSON value strictly: valid UTF-8, no duplicate
// member names, nothing after the value, at most MaxDepth levels of nesting.
// Objects become map[string]any, arrays []any and numbers json.Number, so
// that every number keeps its exact text.
func decodeJSON(data []byte) (any, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	v, err := readJSONValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: data after the value")
	}
	return v, nil
}

// decodeJSONObject decodes a JSON object with decodeJSON.
func decodeJSONObject(data []byte) (map[string]any, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", jsonKind(v))
	}
	return obj, nil
}

func readJSONValue(dec *jsontext.Decoder) (any, error) {
	tok, err := dec.ReadToken()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: unexpected end of input")
	}
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.StackDepth() > MaxDepth {
		return nil, fmt.Errorf("JSON nested more than %d levels deep", MaxDepth)
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't', 'f':
		return tok.Bool(), nil
	case '"':
		return tok.String(), nil
	case '0':
		return json.Number(tok.String()), nil
	case '{':
		obj := map[string]any{}
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, fmt.Errorf("invalid JSON: %w", err)
			}
			name := tok.String() // before the next read voids tok
			v, err := readJSONValue(dec)
			if err != nil {
				return nil, err
			}
			obj[name] = v
		}
		_, err := dec.ReadToken()
		return obj, err
	case '[':
		arr := []any{}
		for dec.PeekKind() != ']' {
			v, err := readJSONValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.ReadToken()
		return arr, err
	default:
		return nil, fmt.Errorf("invalid JSON: unexpected %s", tok.Kind())
	}
}

// encodeJSON encodes v compactly, with object members sorted by name and
// without escaping <, > and &.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// jsonKind names the JSON type of a decoded value, for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return strings.TrimPrefix(fmt.Sprintf("%T", v), "*")
	}
}
