package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// benchVerifyIssuerID is the issuer `sceau bench verify` creates.
const benchVerifyIssuerID = "bench-verifier-office"

// benchVerifyResult is what `sceau bench verify` prints, as one JSON object.
type benchVerifyResult struct {
	// Count is the number of credentials issued and verified per form.
	Count int `json:"count"`
	// SC1PerSecond and VCJWTPerSecond are full verifications per second of
	// the SC1 text and the vc+jwt: decoding, signature, the issuer (its
	// record reused while nothing is committed to the ledger, as `sceau
	// serve` does), the credential's status read on the ledger, validity
	// and schema.
	SC1PerSecond   float64 `json:"sc1_per_second"`
	VCJWTPerSecond float64 `json:"vc_jwt_per_second"`
	// PNGPerSecond is QR image decoding plus verification, over PNGCount
	// images.
	PNGPerSecond float64 `json:"png_per_second"`
	PNGCount     int     `json:"png_count"`
	// BareSignatureVerifyPerSecond is the rate of the vc+jwt signature
	// check alone (already parsed JWS, known key), in the same run.
	BareSignatureVerifyPerSecond float64 `json:"bare_signature_verify_per_second"`
	// SC1Ratio and VCJWTRatio are the text forms' rates over the bare rate
	// (target: 0.5 or more).
	SC1Ratio   float64 `json:"sc1_ratio"`
	VCJWTRatio float64 `json:"vc_jwt_ratio"`
	// Context of the figures.
	Alg             string  `json:"alg"`
	Workers         int     `json:"workers"`
	GOMAXPROCS      int     `json:"gomaxprocs"`
	MinTimeSeconds  float64 `json:"min_time_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
}

func benchVerifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "measure verification rates on a temporary embedded ledger; print one JSON object",
		Description: "Creates a temporary home with an embedded ledger and an accredited issuer, issues --count\n" +
			"fictitious diplomas through the issuer package, then measures, with one worker per core: full\n" +
			"verifications/s of the SC1 text and of the vc+jwt (signature, registry, status, validity,\n" +
			"schema), PNG decode + verify over --images QR images, and the bare signature-verify rate.\n" +
			"Each rate cycles over its inputs for at least --min-time. The temporary folder is removed unless --keep.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "count", Usage: "number of credentials to issue and verify", Value: 1000},
			&cli.IntFlag{Name: "images", Usage: "number of QR images (PNG) to decode and verify, at most --count", Value: 100},
			&cli.StringFlag{Name: "alg", Usage: "issuer key algorithm: ES256 or EdDSA", Value: "ES256"},
			&cli.DurationFlag{Name: "min-time", Usage: "how long each rate is measured at least", Value: 2 * time.Second},
			&cli.StringFlag{Name: "dir", Usage: "where to create the temporary folder (the system's when empty)"},
			&cli.BoolFlag{Name: "keep", Usage: "keep the temporary folder and print its path on stderr"},
		},
		Action: action(func(c *cli.Context, e *env) error {
			if c.NArg() != 0 {
				return usageErr("bench verify takes no positional argument (flags only)")
			}
			o := benchVerifyOptions{count: c.Int("count"), images: c.Int("images"), alg: c.String("alg"),
				minTime: c.Duration("min-time"), dir: c.String("dir"), keep: c.Bool("keep")}
			switch {
			case o.count < 1:
				return usageErr("--count must be at least 1")
			case o.images < 0:
				return usageErr("--images must not be negative")
			case o.minTime <= 0:
				return usageErr("--min-time must be positive")
			}
			o.images = min(o.images, o.count)
			res, err := runBenchVerify(c.Context, e, o)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, res)
		}),
	}
}

type benchVerifyOptions struct {
	count, images int
	alg           string
	minTime       time.Duration
	dir           string
	keep          bool
}

func runBenchVerify(ctx context.Context, e *env, o benchVerifyOptions) (*benchVerifyResult, error) {
	start := time.Now()
	tmp, err := os.MkdirTemp(o.dir, "sceau-bench-verify-*")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if o.keep {
		fmt.Fprintf(e.stderr, "bench folder: %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	home := filepath.Join(tmp, "home")
	l, err := embedded.Init(ctx, org.Home(home).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	bundles, err := benchIssueDiplomas(ctx, e, l, home, tmp, o)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "bench: %d credentials issued; measuring\n", len(bundles))

	contract := network.NewContract(l)
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, err
	}
	registry := verifier.NewRegistry(contract, verifier.RegistryOptions{})
	v := verifier.New(registry.Ledger(), validator, verifier.Options{})
	verify := func(input []byte) error {
		if res := v.Verify(ctx, input); res.Verdict != verifier.Valid {
			return fmt.Errorf("bench: a %s credential is %s, not valid", res.Input, res.Verdict)
		}
		return nil
	}

	sc1 := make([][]byte, len(bundles))
	jwts := make([][]byte, len(bundles))
	for i, b := range bundles {
		sc1[i], jwts[i] = []byte(b.QR), []byte(b.VCJWT)
	}
	pngs := make([][]byte, o.images)
	for i := range pngs {
		if pngs[i], err = qrcode.EncodePNG(bundles[i].QR); err != nil {
			return nil, fmt.Errorf("bench: QR image: %w", err)
		}
	}
	bare, alg, err := benchBareVerify(ctx, contract, jwts)
	if err != nil {
		return nil, err
	}

	res := &benchVerifyResult{Count: len(bundles), PNGCount: len(pngs), Alg: alg,
		Workers: runtime.GOMAXPROCS(0), GOMAXPROCS: runtime.GOMAXPROCS(0), MinTimeSeconds: o.minTime.Seconds()}
	if res.BareSignatureVerifyPerSecond, err = measureRate(ctx, o.minTime, len(jwts), bare); err != nil {
		return nil, err
	}
	if res.SC1PerSecond, err = measureRate(ctx, o.minTime, len(sc1), func(i int) error { return verify(sc1[i]) }); err != nil {
		return nil, err
	}
	if res.VCJWTPerSecond, err = measureRate(ctx, o.minTime, len(jwts), func(i int) error { return verify(jwts[i]) }); err != nil {
		return nil, err
	}
	if len(pngs) > 0 {
		if res.PNGPerSecond, err = measureRate(ctx, o.minTime, len(pngs), func(i int) error { return verify(pngs[i]) }); err != nil {
			return nil, err
		}
	}
	res.SC1Ratio = res.SC1PerSecond / res.BareSignatureVerifyPerSecond
	res.VCJWTRatio = res.VCJWTPerSecond / res.BareSignatureVerifyPerSecond
	res.DurationSeconds = time.Since(start).Seconds()
	return res, nil
}

// benchIssueDiplomas creates an accredited issuer in home, issues o.count
// fictitious diplomas and returns their bundles.
func benchIssueDiplomas(ctx context.Context, e *env, l *embedded.Ledger, home, tmp string, o benchVerifyOptions) ([]*credential.Bundle, error) {
	svc := issuer.NewService(home, l, e.logger)
	if _, err := svc.Init(ctx, issuer.InitOptions{ID: benchVerifyIssuerID, Name: "Benchmark exam office", Alg: o.alg, NoPassphrase: true}); err != nil {
		return nil, err
	}
	if err := svc.Contract.AccreditIssuer(ctx, governanceOrg, benchVerifyIssuerID, []record.CredentialType{record.TypeDiploma}, ""); err != nil {
		return nil, err
	}
	input := filepath.Join(tmp, "diplomas.csv")
	if err := writeBenchDiplomas(input, o.count); err != nil {
		return nil, err
	}
	out := filepath.Join(tmp, "out")
	sum, err := svc.Issue(ctx, issuer.IssueOptions{IssuerID: benchVerifyIssuerID, Type: schemas.TypeDiploma, Input: input, OutDir: out})
	if err != nil {
		return nil, err
	}
	if sum.Issued != o.count {
		return nil, fmt.Errorf("bench: %d credentials issued out of %d rows", sum.Issued, o.count)
	}
	bundles := make([]*credential.Bundle, 0, o.count)
	for _, batch := range sum.Batches {
		err := issuer.ReadBatchFile(filepath.Join(out, issuer.BatchFileName(batch)), func(b *credential.Bundle, _ []byte) error {
			bundles = append(bundles, b)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	if len(bundles) != o.count {
		return nil, fmt.Errorf("bench: %d bundles in %s, want %d", len(bundles), out, o.count)
	}
	return bundles, nil
}

// writeBenchDiplomas writes count fictitious diploma rows to path.
func writeBenchDiplomas(path string, count int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"student_id", "given_name", "family_name", "birth_date", "diploma", "eqf_level", "awarded_on", "mention", "speciality", "session"})
	mentions := schemas.Mentions
	for i := range count {
		w.Write([]string{
			fmt.Sprintf("%09d%c%c", i%1_000_000_000, 'A'+byte(i/26%26), 'A'+byte(i%26)),
			"Camille", fmt.Sprintf("Exemple-%d", i), fmt.Sprintf("%d-%02d-%02d", 2005+i%3, 1+i%12, 1+i%28),
			"Baccalauréat général", "4", "2025-07-04", mentions[i%len(mentions)], "Mathématiques|Physique-chimie", "2025",
		})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("bench: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// benchBareVerify returns a function checking the signature of vc+jwt i
// with the issuer's key, the JWS already parsed: the floor of any
// verification's cost. It returns the key's algorithm too.
func benchBareVerify(ctx context.Context, contract *network.Contract, jwts [][]byte) (func(int) error, string, error) {
	is, err := contract.GetIssuer(ctx, benchVerifyIssuerID)
	if err != nil {
		return nil, "", err
	}
	pub, err := credential.ParsePublicJWK([]byte(is.Keys[0].JWK))
	if err != nil {
		return nil, "", err
	}
	parsed := make([]*credential.SignedJWT, len(jwts))
	for i, j := range jwts {
		if parsed[i], err = credential.ParseJWT(string(j)); err != nil {
			return nil, "", fmt.Errorf("bench: %w", err)
		}
	}
	return func(i int) error { return parsed[i].Verify(pub) }, string(parsed[0].Algorithm), nil
}

// measureRate runs fn over indexes 0…n-1, cycling, on GOMAXPROCS workers,
// for at least minTime and at least one full cycle, and returns calls per
// second. It stops at the first error.
func measureRate(ctx context.Context, minTime time.Duration, n int, fn func(i int) error) (float64, error) {
	var next, done atomic.Int64
	var failed atomic.Pointer[error]
	start := time.Now()
	deadline := start.Add(minTime)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				k := next.Add(1) - 1
				if (k >= int64(n) && time.Now().After(deadline)) || failed.Load() != nil || ctx.Err() != nil {
					return
				}
				if err := fn(int(k % int64(n))); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if p := failed.Load(); p != nil {
		return 0, *p
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return float64(done.Load()) / elapsed.Seconds(), nil
}
