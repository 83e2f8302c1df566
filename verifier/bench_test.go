package verifier

import (
	"testing"
)

// BenchmarkVerify measures one verification of each text form against the
// embedded ledger (signature, registry and status look-ups, schema).
func BenchmarkVerify(b *testing.B) {
	e := newEnv(b)
	is := e.issue(diploma())[0]
	for _, form := range []struct {
		name  string
		input []byte
	}{{"sc1", []byte(is.qr)}, {"vc+jwt", []byte(is.jwt)}} {
		b.Run(form.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := e.verifier.Verify(e.ctx, form.input); r.Verdict != Valid {
					b.Fatalf("verdict %s: %s", r.Verdict, describe(r))
				}
			}
		})
	}
}
