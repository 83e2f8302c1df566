// Package merkle computes and verifies RFC 6962 (RFC 9162) Merkle trees over
// anchored credentials: one leaf per credential, whose data is the
// concatenation of the raw SHA-256 digests of its secured forms.
//
// It is a thin layer over github.com/transparency-dev/merkle: the RFC 6962
// SHA-256 hasher, compact ranges to build a tree in one pass, and the proof
// package to build and check inclusion proofs.
//
// Imports: nothing of Sceau.
package merkle

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// HashSize is the size in bytes of every hash of the tree (SHA-256).
const HashSize = 32

// ErrRootMismatch is wrapped by VerifyInclusion when a well-formed proof
// leads to a root other than the expected one.
var ErrRootMismatch = errors.New("inclusion proof does not lead to the expected root")

var hasher = rfc6962.DefaultHasher

// LeafData returns the data of one credential's leaf: its raw digests,
// concatenated in the order given.
func LeafData(digests [][]byte) []byte {
	size := 0
	for _, d := range digests {
		size += len(d)
	}
	data := make([]byte, 0, size)
	for _, d := range digests {
		data = append(data, d...)
	}
	return data
}

// LeafHash returns the RFC 6962 leaf hash of data: SHA-256(0x00 || data).
func LeafHash(data []byte) []byte {
	return hasher.HashLeaf(data)
}

// Root returns the RFC 6962 Merkle tree hash over leafHashes (outputs of
// LeafHash), in order. The root of an empty tree is SHA-256 of nothing.
func Root(leafHashes [][]byte) []byte {
	if len(leafHashes) == 0 {
		return hasher.EmptyRoot()
	}
	r := newRange()
	for _, h := range leafHashes {
		// Appending to a range that starts at 0 cannot fail.
		_ = r.Append(h, nil)
	}
	root, _ := r.GetRootHash(nil)
	return root
}

// RFC 6962 domain separation prefixes of leaf and interior node hashes.
const (
	leafPrefix     = 0
	interiorPrefix = 1
)

// RootBuilder computes the root of a tree one leaf at a time, as Root over
// LeafHash(LeafData(digests)) of each leaf, with one SHA-256 state reused
// for every hash: thousands of leaves cost no hasher nor leaf buffer each.
// It is not safe for concurrent use.
type RootBuilder struct {
	sha    hash.Hash
	prefix [1]byte
	leaves *compact.Range
	count  int
}

// NewRootBuilder returns a builder of an empty tree.
func NewRootBuilder() *RootBuilder {
	b := &RootBuilder{sha: sha256.New()}
	b.leaves = (&compact.RangeFactory{Hash: b.hashChildren}).NewEmptyRange(0)
	return b
}

// AppendLeaf appends the leaf of one credential, whose data is the
// concatenation of its raw digests (see LeafData).
func (b *RootBuilder) AppendLeaf(digests ...[]byte) {
	b.sha.Reset()
	b.prefix[0] = leafPrefix
	b.sha.Write(b.prefix[:])
	for _, d := range digests {
		b.sha.Write(d)
	}
	// Appending to a range that starts at 0 cannot fail.
	_ = b.leaves.Append(b.sha.Sum(nil), nil)
	b.count++
}

// Root returns the root of the leaves appended so far: SHA-256 of nothing
// for none.
func (b *RootBuilder) Root() []byte {
	if b.count == 0 {
		return hasher.EmptyRoot()
	}
	root, _ := b.leaves.GetRootHash(nil)
	return root
}

// hashChildren is the RFC 6962 hash of an interior node.
func (b *RootBuilder) hashChildren(left, right []byte) []byte {
	b.sha.Reset()
	b.prefix[0] = interiorPrefix
	b.sha.Write(b.prefix[:])
	b.sha.Write(left)
	b.sha.Write(right)
	return b.sha.Sum(nil)
}

// Proofs returns the inclusion proof of every leaf of the tree over
// leafHashes, in leaf order. It hashes every node of the tree once and then
// assembles each proof in O(log n), so the whole batch costs O(n log n).
func Proofs(leafHashes [][]byte) [][][]byte {
	t := buildTree(leafHashes)
	proofs := make([][][]byte, len(leafHashes))
	for i := range leafHashes {
		// An index below the tree size always has a proof.
		proofs[i], _ = t.proof(uint64(i))
	}
	return proofs
}

// Proof returns the inclusion proof of leaf index in the tree over leafHashes.
func Proof(leafHashes [][]byte, index uint64) ([][]byte, error) {
	if index >= uint64(len(leafHashes)) {
		return nil, fmt.Errorf("leaf index %d out of range for a tree of %d leaves", index, len(leafHashes))
	}
	return buildTree(leafHashes).proof(index)
}

// VerifyInclusion checks that proof shows the leaf with hash leafHash at
// position index in the tree of size leaves whose root is root. It wraps
// ErrRootMismatch when the proof is well formed but leads elsewhere.
func VerifyInclusion(index, size uint64, leafHash, root []byte, proof [][]byte) error {
	if index >= size {
		return fmt.Errorf("leaf index %d out of range for a tree of %d leaves", index, size)
	}
	if len(leafHash) != HashSize {
		return fmt.Errorf("leaf hash is %d bytes, want %d", len(leafHash), HashSize)
	}
	if len(root) != HashSize {
		return fmt.Errorf("root is %d bytes, want %d", len(root), HashSize)
	}
	for i, h := range proof {
		if len(h) != HashSize {
			return fmt.Errorf("proof hash %d is %d bytes, want %d", i, len(h), HashSize)
		}
	}
	return verify(index, size, leafHash, root, proof)
}

func verify(index, size uint64, leafHash, root []byte, path [][]byte) error {
	err := proof.VerifyInclusion(hasher, index, size, leafHash, path, root)
	var mismatch proof.RootMismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mismatch):
		return fmt.Errorf("leaf %d of %d: %w", index, size, ErrRootMismatch)
	default:
		return fmt.Errorf("leaf %d of %d: malformed inclusion proof: %w", index, size, err)
	}
}

func newRange() *compact.Range {
	factory := &compact.RangeFactory{Hash: hasher.HashChildren}
	return factory.NewEmptyRange(0)
}

// tree holds the hash of every perfect subtree of a Merkle tree:
// levels[l][i] is the node at level l (0 for leaves) and horizontal index i.
type tree struct {
	size   uint64
	levels [][][]byte
}

func buildTree(leafHashes [][]byte) *tree {
	t := &tree{size: uint64(len(leafHashes))}
	r := newRange()
	store := func(id compact.NodeID, hash []byte) {
		for uint(len(t.levels)) <= id.Level {
			t.levels = append(t.levels, nil)
		}
		t.levels[id.Level] = append(t.levels[id.Level], hash)
	}
	for _, h := range leafHashes {
		// Nodes are visited in increasing index order on each level, so
		// appending keeps levels[l][i] at position i.
		_ = r.Append(h, store)
	}
	return t
}

func (t *tree) proof(index uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, t.size)
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		if int(id.Level) >= len(t.levels) || id.Index >= uint64(len(t.levels[id.Level])) {
			return nil, fmt.Errorf("node %d at level %d is missing from a tree of %d leaves", id.Index, id.Level, t.size)
		}
		hashes[i] = t.levels[id.Level][id.Index]
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}
