package embedded

import (
	"encoding/binary"
)

// appendBlockCBOR appends to buf the canonical CBOR of b — byte for byte
// what canonicalCBOR (fxamacker/cbor, core deterministic encoding) writes
// for a block, which TestBlockCBORIsTheEncoders and FuzzBlockCBOR check —
// without reflection: a block anchoring a batch holds thousands of writes,
// each an array of three fields. It handles blocks without genesis
// settings; ok is false for a genesis block, which encodeBlock leaves to
// the reflective encoder (one per ledger).
//
// The rules it follows are the struct tags of block, write and event: a
// map of integer keys in ascending order (keys 1 to 11 encode as one byte
// each, so bytewise and numeric order agree), omitempty fields left out
// when empty or zero, a nil byte string written as CBOR null (the
// encoder's default for nil containers), a nil Writes too, and writes and
// events as arrays.
func appendBlockCBOR(buf []byte, b *block) (out []byte, ok bool) {
	if b.Genesis != nil {
		return buf, false
	}
	fields := 4 // Number, PrevHash, Kind, Writes
	for _, present := range []bool{len(b.Proposal) > 0, len(b.Signature) > 0, b.Event != nil, len(b.Result) > 0, b.Time != 0, len(b.StateDigest) > 0} {
		if present {
			fields++
		}
	}
	buf = appendCBORHead(buf, cborMap, uint64(fields))
	buf = append(buf, 1)
	buf = appendCBORHead(buf, cborUint, b.Number)
	buf = append(buf, 2)
	buf = appendCBORBytes(buf, b.PrevHash)
	buf = append(buf, 3)
	buf = appendCBORHead(buf, cborText, uint64(len(b.Kind)))
	buf = append(buf, b.Kind...)
	if len(b.Proposal) > 0 {
		buf = append(buf, 5)
		buf = appendCBORBytes(buf, b.Proposal)
	}
	if len(b.Signature) > 0 {
		buf = append(buf, 6)
		buf = appendCBORBytes(buf, b.Signature)
	}
	buf = append(buf, 7)
	if b.Writes == nil {
		buf = append(buf, cborNull)
	} else {
		buf = appendCBORHead(buf, cborArray, uint64(len(b.Writes)))
		for _, w := range b.Writes {
			buf = append(buf, cborArray<<5|3)
			buf = appendCBORBytes(buf, w.Key)
			buf = appendCBORBytes(buf, w.Value)
			if w.Delete {
				buf = append(buf, cborTrue)
			} else {
				buf = append(buf, cborFalse)
			}
		}
	}
	if b.Event != nil {
		buf = append(buf, 8, cborArray<<5|2)
		buf = appendCBORBytes(buf, b.Event.Name)
		buf = appendCBORBytes(buf, b.Event.Payload)
	}
	if len(b.Result) > 0 {
		buf = append(buf, 9)
		buf = appendCBORBytes(buf, b.Result)
	}
	if b.Time != 0 {
		buf = append(buf, 10)
		if b.Time >= 0 {
			buf = appendCBORHead(buf, cborUint, uint64(b.Time))
		} else {
			buf = appendCBORHead(buf, cborNegative, uint64(-1-b.Time))
		}
	}
	if len(b.StateDigest) > 0 {
		buf = append(buf, 11)
		buf = appendCBORBytes(buf, b.StateDigest)
	}
	return buf, true
}

// CBOR major types (RFC 8949 §3.1) and the simple values used here.
const (
	cborUint     = 0
	cborNegative = 1
	cborBytes    = 2
	cborText     = 3
	cborArray    = 4
	cborMap      = 5
	cborFalse    = 0xf4
	cborTrue     = 0xf5
	cborNull     = 0xf6
)

// appendCBORHead appends the head of a data item of major type major and
// argument n, in its shortest form (RFC 8949 §4.2.1).
func appendCBORHead(buf []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(buf, m|byte(n))
	case n <= 0xff:
		return append(buf, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(buf, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(buf, m|26), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(buf, m|27), n)
	}
}

// appendCBORBytes appends b as a byte string, or CBOR null when b is nil.
func appendCBORBytes(buf, b []byte) []byte {
	if b == nil {
		return append(buf, cborNull)
	}
	return append(appendCBORHead(buf, cborBytes, uint64(len(b))), b...)
}
