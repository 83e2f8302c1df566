package issuer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/sceau/sceau/issuer/register"
)

// manifest.csv is cumulative: a run into a folder that already holds one
// keeps its rows, first, with each credential's status as the register
// knows it now (a credential this run replaced reads superseded), and adds
// its own. The rows of the batches this run wrote again (a resumed input)
// are not repeated.

// manifestHeader is the header of manifest.csv.
var manifestHeader = []string{"credential_id", "student_id", "type", "chunk", "batch", "status"}

// keepManifestRows makes the run's manifest cumulative (see above), with
// statuses read from reg.
func (o *output) keepManifestRows(reg *register.Register) { o.register = reg }

// carryManifest returns the manifest to move in: own, the run's, or, when
// the folder already holds one, a new one with its rows first, but those
// of the run's batches. It is called at commit, before the manifest is
// moved in.
func (o *output) carryManifest(own *pendingCSV, batches []string) (*pendingCSV, error) {
	if o.register == nil {
		return own, nil
	}
	old, err := os.Open(own.path)
	if errors.Is(err, os.ErrNotExist) {
		return own, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the earlier %s: %w", manifestName, err)
	}
	defer old.Close()
	merged, err := newPendingCSV(o.dir, manifestName, manifestHeader)
	if err != nil {
		return nil, err
	}
	if err := o.copyEarlierRows(merged, old, batches); err != nil {
		merged.abort()
		return nil, fmt.Errorf("%s, already in %s: %w (move it away to start a new one)", manifestName, o.dir, err)
	}
	if err := copyOwnRows(merged, own); err != nil {
		merged.abort()
		return nil, err
	}
	own.abort()
	return merged, nil
}

// copyEarlierRows copies the rows of an earlier manifest into merged,
// but those of batches, with their statuses refreshed from the register.
func (o *output) copyEarlierRows(merged *pendingCSV, old io.Reader, batches []string) error {
	r := csv.NewReader(old)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil || !slices.Equal(header, manifestHeader) {
		return errors.New("its header is not a manifest's")
	}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(row) != len(manifestHeader) {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("line %d has %d fields", line, len(row))
		}
		if slices.Contains(batches, row[4]) {
			continue
		}
		e, err := o.register.ByID(row[0])
		switch {
		case err == nil:
			row[5] = string(e.Status)
		case !errors.Is(err, register.ErrNotFound):
			return err
		}
		if err := merged.write(row); err != nil {
			return err
		}
	}
}

// copyOwnRows copies the rows the run wrote into own into merged.
func copyOwnRows(merged, own *pendingCSV) error {
	own.w.Flush()
	if err := own.w.Error(); err != nil {
		return fmt.Errorf("writing %s: %w", manifestName, err)
	}
	if err := own.buf.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", manifestName, err)
	}
	f, err := os.Open(own.tmp.Name())
	if err != nil {
		return fmt.Errorf("writing %s: %w", manifestName, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // the header
		return fmt.Errorf("writing %s: %w", manifestName, err)
	}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", manifestName, err)
		}
		if err := merged.write(row); err != nil {
			return err
		}
	}
}
