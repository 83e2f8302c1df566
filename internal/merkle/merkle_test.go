package merkle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/transparency-dev/merkle/testonly"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad test vector %q: %v", s, err)
	}
	return b
}

// referenceLeafHashes returns the leaf hashes of the RFC 6962 test leaves
// used by transparency-dev and Certificate Transparency.
func referenceLeafHashes() [][]byte {
	inputs := testonly.LeafInputs()
	hashes := make([][]byte, len(inputs))
	for i, in := range inputs {
		hashes[i] = LeafHash(in)
	}
	return hashes
}

func TestLeafHashMatchesRFC6962Vectors(t *testing.T) {
	want := testonly.NodeHashes()[0]
	for i, got := range referenceLeafHashes() {
		if !bytes.Equal(got, want[i]) {
			t.Errorf("leaf %d: hash %x, want %x", i, got, want[i])
		}
	}
}

func TestRootMatchesRFC6962Vectors(t *testing.T) {
	leaves := referenceLeafHashes()
	for size, want := range testonly.RootHashes() {
		if got := Root(leaves[:size]); !bytes.Equal(got, want) {
			t.Errorf("tree of %d leaves: root %x, want %x", size, got, want)
		}
	}
}

func TestRootBuilderMatchesRoot(t *testing.T) {
	inputs := testonly.LeafInputs()
	for size, want := range testonly.RootHashes() {
		b := NewRootBuilder()
		for _, in := range inputs[:size] {
			b.AppendLeaf(in)
		}
		if got := b.Root(); !bytes.Equal(got, want) {
			t.Errorf("RFC 6962 tree of %d leaves: root %x, want %x", size, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 2, 3, 7, 64, 1000} {
		b := NewRootBuilder()
		leaves := make([][]byte, size)
		for i := range leaves {
			forms := make([][]byte, 1+rng.IntN(4))
			for j := range forms {
				forms[j] = make([]byte, 32)
				for k := range forms[j] {
					forms[j][k] = byte(rng.Uint32())
				}
			}
			b.AppendLeaf(forms...)
			leaves[i] = LeafHash(LeafData(forms))
		}
		if got, want := b.Root(), Root(leaves); !bytes.Equal(got, want) {
			t.Errorf("%d credentials of 1 to 4 forms: builder root %x, Root %x", size, got, want)
		}
	}
	if got, want := NewRootBuilder().Root(), Root(nil); !bytes.Equal(got, want) {
		t.Errorf("empty builder root %x, want %x", got, want)
	}
}

func BenchmarkRootOf8000Leaves(b *testing.B) {
	forms := [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)}
	b.Run("Root", func(b *testing.B) {
		for b.Loop() {
			leaves := make([][]byte, 8000)
			for i := range leaves {
				leaves[i] = LeafHash(LeafData(forms))
			}
			Root(leaves)
		}
	})
	b.Run("RootBuilder", func(b *testing.B) {
		for b.Loop() {
			r := NewRootBuilder()
			for range 8000 {
				r.AppendLeaf(forms...)
			}
			r.Root()
		}
	})
}

func TestEmptyRootIsSHA256OfNothing(t *testing.T) {
	want := sha256.Sum256(nil)
	if got := Root(nil); !bytes.Equal(got, want[:]) {
		t.Fatalf("empty root %x, want %x", got, want)
	}
}

func TestLeafDataConcatenatesDigestsInOrder(t *testing.T) {
	a, b := bytes.Repeat([]byte{0xaa}, 32), bytes.Repeat([]byte{0xbb}, 32)
	got := LeafData([][]byte{a, b})
	if !bytes.Equal(got, append(append([]byte{}, a...), b...)) {
		t.Fatalf("LeafData = %x", got)
	}
	if bytes.Equal(LeafHash(LeafData([][]byte{a, b})), LeafHash(LeafData([][]byte{b, a}))) {
		t.Fatal("swapping the digests of a leaf must change its hash")
	}
}

// The inclusion proofs published with the RFC 6962 test vectors
// (transparency-dev/merkle proof/verify_test.go), with 0-based indices.
var inclusionVectors = []struct {
	index, size uint64
	proof       []string
}{
	{0, 1, nil},
	{0, 8, []string{
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	}},
	{5, 8, []string{
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	}},
	{2, 3, []string{
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	}},
	{1, 5, []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	}},
}

func TestProofsMatchRFC6962Vectors(t *testing.T) {
	leaves := referenceLeafHashes()
	roots := testonly.RootHashes()
	for _, v := range inclusionVectors {
		want := make([][]byte, len(v.proof))
		for i, h := range v.proof {
			want[i] = unhex(t, h)
		}
		tree := leaves[:v.size]
		got, err := Proof(tree, v.index)
		if err != nil {
			t.Fatalf("Proof(%d of %d): %v", v.index, v.size, err)
		}
		if !equalProofs(got, want) {
			t.Errorf("Proof(%d of %d) = %x, want %x", v.index, v.size, got, want)
		}
		if all := Proofs(tree); !equalProofs(all[v.index], want) {
			t.Errorf("Proofs(%d)[%d] = %x, want %x", v.size, v.index, all[v.index], want)
		}
		if err := VerifyInclusion(v.index, v.size, leaves[v.index], roots[v.size], want); err != nil {
			t.Errorf("VerifyInclusion(%d of %d) with the published proof: %v", v.index, v.size, err)
		}
	}
}

func equalProofs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func randomLeaves(rng *rand.Rand, n int) [][]byte {
	leaves := make([][]byte, n)
	for i := range leaves {
		d := make([]byte, 32*(1+rng.IntN(4)))
		for j := range d {
			d[j] = byte(rng.Uint32())
		}
		leaves[i] = LeafHash(d)
	}
	return leaves
}

func TestEveryProofVerifiesAndTamperingIsDetected(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 100, 257} {
		leaves := randomLeaves(rng, n)
		root := Root(leaves)
		proofs := Proofs(leaves)
		if len(proofs) != n {
			t.Fatalf("n=%d: got %d proofs", n, len(proofs))
		}
		for i, p := range proofs {
			idx, size := uint64(i), uint64(n)
			if err := VerifyInclusion(idx, size, leaves[i], root, p); err != nil {
				t.Fatalf("n=%d leaf %d: genuine proof rejected: %v", n, i, err)
			}
			single, err := Proof(leaves, idx)
			if err != nil || !equalProofs(single, p) {
				t.Fatalf("n=%d leaf %d: Proof and Proofs disagree (%v)", n, i, err)
			}
			other := leaves[(i+1)%n]
			if n > 1 {
				if err := VerifyInclusion(idx, size, other, root, p); !errors.Is(err, ErrRootMismatch) {
					t.Fatalf("n=%d leaf %d: another leaf's hash accepted: %v", n, i, err)
				}
			}
			if len(p) > 0 {
				tampered := clone(p)
				k := rng.IntN(len(tampered))
				tampered[k][rng.IntN(HashSize)] ^= 1 << rng.IntN(8)
				if err := VerifyInclusion(idx, size, leaves[i], root, tampered); !errors.Is(err, ErrRootMismatch) {
					t.Fatalf("n=%d leaf %d: tampered proof accepted: %v", n, i, err)
				}
				if err := VerifyInclusion(idx, size, leaves[i], root, p[:len(p)-1]); err == nil {
					t.Fatalf("n=%d leaf %d: truncated proof accepted", n, i)
				}
			}
		}
	}
}

func clone(p [][]byte) [][]byte {
	out := make([][]byte, len(p))
	for i, h := range p {
		out[i] = append([]byte(nil), h...)
	}
	return out
}

func TestVerifyInclusionRejectsMalformedInput(t *testing.T) {
	leaves := referenceLeafHashes()
	root := Root(leaves)
	good, err := Proof(leaves, 3)
	if err != nil {
		t.Fatal(err)
	}
	short := clone(good)
	short[1] = short[1][:31]
	tests := []struct {
		name        string
		index, size uint64
		leaf, root  []byte
		proof       [][]byte
	}{
		{"index beyond size", 8, 8, leaves[3], root, good},
		{"empty tree", 0, 0, leaves[3], root, nil},
		{"short leaf hash", 3, 8, leaves[3][:31], root, good},
		{"short root", 3, 8, leaves[3], root[:31], good},
		{"short proof hash", 3, 8, leaves[3], root, short},
		{"extra proof hash", 3, 8, leaves[3], root, append(clone(good), leaves[0])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyInclusion(tc.index, tc.size, tc.leaf, tc.root, tc.proof)
			if err == nil {
				t.Fatal("accepted")
			}
			if errors.Is(err, ErrRootMismatch) {
				t.Fatalf("malformed input reported as a root mismatch: %v", err)
			}
		})
	}
}

func TestProofRejectsIndexOutOfRange(t *testing.T) {
	if _, err := Proof(referenceLeafHashes(), 8); err == nil {
		t.Fatal("Proof accepted index 8 in a tree of 8 leaves")
	}
	if _, err := Proof(nil, 0); err == nil {
		t.Fatal("Proof accepted an empty tree")
	}
}

// FuzzVerifyInclusion feeds arbitrary (untrusted) proofs to VerifyInclusion:
// it must never panic, and must accept a proof only when recomputing the
// root along it gives the expected root, which for a tree built here means
// only the genuine proof of the genuine leaf.
func FuzzVerifyInclusion(f *testing.F) {
	f.Add(uint64(0), uint64(1), []byte{}, []byte{}, []byte{})
	f.Add(uint64(3), uint64(8), bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 96))
	f.Add(uint64(1<<63), uint64(1<<64-1), bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 64*32))
	f.Add(uint64(5), uint64(6), bytes.Repeat([]byte{1}, 31), bytes.Repeat([]byte{2}, 33), []byte{4, 5})
	f.Fuzz(func(t *testing.T, index, size uint64, leafHash, root, proofBytes []byte) {
		var path [][]byte
		for len(proofBytes) > 0 {
			n := min(HashSize, len(proofBytes))
			path = append(path, proofBytes[:n])
			proofBytes = proofBytes[n:]
		}
		_ = VerifyInclusion(index, size, leafHash, root, path)

		// A small tree whose shape comes from the fuzzer: the fuzzed proof
		// must be accepted exactly when it is the genuine one.
		n := int(size%64) + 1
		leaves := make([][]byte, n)
		for i := range leaves {
			leaves[i] = LeafHash([]byte{byte(i), byte(n)})
		}
		i := index % uint64(n)
		genuine, err := Proof(leaves, i)
		if err != nil {
			t.Fatal(err)
		}
		treeRoot := Root(leaves)
		accepted := VerifyInclusion(i, uint64(n), leaves[i], treeRoot, path) == nil
		if isGenuine := equalProofs(path, genuine); accepted != isGenuine {
			t.Fatalf("leaf %d of %d: fuzzed proof accepted=%v but genuine=%v", i, n, accepted, isGenuine)
		}
	})
}

func BenchmarkProofs(b *testing.B) {
	leaves := randomLeaves(rand.New(rand.NewPCG(3, 4)), 50_000)
	b.ResetTimer()
	for range b.N {
		Proofs(leaves)
	}
}
