package sdjwt

import (
	"fmt"
	"strconv"
	"strings"
)

// Path points at a claim, like an SD-JWT VC claim path pointer: each element
// is a string (an object member name) or an int ≥ 0 (an array position).
// In the patterns given to Issue and Select, a nil element stands for every
// position of an array.
//
// Array positions count the elements of the array as the issuer signed it,
// hidden elements included, so a claim keeps its path whatever else is
// disclosed.
type Path []any

// String renders p for people: address.street_address, nationalities[0],
// competences[*]. Names that are not plain identifiers are quoted:
// ["name with.dot"].
func (p Path) String() string {
	var b strings.Builder
	for i, e := range p {
		switch e := e.(type) {
		case string:
			switch {
			case !isPlainName(e):
				b.WriteString("[" + strconv.Quote(e) + "]")
			case i > 0:
				b.WriteString("." + e)
			default:
				b.WriteString(e)
			}
		case int:
			b.WriteString("[" + strconv.Itoa(e) + "]")
		case nil:
			b.WriteString("[*]")
		default:
			fmt.Fprintf(&b, "[%v]", e)
		}
	}
	return b.String()
}

// isPlainName reports whether a claim name can be shown unquoted.
func isPlainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '_', r == '-', r == '@', r == '#', r == '$', r == ':':
		default:
			return false
		}
	}
	return true
}

// validatePattern checks that p is a non-empty path of names, positions and
// (if wildcards) nil elements.
func validatePattern(p Path, wildcards bool) error {
	if len(p) == 0 {
		return fmt.Errorf("path is empty")
	}
	for i, e := range p {
		switch e := e.(type) {
		case string:
		case int:
			if e < 0 {
				return fmt.Errorf("path %s: element %d is a negative array position", p, i)
			}
		case nil:
			if !wildcards {
				return fmt.Errorf("path %s: element %d is a wildcard (nil), not allowed here", p, i)
			}
		default:
			return fmt.Errorf("path %s: element %d has type %T, want string, int or nil", p, i, e)
		}
	}
	return nil
}

// child returns p extended by one element, without sharing p's storage.
func (p Path) child(e any) Path {
	c := make(Path, len(p)+1)
	copy(c, p)
	c[len(p)] = e
	return c
}

// matches reports whether the concrete path p is pattern, element by
// element, a nil pattern element matching any array position.
func (p Path) matches(pattern Path) bool {
	return len(p) == len(pattern) && p.hasPrefix(pattern)
}

// hasPrefix reports whether the concrete path p starts with pattern.
func (p Path) hasPrefix(pattern Path) bool {
	if len(pattern) > len(p) {
		return false
	}
	for i, e := range pattern {
		if e == nil {
			if _, ok := p[i].(int); !ok {
				return false
			}
			continue
		}
		if !sameElement(e, p[i]) {
			return false
		}
	}
	return true
}

// sameElement reports whether two path elements are the same name or the
// same position; elements of any other type are never the same.
func sameElement(a, b any) bool {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		return ok && a == b
	case int:
		b, ok := b.(int)
		return ok && a == b
	default:
		return false
	}
}
