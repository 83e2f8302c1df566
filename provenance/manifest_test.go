package provenance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// writeTree creates files (path → content) under dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBuildManifestFormat(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"cours.md":             "# Fractions\n",
		"exercices/serie1.pdf": "%PDF-1.7 série 1",
		"exercices/Serie2.pdf": "%PDF-1.7 série 2",
		".notes":               "hidden but content",
	})
	if err := os.MkdirAll(filepath.Join(dir, "vide", "encore"), 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := BuildManifest(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "sceau-resource-manifest-v1\n" +
		sha("hidden but content") + "  .notes\n" +
		sha("# Fractions\n") + "  cours.md\n" +
		sha("%PDF-1.7 série 2") + "  exercices/Serie2.pdf\n" +
		sha("%PDF-1.7 série 1") + "  exercices/serie1.pdf\n"
	if got := string(m.Bytes()); got != want {
		t.Fatalf("manifest:\n%s\nwant:\n%s", got, want)
	}
	if m.Digest() != sha(want) {
		t.Errorf("digest %s, want the SHA-256 of the manifest %s", m.Digest(), sha(want))
	}
	if d, ok := m.Lookup("cours.md"); !ok || d != sha("# Fractions\n") {
		t.Errorf("Lookup(cours.md) = %s, %v", d, ok)
	}
	c, err := Hash(context.Background(), dir)
	if err != nil || c.Digest != m.Digest() || c.Manifest == nil {
		t.Errorf("Hash(folder) = %+v, %v", c, err)
	}
	c, err = Hash(context.Background(), filepath.Join(dir, "cours.md"))
	if err != nil || c.Digest != sha("# Fractions\n") || c.Manifest != nil {
		t.Errorf("Hash(file) = %+v, %v; want the SHA-256 of its content", c, err)
	}
}

func TestFolderDigestIsStable(t *testing.T) {
	files := map[string]string{"a.txt": "A", "sous/b.txt": "B", "sous/dossier/c.txt": "C"}
	first := filepath.Join(t.TempDir(), "ressource")
	second := filepath.Join(t.TempDir(), "autre-nom")
	writeTree(t, first, files)
	// The same files written in another order, with an extra empty folder.
	for _, p := range []string{"sous/dossier/c.txt", "a.txt", "sous/b.txt"} {
		writeTree(t, second, map[string]string{p: files[p]})
	}
	if err := os.Mkdir(filepath.Join(second, "vide"), 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := BuildManifest(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildManifest(context.Background(), second)
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest() != b.Digest() {
		t.Errorf("same content, different digests: %s and %s", a.Digest(), b.Digest())
	}
	writeTree(t, second, map[string]string{"a.txt": "a"})
	if c, _ := BuildManifest(context.Background(), second); c.Digest() == a.Digest() {
		t.Error("changing a byte kept the digest")
	}
}

func TestBuildManifestNormalisesNamesToNFC(t *testing.T) {
	nfd := filepath.Join(t.TempDir(), "r")
	nfc := filepath.Join(t.TempDir(), "r")
	writeTree(t, nfd, map[string]string{"e\u0301le\u0300ves.txt": "x"}) // "élèves" decomposed
	writeTree(t, nfc, map[string]string{"\u00e9l\u00e8ves.txt": "x"})
	a, err := BuildManifest(context.Background(), nfd)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildManifest(context.Background(), nfc)
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest() != b.Digest() || a.Entries()[0].Path != "\u00e9l\u00e8ves.txt" {
		t.Errorf("NFD name gives %q (%s), NFC %q (%s)", a.Entries()[0].Path, a.Digest(), b.Entries()[0].Path, b.Digest())
	}
	writeTree(t, nfd, map[string]string{"\u00e9l\u00e8ves.txt": "y"})
	if _, err := BuildManifest(context.Background(), nfd); err == nil || !strings.Contains(err.Error(), "same name") {
		t.Errorf("two names equal in NFC: err = %v", err)
	}
}

func TestBuildManifestRefuses(t *testing.T) {
	t.Run("symbolic link", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"cours.md": "x"})
		if err := os.Symlink(filepath.Join(dir, "cours.md"), filepath.Join(dir, "lien.md")); err != nil {
			t.Skip("no symbolic links here:", err)
		}
		_, err := BuildManifest(context.Background(), dir)
		if err == nil || !strings.Contains(err.Error(), "lien.md is a symbolic link") {
			t.Errorf("err = %v, want the link named", err)
		}
	})
	t.Run("empty folder", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "vide"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := BuildManifest(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "no file") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("backslash in a name", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{`a\b.txt`: "x"})
		if _, err := BuildManifest(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "backslash") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"a": "x"})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := BuildManifest(ctx, dir); err == nil {
			t.Error("a cancelled walk succeeded")
		}
	})
}

func TestParseManifest(t *testing.T) {
	d1, d2 := sha("1"), sha("2")
	good := ManifestHeader + d1 + "  a/b.txt\n" + d2 + "  c.txt\n"
	m, err := ParseManifest([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Bytes()) != good || m.Len() != 2 {
		t.Errorf("round trip: %q", m.Bytes())
	}
	tests := []struct {
		name, in, want string
	}{
		{"no header", d1 + "  a\n", "line 1"},
		{"other version", "sceau-resource-manifest-v2\n" + d1 + "  a\n", "line 1"},
		{"no file", ManifestHeader, "no file"},
		{"no final newline", ManifestHeader + d1 + "  a", "newline"},
		{"one space", ManifestHeader + d1 + " a\n", "line 2"},
		{"uppercase digest", ManifestHeader + strings.ToUpper(d1) + "  a\n", "line 2"},
		{"short digest", ManifestHeader + d1[:10] + "  a\n", "line 2"},
		{"unsorted", ManifestHeader + d1 + "  b\n" + d2 + "  a\n", "line 3"},
		{"duplicate", ManifestHeader + d1 + "  a\n" + d2 + "  a\n", "line 3"},
		{"absolute path", ManifestHeader + d1 + "  /etc/passwd\n", "absolute"},
		{"dot dot", ManifestHeader + d1 + "  a/../b\n", `".."`},
		{"dot", ManifestHeader + d1 + "  ./b\n", `"."`},
		{"empty path", ManifestHeader + d1 + "  \n", "empty path"},
		{"blank line", ManifestHeader + d1 + "  a\n\n", "line 3"},
		{"CR", ManifestHeader + d1 + "  a\r\n", "control"},
		{"NFD path", ManifestHeader + d1 + "  e\u0301\n", "NFC"},
		{"invalid UTF-8", ManifestHeader + d1 + "  \xff\n", "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestDiffNamesChangedFiles(t *testing.T) {
	older, err := NewManifest([]Entry{{"cours.md", sha("v1")}, {"exos/1.pdf", sha("e1")}, {"exos/2.pdf", sha("e2")}, {"vieux.txt", sha("old")}})
	if err != nil {
		t.Fatal(err)
	}
	newer, err := NewManifest([]Entry{{"cours.md", sha("v2")}, {"exos/1.pdf", sha("e1")}, {"exos/2.pdf", sha("e2")}, {"exos/3.pdf", sha("e3")}})
	if err != nil {
		t.Fatal(err)
	}
	c := Diff(older, newer)
	if !slices.Equal(c.Modified, []string{"cours.md"}) || !slices.Equal(c.Added, []string{"exos/3.pdf"}) || !slices.Equal(c.Removed, []string{"vieux.txt"}) {
		t.Errorf("changes %+v", c)
	}
	if !Diff(older, older).Empty() {
		t.Error("a manifest differs from itself")
	}
	if similarity(older, newer) != 5 {
		t.Errorf("similarity %d, want 3 shared paths of which 2 identical = 5", similarity(older, newer))
	}
}

func TestNewManifestRefusesDuplicatesAndBadEntries(t *testing.T) {
	for name, entries := range map[string][]Entry{
		"none":       nil,
		"twice":      {{"a", sha("1")}, {"a", sha("2")}},
		"bad path":   {{"../a", sha("1")}},
		"bad digest": {{"a", "xyz"}},
	} {
		if _, err := NewManifest(entries); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseManifest feeds arbitrary bytes to the manifest parser: it must
// never panic, and what it accepts must be canonical: written back, it is
// byte for byte the input.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(ManifestHeader + sha("1") + "  a/b.txt\n" + sha("2") + "  c.txt\n"))
	f.Add([]byte(ManifestHeader + sha("1") + "  \u00e9l\u00e8ves/cours.md\n"))
	f.Add([]byte(ManifestHeader))
	f.Add([]byte(ManifestHeader + sha("1") + "  a\n" + sha("1") + "  a\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		if string(m.Bytes()) != string(data) {
			t.Fatalf("accepted a non-canonical manifest:\n%q\nwrites back as\n%q", data, m.Bytes())
		}
		again, err := NewManifest(m.Entries())
		if err != nil || again.Digest() != m.Digest() {
			t.Fatalf("entries of an accepted manifest do not rebuild it: %v", err)
		}
	})
}
