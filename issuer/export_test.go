package issuer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
)

// TestExportTakesCredentialsOutOfBatchFiles: the default output of a run
// is batch files and the manifest only; Export writes chosen credentials
// out of them, by id or student, as the bundles, images and certificates
// `--bundles --png --pdf` would have written.
func TestExportTakesCredentialsOutOfBatchFiles(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "out")
	sum, err := env.svc.Issue(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, testDiplomas), OutDir: out, Chunk: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"manifest.csv", BatchFileName(sum.Batches[0]), BatchFileName(sum.Batches[1])}
	slices.Sort(want)
	if got := listDir(t, out); !slices.Equal(got, want) {
		t.Fatalf("--out holds %v, want %v", got, want)
	}
	manifest := manifestOf(t, out)

	// By id (bare or urn:uuid:) and by student, from the folder or a file.
	exported := filepath.Join(t.TempDir(), "exported")
	names := 0
	res, err := Export(ctx, ExportOptions{
		Sources: []string{out}, IDs: []string{strings.TrimPrefix(manifest[0][0], "urn:uuid:")}, Students: []string{manifest[2][1]},
		OutDir: exported, PNG: true, PDF: true,
		IssuerName: func(id string) (string, error) {
			names++
			if id != "examoffice" {
				t.Errorf("the name of issuer %q was asked for", id)
			}
			return "Office des examens", nil
		},
	})
	if err != nil || res.Exported != 2 {
		t.Fatalf("Export: %+v %v", res, err)
	}
	if names != 1 {
		t.Errorf("the issuer's name was looked up %d times, want once", names)
	}
	for _, m := range [][]string{manifest[0], manifest[2]} {
		base := filepath.Join(exported, strings.TrimPrefix(m[0], "urn:uuid:"))
		data, err := os.ReadFile(base + ".json")
		if err != nil {
			t.Fatal(err)
		}
		digests, err := Digests(ctx, data)
		if err != nil || len(digests) != 3 {
			t.Fatalf("exported bundle: %v %v", digests, err)
		}
		if st, err := env.svc.Contract.GetStatus(ctx, digests[0]); err != nil || st.BatchID != m[4] {
			t.Errorf("exported bundle of %s: %+v %v", m[0], st, err)
		}
		png, err := os.ReadFile(base + ".png")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := credential.ParseBundle(data)
		if text, err := qrcode.DecodeBytes(png); err != nil || text != b.QR {
			t.Errorf("exported QR image reads %q, %v", text, err)
		}
		pdf, err := os.ReadFile(base + ".pdf")
		if err != nil {
			t.Fatal(err)
		}
		if text, err := qrcode.DecodePDF(ctx, pdf, qrcode.PDFLimits{}); err != nil || text != b.QR {
			t.Errorf("exported certificate's QR code reads %q, %v", text, err)
		}
	}
	if n := len(listDir(t, exported)); n != 6 {
		t.Errorf("export folder holds %d files, want 6", n)
	}

	// As lines, from the batch files given: what `--out -` prints.
	var lines bytes.Buffer
	res, err = Export(ctx, ExportOptions{Sources: []string{filepath.Join(out, BatchFileName(sum.Batches[0])), filepath.Join(out, BatchFileName(sum.Batches[1]))}, All: true, Lines: &lines})
	if err != nil || res.Exported != 3 || strings.Count(lines.String(), "\n") != 3 {
		t.Fatalf("all as lines: %+v %v\n%s", res, err, lines.String())
	}
	first, _, _ := strings.Cut(lines.String(), "\n")
	if b, err := credential.ParseBundle([]byte(first)); err != nil || b.ID != manifest[0][0] {
		t.Errorf("first line: %v %v", b, err)
	}

	// What is not there is named; the rest is exported.
	res, err = Export(ctx, ExportOptions{Sources: []string{out}, IDs: []string{manifest[1][0], "urn:uuid:00000000-0000-4000-8000-000000000000"}, Students: []string{"999999999ZZ"}, OutDir: t.TempDir()})
	var missing *MissingError
	if !errors.As(err, &missing) || res.Exported != 1 || !slices.Equal(missing.Missing, []string{"urn:uuid:00000000-0000-4000-8000-000000000000", "student 999999999ZZ"}) {
		t.Errorf("Export of absent credentials: %+v %v", res, err)
	}
	if _, err := Export(ctx, ExportOptions{Sources: []string{out}, OutDir: t.TempDir()}); err == nil {
		t.Error("an export choosing nothing succeeded")
	}
	if _, err := Export(ctx, ExportOptions{Sources: []string{out}, IDs: []string{"not-an-id"}, OutDir: t.TempDir()}); err == nil {
		t.Error("an export of a malformed id succeeded")
	}
}

func TestReadBatchFileRefusesWhatIsNotWhole(t *testing.T) {
	b := &credential.Bundle{
		ID: "urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427", Type: "Diploma", Issuer: "urn:sceau:issuer:examoffice",
		VCJWT: "a.b.c", QR: "SC1:ABC", Anchor: credential.Anchor{Batch: "b-0001", Root: strings.Repeat("ab", 32), Index: 0, Proof: []string{}},
	}
	whole := encodeBatch([]*credential.Bundle{b, b})
	dir := t.TempDir()
	for name, tt := range map[string]struct {
		data  []byte
		lines int
		err   string
	}{
		"whole":           {whole, 2, ""},
		"empty":           {nil, 0, ""},
		"cut short":       {whole[:len(whole)-1], 1, "line 2: the file ends in the middle"},
		"not a bundle":    {append(bytes.Clone(whole), "{}\n"...), 2, "line 3: bundle"},
		"a line too long": {append(bytes.Repeat([]byte("x"), credential.MaxBundleSize+10), '\n'), 0, "line 1: longer than"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(path, tt.data, 0o600); err != nil {
			t.Fatal(err)
		}
		lines := 0
		err := ReadBatchFile(path, func(got *credential.Bundle, _ []byte) error {
			lines++
			if got.ID != b.ID {
				t.Errorf("%s: read %+v", name, got)
			}
			return nil
		})
		if lines != tt.lines || (tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: %d lines, %v; want %d lines and an error with %q", name, lines, err, tt.lines, tt.err)
		}
	}
}
