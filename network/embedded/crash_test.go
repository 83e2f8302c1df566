package embedded

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv, when set to a ledger directory, turns the test binary into
// a writer that commits transactions to that ledger until it is killed.
const crashChildEnv = "SCEAU_EMBEDDED_CRASH_WRITER"

// crashChildLimit bounds the writer, should nobody kill it.
const (
	crashChildMaxTx   = 5000
	crashChildMaxTime = 2 * time.Minute
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(runCrashWriter(dir))
	}
	os.Exit(m.Run())
}

// runCrashWriter commits transaction i (key tx<i>, plus 200 filler keys so
// that much of the time is spent committing) and prints "committed <i>"
// once Submit has returned.
func runCrashWriter(dir string) int {
	ctx := context.Background()
	l, err := Open(ctx, dir, OpenOptions{Chaincode: newTestChaincode})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	deadline := time.Now().Add(crashChildMaxTime)
	for i := 0; i < crashChildMaxTx && time.Now().Before(deadline); i++ {
		if _, err := l.Submit(ctx, "ministry", "putmany", fmt.Sprintf("tx%05d-", i), "200", "64"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Printf("committed %d\n", i)
	}
	return 0
}

func TestKilledWriterKeepsEveryCommittedTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	l, dir := newTestLedger(t)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const killAfter = 25
	var reported []int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "committed "))
		if err != nil {
			t.Fatalf("writer said %q", sc.Text())
		}
		reported = append(reported, n)
		if len(reported) == killAfter {
			// Kill it mid-stream: it is busy with the next transaction.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if len(reported) < killAfter {
		t.Fatalf("the writer stopped after %d transactions: %v", len(reported), err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the writer was not killed: %v", err)
	}

	l, err = Open(context.Background(), dir, OpenOptions{Chaincode: newTestChaincode})
	if err != nil {
		t.Fatalf("reopening after the kill: %v", err)
	}
	defer l.Close()
	for _, n := range reported {
		for _, k := range []string{fmt.Sprintf("tx%05d-%08d", n, 0), fmt.Sprintf("tx%05d-%08d", n, 199)} {
			if _, err := l.Evaluate(context.Background(), "", "get", k); err != nil {
				t.Errorf("transaction %d was reported committed but key %s is missing: %v", n, k, err)
			}
		}
	}
	info := mustInfo(t, l)
	t.Logf("killed after %d reported commits; the ledger holds %d transactions", len(reported), info.Height-1)
	if committed := info.Height - 1; committed < uint64(len(reported)) || committed > uint64(len(reported))+1 {
		t.Errorf("%d transactions in the ledger, %d reported committed: at most the one in flight may be missing from the report", committed, len(reported))
	}
	if info.StateKeys != int(info.Height-1)*200 {
		t.Errorf("%d state keys for %d transactions of 200 writes: a transaction was half-committed", info.StateKeys, info.Height-1)
	}
	mustVerifyClean(t, l)
	mustSubmit(t, l, "ministry", "put", "after", "restart")
}
