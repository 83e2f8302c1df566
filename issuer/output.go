package issuer

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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

// output writes a run's files into --out: a batch file per anchored chunk
// (batchfile.go), with IssueOptions.Bundles a bundle (and with PNG, PDF its
// QR image, certificate) per credential, then manifest.csv and, when rows
// were rejected, rejects.csv. Every file appears whole or not at all
// (fsutil.WriteFileRenamed: written nameless and linked, or under a
// temporary name and renamed), so no half-written file is ever seen;
// manifest.csv and rejects.csv are moved in last, after a sync: a manifest
// in --out means every file it lists is there.
type output struct {
	dir string
	// files writes the files of single credentials; nil without Bundles.
	files *credentialFiles
	// register, when set, makes manifest.csv cumulative (manifest.go).
	register *register.Register
	// rejects is the job's rejects.csv, moved in by commit ("" when no
	// row was rejected).
	rejects string
	// manifest is the run's manifest.csv, written as chunks are done
	// (openManifest, addChunk) and moved in by commit; batches and forms
	// are what it lists.
	manifest *pendingCSV
	batches  []string
	forms    int
}

// The CSV files of a run, in --out.
const (
	manifestName = "manifest.csv"
	rejectsName  = "rejects.csv"
)

// rejectsHeader is the columns of rejects.csv.
var rejectsHeader = []string{"line", "column", "reason"}

// newOutput returns the output of a run into dir; with opts.PDF, it
// prepares the printing of certificates naming the issuer issuerName, once
// for the whole run.
func newOutput(dir string, opts IssueOptions, issuerName string) (*output, error) {
	o := &output{dir: dir}
	if opts.Bundles {
		o.files = &credentialFiles{dir: dir, png: opts.PNG, publicURL: opts.PublicURL}
		if opts.PDF {
			var err error
			if o.files.certificates, err = certificate.NewRenderer(certificate.Options{IssuerName: issuerName, PublicURL: opts.PublicURL}); err != nil {
				return nil, fmt.Errorf("preparing the PDF certificates: %w", err)
			}
		}
	}
	return o, nil
}

// begin creates --out.
func (o *output) begin() error {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", o.dir, err)
	}
	return nil
}

// removeLeftovers removes the temporary files killed runs left in --out:
// the hidden ".<name>.tmp-*" files this package writes before renaming
// them. They are harmless (never read), and --out may hold millions of
// files: the folder is read once, at the end of a run, in slices.
func (o *output) removeLeftovers(keep string) error {
	d, err := os.Open(o.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(4096)
		for _, name := range names {
			if !strings.HasPrefix(name, ".") || !strings.Contains(name, ".tmp-") || name == keep {
				continue
			}
			if err := os.Remove(filepath.Join(o.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("removing %s, left by an interrupted run: %w", name, err)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", o.dir, err)
		}
	}
}

// writeChunk puts the files of an anchored chunk into --out: its batch
// file, linked from the job's, and the files of each credential if asked.
func (o *output) writeChunk(ctx context.Context, j *job, c *chunk, workers int) error {
	if err := fsutil.PlaceFile(j.batchPath(c.No), filepath.Join(o.dir, BatchFileName(c.BatchID)), 0o644); err != nil {
		return err
	}
	if o.files == nil {
		return nil
	}
	return o.files.writeAll(ctx, c.Bundles, workers)
}

// openManifest starts the run's manifest.csv with the chunks done by
// earlier runs of the job (1 to done), writing again the files of any
// whose batch file is not in --out (a run into another folder, or one
// that a crash cut before its files reached the disk). The write stage
// adds the run's own chunks with addChunk as they are done, so that the
// end of the run only moves the manifest in.
func (o *output) openManifest(ctx context.Context, j *job, done, workers int) error {
	manifest, err := newPendingCSV(o.dir, manifestName, manifestHeader)
	if err != nil {
		return err
	}
	o.manifest = manifest
	for no := 1; no <= done; no++ {
		rec, err := j.loadDone(no)
		if err != nil {
			return err
		}
		if err := o.ensureChunk(ctx, j, rec, workers); err != nil {
			return err
		}
		if err := o.addChunk(j, rec); err != nil {
			return err
		}
	}
	return nil
}

// addChunk lists a done chunk's credentials in the manifest.
func (o *output) addChunk(j *job, rec *doneRecord) error {
	chunkNo := strconv.Itoa(rec.No)
	for i, id := range rec.IDs {
		if err := o.manifest.write([]string{id, rec.Students[i], j.info.Type, chunkNo, rec.Batch, "anchored"}); err != nil {
			return err
		}
	}
	o.batches = append(o.batches, rec.Batch)
	o.forms = rec.Forms
	return nil
}

// abortManifest removes the manifest of a run that failed.
func (o *output) abortManifest() { o.manifest.abort() }

// commit makes the run's files durable and moves manifest.csv and
// rejects.csv in. The manifest lists every chunk of the job (openManifest,
// addChunk). It returns the batch ids and the number of forms per
// credential.
func (o *output) commit() (batches []string, forms int, err error) {
	if err := o.removeLeftovers(filepath.Base(o.manifest.tmp.Name())); err != nil {
		return nil, 0, err
	}
	// One file-system sync for the whole run: an fsync per file would cost
	// more than signing, and a crash before it loses nothing, as the next
	// run writes again the files of any chunk whose batch file is missing.
	if err := fsutil.SyncFS(o.dir); err != nil {
		return nil, 0, err
	}
	if j := o.rejects; j != "" {
		if err := fsutil.PlaceFile(j, filepath.Join(o.dir, rejectsName), 0o644); err != nil {
			return nil, 0, err
		}
	}
	manifest, err := o.carryManifest(o.manifest, o.batches)
	if err != nil {
		return nil, 0, err
	}
	o.manifest = manifest
	if err := manifest.commit(); err != nil {
		return nil, 0, err
	}
	return o.batches, o.forms, fsutil.SyncDir(o.dir)
}

// ensureChunk writes again the files of a done chunk whose batch file is
// not in --out.
func (o *output) ensureChunk(ctx context.Context, j *job, rec *doneRecord, workers int) error {
	if _, err := os.Stat(filepath.Join(o.dir, BatchFileName(rec.Batch))); err == nil {
		return nil
	}
	bundles, err := j.loadBatch(rec.No)
	if err == nil && len(bundles) != len(rec.IDs) {
		err = fmt.Errorf("%d credentials, %d in its done record", len(bundles), len(rec.IDs))
	}
	if err != nil {
		return fmt.Errorf("batch %s of an earlier run is not in %s and its copy in the resume state cannot be read: %w", rec.Batch, o.dir, err)
	}
	if err := o.writeChunk(ctx, j, &chunk{No: rec.No, BatchID: rec.Batch, Bundles: bundles}, workers); err != nil {
		return err
	}
	return nil
}

// rejectsWriter writes the rows pass 1 finds invalid to a temporary file
// beside the jobs, created at the first one: the job takes it over once
// every row is validated.
type rejectsWriter struct {
	dir string
	csv *pendingCSV
}

// write adds a bad row: its line, columns and why.
func (w *rejectsWriter) write(r *schemas.RowError) error {
	if w.csv == nil {
		if err := os.MkdirAll(w.dir, 0o700); err != nil {
			return fmt.Errorf("writing the rejected rows: %w", err)
		}
		var err error
		if w.csv, err = newPendingCSV(w.dir, rejectsName, rejectsHeader); err != nil {
			return err
		}
	}
	var cols []string
	for _, p := range r.Problems {
		if p.Column != "" {
			cols = append(cols, p.Column)
		}
	}
	return w.csv.write([]string{strconv.Itoa(r.Line), strings.Join(cols, "|"), r.Error()})
}

// finish flushes and syncs the file and returns its path ("" when no row
// was rejected), for the job to take.
func (w *rejectsWriter) finish() (string, error) {
	if w.csv == nil {
		return "", nil
	}
	if err := w.csv.flush(); err != nil {
		return "", err
	}
	// Readable as the other files of --out, where it is linked.
	if err := os.Chmod(w.csv.tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("writing the rejected rows: %w", err)
	}
	return w.csv.tmp.Name(), nil
}

// abort removes the file.
func (w *rejectsWriter) abort() { w.csv.abort() }

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

// flush writes out and syncs what was written, and closes the file.
func (p *pendingCSV) flush() error {
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
	if err != nil {
		p.abort()
		return fmt.Errorf("writing %s: %w", p.name, err)
	}
	return nil
}

// commit flushes and syncs the file, and renames it to its name.
func (p *pendingCSV) commit() error {
	if err := p.flush(); err != nil {
		return err
	}
	if err := os.Rename(p.tmp.Name(), p.path); err != nil {
		p.abort()
		return fmt.Errorf("writing %s: %w", p.name, err)
	}
	p.tmp = nil
	return nil
}

// credentialFiles writes the files of single credentials into a folder:
// <uuid>.json, the bundle, and when asked <uuid>.png, its QR image, and
// <uuid>.pdf, its printable certificate. `sceau issue --bundles` and
// `sceau export` write them so.
type credentialFiles struct {
	dir string
	png bool
	// publicURL, when set, makes the QR codes hold the credential's link
	// to the verifier (credential.QRText).
	publicURL string
	// certificates prints the PDF certificates, naming the issuer whose
	// URI is issuerURI when it changes from credential to credential
	// (Export); nil without PDF.
	certificates *certificate.Renderer
	issuerURI    string
	// fsMu makes the workers of writeAll create their files one at a time.
	fsMu sync.Mutex
}

// writeAll writes the files of bundles on workers goroutines.
func (w *credentialFiles) writeAll(ctx context.Context, bundles []*credential.Bundle, workers int) error {
	errs := make([]error, len(bundles))
	// No more writers than cores: creating files in one folder contends
	// on its lock, and more writers burn more CPU for it.
	if err := forEach(ctx, len(bundles), workers, func(i int) {
		errs[i] = w.write(bundles[i])
	}); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("writing the files of %s: %w", bundles[i].ID, err)
		}
	}
	return nil
}

// write writes the files of one credential.
func (w *credentialFiles) write(b *credential.Bundle) error {
	base := filepath.Join(w.dir, strings.TrimSuffix(BundleFileName(b.ID), ".json"))
	files := []pendingFile{{base + ".json", append(b.MarshalIndented(), '\n')}}
	if w.png {
		qrText, err := credential.QRText(w.publicURL, b.QR)
		if err != nil {
			return err
		}
		img, err := qrcode.EncodePNG(qrText)
		if err != nil {
			return err
		}
		files = append(files, pendingFile{base + ".png", img})
	}
	if w.certificates != nil {
		// The credential is read back from its own QR form, as signed.
		qr, err := credential.ParseQR(b.QR)
		if err != nil {
			return err
		}
		doc, err := w.certificates.RenderSignedQR(qr)
		if err != nil {
			return fmt.Errorf("printing the PDF certificate: %w", err)
		}
		files = append(files, pendingFile{base + ".pdf", doc})
	}
	// Encoding runs on every worker; creating the files, one worker at a
	// time (see fsutil.WriteFileRenamed).
	w.fsMu.Lock()
	defer w.fsMu.Unlock()
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
