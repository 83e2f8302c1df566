package issuer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/schemas"
)

// TestScanInputAhead checks that pass 1's reader hands every row over in
// order, stops at the first error of fn, and that fn sees every row read
// before a reading error, which it then returns.
func TestScanInputAhead(t *testing.T) {
	const rows = 3*readAhead + 17
	var csv bytes.Buffer
	if err := WriteSyntheticCSV(&csv, schemas.TypePixCertification, rows, CSVDialect{Delimiter: ';'}, 1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) IssueOptions {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return IssueOptions{Type: schemas.TypePixCertification, Input: path}
	}
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("every row, in order", func(t *testing.T) {
		lines := []int{}
		_, err := scanInputAhead(ctx, write("ok.csv", csv.Bytes()), validator, func(row *schemas.Row) error {
			if row.Err != nil {
				t.Errorf("line %d: %v", row.Line, row.Err)
			}
			lines = append(lines, row.Line)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != rows || lines[0] != 2 || lines[rows-1] != rows+1 {
			t.Fatalf("fn saw %d rows, lines %d to %d; want %d, lines 2 to %d", len(lines), lines[0], lines[len(lines)-1], rows, rows+1)
		}
		for i := 1; i < len(lines); i++ {
			if lines[i] != lines[i-1]+1 {
				t.Fatalf("line %d after line %d", lines[i], lines[i-1])
			}
		}
	})

	t.Run("fn's error stops it", func(t *testing.T) {
		stop := errors.New("stop")
		seen := 0
		_, err := scanInputAhead(ctx, write("ok.csv", csv.Bytes()), validator, func(row *schemas.Row) error {
			if seen++; row.Line == readAhead+5 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || seen != readAhead+4 {
			t.Fatalf("error %v after %d rows, want fn's after %d", err, seen, readAhead+4)
		}
	})

	t.Run("a reading error after the rows before it", func(t *testing.T) {
		// A quote left open runs the last record over the reader's limit.
		broken := append(bytes.Clone(csv.Bytes()), []byte(`"`+strings.Repeat("x", 3<<20))...)
		seen := 0
		_, err := scanInputAhead(ctx, write("broken.csv", broken), validator, func(*schemas.Row) error {
			seen++
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "quote left open") || seen != rows {
			t.Fatalf("error %v after %d rows, want the open quote after all %d", err, seen, rows)
		}
	})
}
