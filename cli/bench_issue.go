package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// benchIssuerID is the issuer the benchmark creates in its temporary home.
const benchIssuerID = "bench-office"

// benchIssueResult is what `sceau bench issue` prints, as one JSON object.
type benchIssueResult struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
	// CredentialsPerSecond is Count over DurationSeconds: CSV rows read,
	// validated, signed in every form, anchored and written as `sceau
	// issue` writes them (batch files; with Output's files per credential).
	CredentialsPerSecond float64 `json:"credentials_per_second"`
	// BareSignaturesPerSecond is the raw signing rate of the same key, on
	// the same cores, in the same process: the mean of a measurement just
	// before the issuance and one just after, so that a load that changes
	// during a long run weighs on both sides of the ratio.
	BareSignaturesPerSecond float64 `json:"bare_signatures_per_second"`
	// SignaturesPerCredential is the number of secured forms (one
	// signature each) of a credential.
	SignaturesPerCredential int `json:"signatures_per_credential"`
	// BareCredentialRate is BareSignaturesPerSecond / SignaturesPerCredential:
	// the rate if signing were the only work.
	BareCredentialRate float64 `json:"bare_credential_rate"`
	// Ratio is CredentialsPerSecond / BareCredentialRate.
	Ratio float64 `json:"ratio"`
	// CPURatio is the ratio by CPU time rather than wall time: the
	// process's CPU per credential (user and system) during the bare
	// signing, times SignaturesPerCredential, over its CPU per credential
	// during the issuance. On a machine other work shares, the wall-clock
	// ratio moves with that work; this one much less. With every core busy
	// the two agree. Absent where the platform does not tell CPU time.
	CPURatio float64 `json:"cpu_ratio,omitempty"`
	// CPUMicrosPerCredential is the process's CPU time per credential
	// during the issuance, in µs.
	CPUMicrosPerCredential float64 `json:"cpu_us_per_credential,omitempty"`
	// CPUUtilization is the issuance's CPU time over its duration times
	// GOMAXPROCS: how busy it kept the cores it had.
	CPUUtilization  float64 `json:"cpu_utilization,omitempty"`
	PeakRSSBytes    uint64  `json:"peak_rss_bytes"`
	PeakHeapBytes   uint64  `json:"peak_heap_bytes"`
	DurationSeconds float64 `json:"duration_seconds"`
	// Context of the figures.
	// Output is what was written besides the batch files: "" (the
	// default output), or "bundles", "png", "pdf" per credential.
	Output     string `json:"output,omitempty"`
	Alg        string `json:"alg"`
	Chunk      int    `json:"chunk"`
	GOMAXPROCS int    `json:"gomaxprocs"`
}

func benchIssueCommand() *cli.Command {
	return &cli.Command{
		Name:  "issue",
		Usage: "measure batch issuance end to end on a temporary embedded ledger; print one JSON object",
		Description: "Creates a temporary home with an embedded ledger and an accredited issuer, writes a synthetic\n" +
			"CSV of --count fictitious rows, issues it as `sceau issue` does (every form signed, anchored, batch\n" +
			"files written, the same garbage collector settings; with --bundles, --png, --pdf also those files per\n" +
			"credential), measures the bare\n" +
			"signature rate of the issuer's key on all cores before and after, and prints credentials/s, the bare\n" +
			"rate, their ratio, and peak RSS and Go heap.\n" +
			"Progress goes to stderr; the temporary folder is removed unless --keep.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "type", Usage: "Diploma or PixCertification", Required: true},
			&cli.IntFlag{Name: "count", Usage: "number of rows to issue", Value: 10000},
			&cli.IntFlag{Name: "chunk", Usage: "credentials per anchored batch", Value: issuer.DefaultChunk},
			&cli.StringFlag{Name: "alg", Usage: "issuer key algorithm: ES256 or EdDSA", Value: "ES256"},
			&cli.DurationFlag{Name: "signature-time", Usage: "how long the bare signature rate is measured, before and again after the issuance", Value: 3 * time.Second},
			&cli.StringFlag{Name: "dir", Usage: "where to create the temporary folder (the system's when empty)"},
			&cli.BoolFlag{Name: "keep", Usage: "keep the temporary folder and print its path on stderr"},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of the issuance to this file"},
			&cli.BoolFlag{Name: "bundles", Usage: "also write each credential's bundle, as sceau issue --bundles does"},
			&cli.BoolFlag{Name: "png", Usage: "also write each credential's bundle and QR image, as sceau issue --png does"},
			&cli.BoolFlag{Name: "pdf", Usage: "also write each credential's bundle and PDF certificate, as sceau issue --pdf does"},
		},
		Action: action(func(c *cli.Context, e *env) error {
			if c.NArg() != 0 {
				return usageErr("bench issue takes no positional argument (flags only)")
			}
			typ := c.String("type")
			if typ != schemas.TypeDiploma && typ != schemas.TypePixCertification {
				return usageErr("--type %q: use Diploma or PixCertification", typ)
			}
			if c.Int("count") < 1 {
				return usageErr("--count must be at least 1")
			}
			if c.Int("chunk") < 1 {
				return usageErr("--chunk must be at least 1")
			}
			tmp, err := os.MkdirTemp(c.String("dir"), "sceau-bench-*")
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			if c.Bool("keep") {
				fmt.Fprintf(e.stderr, "bench folder: %s\n", tmp)
			} else {
				// Removed once the result is printed: removing a million
				// bundles takes minutes.
				defer os.RemoveAll(tmp)
			}
			res, err := runBenchIssue(c.Context, e, tmp, benchIssueOptions{
				typ: typ, count: c.Int("count"), chunk: c.Int("chunk"), alg: c.String("alg"),
				sigTime: c.Duration("signature-time"), cpuProfile: c.String("cpuprofile"),
				bundles: c.Bool("bundles"), png: c.Bool("png"), pdf: c.Bool("pdf"),
			})
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, res)
		}),
	}
}

type benchIssueOptions struct {
	typ        string
	count      int
	chunk      int
	alg        string
	sigTime    time.Duration
	cpuProfile string
	// The files written per credential, as `sceau issue` flags them.
	bundles, png, pdf bool
}

// output names the files written per credential, as benchIssueResult.Output.
func (o benchIssueOptions) output() string {
	var parts []string
	for _, f := range []struct {
		on   bool
		name string
	}{{o.bundles, "bundles"}, {o.png, "png"}, {o.pdf, "pdf"}} {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	return strings.Join(parts, "+")
}

// runBenchIssue runs the benchmark in the folder tmp.
func runBenchIssue(ctx context.Context, e *env, tmp string, o benchIssueOptions) (*benchIssueResult, error) {
	home := filepath.Join(tmp, "home")
	l, err := embedded.Init(ctx, org.Home(home).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	svc := issuer.NewService(home, l, e.logger)
	profile, err := svc.Init(ctx, issuer.InitOptions{ID: benchIssuerID, Name: "Benchmark exam office", Alg: o.alg, NoPassphrase: true})
	if err != nil {
		return nil, err
	}
	if err := svc.Contract.AccreditIssuer(ctx, governanceOrg, benchIssuerID, []record.CredentialType{record.CredentialType(o.typ)}, ""); err != nil {
		return nil, err
	}
	input := filepath.Join(tmp, "input.csv")
	if err := writeSyntheticInput(input, o.typ, o.count); err != nil {
		return nil, err
	}

	var bareSigns bareSigning
	bareBefore, err := bareSigns.measure(func() (float64, error) { return svc.SignatureRate(ctx, benchIssuerID, o.sigTime, 0) })
	if err != nil {
		return nil, err
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	heap := startHeapSampler(20 * time.Millisecond)
	// As sceau issue runs; the bare rate is measured with the cores alone.
	workers, restore := issuanceRuntime()
	cpuStart, cpuKnown := processCPU()
	sum, err := svc.Issue(ctx, issuer.IssueOptions{
		IssuerID: benchIssuerID, Type: o.typ, Input: input, OutDir: filepath.Join(tmp, "out"), Workers: workers,
		Chunk: o.chunk, Progress: progress(e.stderr, e.language()), Bundles: o.bundles, PNG: o.png, PDF: o.pdf,
	})
	cpuEnd, _ := processCPU()
	restore()
	peakHeap := heap.stop()
	if err != nil {
		return nil, err
	}
	if sum.Issued != o.count {
		return nil, fmt.Errorf("bench: %d credentials issued out of %d rows", sum.Issued, o.count)
	}
	bareAfter, err := bareSigns.measure(func() (float64, error) { return svc.SignatureRate(ctx, benchIssuerID, o.sigTime, 0) })
	if err != nil {
		return nil, err
	}
	bare := (bareBefore + bareAfter) / 2
	res := &benchIssueResult{
		Type:                    o.typ,
		Count:                   o.count,
		CredentialsPerSecond:    float64(sum.Issued) / sum.Duration.Seconds(),
		BareSignaturesPerSecond: bare,
		SignaturesPerCredential: sum.FormsPerCredential,
		PeakRSSBytes:            peakRSS(),
		PeakHeapBytes:           peakHeap,
		DurationSeconds:         sum.Duration.Seconds(),
		Output:                  o.output(),
		Alg:                     profile.Keys[0].Alg,
		Chunk:                   o.chunk,
		GOMAXPROCS:              runtime.GOMAXPROCS(0),
	}
	if res.SignaturesPerCredential > 0 {
		res.BareCredentialRate = bare / float64(res.SignaturesPerCredential)
	}
	if res.BareCredentialRate > 0 {
		res.Ratio = res.CredentialsPerSecond / res.BareCredentialRate
	}
	if cpu := cpuEnd - cpuStart; cpuKnown && bareSigns.known && cpu > 0 && sum.Issued > 0 {
		perCredential := cpu.Seconds() / float64(sum.Issued)
		res.CPUMicrosPerCredential = perCredential * 1e6
		res.CPUUtilization = cpu.Seconds() / (sum.Duration.Seconds() * float64(res.GOMAXPROCS))
		if perSignature := bareSigns.cpuPerSignature(); perSignature > 0 {
			res.CPURatio = perSignature * float64(res.SignaturesPerCredential) / perCredential
		}
	}
	return res, nil
}

// bareSigning adds up the CPU time and the signatures of the bare signing
// measurements.
type bareSigning struct {
	cpu        time.Duration
	signatures float64
	known      bool
}

// measure runs one measurement, which returns signatures per second.
func (b *bareSigning) measure(rate func() (float64, error)) (float64, error) {
	cpuStart, known := processCPU()
	start := time.Now()
	r, err := rate()
	elapsed := time.Since(start)
	cpuEnd, _ := processCPU()
	if err != nil {
		return 0, err
	}
	b.known = known
	b.cpu += cpuEnd - cpuStart
	b.signatures += r * elapsed.Seconds()
	return r, nil
}

// cpuPerSignature returns the CPU seconds of one bare signature, or 0.
func (b *bareSigning) cpuPerSignature() float64 {
	if !b.known || b.signatures == 0 {
		return 0
	}
	return b.cpu.Seconds() / b.signatures
}

// writeSyntheticInput writes count fictitious rows of typ to path, as a
// French spreadsheet saves them: ';', UTF-8 with a byte order mark, CRLF.
func writeSyntheticInput(path, typ string, count int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := issuer.WriteSyntheticCSV(f, typ, count, issuer.CSVDialect{Delimiter: ';', BOM: true, CRLF: true}, 1); err != nil {
		f.Close()
		return fmt.Errorf("bench: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// heapSampler records the peak of the Go heap (bytes of heap objects,
// live or not yet swept) until stopped.
type heapSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func startHeapSampler(every time.Duration) *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	sample := []metrics.Sample{{Name: heapMetric}}
	read := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			h.peak = max(h.peak, sample[0].Value.Uint64())
		}
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			read()
			select {
			case <-h.done:
				read()
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// stop ends the sampling and returns the peak.
func (h *heapSampler) stop() uint64 {
	close(h.done)
	h.wg.Wait()
	return h.peak
}

// peakRSS returns the process's peak resident set size (VmHWM), or 0 where
// /proc/self/status does not exist.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return parseVmHWM(f)
}

// parseVmHWM reads the "VmHWM:  1234 kB" line of a /proc/<pid>/status file.
func parseVmHWM(r io.Reader) uint64 {
	s := bufio.NewScanner(r)
	for s.Scan() {
		rest, ok := bytes.CutPrefix(s.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0
		}
		kb, err := strconv.ParseUint(string(fields[0]), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
