package embedded

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// randomBytes returns nil, an empty slice or n random bytes, n around the
// lengths where a CBOR head grows, up to the first lengths of max.
func randomBytes(r *rand.Rand, max int) []byte {
	switch r.IntN(8) {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	n := []int{1, 23, 24, 255, 256, 1000, 65535, 65536}[r.IntN(max)]
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// randomBlock returns a transaction or config block with fields present,
// empty or nil at random.
func randomBlock(r *rand.Rand) *block {
	b := &block{
		Number:      []uint64{0, 1, 23, 24, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, math.MaxUint64}[r.IntN(11)],
		PrevHash:    randomBytes(r, 8),
		Kind:        []string{kindTransaction, kindConfig, "", "a kind longer than twenty-three bytes"}[r.IntN(4)],
		Proposal:    randomBytes(r, 8),
		Signature:   randomBytes(r, 8),
		Result:      randomBytes(r, 8),
		Time:        []int64{0, 1, -1, -24, -25, 1_780_000_000_000_000_000, math.MinInt64, math.MaxInt64}[r.IntN(8)],
		StateDigest: randomBytes(r, 8),
	}
	if r.IntN(2) == 0 {
		b.Event = &event{Name: randomBytes(r, 8), Payload: randomBytes(r, 8)}
	}
	if r.IntN(6) > 0 {
		b.Writes = make([]write, []int{0, 1, 24, 300}[r.IntN(4)])
		for i := range b.Writes {
			b.Writes[i] = write{Key: randomBytes(r, 3), Value: randomBytes(r, 5), Delete: r.IntN(2) == 0}
		}
	}
	return b
}

// TestBlockCBORIsTheEncoders checks the block encoder byte for byte against
// canonicalCBOR on blocks of every shape: the bytes a block is hashed and
// stored as must not depend on which encoder wrote them.
func TestBlockCBORIsTheEncoders(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		b := randomBlock(r)
		want, err := canonicalCBOR.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendBlockCBOR([]byte("prefix"), b)
		if !ok {
			t.Fatalf("block %d: not encoded", i)
		}
		if !bytes.Equal(got[len("prefix"):], want) || string(got[:len("prefix")]) != "prefix" {
			t.Fatalf("block %d (%d writes): encoded %x…, canonicalCBOR writes %x…", i, len(b.Writes), got[len("prefix"):min(len(got), 80)], want[:min(len(want), 74)])
		}
	}
	if _, ok := appendBlockCBOR(nil, &block{Kind: kindGenesis, Genesis: &genesisWire{ChannelID: "sceau"}}); ok {
		t.Error("a genesis block was encoded: it is left to canonicalCBOR")
	}
}

// FuzzBlockCBOR compares the block encoder with canonicalCBOR on every
// block that stored bytes decode to.
func FuzzBlockCBOR(f *testing.F) {
	for _, raw := range sampleBlocks(f) {
		f.Add(raw)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		b := randomBlock(r)
		b.Writes = b.Writes[:min(len(b.Writes), 3)]
		raw, err := canonicalCBOR.Marshal(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var b block
		if strictCBOR.Unmarshal(raw, &b) != nil {
			return
		}
		want, err := canonicalCBOR.Marshal(&b)
		if err != nil {
			return
		}
		got, ok := appendBlockCBOR(nil, &b)
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("encoded %x, canonicalCBOR writes %x", got, want)
		}
	})
}
