package server

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/go-chi/chi/v5"
)

// The OpenAPI document `sceau serve` serves at /openapi.json is assembled
// from one fragment per package that mounts routes (each package's
// openapi.json, embedded next to its routes and held by its own test to
// describe each of them): a fragment is an OpenAPI 3.1 document whose
// paths, tags and components are merged. Two fragments describing the same
// operation, or the same component differently, is an error: each route
// is described once, where it is served.

// OpenAPI is this package's fragment: /healthz, /metrics and
// /openapi.json itself, with the document's info.
//
//go:embed openapi.json
var OpenAPI []byte

// openAPIDoc is the part of an OpenAPI document that is merged.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Info       json.RawMessage                       `json:"info,omitempty"`
	Servers    json.RawMessage                       `json:"servers,omitempty"`
	Tags       []json.RawMessage                     `json:"tags,omitempty"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components,omitempty"`
}

// AssembleOpenAPI merges fragments into one OpenAPI document, the first
// giving its openapi version, info and servers.
func AssembleOpenAPI(fragments ...[]byte) ([]byte, error) {
	out := openAPIDoc{Paths: map[string]map[string]json.RawMessage{}, Components: map[string]map[string]json.RawMessage{}}
	seenTags := map[string]bool{}
	for i, f := range fragments {
		var d openAPIDoc
		if err := json.Unmarshal(f, &d); err != nil {
			return nil, fmt.Errorf("OpenAPI fragment %d: %w", i+1, err)
		}
		if i == 0 {
			out.OpenAPI, out.Info, out.Servers = d.OpenAPI, d.Info, d.Servers
		} else if d.OpenAPI != out.OpenAPI {
			return nil, fmt.Errorf("OpenAPI fragment %d is version %q, not %q", i+1, d.OpenAPI, out.OpenAPI)
		}
		for _, tag := range d.Tags {
			var t struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(tag, &t) == nil && !seenTags[t.Name] {
				seenTags[t.Name] = true
				out.Tags = append(out.Tags, tag)
			}
		}
		for path, ops := range d.Paths {
			if out.Paths[path] == nil {
				out.Paths[path] = map[string]json.RawMessage{}
			}
			for method, op := range ops {
				if _, dup := out.Paths[path][method]; dup {
					return nil, fmt.Errorf("OpenAPI fragment %d describes %s %s again", i+1, method, path)
				}
				out.Paths[path][method] = op
			}
		}
		for kind, items := range d.Components {
			if out.Components[kind] == nil {
				out.Components[kind] = map[string]json.RawMessage{}
			}
			for name, item := range items {
				if prev, dup := out.Components[kind][name]; dup && !jsonEqual(prev, item) {
					return nil, fmt.Errorf("OpenAPI fragment %d defines components/%s/%s otherwise than an earlier one", i+1, kind, name)
				}
				out.Components[kind][name] = item
			}
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// OpenAPIRoutes mounts GET /openapi.json, serving doc.
func OpenAPIRoutes(doc []byte) func(chi.Router) {
	return func(r chi.Router) {
		r.Get("/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.Write(doc)
		})
	}
}

// Undocumented returns the routes of router (as "METHOD /path") that doc,
// an OpenAPI document, does not describe, and the operations doc describes
// that router does not serve. A route mounted for every method (Handle,
// as /metrics and static files are) is taken as a GET route.
func Undocumented(router chi.Routes, doc []byte) (missing, extra []string, err error) {
	var d openAPIDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, nil, err
	}
	methods := map[string][]string{}
	err = chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		methods[route] = append(methods[route], method)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	served := map[string]bool{}
	for route, ms := range methods {
		if slices.Contains(ms, http.MethodGet) && slices.Contains(ms, http.MethodDelete) && slices.Contains(ms, http.MethodPatch) {
			ms = []string{http.MethodGet} // every method: a Handle
		}
		for _, method := range ms {
			key := method + " " + route
			served[key] = true
			if _, ok := d.Paths[route][lower(method)]; !ok {
				missing = append(missing, key)
			}
		}
	}
	for path, ops := range d.Paths {
		for method := range ops {
			if key := upper(method) + " " + path; !served[key] {
				extra = append(extra, key)
			}
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return slices.Compact(missing), extra, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
