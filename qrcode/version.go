package qrcode

import "fmt"

// Level is an error correction level: the share of a symbol's codewords
// that can be lost and recovered.
type Level uint8

// The four levels of ISO/IEC 18004, least to most redundant.
const (
	// LevelL recovers 7 % of the codewords.
	LevelL Level = iota
	// LevelM recovers 15 %.
	LevelM
	// LevelQ recovers 25 %: the level of Sceau's credential codes.
	LevelQ
	// LevelH recovers 30 %.
	LevelH
)

func (l Level) String() string {
	switch l {
	case LevelL:
		return "L"
	case LevelM:
		return "M"
	case LevelQ:
		return "Q"
	case LevelH:
		return "H"
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// formatBits returns the two bits that name l in a symbol's format
// information (ISO/IEC 18004 table 12): not in the order of the levels.
func (l Level) formatBits() uint32 {
	return [...]uint32{LevelL: 1, LevelM: 0, LevelQ: 3, LevelH: 2}[l]
}

// minVersion and maxVersion bound a symbol's version.
const (
	minVersion = 1
	maxVersion = 40
)

// eccPerBlock is the number of error correction codewords of each block,
// by level and version (ISO/IEC 18004 table 9).
var eccPerBlock = [4][maxVersion + 1]uint8{
	LevelL: {0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	LevelM: {0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
	LevelQ: {0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	LevelH: {0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
}

// eccBlocks is the number of blocks the codewords are split into, by
// level and version (ISO/IEC 18004 table 9).
var eccBlocks = [4][maxVersion + 1]uint8{
	LevelL: {0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
	LevelM: {0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
	LevelQ: {0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
	LevelH: {0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
}

// symbolSide is the number of modules per side of a symbol of version v.
func symbolSide(v int) int { return 17 + 4*v }

// alignmentCount is the number of alignment pattern centres per axis of
// version v (none for version 1).
func alignmentCount(v int) int {
	if v == 1 {
		return 0
	}
	return v/7 + 2
}

// alignmentCentres returns the row and column coordinates of the
// alignment pattern centres of version v (ISO/IEC 18004 annex E): 6, then
// evenly spaced (by an even step) up to side−7.
func alignmentCentres(v int) []int {
	count := alignmentCount(v)
	if count == 0 {
		return nil
	}
	var step int
	if v == 32 { // the one version the rule below does not give
		step = 26
	} else {
		step = (v*4 + count*2 + 1) / (count*2 - 2) * 2
	}
	centres := make([]int, count)
	centres[0] = 6
	for i, pos := count-1, symbolSide(v)-7; i >= 1; i, pos = i-1, pos-step {
		centres[i] = pos
	}
	return centres
}

// rawModules is the number of modules of version v that carry codewords
// and remainder bits: the side squared, less the function patterns (finder
// patterns with separators and format information, timing patterns,
// alignment patterns, version information).
func rawModules(v int) int {
	n := (16*v+128)*v + 64
	if v >= 2 {
		a := alignmentCount(v)
		n -= (25*a-10)*a - 55
		if v >= 7 {
			n -= 36
		}
	}
	return n
}

// dataCodewords is the number of data codewords (the message, before error
// correction) a symbol of version v at level l holds.
func dataCodewords(v int, l Level) int {
	return rawModules(v)/8 - int(eccPerBlock[l][v])*int(eccBlocks[l][v])
}
