package certificate

import (
	"fmt"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/sceau/sceau/schemas"
)

// Texts ready to set. A page sets each of its texts several times: once
// to measure the page at a scale, once more to draw it, and the footer's
// texts once more to place the footer. And most of a page's texts are the
// same on every certificate: the labels, the notice, the names of the CRCN
// competences. So a text is made ready once (a run: normalised, checked,
// turned into glyphs and measured), by the Renderer when it is the same
// for every certificate, else once per certificate, and then only looked
// up.

// run is a text ready to set in one font: in Unicode normalization form C,
// every character printable, as glyphs with the characters they print, the
// glyphs' codes as the content stream writes them, and its width. A run is
// never changed once made: lines wrapped from a run share its storage.
type run struct {
	glyphs []uint16
	// chars holds the character each glyph prints, for the ToUnicode map.
	chars []rune
	// hex is the glyphs in hexadecimal, four digits each.
	hex []byte
	// advance is the run's width in thousandths of an em: the sum of its
	// glyphs' widths, without kerning.
	advance int
}

// runKey names a text as given (before normalisation) set in a font.
type runKey struct {
	text string
	font fontID
}

// wrapKey names a text set in a font at a size, wrapped to a width.
type wrapKey struct {
	runKey
	size, width float64
}

// runStore holds the storage of runs: runs are slices of its buffers,
// which only grow until reset.
type runStore struct {
	glyphs []uint16
	chars  []rune
	hex    []byte
}

// typeset makes the run of text in font f, or returns an error naming
// field when the font has no glyph for one of its characters: a
// certificate never silently drops a letter of a name. The text is first
// normalised (NFC), so that a letter followed by a combining accent is
// printed with the font's accented glyph.
func (s *runStore) typeset(f *ttfont, field, text string) (run, error) {
	text = norm.NFC.String(text)
	g0, c0, h0 := len(s.glyphs), len(s.chars), len(s.hex)
	advance := 0
	for _, r := range text {
		g := f.glyph(r)
		if g == 0 || unicode.IsControl(r) {
			s.glyphs, s.chars, s.hex = s.glyphs[:g0], s.chars[:c0], s.hex[:h0]
			return run{}, fmt.Errorf("%s: character %U %q cannot be printed: the certificate font has no glyph for it", field, r, r)
		}
		s.glyphs = append(s.glyphs, g)
		s.chars = append(s.chars, r)
		s.hex = appendHex16(s.hex, g)
		advance += f.widths[g]
	}
	return run{
		glyphs:  s.glyphs[g0:len(s.glyphs):len(s.glyphs)],
		chars:   s.chars[c0:len(s.chars):len(s.chars)],
		hex:     s.hex[h0:len(s.hex):len(s.hex)],
		advance: advance,
	}, nil
}

// slice returns the line of r from its glyph i to its glyph j, set in f.
func (r run) slice(f *ttfont, i, j int) run {
	advance := 0
	for _, g := range r.glyphs[i:j] {
		advance += f.widths[g]
	}
	return run{glyphs: r.glyphs[i:j:j], chars: r.chars[i:j:j], hex: r.hex[4*i : 4*j : 4*j], advance: advance}
}

// knownRuns are the runs of the texts every certificate of a Renderer
// prints, in every font: made by NewRenderer, then only read, by any
// number of renderings at once.
type knownRuns map[runKey]run

// newKnownRuns makes the runs of the texts of w, of the CRCN competences,
// and of the issuer's name and verifier's address, in every font that can
// print them. Any other text is made ready by each rendering; a text left
// out here is only made ready more often.
func newKnownRuns(fonts *[fontCount]*ttfont, w *wording, texts ...string) knownRuns {
	texts = append(texts,
		w.kicker, w.diplomaAwardedTo, w.pixTitle, w.pixAwardedTo, w.awardedOn, w.mention,
		w.specialities, w.eqfLevel, w.session, w.rncp, w.certifiedOn, w.center, w.score,
		w.verificationCode, w.competences, w.credentialID, w.issuer, w.issuedOn, w.expiresOn,
		w.scanToVerify, w.verifyAt, w.notice)
	for level := -1; level <= 8; level++ {
		texts = append(texts, w.levelWords(level))
	}
	for _, words := range w.mentions {
		texts = append(texts, words)
	}
	for _, c := range schemas.CompetenceFramework {
		texts = append(texts, c.ID, c.Name)
	}
	known := knownRuns{}
	var store runStore
	for _, text := range texts {
		if text == "" {
			continue
		}
		for font, f := range fonts {
			key := runKey{text, fontID(font)}
			if _, done := known[key]; done {
				continue
			}
			if r, err := store.typeset(f, "", text); err == nil {
				known[key] = r
			}
		}
	}
	return known
}

// typesetter makes a rendering's texts ready to set, and remembers them
// until reset: the runs of its texts and the lines they wrap into.
type typesetter struct {
	fonts *[fontCount]*ttfont
	known knownRuns
	// recent is a cache in front of known and runs, for the texts a page
	// sets again and again: it finds a text that is the very same string
	// (the page's fields, the wording's texts) without hashing it. Its
	// entries of an earlier generation (an earlier rendering) are empty,
	// but for those of known runs, which stay true.
	recent     [recentRuns]recentRun
	generation uint32
	runs       map[runKey]run
	// wrapped are the lines of the texts that wrap, slices of lines.
	wrapped map[wrapKey][]run
	lines   []run
	store   runStore
}

func newTypesetter(fonts *[fontCount]*ttfont, known knownRuns) *typesetter {
	return &typesetter{fonts: fonts, known: known, runs: map[runKey]run{}, wrapped: map[wrapKey][]run{}}
}

// recentRuns is the size of typesetter.recent: a few times the number
// of texts on a page.
const recentRuns = 256

// recentRun is an entry of typesetter.recent.
type recentRun struct {
	text       string
	font       fontID
	generation uint32
	known      bool
	run        run
}

// recentSlot returns where typesetter.recent keeps text in font, from
// its length and three of its bytes.
func recentSlot(text string, font fontID) int {
	h := uint(len(text))*131 + uint(font)*17
	if n := len(text); n > 0 {
		h += uint(text[0])*31 + uint(text[n/2])*7 + uint(text[n-1])
	}
	return int(h % recentRuns)
}

// reset forgets the runs of the previous rendering.
func (t *typesetter) reset() {
	t.generation++
	if t.generation == 0 { // wrapped around: old entries could look new
		for i := range t.recent {
			if !t.recent[i].known {
				t.recent[i] = recentRun{}
			}
		}
		t.generation = 1
	}
	clear(t.runs)
	clear(t.wrapped)
	t.lines = t.lines[:0]
	t.store.glyphs, t.store.chars, t.store.hex = t.store.glyphs[:0], t.store.chars[:0], t.store.hex[:0]
}

// run returns the run of text in font; field names the text in errors.
func (t *typesetter) run(field, text string, font fontID) (run, error) {
	slot := &t.recent[recentSlot(text, font)]
	// Comparing a string with itself stops at its address.
	if (slot.known || slot.generation == t.generation) && slot.font == font && slot.text == text {
		return slot.run, nil
	}
	key := runKey{text, font}
	if r, ok := t.known[key]; ok {
		*slot = recentRun{text: text, font: font, known: true, run: r}
		return r, nil
	}
	r, err := t.lookUp(field, key)
	if err != nil {
		return run{}, err
	}
	*slot = recentRun{text: text, font: font, generation: t.generation, run: r}
	return r, nil
}

// lookUp returns the run of text in font made by this rendering, making it
// if needs be.
func (t *typesetter) lookUp(field string, key runKey) (run, error) {
	if r, ok := t.runs[key]; ok {
		return r, nil
	}
	r, err := t.store.typeset(t.fonts[key.font], field, key.text)
	if err != nil {
		return run{}, err
	}
	t.runs[key] = r
	return r, nil
}

// wrap splits r, the run of text in font, into lines no wider than width
// millimetres at size points: each line ends before the last space that
// lets it fit (the space itself is dropped), or, in a word longer than the
// line, before the first character that does not fit. These are the line
// breaks of the library certificates were first printed with (gopdf's
// SplitTextWithWordWrap), so that pages keep their look; but a character
// wider than the whole line goes on a line of its own, where that library
// looped forever.
func (t *typesetter) wrap(text string, font fontID, r run, size, width float64) []run {
	key := wrapKey{runKey{text, font}, size, width}
	if lines, ok := t.wrapped[key]; ok {
		return lines
	}
	f := t.fonts[font]
	first := len(t.lines)
	start, lineAdvance := 0, 0
	for i := 0; i < len(r.glyphs); i++ {
		advance := f.widths[r.glyphs[i]]
		if millimetres(lineAdvance, size)+millimetres(advance, size) > width && i > start {
			if space := lastSpace(r.chars[start:i]); space > 0 {
				t.lines = append(t.lines, r.slice(f, start, start+space))
				// Go on from the character after the space.
				i = start + space
			} else {
				t.lines = append(t.lines, r.slice(f, start, i))
				i--
			}
			start, lineAdvance = i+1, 0
			continue
		}
		lineAdvance += advance
	}
	if start < len(r.glyphs) {
		t.lines = append(t.lines, r.slice(f, start, len(r.glyphs)))
	}
	lines := t.lines[first:len(t.lines):len(t.lines)]
	t.wrapped[key] = lines
	return lines
}

// lastSpace returns the index of the last space of line after its first
// character, or -1.
func lastSpace(line []rune) int {
	for i := len(line) - 1; i > 0; i-- {
		if line[i] == ' ' {
			return i
		}
	}
	return -1
}
