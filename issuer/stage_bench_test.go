package issuer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
)

// syntheticRows returns n validated rows of credType.
func syntheticRows(tb testing.TB, credType string, n int) []*schemas.Row {
	tb.Helper()
	var buf bytes.Buffer
	if err := WriteSyntheticCSV(&buf, credType, n, CSVDialect{Delimiter: ';', BOM: true, CRLF: true}, 1); err != nil {
		tb.Fatal(err)
	}
	v, err := schemas.NewValidator()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := schemas.NewCSVReader(&buf, credType, schemas.CSVOptions{Validator: v})
	if err != nil {
		tb.Fatal(err)
	}
	var rows []*schemas.Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			tb.Fatal(err)
		}
		if row.Err != nil {
			tb.Fatal(row.Err)
		}
		rows = append(rows, row)
	}
}

// BenchmarkSignRow builds and signs one Pix certification in its three
// forms (signRow), the work of the sign stage per credential.
func BenchmarkSignRow(b *testing.B) {
	key, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		b.Fatal(err)
	}
	rows := syntheticRows(b, schemas.TypePixCertification, 256)
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	svc := &Service{}
	for i := 0; b.Loop(); i++ {
		if _, err := svc.signRow(key, "examoffice", rows[i%len(rows)], now, i%131072); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareSignatures3 makes the 3 bare ES256 signatures a credential
// needs, as SignatureRate measures them.
func BenchmarkBareSignatures3(b *testing.B) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte{1})
	b.ReportAllocs()
	for b.Loop() {
		for range 3 {
			if _, err := priv.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	}
}
