package issuer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// output writes a run's files into --out: one bundle (and its PNG, PDF) per
// credential, manifest.csv and rejects.csv. Every file is written atomically;
// the manifest is assembled aside and moved in last.
type output struct {
	dir      string
	png, pdf bool

	manifestTmp *os.File
	manifest    *csv.Writer
}

func newOutput(dir string, png, pdf bool) *output { return &output{dir: dir, png: png, pdf: pdf} }

func (o *output) begin() error {
	f, err := os.CreateTemp(o.dir, ".manifest.csv.tmp-*")
	if err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	o.manifestTmp = f
	o.manifest = csv.NewWriter(f)
	return o.manifest.Write([]string{"credential_id", "student_id", "type", "chunk", "batch", "status"})
}

// abort removes the unfinished manifest (a no-op after commit).
func (o *output) abort() {
	if o.manifestTmp != nil {
		o.manifestTmp.Close()
		os.Remove(o.manifestTmp.Name())
	}
}

func (o *output) commit() error {
	o.manifest.Flush()
	if err := o.manifest.Error(); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	if err := o.manifestTmp.Sync(); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	if err := o.manifestTmp.Close(); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	if err := os.Rename(o.manifestTmp.Name(), filepath.Join(o.dir, "manifest.csv")); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	o.manifestTmp = nil
	return fsutil.SyncDir(o.dir)
}

// BundleFileName is the file name of a credential's bundle in --out: its
// UUID (the id without "urn:uuid:", which is not a portable file name) + ".json".
func BundleFileName(credentialID string) string {
	return strings.TrimPrefix(credentialID, "urn:uuid:") + ".json"
}

// writeChunk writes the bundles and images of an anchored chunk.
func (o *output) writeChunk(ctx context.Context, c *chunk, workers int) error {
	leaves := c.leaves()
	proofs, err := merkleProofs(leaves)
	if err != nil {
		return err
	}
	errs := make([]error, len(c.Credentials))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = o.writeCredential(c, i, proofs[i])
			}
		}()
	}
	for i := range c.Credentials {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("writing credential of line %d: %w", c.Credentials[i].Line, err)
		}
	}
	// One flush for the whole chunk: an fsync per file would cost more than
	// signing. A crash before it loses nothing: re-running rewrites every
	// chunk's files from the resume state.
	if err := fsutil.SyncFS(o.dir); err != nil {
		return err
	}
	for _, cr := range c.Credentials {
		if err := o.manifest.Write([]string{cr.ID, cr.StudentID, c.Type, strconv.Itoa(c.No), c.BatchID, "anchored"}); err != nil {
			return fmt.Errorf("writing the manifest: %w", err)
		}
	}
	return nil
}

func (o *output) writeCredential(c *chunk, i int, proof []string) error {
	cr := c.Credentials[i]
	b := credential.Bundle{
		ID:     cr.ID,
		Type:   c.Type,
		Issuer: cr.Forms.Issuer,
		VCJWT:  cr.Forms.VCJWT,
		SDJWT:  cr.Forms.SDJWT,
		QR:     cr.Forms.QR,
		Anchor: credential.Anchor{Batch: c.BatchID, Root: c.Root, Index: i, Proof: proof},
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(BundleFileName(cr.ID), ".json")
	if err := fsutil.WriteFileRenamed(filepath.Join(o.dir, base+".json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if o.png {
		img, err := qrcode.EncodePNG(cr.Forms.QR)
		if err != nil {
			return err
		}
		if err := fsutil.WriteFileRenamed(filepath.Join(o.dir, base+".png"), img, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeRejects writes rejects.csv: the line of each bad row and why.
func (o *output) writeRejects(bad []*schemas.RowError) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"line", "column", "reason"})
	for _, r := range bad {
		var cols []string
		for _, p := range r.Problems {
			if p.Column != "" {
				cols = append(cols, p.Column)
			}
		}
		w.Write([]string{strconv.Itoa(r.Line), strings.Join(cols, "|"), r.Error()})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(o.dir, "rejects.csv"), []byte(b.String()), 0o644)
}
