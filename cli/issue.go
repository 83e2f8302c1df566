package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

func issueCommand() *cli.Command {
	return &cli.Command{
		Name:  "issue",
		Usage: "issue one credential per CSV row, anchor them, write a batch file per anchored batch",
		Description: "Every row is validated before anything is signed: by default one bad row stops the run and\n" +
			"nothing is anchored or written; so does a row repeating an earlier row's student and award.\n" +
			"--out receives one batch file per anchored batch, <batch>.jsonl (a bundle a line), and\n" +
			"manifest.csv; `sceau export` takes credentials out of them, each as its bundle, QR image or PDF.\n" +
			"--bundles, --png and --pdf write those per credential during the run.\n" +
			"Re-running the same command on the same input resumes an interrupted run where it stopped:\n" +
			"nothing is issued twice, nothing is lost, nothing done is written again. The issuer's register\n" +
			"(encrypted, in the home) keeps what it issued: rows of an extended export already issued by an\n" +
			"earlier run are left out and reported as such, unless --reissue. --dry-run only validates, and\n" +
			"says what would be issued. Headers are English or French (see sceau template), dates YYYY-MM-DD\n" +
			"or DD/MM/YYYY. Progress goes to standard error: a bar on a terminal, a line per batch otherwise.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "issuer", Usage: "issuer id", Required: true},
			&cli.StringFlag{Name: "type", Usage: "Diploma or PixCertification", Required: true},
			&cli.StringFlag{Name: "input", Usage: "the CSV `FILE` (separated by commas or semicolons, UTF-8 or Windows-1252: both detected)", Required: true},
			&cli.StringFlag{Name: "out", Usage: "folder for the batch files, manifest.csv and rejects.csv (not with --dry-run)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "validate every row and say what would be issued; sign, anchor and write nothing"},
			&cli.IntFlag{Name: "chunk", Usage: "credentials per anchored batch", Value: issuer.DefaultChunk},
			&cli.BoolFlag{Name: "skip-invalid", Usage: "issue the valid rows; write the invalid ones to <out>/rejects.csv"},
			&cli.StringFlag{Name: "encoding", Usage: "force the input encoding: utf-8 or windows-1252"},
			&cli.BoolFlag{Name: "bundles", Usage: "also write each credential's bundle, <uuid>.json"},
			&cli.BoolFlag{Name: "png", Usage: "also write each credential's bundle and QR image, <uuid>.png"},
			&cli.BoolFlag{Name: "pdf", Usage: "also write each credential's bundle and printable PDF certificate, <uuid>.pdf"},
			&cli.BoolFlag{Name: "reissue", Usage: "issue again the rows already issued (same student and award): each new credential replaces the old one, which is revoked with reason superseded"},
			&cli.BoolFlag{Name: "json", Usage: "print the run's summary as one JSON object (issued, reused, alreadyIssued, superseded, rejected, batches…)"},
		},
		Before: func(c *cli.Context) error {
			if c.Bool("dry-run") && c.IsSet("out") {
				return usageErr("--dry-run writes nothing: drop --out")
			}
			return nil
		},
		Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
			if c.NArg() != 0 {
				return usageErr("issue takes no positional argument (flags only)")
			}
			typ := c.String("type")
			if typ != schemas.TypeDiploma && typ != schemas.TypePixCertification {
				return usageErr("%s", e.say(msgBadType, typ))
			}
			input := c.String("input")
			if st, err := os.Stat(input); err != nil || st.IsDir() {
				return usageErr("%s", e.say(msgNotAFile, input))
			}
			opts := issuer.IssueOptions{
				IssuerID: c.String("issuer"), Type: typ, Input: input, OutDir: c.String("out"),
				Chunk: c.Int("chunk"), SkipInvalid: c.Bool("skip-invalid"), Encoding: c.String("encoding"),
				Bundles: c.Bool("bundles"), PNG: c.Bool("png"), PDF: c.Bool("pdf"), Reissue: c.Bool("reissue"),
				PublicURL: e.publicURL,
			}
			if c.Bool("dry-run") {
				return dryRun(c, e, l, opts)
			}
			if opts.OutDir == "" {
				return errors.New(e.say(msgOutRequired))
			}
			opts.Progress = progress(e.stderr, e.language())
			workers, restore := issuanceRuntime()
			defer restore()
			opts.Workers = workers
			sum, err := e.issuerService(l).Issue(c.Context, opts)
			if err != nil {
				return issueError(e.language(), err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, issueReport{IssueSummary: sum, Seconds: sum.Duration.Seconds()})
			}
			printIssueSummary(e, sum, opts)
			return nil
		}),
	}
}

// outputWritten says what a run wrote into --out besides its manifest.
func outputWritten(opts issuer.IssueOptions) string {
	what := "batch files (a bundle a line: sceau export takes credentials out of them)"
	switch {
	case opts.PNG && opts.PDF:
		what += ", a bundle, QR image and PDF certificate per credential,"
	case opts.PNG:
		what += ", a bundle and QR image per credential,"
	case opts.PDF:
		what += ", a bundle and PDF certificate per credential,"
	case opts.Bundles:
		what += ", a bundle per credential,"
	}
	return what
}

// dryRun prints what `sceau issue` would do with opts.
func dryRun(c *cli.Context, e *env, l network.Ledger, opts issuer.IssueOptions) error {
	sum, err := e.issuerService(l).DryRun(c.Context, opts)
	if sum != nil {
		w, lang := e.stdout, e.language()
		fmt.Fprintln(w, e.say(msgDryRun))
		header := map[string]msgID{"fr": msgHeaderFrench, "en": msgHeaderEnglish}[sum.Language]
		fmt.Fprintln(w, e.say(msgDryRunInput, sum.Input, sum.Rows, sum.Encoding, sum.Delimiter, e.say(header)))
		if err == nil {
			fmt.Fprintln(w, e.say(msgDryRunWould, sum.Valid, sum.Type, sum.IssuerID, sum.Batches))
		} else {
			fmt.Fprintln(w, e.say(msgDryRunNothing, sum.Valid, sum.Invalid))
		}
		if len(sum.First) > 0 {
			fmt.Fprintln(w, e.say(msgDryRunFirst))
			for _, p := range sum.First {
				fmt.Fprintln(w, e.say(msgDryRunRow, p.Line, p.StudentID, p.GivenName, p.FamilyName))
			}
		}
		if err == nil && sum.Invalid > 0 {
			fmt.Fprintln(w, e.say(msgDryRunRejected, sum.Invalid))
			for _, r := range sum.Problems {
				fmt.Fprintf(w, "  %s\n", rowErrorIn(lang, r))
			}
			if sum.Invalid > len(sum.Problems) {
				fmt.Fprintf(w, "  %s\n", e.say(msgRowsMore, sum.Invalid-len(sum.Problems)))
			}
		}
	}
	if err != nil {
		return issueError(e.language(), err)
	}
	return nil
}

// issueReport is the summary `sceau issue --json` prints.
type issueReport struct {
	*issuer.IssueSummary
	// Seconds is the run's wall time.
	Seconds float64 `json:"seconds"`
}

// printIssueSummary says what a run did, for a person.
func printIssueSummary(e *env, sum *issuer.IssueSummary, opts issuer.IssueOptions) {
	w := e.stdout
	fmt.Fprintln(w, e.say(msgIssueSummary, sum.Issued, sum.Type, sum.Reused, sum.Rejected, len(sum.Batches), sum.Duration.Round(time.Millisecond)))
	if sum.AlreadyIssued > 0 {
		fmt.Fprintln(w, e.say(msgIssueAlready, sum.AlreadyIssued))
	}
	if sum.Superseded > 0 {
		fmt.Fprintln(w, e.say(msgIssueReplaced, sum.Superseded))
	}
	if sum.Issued+sum.Reused > 0 || sum.Rejected > 0 {
		fmt.Fprintln(w, e.say(msgIssueWritten, outputWritten(opts), sum.OutDir))
	}
	if sum.Rejected > 0 {
		fmt.Fprintln(w, e.say(msgIssueRejects, sum.OutDir))
	}
}

// progress reports issuance progress on w (standard error): a bar with
// the rate and the time left when w is a terminal, otherwise a line when
// issuing starts and one per anchored batch.
func progress(w io.Writer, lang verifier.Language) func(done, total int) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total,
					progressbar.OptionSetWriter(w),
					progressbar.OptionSetDescription(say(lang, msgProgressBar)),
					progressbar.OptionShowCount(),
					progressbar.OptionShowIts(),
					progressbar.OptionSetItsString(say(lang, msgProgressUnit)),
					progressbar.OptionSetElapsedTime(true),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
				)
			}
			bar.Set(done)
		}
	}
	var start time.Time
	return func(done, total int) {
		if start.IsZero() {
			start = time.Now()
		}
		if done == 0 {
			fmt.Fprintln(w, say(lang, msgProgressStart, total))
			return
		}
		fmt.Fprintln(w, progressLineIn(lang, done, total, time.Since(start)))
	}
}

// progressLine is a line of progress: done of total credentials issued in
// elapsed, the rate and, until the end, the time left at that rate.
func progressLine(done, total int, elapsed time.Duration) string {
	return progressLineIn(verifier.English, done, total, elapsed)
}

// progressLineIn is progressLine in lang.
func progressLineIn(lang verifier.Language, done, total int, elapsed time.Duration) string {
	rate := float64(done) / max(elapsed.Seconds(), 1e-3)
	if done < total {
		left := time.Duration(float64(total-done) / rate * float64(time.Second))
		return say(lang, msgProgressLeft, done, total, rate, roundDuration(left))
	}
	return say(lang, msgProgressDone, done, total, rate)
}

// roundDuration writes d for a person: 45s, 3m10s, 1h05m.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// issuanceRuntime sets the Go runtime for a batch issuance, as sceau issue
// and sceau bench issue run one: the garbage collector (issuanceGC) and the
// scheduler (issuanceProcs). It returns the number of signing workers and
// the function that gives back the settings it found.
func issuanceRuntime() (workers int, restore func()) {
	restoreGC := issuanceGC()
	workers, restoreProcs := issuanceProcs()
	return workers, func() {
		restoreProcs()
		restoreGC()
	}
}

// The garbage collector's settings during a batch issuance (issuanceGC).
const (
	// issuanceGCPercent lets the heap grow to 4 times what is live
	// between two collections, instead of Go's default 2 times.
	issuanceGCPercent = 300
	// issuanceMemoryLimit is the soft limit of the Go runtime's memory,
	// which makes it collect sooner whenever the heap nears it.
	issuanceMemoryLimit = 128 << 20
	// issuanceMemoryCeiling is as high as the soft limit follows a live
	// heap that outgrows issuanceMemoryLimit (issuanceMemoryLimitFor).
	issuanceMemoryCeiling = 224 << 20
	// liveHeapEvery is how often the soft limit is fitted to the live heap,
	// and liveHeapSamples how many of the latest samples it is fitted to.
	liveHeapEvery   = 250 * time.Millisecond
	liveHeapSamples = 8
)

// issuanceGC sets the garbage collector for a batch issuance and returns
// the function that restores the previous settings. An issuance allocates
// about 90 KB a credential (its three forms, their signatures, the batch
// file, the ledger's pages) while it holds some 20 to 50 MB live (the
// chunks in flight): with Go's default the collector ran every 20 to 40
// MB allocated, about 120 times for 20 000 credentials, and cost 15 % of
// the run's CPU. Collecting at 4 times the live heap, capped by a soft
// limit of 128 MiB, takes a third less GC work for a peak resident size of
// about 180 MB (measured: README, issue #13). GOGC or GOMEMLIMIT in the
// environment win: the settings are then left as they are.
//
// What stays live grows with the ledger rather than with the input:
// bbolt's list of free pages and its pool of page buffers. Past a few
// hundred thousand credentials anchored it nears 128 MiB, and the
// collector then runs every few tens of milliseconds (8 % of a million-row
// run's CPU, and 3 % more in the scavenger's madvise). So while the
// issuance runs, the soft limit follows the live heap: twice the most that
// was live over the last two seconds, never under 128 MiB nor over 224 MiB
// (issuanceMemoryLimitFor). The most, not the latest: a collection that
// lands while the ledger commits finds a batch's pages live, the next one
// does not, and a limit fitted to each in turn swung between the two and
// had the collector run back to back whenever it was low.
func issuanceGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	percent := debug.SetGCPercent(issuanceGCPercent)
	limit := debug.SetMemoryLimit(issuanceMemoryLimit)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		followLiveHeap(stop, liveHeapEvery)
	}()
	return func() {
		close(stop)
		<-stopped
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// followLiveHeap sets the soft memory limit for the live heap every
// interval, until stop is closed.
func followLiveHeap(stop <-chan struct{}, every time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := int64(issuanceMemoryLimit)
	peak := newRecentPeak(liveHeapSamples)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if limit := issuanceMemoryLimitFor(peak.add(sample[0].Value.Uint64())); limit != set {
			debug.SetMemoryLimit(limit)
			set = limit
		}
	}
}

// recentPeak is the highest of the latest n values added.
type recentPeak struct {
	latest []uint64 // a ring of the latest values
	next   int      // where the next value goes in latest
}

func newRecentPeak(n int) *recentPeak { return &recentPeak{latest: make([]uint64, 0, n)} }

// add adds v and returns the highest of the latest values, v included.
func (p *recentPeak) add(v uint64) uint64 {
	if len(p.latest) < cap(p.latest) {
		p.latest = append(p.latest, v)
	} else {
		p.latest[p.next] = v
	}
	p.next = (p.next + 1) % cap(p.latest)
	return slices.Max(p.latest)
}

// issuanceMemoryLimitFor returns the soft memory limit for a live heap of
// live bytes: twice it, rounded up to a MiB, within issuanceMemoryLimit
// and issuanceMemoryCeiling.
func issuanceMemoryLimitFor(live uint64) int64 {
	const mib = 1 << 20
	twice := (2*int64(min(live, issuanceMemoryCeiling)) + mib - 1) / mib * mib
	return min(max(twice, issuanceMemoryLimit), issuanceMemoryCeiling)
}

// issuanceProcs gives the Go scheduler one processor (P) more than the
// cores that sign, for the length of a batch issuance, and returns the
// number of signing workers (the cores, GOMAXPROCS as it was) and the
// function that restores GOMAXPROCS.
//
// The stages that keep what is signed (the batch file, the ledger's
// commit, the register) wait in fsync and fdatasync for milliseconds at a
// time. A goroutine in a system call keeps its P until the runtime's
// monitor takes it back, which it does after 20 µs when busy but only
// every 10 ms once it has found nothing to do for a while: a core then
// stays idle while signatures wait for it (about 5 % of the run on two
// cores, measured from an execution trace). With one P more, the signing
// workers always find a free one. GOMAXPROCS in the environment wins: it
// is then left as it is.
func issuanceProcs() (workers int, restore func()) {
	cores := runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") != "" {
		return cores, func() {}
	}
	runtime.GOMAXPROCS(cores + 1)
	return cores, func() { runtime.SetDefaultGOMAXPROCS() }
}
