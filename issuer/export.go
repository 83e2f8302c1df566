package issuer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/sceau/sceau/certificate"
	"github.com/sceau/sceau/credential"
)

// ExportOptions says which credentials to take out of batch files, and
// what to write for each.
type ExportOptions struct {
	// Sources are batch files, or folders whose batch files (*.jsonl) are
	// read, e.g. the --out of `sceau issue`.
	Sources []string
	// IDs (urn:uuid:… or the bare UUID) and Students (student ids) select
	// credentials; All selects every one.
	IDs      []string
	Students []string
	All      bool
	// OutDir receives <uuid>.json per credential, and <uuid>.png, <uuid>.pdf
	// when PNG, PDF. When Lines is set instead, each credential's bundle is
	// written there as one line, as the batch file holds it.
	OutDir   string
	PNG, PDF bool
	// PublicURL, when set, puts the verifier's address on the PDF
	// certificates and the credential's link in the QR codes, as
	// IssueOptions.PublicURL.
	PublicURL string
	Lines     io.Writer
	// IssuerName returns the name printed on the PDF certificates of an
	// issuer's credentials.
	IssuerName func(issuerID string) (string, error)
	// Workers is the number of goroutines encoding images (GOMAXPROCS when 0).
	Workers int
}

// ExportSummary reports an export.
type ExportSummary struct {
	// Exported is the number of credentials written.
	Exported int `json:"exported"`
	// Missing lists the ids and student ids asked for and not found.
	Missing []string `json:"missing,omitempty"`
}

// MissingError is returned when credentials asked for by id or student
// are not in the batch files; the others are exported.
type MissingError struct {
	Missing []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("not in the batch files read: %s", strings.Join(e.Missing, ", "))
}

// exportBatchSize is the number of credentials whose files are written at once.
const exportBatchSize = 256

// Export writes the credentials opts selects out of batch files: each as
// its own bundle, with its QR image or PDF certificate if asked, or as one
// line of opts.Lines. It fails with a *MissingError, after writing the
// others, when an id or student asked for is in none of them.
func Export(ctx context.Context, opts ExportOptions) (*ExportSummary, error) {
	if !opts.All && len(opts.IDs) == 0 && len(opts.Students) == 0 {
		return nil, errors.New("export: choose credentials by id or student, or all of them")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	files, err := batchFiles(opts.Sources)
	if err != nil {
		return nil, err
	}
	sel, err := newSelection(opts.IDs, opts.Students)
	if err != nil {
		return nil, err
	}
	var w *credentialFiles
	if opts.Lines == nil {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", opts.OutDir, err)
		}
		w = &credentialFiles{dir: opts.OutDir, png: opts.PNG, publicURL: opts.PublicURL}
	}
	names := issuerNames{name: opts.IssuerName, known: map[string]string{}}
	sum := &ExportSummary{}
	var pending []*credential.Bundle
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := w.writeAll(ctx, pending, opts.Workers); err != nil {
			return err
		}
		sum.Exported += len(pending)
		pending = pending[:0]
		return nil
	}
	for _, path := range files {
		err := ReadBatchFile(path, func(b *credential.Bundle, line []byte) error {
			if !opts.All && !sel.quickMatch(line) {
				return nil
			}
			ok, err := sel.match(b, opts.All)
			if err != nil || !ok {
				return err
			}
			if opts.Lines != nil {
				sum.Exported++
				if _, err := opts.Lines.Write(line); err != nil {
					return err
				}
				_, err := io.WriteString(opts.Lines, "\n")
				return err
			}
			if opts.PDF && b.Issuer != w.issuerURI {
				// Certificates print their issuer's name: the files
				// pending are another issuer's.
				if err := flush(); err != nil {
					return err
				}
				name, err := names.of(b.Issuer)
				if err != nil {
					return err
				}
				if w.certificates, err = certificate.NewRenderer(certificate.Options{IssuerName: name, PublicURL: opts.PublicURL}); err != nil {
					return fmt.Errorf("preparing the PDF certificates: %w", err)
				}
				w.issuerURI = b.Issuer
			}
			pending = append(pending, b)
			if len(pending) == exportBatchSize {
				return flush()
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if w != nil {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if sum.Missing = sel.missing(); len(sum.Missing) > 0 {
		return sum, &MissingError{Missing: sum.Missing}
	}
	return sum, nil
}

// issuerNames finds the names of issuers, once each.
type issuerNames struct {
	name  func(issuerID string) (string, error)
	known map[string]string
}

// of returns the name of the issuer whose URI is uri ("" without a way to
// find names: certificates then print the issuer id).
func (n *issuerNames) of(uri string) (string, error) {
	if name, ok := n.known[uri]; ok || n.name == nil {
		return name, nil
	}
	id, err := credential.ParseIssuerURI(uri)
	if err != nil {
		return "", err
	}
	name, err := n.name(id)
	if err != nil {
		return "", err
	}
	n.known[uri] = name
	return name, nil
}

// batchFiles returns the batch files of sources, a folder's in name order.
func batchFiles(sources []string) ([]string, error) {
	if len(sources) == 0 {
		return nil, errors.New("export: no batch file given")
	}
	var files []string
	for _, src := range sources {
		st, err := os.Stat(src)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, src)
			continue
		}
		found, err := filepath.Glob(filepath.Join(src, "*"+BatchFileExt))
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s holds no batch file (*%s)", src, BatchFileExt)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// selection is the credentials asked for by id and by student, and which
// were found.
type selection struct {
	// ids maps each UUID asked for to whether it was found; students the same.
	ids      map[string]bool
	students map[string]bool
	// needles are the UUIDs as they appear in a line, quoted after "urn:uuid:".
	needles [][]byte
}

func newSelection(ids, students []string) (*selection, error) {
	s := &selection{ids: map[string]bool{}, students: map[string]bool{}}
	for _, id := range ids {
		u := CredentialUUID(id)
		if u == "" {
			return nil, fmt.Errorf("credential id %q: want urn:uuid:… or a UUID", id)
		}
		s.ids[u] = false
		s.needles = append(s.needles, []byte(`"urn:uuid:`+u+`"`))
	}
	for _, st := range students {
		s.students[st] = false
	}
	return s, nil
}

// quickMatch tells from a line of a batch file, without parsing it,
// whether it may be a credential asked for.
func (s *selection) quickMatch(line []byte) bool {
	if len(s.students) > 0 {
		return true // the student id is inside the signed forms
	}
	for _, n := range s.needles {
		if bytes.Contains(line, n) {
			return true
		}
	}
	return false
}

// match reports whether b is asked for (or all is), and marks it found.
func (s *selection) match(b *credential.Bundle, all bool) (bool, error) {
	found := all
	if u := CredentialUUID(b.ID); u != "" {
		if _, ok := s.ids[u]; ok {
			s.ids[u], found = true, true
		}
	}
	if len(s.students) > 0 {
		jwt, err := credential.ParseJWT(b.VCJWT)
		if err != nil {
			return false, fmt.Errorf("credential %s: %w", b.ID, err)
		}
		student := jwt.Credential.Subject.Holder().StudentID
		if _, ok := s.students[student]; ok {
			s.students[student], found = true, true
		}
	}
	return found, nil
}

// missing lists what was asked for and not found, ids then students.
func (s *selection) missing() []string {
	var ids, students []string
	for id, found := range s.ids {
		if !found {
			ids = append(ids, "urn:uuid:"+id)
		}
	}
	for st, found := range s.students {
		if !found {
			students = append(students, "student "+st)
		}
	}
	slices.Sort(ids)
	slices.Sort(students)
	return append(ids, students...)
}
