package qrcode

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	zxingencoder "github.com/makiuchi-d/gozxing/qrcode/encoder"
	goqrcode "github.com/skip2/go-qrcode"
)

// The reference: github.com/skip2/go-qrcode, Sceau's encoder before this
// one. For a text and a mask, both must draw the same modules.

var goQRLevel = map[Level]goqrcode.RecoveryLevel{
	LevelL: goqrcode.Low, LevelM: goqrcode.Medium, LevelQ: goqrcode.High, LevelH: goqrcode.Highest,
}

// goQRSymbol returns go-qrcode's symbol of text at level (of the given
// version, or its own choice when version is 0): its version, its mask
// (read back from the format information) and its modules.
func goQRSymbol(t testing.TB, text string, level Level, version int) (int, int, [][]bool) {
	t.Helper()
	var q *goqrcode.QRCode
	var err error
	if version == 0 {
		q, err = goqrcode.New(text, goQRLevel[level])
	} else {
		q, err = goqrcode.NewWithForcedVersion(text, version, goQRLevel[level])
	}
	if err != nil {
		t.Fatalf("go-qrcode, %d bytes, level %s, version %d: %v", len(text), level, version, err)
	}
	q.DisableBorder = true
	modules := q.Bitmap()
	gotLevel, mask := readFormat(modules)
	if gotLevel != level {
		t.Fatalf("go-qrcode's symbol says level %s, want %s", gotLevel, level)
	}
	return q.VersionNumber, mask, modules
}

// readFormat reads the level and the mask from the first copy of a
// symbol's format information.
func readFormat(modules [][]bool) (Level, int) {
	var info uint32
	formatModules(len(modules), func(bit, x, y int) {
		if x <= 8 && y <= 8 && modules[y][x] { // the copy beside the top left finder
			info |= 1 << bit
		}
	})
	data := (info ^ 0x5412) >> 10
	for l := LevelL; l <= LevelH; l++ {
		if l.formatBits() == data>>3 {
			return l, int(data & 7)
		}
	}
	panic("unreachable")
}

// firstDifference describes where two symbols differ, or returns "".
func firstDifference(got, want [][]bool) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d modules per side, want %d", len(got), len(want))
	}
	for y := range got {
		for x := range got[y] {
			if got[y][x] != want[y][x] {
				return fmt.Sprintf("module (%d,%d) is dark=%v, want %v", x, y, got[y][x], want[y][x])
			}
		}
	}
	return ""
}

// base45Alphabet is the alphabet of SC1 texts: exactly the 45 characters
// of alphanumeric mode.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// randomText returns n characters drawn from alphabet.
func randomText(r *rand.Rand, alphabet string, n int) string {
	chars := []rune(alphabet)
	var b strings.Builder
	for range n {
		b.WriteRune(chars[r.IntN(len(chars))])
	}
	return b.String()
}

// mixedText alternates runs of digits, of upper case and of lower case,
// so that the segments change mode.
func mixedText(r *rand.Rand, n int) string {
	var b strings.Builder
	alphabets := []string{"0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ:/.", "abcdefghijklmnopqrstuvwxyz?&=_"}
	for b.Len() < n {
		a := alphabets[r.IntN(len(alphabets))]
		b.WriteString(randomText(r, a, 1+r.IntN(20)))
	}
	return cutUTF8(b.String(), n)
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does
// not cut a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// referenceTexts are texts of every kind and many lengths, seeded.
func referenceTexts() []string {
	r := rand.New(rand.NewPCG(7, 8))
	texts := []string{"SC1:ABC", "0", "A", "a", "SC1:" + randomText(r, base45Alphabet, 408), sc1Text(),
		"https://sceau.example/verify?c=SC1:6BF.Q9%25", "123ABC", "ABC123", "00000000000A", "é",
		frenchText, "Année 2026: 12 345 candidats, 98,7 % reçus", "\x00\x01\xfe\xff"}
	for _, n := range []int{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1500} {
		texts = append(texts,
			"SC1:"+randomText(r, base45Alphabet, n),
			randomText(r, "0123456789", n),
			randomText(r, "abcdefghijklmnopqrstuvwxyz0123456789 -_{}\"", n),
		)
		if mixed := mixedText(r, n); mixed != "" {
			texts = append(texts, mixed)
		}
	}
	return texts
}

func TestMatchesGoQRCode(t *testing.T) {
	for _, level := range []Level{LevelL, LevelM, LevelQ, LevelH} {
		for _, text := range referenceTexts() {
			if _, err := goqrcode.New(text, goQRLevel[level]); err != nil {
				if _, err := EncodeLevel(text, level); !errors.Is(err, errTooLong) {
					t.Fatalf("level %s, %d bytes: go-qrcode refuses it, EncodeLevel says %v", level, len(text), err)
				}
				continue
			}
			wantVersion, mask, want := goQRSymbol(t, text, level, 0)
			got, err := encode(text, level, 0, mask)
			if err != nil {
				t.Fatalf("level %s, %q: %v", level, text, err)
			}
			if got.Version != wantVersion {
				t.Fatalf("level %s, %d bytes %.20q…: version %d, go-qrcode chose %d", level, len(text), text, got.Version, wantVersion)
			}
			if diff := firstDifference(got.Modules, want); diff != "" {
				t.Fatalf("level %s, %d bytes %.20q…, version %d, mask %d: %s", level, len(text), text, got.Version, mask, diff)
			}
		}
	}
}

// TestEveryVersionMatchesGoQRCode draws, in each of the 40 versions at
// each level, the longest SC1 text it holds: go-qrcode must choose the
// same version, and draw the same modules with its mask. This holds every
// table (capacities, blocks, error correction, alignment patterns, version
// information) to go-qrcode's.
func TestEveryVersionMatchesGoQRCode(t *testing.T) {
	sc1 := "SC1:" + randomText(rand.New(rand.NewPCG(3, 3)), base45Alphabet, 4300)
	for _, level := range []Level{LevelL, LevelM, LevelQ, LevelH} {
		for v := minVersion; v <= maxVersion; v++ {
			text := maxFitting(t, level, v, func(n int) string { return sc1[:n] })
			wantVersion, mask, want := goQRSymbol(t, text, level, 0)
			got, err := encode(text, level, 0, mask)
			if err != nil {
				t.Fatalf("level %s, version %d: %v", level, v, err)
			}
			if got.Version != v || wantVersion != v {
				t.Fatalf("level %s, %d characters: version %d, go-qrcode's %d, want %d", level, len(text), got.Version, wantVersion, v)
			}
			if diff := firstDifference(got.Modules, want); diff != "" {
				t.Fatalf("level %s, version %d, mask %d: %s", level, v, mask, diff)
			}
		}
	}
}

// zxingPenalty is the penalty of a symbol by gozxing's encoder (ZXing's
// reading of the standard's four rules).
func zxingPenalty(modules [][]bool) int {
	m := zxingencoder.NewByteMatrix(len(modules), len(modules))
	for y, row := range modules {
		for x, dark := range row {
			m.SetBool(x, y, dark)
		}
	}
	return zxingencoder.MaskUtil_applyMaskPenaltyRule1(m) + zxingencoder.MaskUtil_applyMaskPenaltyRule2(m) +
		zxingencoder.MaskUtil_applyMaskPenaltyRule3(m) + zxingencoder.MaskUtil_applyMaskPenaltyRule4(m)
}

// linesOf packs a symbol's modules into rows and columns of bits.
func linesOf(modules [][]bool) (rows, cols []bits3) {
	n := len(modules)
	rows, cols = make([]bits3, n), make([]bits3, n)
	for y, row := range modules {
		for x, dark := range row {
			if dark {
				rows[y].set(x)
				cols[x].set(y)
			}
		}
	}
	return rows, cols
}

// TestPenaltyMatchesZXing scores random matrices of every side, and
// matrices with long runs and finder-like patterns, both ways.
func TestPenaltyMatchesZXing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for v := minVersion; v <= maxVersion; v++ {
		n := symbolSide(v)
		for trial := range 5 {
			density := []float64{0.5, 0.1, 0.9, 0.3, 0.7}[trial]
			modules := make([][]bool, n)
			for y := range modules {
				modules[y] = make([]bool, n)
				for x := range modules[y] {
					modules[y][x] = r.Float64() < density
				}
			}
			// A finder-like pattern at each edge of a row and a column.
			pattern := []bool{true, false, true, true, true, false, true}
			for i, dark := range pattern {
				modules[0][i], modules[n-1][n-7+i], modules[i][n/2], modules[n-7+i][n/3] = dark, dark, dark, dark
			}
			// Near the edges, with fewer than four modules on one side.
			for k := 1; k <= 4; k++ {
				modules[k][0], modules[k][k+7] = true, trial%2 == 0
				modules[n-1-k][n-1], modules[n-1-k][n-k-8] = true, trial%2 == 1
				for i, dark := range pattern {
					modules[k][k+i], modules[n-1-k][n-k-7+i] = dark, dark
				}
			}
			rows, cols := linesOf(modules)
			if got, want := penalty(n, rows, cols, newScratch(n)), zxingPenalty(modules); got != want {
				t.Fatalf("side %d, density %.1f: penalty %d, gozxing says %d", n, density, got, want)
			}
		}
	}
}

// TestMaskHasLowestPenalty checks the mask Encode chooses against the
// eight masked symbols scored by gozxing.
func TestMaskHasLowestPenalty(t *testing.T) {
	for _, text := range referenceTexts()[:40] {
		s, err := Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		best, bestScore := -1, 0
		for mask := range 8 {
			m, err := encode(text, LevelQ, s.Version, mask)
			if err != nil {
				t.Fatal(err)
			}
			if score := zxingPenalty(m.Modules); best < 0 || score < bestScore {
				best, bestScore = mask, score
			}
		}
		if s.Mask != best {
			t.Fatalf("%d bytes, version %d: mask %d, gozxing's scores make it %d", len(text), s.Version, s.Mask, best)
		}
	}
}

// maxFitting returns the longest text made by gen (gen(n) has about n
// bytes) that EncodeLevel puts in version v or less.
func maxFitting(t *testing.T, level Level, v int, gen func(n int) string) string {
	t.Helper()
	lo, hi := 1, 4300 // lo fits in version ≤ v, hi does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		s, err := EncodeLevel(gen(mid), level)
		if err == nil && s.Version <= v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return gen(lo)
}

// versionTexts returns, for version v, the longest texts of each mode that
// level Q holds in it: digits, SC1 (alphanumeric), lower case (bytes), and
// alternating runs of all three.
func versionTexts(t *testing.T, v int) map[string]string {
	r := rand.New(rand.NewPCG(uint64(v), 9))
	digits := randomText(r, "0123456789", 4300)
	sc1 := "SC1:" + randomText(r, base45Alphabet, 4300)
	lower := randomText(r, "abcdefghijklmnopqrstuvwxyz0123456789 {}\":,", 4300)
	mixed := mixedText(r, 8000)
	return map[string]string{
		"numeric":      maxFitting(t, LevelQ, v, func(n int) string { return digits[:n] }),
		"alphanumeric": maxFitting(t, LevelQ, v, func(n int) string { return sc1[:n] }),
		"byte":         maxFitting(t, LevelQ, v, func(n int) string { return lower[:n] }),
		"mixed":        maxFitting(t, LevelQ, v, func(n int) string { return cutUTF8(mixed, n) }),
	}
}

// frenchText is a text in byte mode, UTF-8 as Sceau's texts are.
const frenchText = "Diplôme national du brevet, session 2026 — mention très bien, délivré à Zoé Lefèvre"

// readCase is a symbol to read back, as EncodePNG writes it.
type readCase struct {
	name, text string
	symbol     *Symbol
}

// readCases are, for each version 1 to 40, the longest text of each mode
// it holds at level Q, and a French text in UTF-8.
func readCases(t *testing.T) []readCase {
	t.Helper()
	var cases []readCase
	add := func(name, text string, version int) {
		s, err := Encode(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if version != 0 && s.Version != version {
			t.Fatalf("%s: %d bytes in version %d, want %d", name, len(text), s.Version, version)
		}
		cases = append(cases, readCase{name, text, s})
	}
	for v := minVersion; v <= maxVersion; v++ {
		texts := versionTexts(t, v)
		for _, mode := range []string{"numeric", "alphanumeric", "byte", "mixed"} {
			add(fmt.Sprintf("v%d-%s", v, mode), texts[mode], v)
		}
	}
	add("utf-8", frenchText, 0)
	return cases
}

// TestEveryVersionDecodes reads back with gozxing, through DecodeBytes
// (gozxing's detector, then its pure-barcode reader), the PNG of every
// version and mode.
func TestEveryVersionDecodes(t *testing.T) {
	for _, c := range readCases(t) {
		data := c.symbol.PNG()
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			t.Fatalf("%s: image/png: %v", c.name, err)
		}
		if got, err := DecodeBytes(data); err != nil || got != c.text {
			t.Errorf("%s, version %d, %d bytes: gozxing read %.30q…, %v", c.name, c.symbol.Version, len(c.text), got, err)
		}
	}
}

// TestEveryVersionDecodesWithZbar reads the same PNGs with zbarimg, a
// decoder apart from ZXing's line, from Debian's zbar-tools. (A text in
// byte mode has no ECI header saying UTF-8, as with go-qrcode: zbar then
// guesses, and takes a short run of accented letters for Shift JIS; long
// French texts it reads right.)
func TestEveryVersionDecodesWithZbar(t *testing.T) {
	zbarimg, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not found: install Debian's zbar-tools to read the symbols with zbar")
	}
	dir := t.TempDir()
	for _, c := range readCases(t) {
		file := filepath.Join(dir, c.name+".png")
		if err := os.WriteFile(file, c.symbol.PNG(), 0o600); err != nil {
			t.Fatal(err)
		}
		// Every fourth row and column of pixels first (8 pixels a
		// module: three times faster), then all of them.
		var got string
		for _, density := range []string{"4", "1"} {
			var out []byte
			out, err = exec.Command(zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
				"-Sx-density="+density, "-Sy-density="+density, file).Output()
			if got = strings.TrimSuffix(string(out), "\n"); err == nil && got == c.text {
				break
			}
		}
		if err != nil || got != c.text {
			t.Errorf("%s, version %d, %d bytes: zbarimg read %.30q…, %v", c.name, c.symbol.Version, len(c.text), got, err)
		}
	}
}

func TestEncodeLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	// The capacities of version 40 at level Q (ISO/IEC 18004 table 7).
	tests := []struct {
		name     string
		alphabet string
		capacity int
	}{
		{"digits", "0123456789", 3993},
		{"SC1 characters", base45Alphabet, 2420},
		{"bytes", "abcdefghijklmnopqrstuvwxyz", 1663},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := randomText(r, tt.alphabet, tt.capacity+1)
			s, err := Encode(text[:tt.capacity])
			if err != nil {
				t.Fatalf("%d %s: %v, want a version 40 symbol", tt.capacity, tt.name, err)
			}
			if s.Version != maxVersion {
				t.Fatalf("%d %s: version %d, want 40", tt.capacity, tt.name, s.Version)
			}
			if _, err := Encode(text); !errors.Is(err, errTooLong) {
				t.Fatalf("%d %s: error %v, want one saying it is too long", tt.capacity+1, tt.name, err)
			}
		})
	}
	if _, err := Encode(""); err == nil {
		t.Error("Encode of an empty text succeeded")
	}
	if _, err := Encode(strings.Repeat("1", 1<<20)); !errors.Is(err, errTooLong) {
		t.Errorf("Encode of a megabyte: %v, want an error saying it is too long", err)
	}
	// Level L holds more: what a presentation shown on a screen uses.
	text := randomText(r, "abcdefghijklmnopqrstuvwxyz", 2953)
	if s, err := EncodeLevel(text, LevelL); err != nil || s.Version != maxVersion {
		t.Errorf("2953 bytes at level L: %v, want a version 40 symbol", err)
	}
}

// latin1 reads gozxing's text of a byte segment decoded as ISO-8859-1
// back into the bytes.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// FuzzEncode: Encode never panics; a text it encodes reads back the same
// with gozxing; a text of at most 1663 bytes (the bytes version 40 holds
// at level Q) is always encoded.
func FuzzEncode(f *testing.F) {
	for _, text := range referenceTexts()[:20] {
		f.Add(text)
	}
	f.Add("\x00\xff\x80 binary")
	hints := map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_PURE_BARCODE:  true,
		gozxing.DecodeHintType_CHARACTER_SET: "ISO-8859-1",
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Encode(text)
		if err != nil {
			if text != "" && len(text) <= 1663 {
				t.Fatalf("%d bytes: %v", len(text), err)
			}
			return
		}
		if n := len(s.Modules); n != symbolSide(s.Version) {
			t.Fatalf("version %d symbol has %d modules per side", s.Version, n)
		}
		bitmap, err := gozxing.NewBinaryBitmapFromImage(s.Image(2))
		if err != nil {
			t.Fatal(err)
		}
		result, err := zxingqr.NewQRCodeReader().Decode(bitmap, hints)
		if err != nil {
			t.Fatalf("gozxing cannot read the version %d symbol of %q: %v", s.Version, text, err)
		}
		if got := result.GetText(); got != text && latin1(got) != text {
			t.Fatalf("gozxing read %q, want %q", got, text)
		}
	})
}

func (a *line) has(i int) bool { return *a.word(i >> 6)>>(i&63)&1 != 0 }

func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, side := range []int{21, 64, 65, 77, 128, 129, 177} {
		rows := make([]bits3, side)
		for y := range rows {
			for x := range side {
				if r.IntN(2) == 0 {
					rows[y].set(x)
				}
			}
		}
		cols := make([]bits3, side)
		transpose(rows, cols, side)
		for y := range side {
			for x := range side {
				if a, b := rows[y].line(), cols[x].line(); a.has(x) != b.has(y) {
					t.Fatalf("side %d: module (%d,%d) is %v in the rows, %v in the columns", side, x, y, a.has(x), b.has(y))
				}
			}
		}
	}
}
