package issuer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sceau/sceau/org"
)

// snapshotTree lists every file under dir with its size.
func snapshotTree(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	files := map[string]int64{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files[path] = info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestDryRunWritesNothing: a dry run needs no signing key, reports what
// would be issued, and leaves the ledger and the home as they were.
func TestDryRunWritesNothing(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	office, err := org.Home(env.home).Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(office.KeysDir(), office.KeysDir()+".away"); err != nil {
		t.Fatal(err)
	}
	input := env.writeInput(t, strings.ReplaceAll(testDiplomas, ",", ";"))
	before, err := env.l.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files := snapshotTree(t, env.home)
	out := filepath.Join(t.TempDir(), "out")

	sum, err := env.svc.DryRun(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: input, OutDir: out, Chunk: 2})
	if err != nil {
		t.Fatalf("DryRun: %v", err)
	}
	want := &DryRunSummary{
		IssuerID: "examoffice", Type: "Diploma", Input: input,
		Encoding: "utf-8", Delimiter: ";", Language: "en",
		Rows: 3, Valid: 3, Batches: 2,
		First: []PlannedCredential{
			{Line: 2, StudentID: "070123456AB", GivenName: "Hélène", FamilyName: "Lefèvre"},
			{Line: 3, StudentID: "081234567CD", GivenName: "Jérôme", FamilyName: "N'Diaye"},
			{Line: 4, StudentID: "092345678EF", GivenName: "Zoé", FamilyName: "Martin"},
		},
	}
	if !reflect.DeepEqual(sum, want) {
		t.Errorf("summary %+v\nwant    %+v", sum, want)
	}
	after, err := env.l.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Height != before.Height {
		t.Errorf("ledger height %d after the dry run, %d before", after.Height, before.Height)
	}
	if got := snapshotTree(t, env.home); !reflect.DeepEqual(got, files) {
		t.Errorf("the home changed:\nbefore %v\nafter  %v", files, got)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--out was created: %v", err)
	}
}

func TestDryRunInvalidRows(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	input := env.writeInput(t, testDiplomas+"103456789GH,Léa,Martin,2007-01-30,CAP,3,2099-07-04,\n")
	opts := IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: input}

	sum, err := env.svc.DryRun(ctx, opts)
	var rowErrs *RowErrors
	if !errors.As(err, &rowErrs) || rowErrs.Total != 1 || rowErrs.Rows[0].Line != 5 {
		t.Fatalf("DryRun = %v, want the row of line 5 refused", err)
	}
	if sum == nil || sum.Valid != 3 || sum.Invalid != 1 || sum.Batches != 0 || len(sum.Problems) != 1 || sum.Problems[0].Problems[0].Rule != "notInFuture" {
		t.Errorf("summary %+v", sum)
	}

	opts.SkipInvalid = true
	sum, err = env.svc.DryRun(ctx, opts)
	if err != nil || sum.Valid != 3 || sum.Invalid != 1 || sum.Batches != 1 {
		t.Errorf("with SkipInvalid: %+v, %v", sum, err)
	}
}

func TestDryRunRefusesWhatIssueRefuses(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	ctx := context.Background()
	var notAccredited *NotAccreditedError
	if _, err := env.svc.DryRun(ctx, IssueOptions{IssuerID: "examoffice", Type: "PixCertification", Input: env.writeInput(t, testDiplomas)}); !errors.As(err, &notAccredited) {
		t.Errorf("type not accredited: %v", err)
	}
	if _, err := env.svc.DryRun(ctx, IssueOptions{IssuerID: "nobody", Type: "Diploma", Input: env.writeInput(t, testDiplomas)}); err == nil {
		t.Error("unknown issuer: no error")
	}
	if _, err := env.svc.DryRun(ctx, IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, "INE;Prénom\n")}); err == nil || !strings.Contains(err.Error(), "Date de naissance") {
		t.Errorf("French header without its columns: %v", err)
	}
}
