package issuer

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/sceau/sceau/certificate"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// output writes a run's files into --out: one bundle (and its PNG, PDF) per
// credential, manifest.csv and rejects.csv. Bundles and images are written
// with renames, so no half-written file is ever seen; manifest.csv and
// rejects.csv are assembled aside and moved in last, after a sync.
type output struct {
	dir string
	png bool
	// certificates prints the PDF certificates; nil without --pdf.
	certificates *certificate.Renderer

	manifest *pendingCSV
	// rejects is nil when the input has no bad row.
	rejects *pendingCSV
	// fsMu makes the workers of writeChunk create their files one at a time.
	fsMu sync.Mutex
	// register, when set, makes manifest.csv cumulative (manifest.go).
	register *register.Register
}

// The CSV files of a run, in --out.
const (
	manifestName = "manifest.csv"
	rejectsName  = "rejects.csv"
)

// newOutput returns the output of a run into dir; with pdf, it prepares
// the printing of certificates naming the issuer issuerName, once for the
// whole run.
func newOutput(dir string, png, pdf bool, issuerName string) (*output, error) {
	o := &output{dir: dir, png: png}
	if pdf {
		var err error
		if o.certificates, err = certificate.NewRenderer(certificate.Options{IssuerName: issuerName}); err != nil {
			return nil, fmt.Errorf("preparing the PDF certificates: %w", err)
		}
	}
	return o, nil
}

// begin starts manifest.csv and, when the input has bad rows, rejects.csv,
// after removing the temporary files a killed run may have left.
func (o *output) begin(withRejects bool) error {
	if err := o.removeLeftovers(); err != nil {
		return err
	}
	var err error
	o.manifest, err = newPendingCSV(o.dir, manifestName, manifestHeader)
	if err != nil {
		return err
	}
	if withRejects {
		o.rejects, err = newPendingCSV(o.dir, rejectsName, []string{"line", "column", "reason"})
	}
	return err
}

// removeLeftovers removes the temporary files of an interrupted run: the
// hidden ".<name>.tmp-*" files this package writes before renaming them.
func (o *output) removeLeftovers() error {
	for _, pattern := range []string{".*.json.tmp-*", ".*.png.tmp-*", ".*.pdf.tmp-*", ".manifest.csv.tmp-*", ".rejects.csv.tmp-*"} {
		matches, err := filepath.Glob(filepath.Join(o.dir, pattern))
		if err != nil {
			return err
		}
		for _, m := range matches {
			if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("removing %s, left by an interrupted run: %w", m, err)
			}
		}
	}
	return nil
}

// abort removes the unfinished files (a no-op after commit).
func (o *output) abort() {
	o.manifest.abort()
	o.rejects.abort()
}

// commit flushes every bundle and image to disk, then moves rejects.csv
// and manifest.csv into place: a manifest in --out means every file it
// lists is there. batches are those the run wrote. One file-system sync for the whole run: an fsync per file
// would cost more than signing, and a crash before it loses nothing, as
// re-running rewrites every chunk's files from the resume state.
func (o *output) commit(batches []string) error {
	if err := fsutil.SyncFS(o.dir); err != nil {
		return err
	}
	if err := o.rejects.commit(); err != nil {
		return err
	}
	if err := o.carryManifest(batches); err != nil {
		return err
	}
	if err := o.manifest.commit(); err != nil {
		return err
	}
	return fsutil.SyncDir(o.dir)
}

// writeReject adds a bad row to rejects.csv: its line, columns and why.
func (o *output) writeReject(r *schemas.RowError) error {
	if o.rejects == nil {
		return fmt.Errorf("line %d is invalid but pass 1 found no invalid row: was the input changed during the run?", r.Line)
	}
	var cols []string
	for _, p := range r.Problems {
		if p.Column != "" {
			cols = append(cols, p.Column)
		}
	}
	return o.rejects.write([]string{strconv.Itoa(r.Line), strings.Join(cols, "|"), r.Error()})
}

// pendingCSV is a CSV file written under a temporary name and renamed to
// its name on commit.
type pendingCSV struct {
	name string
	path string
	tmp  *os.File
	buf  *bufio.Writer
	w    *csv.Writer
}

func newPendingCSV(dir, name string, header []string) (*pendingCSV, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", name, err)
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	p := &pendingCSV{name: name, path: filepath.Join(dir, name), tmp: f, buf: buf, w: csv.NewWriter(buf)}
	if err := p.write(header); err != nil {
		p.abort()
		return nil, err
	}
	return p, nil
}

func (p *pendingCSV) write(record []string) error {
	if err := p.w.Write(record); err != nil {
		return fmt.Errorf("writing %s: %w", p.name, err)
	}
	return nil
}

// abort removes the temporary file; it is a no-op on nil or after commit.
func (p *pendingCSV) abort() {
	if p == nil || p.tmp == nil {
		return
	}
	p.tmp.Close()
	os.Remove(p.tmp.Name())
	p.tmp = nil
}

// commit flushes and syncs the file, and renames it to its name. It is a
// no-op on nil.
func (p *pendingCSV) commit() error {
	if p == nil {
		return nil
	}
	p.w.Flush()
	err := p.w.Error()
	if err == nil {
		err = p.buf.Flush()
	}
	if err == nil {
		err = p.tmp.Sync()
	}
	if err == nil {
		err = p.tmp.Close()
	}
	if err == nil {
		err = os.Rename(p.tmp.Name(), p.path)
	}
	if err != nil {
		p.abort()
		return fmt.Errorf("writing %s: %w", p.name, err)
	}
	p.tmp = nil
	return nil
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
	// No more writers than cores: creating files in one folder contends
	// on its lock, and more writers burn more CPU for it.
	if err := forEach(ctx, len(c.Credentials), workers, func(i int) {
		errs[i] = o.writeCredential(c, i, proofs[i])
	}); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("writing credential of line %d: %w", c.Credentials[i].Line, err)
		}
	}
	for _, cr := range c.Credentials {
		if err := o.manifest.write([]string{cr.ID, cr.StudentID, c.Type, strconv.Itoa(c.No), c.BatchID, "anchored"}); err != nil {
			return err
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
	base := filepath.Join(o.dir, strings.TrimSuffix(BundleFileName(cr.ID), ".json"))
	files := []pendingFile{{base + ".json", append(b.MarshalIndented(), '\n')}}
	if o.png {
		img, err := qrcode.EncodePNG(cr.Forms.QR)
		if err != nil {
			return err
		}
		files = append(files, pendingFile{base + ".png", img})
	}
	if o.certificates != nil {
		// The credential is read back from its own QR form, which this run signed.
		qr, err := credential.ParseQR(cr.Forms.QR)
		if err != nil {
			return err
		}
		doc, err := o.certificates.Render(qr.Credential, cr.Forms.QR)
		if err != nil {
			return fmt.Errorf("printing the PDF certificate: %w", err)
		}
		files = append(files, pendingFile{base + ".pdf", doc})
	}
	// Encoding runs on every worker; creating the files, one worker at a
	// time (see fsutil.WriteFileRenamed).
	o.fsMu.Lock()
	defer o.fsMu.Unlock()
	for _, f := range files {
		if err := fsutil.WriteFileRenamed(f.path, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// pendingFile is a file of --out, encoded and about to be written.
type pendingFile struct {
	path string
	data []byte
}
