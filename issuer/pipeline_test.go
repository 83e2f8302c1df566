package issuer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// ledgerHeight returns the height of the service's embedded ledger.
func ledgerHeight(t *testing.T, svc *Service) uint64 {
	t.Helper()
	info, err := svc.Ledger.(*embedded.Ledger).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.Height
}

// syntheticInput writes n synthetic rows of credType to a file.
func syntheticInput(t testing.TB, credType string, n int, d CSVDialect) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteSyntheticCSV(f, credType, n, d, 11); err != nil {
		t.Fatal(err)
	}
	return path
}

// manifestOf reads out/manifest.csv without its header.
func manifestOf(t *testing.T, out string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return records[1:]
}

func TestIssueResumesAfterCancellationWithoutDuplicates(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypeDiploma)
	const rows, chunkSize = 400, 40
	input := syntheticInput(t, schemas.TypeDiploma, rows, CSVDialect{Delimiter: ';'})
	out := filepath.Join(t.TempDir(), "out")
	opts := IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma, Input: input, OutDir: out, Chunk: chunkSize}

	ctx, cancel := context.WithCancel(context.Background())
	first := opts
	first.Progress = func(done, total int) {
		if done >= 3*chunkSize {
			cancel()
		}
	}
	if _, err := svc.Issue(ctx, first); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.csv")); err == nil {
		t.Fatal("a cancelled run wrote manifest.csv")
	}

	sum, err := svc.Issue(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Issued+sum.Reused != rows || sum.Reused < 3*chunkSize || len(sum.Batches) != rows/chunkSize || sum.FormsPerCredential != 3 {
		t.Fatalf("re-run summary %+v: want %d credentials, at least %d reused, %d batches", sum, rows, 3*chunkSize, rows/chunkSize)
	}
	manifest := manifestOf(t, out)
	ids, students := map[string]bool{}, map[string]bool{}
	for _, m := range manifest {
		if ids[m[0]] || students[m[1]] {
			t.Fatalf("manifest lists %s (%s) twice", m[0], m[1])
		}
		ids[m[0]], students[m[1]] = true, true
	}
	if len(manifest) != rows {
		t.Fatalf("manifest lists %d credentials, want %d", len(manifest), rows)
	}
	ctx = context.Background()
	for _, batchID := range sum.Batches {
		b, err := svc.Contract.GetBatch(ctx, batchID)
		if err != nil || b.Size != chunkSize {
			t.Errorf("batch %s: %+v %v", batchID, b, err)
		}
	}
	for id := range ids {
		data, err := os.ReadFile(filepath.Join(out, BundleFileName(id)))
		if err != nil {
			t.Fatal(err)
		}
		digests, err := Digests(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range digests {
			if _, err := svc.Contract.GetStatus(ctx, d); err != nil {
				t.Fatalf("credential %s: digest %s not anchored: %v", id, d, err)
			}
		}
	}
}

func TestIssueListsFiftyBadRowsAndRejectsThemAll(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypeDiploma)
	var buf bytes.Buffer
	if err := WriteSyntheticCSV(&buf, schemas.TypeDiploma, 100, CSVDialect{}, 2); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	for i := 1; i <= 60; i++ {
		lines[i] = strings.Replace(lines[i], ",4,", ",0,", 1) // eqf_level below 1
	}
	input := filepath.Join(t.TempDir(), "input.csv")
	if err := os.WriteFile(input, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	opts := IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma, Input: input, OutDir: out}
	_, err := svc.Issue(context.Background(), opts)
	var rowErrs *RowErrors
	if !errors.As(err, &rowErrs) || rowErrs.Total != 60 || len(rowErrs.Rows) != maxListedRowErrors || rowErrs.Rows[0].Line != 2 {
		t.Fatalf("Issue: %v, want 60 row errors, the first %d listed from line 2", err, maxListedRowErrors)
	}
	if !strings.Contains(err.Error(), "and 10 more") {
		t.Errorf("error does not say how many more: %v", err)
	}
	opts.SkipInvalid = true
	sum, err := svc.Issue(context.Background(), opts)
	if err != nil || sum.Issued != 40 || sum.Rejected != 60 {
		t.Fatalf("with SkipInvalid: %+v %v", sum, err)
	}
	rejects, err := os.ReadFile(filepath.Join(out, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(rejects)).ReadAll()
	if err != nil || len(records) != 61 || records[60][0] != "61" || records[60][1] != "eqf_level" {
		t.Errorf("rejects.csv: %d records, last %v, %v", len(records), records[len(records)-1], err)
	}
}

func TestIssueRefusesAnUnusableHolderKeyInPassOne(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypeDiploma)
	input := filepath.Join(t.TempDir(), "input.csv")
	csvText := "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,holder_jwk\n" +
		"070123456AB,Léa,Martin,2007-02-28,CAP,3,2025-07-04,\n" +
		`081234567CD,Noé,Ménard,2006-11-02,CAP,3,2025-07-04,"{""kty"":""RSA"",""n"":""AQAB"",""e"":""AQAB""}"` + "\n"
	if err := os.WriteFile(input, []byte(csvText), 0o600); err != nil {
		t.Fatal(err)
	}
	before := ledgerHeight(t, svc)
	_, err := svc.Issue(context.Background(), IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma, Input: input, OutDir: filepath.Join(t.TempDir(), "out")})
	if err == nil || !strings.Contains(err.Error(), "line 3, column holder_jwk") {
		t.Fatalf("Issue: %v, want line 3's holder_jwk named", err)
	}
	if after := ledgerHeight(t, svc); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}
}

func TestChunkFileRoundTrip(t *testing.T) {
	c := &chunk{No: 7, BatchID: "examoffice-0123456789abcdef-0007", Type: schemas.TypeDiploma, Credentials: []issued{
		{Line: 2, ID: "urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427", StudentID: "070123456AB", Forms: Forms{Issuer: "urn:sceau:issuer:examoffice", VCJWT: "a.b.c", QR: "SC1:ABC", SDJWT: "x.y.z~", JWTDigest: strings.Repeat("a", 64), QRDigest: strings.Repeat("b", 64), SDJWTDigest: strings.Repeat("c", 64)}},
		{Line: 4, ID: "urn:uuid:2b4e28ba-2fa1-41d2-883f-0016d3cca427", StudentID: "081234567CD", Forms: Forms{JWTDigest: strings.Repeat("d", 64), QRDigest: strings.Repeat("e", 64)}},
	}}
	var buf bytes.Buffer
	if err := writeChunk(&buf, c); err != nil {
		t.Fatal(err)
	}
	got, err := readChunk(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("read back %+v, want %+v", got, c)
	}
	for name, damaged := range map[string][]byte{
		"truncated":     buf.Bytes()[:buf.Len()-5],
		"trailing data": append(bytes.Clone(buf.Bytes()), 0x01),
		"empty":         nil,
	} {
		if _, err := readChunk(bytes.NewReader(damaged)); err == nil {
			t.Errorf("%s chunk file read without error", name)
		}
	}
}

// FuzzReadChunk feeds the resume state decoder arbitrary files.
func FuzzReadChunk(f *testing.F) {
	var buf bytes.Buffer
	writeChunk(&buf, &chunk{No: 1, BatchID: "b", Type: "Diploma", Credentials: []issued{{Line: 2, ID: "x"}}})
	f.Add(buf.Bytes())
	f.Add([]byte{0xa4, 0x62, 0x6e, 0x6f, 0x01})
	f.Add([]byte{0xa1, 0x6b, 'c', 'r', 'e', 'd', 'e', 'n', 't', 'i', 'a', 'l', 's', 0x1a, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := readChunk(bytes.NewReader(data))
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := writeChunk(&again, c); err != nil {
			t.Fatalf("a chunk read back does not encode: %v", err)
		}
	})
}

func TestSyntheticCSVReadsBackValidInEveryDialect(t *testing.T) {
	v, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range record.CredentialTypes() {
		credType := string(typ)
		for _, d := range []CSVDialect{{}, {Delimiter: ';', Windows1252: true, CRLF: true}, {Delimiter: ';', BOM: true, CRLF: true}} {
			t.Run(fmt.Sprintf("%s/%+v", credType, d), func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteSyntheticCSV(&buf, credType, 300, d, 5); err != nil {
					t.Fatal(err)
				}
				r, err := schemas.NewCSVReader(&buf, credType, schemas.CSVOptions{Validator: v})
				if err != nil {
					t.Fatal(err)
				}
				wantEnc := schemas.EncodingUTF8
				if d.Windows1252 {
					wantEnc = schemas.EncodingWindows1252
				}
				if r.Encoding() != wantEnc || (d.Delimiter != 0 && r.Delimiter() != d.Delimiter) {
					t.Errorf("read as %s with %q", r.Encoding(), r.Delimiter())
				}
				for i := 0; ; i++ {
					row, err := r.Next()
					if errors.Is(err, io.EOF) {
						if i != 300 {
							t.Errorf("%d rows, want 300", i)
						}
						return
					}
					if err != nil || row.Err != nil {
						t.Fatalf("row %d: %v %v", i, err, row.Err)
					}
					if got := row.Record.Holder().StudentID; got != SyntheticStudentID(i) {
						t.Fatalf("row %d: student %s, want %s", i, got, SyntheticStudentID(i))
					}
				}
			})
		}
	}
	if err := WriteSyntheticCSV(io.Discard, "Licence", 1, CSVDialect{}, 0); err == nil {
		t.Error("an unknown type was accepted")
	}
}

func TestSignatureRateUsesTheIssuersKey(t *testing.T) {
	svc := newAccreditedService(t)
	ctx := context.Background()
	if _, err := svc.Init(ctx, InitOptions{ID: "ed-office", Name: "EdDSA office", Alg: string(credential.EdDSA), NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"examoffice", "ed-office"} {
		rate, err := svc.SignatureRate(ctx, id, 100*time.Millisecond, 2)
		if err != nil || rate <= 0 {
			t.Errorf("%s: rate %v, %v", id, rate, err)
		}
	}
	if _, err := svc.SignatureRate(ctx, "nobody", time.Millisecond, 1); !errors.Is(err, org.ErrUnknown) {
		t.Errorf("unknown issuer: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := svc.SignatureRate(cancelled, "examoffice", time.Second, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
