package qrcode

import "testing"

// Stages of Encode, new and reference, on the Pix certificate's symbol.
func BenchmarkStages(b *testing.B) {
	text := sc1Text()
	s, err := Encode(text)
	if err != nil {
		b.Fatal(err)
	}
	rows, cols := linesOf(s.Modules)
	scratch := newScratch(len(rows))
	var rrows, rcols []line
	for i := range rows {
		rrows = append(rrows, rows[i].line())
		rcols = append(rcols, cols[i].line())
	}
	b.Run("penalty", func(b *testing.B) {
		for b.Loop() {
			penalty(len(rows), rows, cols, scratch)
		}
	})
	b.Run("refPenalty", func(b *testing.B) {
		for b.Loop() {
			refPenalty(len(rows), rrows, rcols)
		}
	})
	data := make([]byte, rawModules(s.Version)/8)
	b.Run("place", func(b *testing.B) {
		for b.Loop() {
			m := newMatrix(s.Version)
			m.place(data)
		}
	})
	b.Run("refPlace", func(b *testing.B) {
		for b.Loop() {
			m := refNewMatrix(s.Version)
			m.place(data)
		}
	})
	b.Run("interleave", func(b *testing.B) {
		for b.Loop() {
			interleave(data[:dataCodewords(s.Version, LevelQ)], s.Version, LevelQ)
		}
	})
	b.Run("refInterleave", func(b *testing.B) {
		for b.Loop() {
			refInterleave(data[:dataCodewords(s.Version, LevelQ)], s.Version, LevelQ)
		}
	})
	b.Run("modules", func(b *testing.B) {
		for b.Loop() {
			modules(rows, len(rows))
		}
	})
	b.Run("refModules", func(b *testing.B) {
		for b.Loop() {
			refModules(rrows, len(rows))
		}
	})
	b.Run("segments", func(b *testing.B) {
		for b.Loop() {
			runs, widest := classify(text)
			_, r, seg, _ := smallestVersion(text, runs, widest, LevelQ)
			dataCodewordsOf(text, seg, r, dataCodewords(s.Version, LevelQ))
		}
	})
}

func BenchmarkPlaceParts(b *testing.B) {
	v := 15
	data := make([]byte, rawModules(v)/8)
	m := newMatrix(v)
	b.Run("newMatrix", func(b *testing.B) {
		for b.Loop() {
			newMatrix(v)
		}
	})
	b.Run("transpose", func(b *testing.B) {
		for b.Loop() {
			transpose(m.darkRows, m.darkCols, m.side)
		}
	})
	b.Run("place", func(b *testing.B) {
		for b.Loop() {
			m.place(data)
		}
	})
}
