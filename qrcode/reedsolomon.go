package qrcode

import (
	"encoding/binary"
	"sync"
)

// Reed–Solomon error correction over GF(256), the field of bytes QR codes
// compute in: addition is XOR, multiplication is modulo the polynomial
// x⁸+x⁴+x³+x²+1 (0x11D), and every non-zero byte is a power of α = 2, so a
// product is a sum of logarithms.

// gfExp[i] is αⁱ, doubled so that gfExp[log a + log b] needs no modulo.
// gfLog[a] is the logarithm of a ≠ 0.
var gfExp, gfLog = func() (exp [510]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i], exp[i+255] = byte(x), byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	return exp, log
}()

// maxECCPerBlock is the most error correction codewords of a block.
const maxECCPerBlock = 30

// rsGenerators[n] holds the logarithms of the coefficients of the
// generator polynomial of n error correction codewords, (x−α⁰)(x−α¹)…
// (x−αⁿ⁻¹), highest degree first and its leading 1 left out. None of
// these coefficients is zero, so each has a logarithm.
var rsGenerators = func() (gens [maxECCPerBlock + 1][]byte) {
	for n := 1; n <= maxECCPerBlock; n++ {
		// poly[i] is the coefficient of x^(n-1-i), starting from x⁰ = 1.
		poly := make([]byte, n)
		poly[n-1] = 1
		root := byte(1) // αⁱ
		for range n {
			// Multiply by (x − root): shift left, add root × poly.
			for j := range poly {
				poly[j] = gfMul(poly[j], root)
				if j+1 < n {
					poly[j] ^= poly[j+1]
				}
			}
			root = gfMul(root, 2)
		}
		logs := make([]byte, n)
		for j, c := range poly {
			logs[j] = gfLog[c]
		}
		gens[n] = logs
	}
	return gens
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// rsTables[n]() is the table rsECC divides with for n error correction
// codewords: row f holds f times the generator polynomial (its leading 1
// left out), the n coefficients highest degree first, packed big-endian
// into four words, zero past the n-th. Each is built on its first call (by
// sync.OnceValue), 8 KB, and only read after.
var rsTables = func() (t [maxECCPerBlock + 1]func() *[256][4]uint64) {
	for n := 1; n <= maxECCPerBlock; n++ {
		t[n] = sync.OnceValue(func() *[256][4]uint64 {
			var tab [256][4]uint64
			for f := 1; f < 256; f++ {
				for i, g := range rsGenerators[n] {
					c := gfExp[int(gfLog[f])+int(g)]
					tab[f][i/8] |= uint64(c) << (56 - 8*(i%8))
				}
			}
			return &tab
		})
	}
	return t
}()

// rsECC writes into ecc the error correction codewords of data: the
// remainder of data·x^len(ecc) divided by the generator polynomial. The
// remainder is held in four words, its first codeword in the top byte:
// each data codeword shifts it by a byte and adds a row of the table, a
// few word operations where there was one table lookup per codeword of
// the remainder.
func rsECC(data, ecc []byte) {
	tab := rsTables[len(ecc)]()
	var r0, r1, r2, r3 uint64
	for _, b := range data {
		row := &tab[byte(r0>>56)^b]
		r0 = (r0<<8 | r1>>56) ^ row[0]
		r1 = (r1<<8 | r2>>56) ^ row[1]
		r2 = (r2<<8 | r3>>56) ^ row[2]
		r3 = r3<<8 ^ row[3]
	}
	var rem [32]byte
	binary.BigEndian.PutUint64(rem[0:], r0)
	binary.BigEndian.PutUint64(rem[8:], r1)
	binary.BigEndian.PutUint64(rem[16:], r2)
	binary.BigEndian.PutUint64(rem[24:], r3)
	copy(ecc, rem[:])
}

// interleave splits the data codewords of a symbol of version v at level l
// into its blocks, computes each block's error correction, and returns all
// codewords in the order they are placed: the first data codeword of every
// block, then the second…, then the error correction codewords likewise.
// Blocks come in two lengths: the last ones have one data codeword more.
func interleave(data []byte, v int, l Level) []byte {
	blocks := int(eccBlocks[l][v])
	eccLen := int(eccPerBlock[l][v])
	total := rawModules(v) / 8
	shortBlocks := blocks - total%blocks
	shortData := total/blocks - eccLen

	// Eight zero bytes after the codewords, for matrix.place.
	out := make([]byte, total, total+8)
	ecc := out[len(data):] // the error correction part, filled block by block
	scratch := make([]byte, eccLen)
	start := 0
	for b := range blocks {
		n := shortData
		if b >= shortBlocks {
			n++
		}
		block := data[start : start+n]
		start += n
		// Data codeword i of block b goes at i·blocks + b, except the
		// long blocks' last one, which comes after all the short ones'.
		for i, c := range block {
			pos := i*blocks + b
			if i == shortData {
				pos = shortData*blocks + (b - shortBlocks)
			}
			out[pos] = c
		}
		rsECC(block, scratch)
		for i, c := range scratch {
			ecc[i*blocks+b] = c
		}
	}
	return out
}
