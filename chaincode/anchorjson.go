package chaincode

import (
	"strings"

	"github.com/sceau/sceau/chaincode/record"
)

// decodeCompactAnchorRequest reads an AnchorBatch argument written exactly
// as encoding/json's Marshal writes a record.AnchorRequest whose strings
// need no escaping — Sceau's own client sends nothing else:
//
//	{"batchId":"…","issuerId":"…","type":"…","credentials":[["…",…],…],"root":"…"}
//
// with no white space, the fields in this order, each once, and strings of
// printable ASCII without '"' or '\'. For such an argument it returns what
// encoding/json decodes (FuzzCompactAnchorRequest checks it, empty lists
// included) in a fraction of the time: its strings are substrings of raw,
// not copies, and every credential's list shares one backing array. It
// returns false for anything else, which parseAnchorRequest then hands to
// encoding/json: other spellings of the same request (spaces, escapes,
// another field order) are accepted or refused exactly as before.
func decodeCompactAnchorRequest(raw string) (*record.AnchorRequest, bool) {
	p := compactParser{raw: raw}
	var req record.AnchorRequest
	var typ string
	ok := p.literal(`{"batchId":`) && p.str(&req.BatchID) &&
		p.literal(`,"issuerId":`) && p.str(&req.IssuerID) &&
		p.literal(`,"type":`) && p.str(&typ) &&
		p.literal(`,"credentials":`) && p.credentials(&req.Credentials) &&
		p.literal(`,"root":`) && p.str(&req.Root) &&
		p.literal(`}`) && p.pos == len(raw)
	if !ok {
		return nil, false
	}
	req.Type = record.CredentialType(typ)
	return &req, true
}

// compactParser reads the compact JSON of decodeCompactAnchorRequest.
type compactParser struct {
	raw string
	pos int
	// strs is the backing array the credentials' lists are cut from.
	strs []string
}

// literal consumes lit.
func (p *compactParser) literal(lit string) bool {
	if !strings.HasPrefix(p.raw[p.pos:], lit) {
		return false
	}
	p.pos += len(lit)
	return true
}

// str consumes a string of printable ASCII other than '"' and '\'.
func (p *compactParser) str(out *string) bool {
	if p.pos >= len(p.raw) || p.raw[p.pos] != '"' {
		return false
	}
	start := p.pos + 1
	for i := start; i < len(p.raw); i++ {
		switch c := p.raw[i]; {
		case c == '"':
			*out = p.raw[start:i]
			p.pos = i + 1
			return true
		case c < 0x20 || c > 0x7e || c == '\\':
			return false
		}
	}
	return false
}

// credentials consumes a list of lists of strings.
func (p *compactParser) credentials(out *[][]string) bool {
	if !p.literal("[") {
		return false
	}
	// A credential takes at least 70 bytes ([" + 64 hex digits + "],) in
	// a request that passes the checks that follow: a capacity that
	// rarely grows, however the request is spelled.
	rest := len(p.raw) - p.pos
	creds := make([][]string, 0, min(rest/70+1, record.MaxBatchDigests))
	p.strs = make([]string, 0, min(rest/67+1, record.MaxBatchDigests))
	if p.literal("]") {
		*out = creds
		return true
	}
	for {
		group, ok := p.group()
		if !ok {
			return false
		}
		creds = append(creds, group)
		if p.literal("]") {
			*out = creds
			return true
		}
		if !p.literal(",") {
			return false
		}
	}
}

// group consumes a list of strings, kept in p.strs.
func (p *compactParser) group() ([]string, bool) {
	if !p.literal("[") {
		return nil, false
	}
	start := len(p.strs)
	if !p.literal("]") {
		for {
			var s string
			if !p.str(&s) {
				return nil, false
			}
			if len(p.strs) == cap(p.strs) {
				// Leave the lists cut so far in the old array; move this
				// one's strings to a new one.
				moved := append(make([]string, 0, 2*cap(p.strs)+4), p.strs[start:]...)
				p.strs, start = moved, 0
			}
			p.strs = append(p.strs, s)
			if p.literal("]") {
				break
			}
			if !p.literal(",") {
				return nil, false
			}
		}
	}
	// Capped, so that appending to one list never writes into the next.
	return p.strs[start:len(p.strs):len(p.strs)], true
}
