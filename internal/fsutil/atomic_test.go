package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWritersReplaceAndLeaveNoTemporary checks both writers: a second
// write replaces the first, the mode is as asked, no temporary file stays.
func TestWritersReplaceAndLeaveNoTemporary(t *testing.T) {
	for _, tc := range []struct {
		name      string
		write     func(path string, data []byte, perm os.FileMode) error
		perm      os.FileMode
		checkMode func(os.FileMode) bool
		wantMode  string
	}{
		// WriteFileAtomic sets the mode exactly (keys must be 0600).
		{"WriteFileAtomic", WriteFileAtomic, 0o600, func(m os.FileMode) bool { return m == 0o600 }, "600"},
		// WriteFileRenamed creates with perm less the umask, as os.WriteFile.
		{"WriteFileRenamed", WriteFileRenamed, 0o644, func(m os.FileMode) bool { return m&0o600 == 0o600 && m&0o022 == 0 }, "owner read-write, no group or other write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "file.json")
			for _, content := range []string{"first", "second, longer content"} {
				if err := tc.write(path, []byte(content), tc.perm); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(path)
				if err != nil || string(got) != content {
					t.Fatalf("read %q, %v; want %q", got, err, content)
				}
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); !tc.checkMode(perm) {
				t.Errorf("mode %o, want %s", perm, tc.wantMode)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the file: %v", len(entries), entries)
			}
		})
	}
}

func TestWriteFileAtomicMissingDirectory(t *testing.T) {
	err := WriteFileAtomic(filepath.Join(t.TempDir(), "absent", "f"), []byte("x"), 0o600)
	if err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func TestWriteFileRenamedThenSyncFS(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"a.json", "b.png"} {
		if err := WriteFileRenamed(filepath.Join(dir, name), []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := SyncFS(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %v, want the two files only", entries)
	}
	if err := WriteFileRenamed(filepath.Join(dir, "missing", "c"), nil, 0o644); err == nil {
		t.Error("want an error for a missing directory")
	}
}

func TestPlaceFileLinksOrCopiesWhole(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.jsonl")
	if err := os.WriteFile(src, []byte("line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(out, "b.jsonl")
	if err := os.WriteFile(dst, []byte("an older, other file"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // placing it again changes nothing
		if err := PlaceFile(src, dst, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if data, err := os.ReadFile(dst); err != nil || string(data) != "line\n" {
		t.Errorf("placed file holds %q, %v", data, err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("out holds %v, want the placed file only", entries)
	}
	if err := PlaceFile(filepath.Join(dir, "absent"), dst, 0o644); err == nil {
		t.Error("placing a missing file succeeded")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("a failed placement left %v", entries)
	}
}

// TestWriteFileRenamedRefusesToReplaceADirectory: with the rename system
// call alone (no lookup first), a directory where the file goes is still
// an error, and left as it was, with no temporary file beside it.
func TestWriteFileRenamedRefusesToReplaceADirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taken")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileRenamed(path, []byte("x"), 0o644); err == nil {
		t.Fatal("WriteFileRenamed replaced a directory")
	}
	if info, err := os.Stat(path); err != nil || !info.IsDir() {
		t.Errorf("the directory is gone: %v, %v", info, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %v, want the directory only", entries)
	}
}
