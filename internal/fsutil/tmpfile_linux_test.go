package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileLinked checks the nameless-file path WriteFileRenamed takes
// on Linux: the file appears whole under its name with the mode asked
// (less the umask), nothing else is left in the folder, and a name already
// taken is left to the rename path.
func TestWriteFileLinked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credential.png")
	linked, err := writeFileLinked(path, []byte("first"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if !linked {
		t.Skip("this file system has no O_TMPFILE: WriteFileRenamed renames a temporary file")
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "first" {
		t.Fatalf("read %q, %v; want %q", got, err, "first")
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm()&0o600 != 0o600 || info.Mode().Perm()&0o022 != 0 {
		t.Errorf("mode %v, %v: want owner read-write, no group or other write", info.Mode(), err)
	}
	linked, err = writeFileLinked(path, []byte("second"), 0o644)
	if linked || err != nil {
		t.Fatalf("a taken name: linked %v, %v; want it left to the rename", linked, err)
	}
	if err := WriteFileRenamed(path, []byte("second"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "second" {
		t.Errorf("written again: %q, want %q", got, "second")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %v, want the file only", entries)
	}
}
