package issuer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/sceau/sceau/credential"
)

// A batch file holds the credentials of one anchored batch, one bundle a
// line (JSON Lines), in the order of their leaves in the batch's Merkle
// tree: what `sceau issue` writes into --out by default, one
// <batch id>.jsonl per batch, so that a session of 700 000 credentials is
// some 1 400 files, not a million. Each line is a whole bundle, the same
// members as `<uuid>.json` on one line: `sceau export` writes chosen ones
// out as single files, with their QR image or PDF certificate if asked.

// BatchFileExt is the extension of batch files.
const BatchFileExt = ".jsonl"

// BatchFileName is the file name of a batch file in --out.
func BatchFileName(batchID string) string { return batchID + BatchFileExt }

// BundleFileName is the file name of a credential's bundle in --out: its
// UUID (the id without "urn:uuid:", which is not a portable file name) + ".json".
func BundleFileName(credentialID string) string {
	return strings.TrimPrefix(credentialID, "urn:uuid:") + ".json"
}

// encodeBatch returns the batch file of bundles.
func encodeBatch(bundles []*credential.Bundle) []byte {
	return appendBatch(nil, bundles)
}

// appendBatch appends the batch file of bundles to dst: the save stage
// encodes every chunk into the same buffer, some 4 MB a chunk of 500 not
// allocated (and zeroed, and collected) again each time.
func appendBatch(dst []byte, bundles []*credential.Bundle) []byte {
	size := 0
	for _, b := range bundles {
		size += len(b.VCJWT) + len(b.SDJWT) + len(b.QR) + 1024
	}
	out := slices.Grow(dst, size)
	for _, b := range bundles {
		out = b.AppendCompact(out)
		out = append(out, '\n')
	}
	return out
}

// ReadBatchFile calls fn with each bundle of the batch file at path, in
// order, and its line as the file holds it (valid during the call only). A
// line that is not a bundle, or a last line cut short, is an error naming
// the line; an error of fn stops the reading and is returned as it is.
func ReadBatchFile(path string, fn func(b *credential.Bundle, line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, credential.MaxBundleSize+1)
	for n := 1; ; n++ {
		line, err := readLine(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s, line %d: %w", path, n, err)
		}
		b, err := credential.ParseBundle(line)
		if err != nil {
			return fmt.Errorf("%s, line %d: %w", path, n, err)
		}
		if err := fn(b, line); err != nil {
			return err
		}
	}
}

// readLine returns the next line of r without its line break; io.EOF at
// the end; an error for a line longer than a bundle may be, or one that
// the end of the file cuts short.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > credential.MaxBundleSize {
		return nil, fmt.Errorf("longer than the %d bytes a bundle may have", credential.MaxBundleSize)
	}
	if errors.Is(err, io.EOF) {
		if len(line) == 0 {
			return nil, io.EOF
		}
		return nil, errors.New("the file ends in the middle of this line (an interrupted write?)")
	}
	if err != nil {
		return nil, err
	}
	return line[:len(line)-1], nil
}
