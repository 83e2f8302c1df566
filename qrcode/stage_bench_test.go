package qrcode

import "testing"

// BenchmarkStages times the steps of Encode on a Pix certificate's
// symbol, each beside the reference's (reference_test.go):
//
//	go test ./qrcode -run '^$' -bench Stages -benchmem -cpu 1
func BenchmarkStages(b *testing.B) {
	text := sc1Text()
	s, err := Encode(text)
	if err != nil {
		b.Fatal(err)
	}
	v := s.Version
	runs, widest := classify(text)
	_, r, seg, _ := smallestVersion(text, runs, widest, LevelQ)
	data := dataCodewordsOf(text, seg, r, dataCodewords(v, LevelQ))
	codewords := interleave(data, v, LevelQ)
	b.Run("segments", func(b *testing.B) {
		for b.Loop() {
			runs, widest := classify(text)
			_, r, seg, _ := smallestVersion(text, runs, widest, LevelQ)
			dataCodewordsOf(text, seg, r, dataCodewords(v, LevelQ))
		}
	})
	b.Run("ecc", func(b *testing.B) {
		for b.Loop() {
			interleave(data, v, LevelQ)
		}
	})
	b.Run("ecc/reference", func(b *testing.B) {
		for b.Loop() {
			refInterleave(data, v, LevelQ)
		}
	})
	b.Run("place", func(b *testing.B) {
		for b.Loop() {
			newMatrix(v).place(codewords)
		}
	})
	b.Run("place/reference", func(b *testing.B) {
		for b.Loop() {
			refNewMatrix(v).place(codewords)
		}
	})
	m := newMatrix(v)
	m.place(codewords)
	b.Run("masks", func(b *testing.B) {
		for b.Loop() {
			m.bestMask(LevelQ)
		}
	})
	ref := refNewMatrix(v)
	ref.place(codewords)
	rows, cols := make([]line, ref.side), make([]line, ref.side)
	b.Run("masks/reference", func(b *testing.B) {
		for b.Loop() {
			ref.bestMask(LevelQ, rows, cols)
		}
	})
	m.masked(LevelQ, s.Mask)
	b.Run("modules", func(b *testing.B) {
		for b.Loop() {
			modules(m.rows, m.side)
		}
	})
	for i := range rows {
		rows[i] = m.rows[i].line()
	}
	b.Run("modules/reference", func(b *testing.B) {
		for b.Loop() {
			refModules(rows, m.side)
		}
	})
}
