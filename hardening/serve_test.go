package hardening

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// served is a `sceau serve` running as a process of its own.
type served struct {
	url string
	cmd *exec.Cmd
	mu  sync.Mutex
	log bytes.Buffer
}

// logs returns what the server wrote on its standard error so far.
func (s *served) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

func (s *served) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Write(p)
}

// peakRSS returns the server's peak resident memory so far, in bytes
// (VmHWM of /proc; 0 where there is no /proc).
func (s *served) peakRSS(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// serve starts `sceau serve` on home, on a free loopback port, and stops
// it (SIGTERM) at the end of the test.
func serve(t *testing.T, bin, home string, env ...string) *served {
	t.Helper()
	s := &served{}
	s.cmd = exec.Command(bin, "--home", home, "serve", "--addr", "127.0.0.1:0")
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stderr = s
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	})
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), "sceau serve: verifier listening on "); ok {
				found <- strings.Fields(rest)[0]
			}
		}
	}()
	select {
	case s.url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("sceau serve did not start:\n%s", s.logs())
	}
	return s
}

// clientFrom returns an HTTP client whose connections come from the
// loopback address local (127.0.0.x): another client address for the
// server.
func clientFrom(local string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		DisableKeepAlives: false, MaxIdleConnsPerHost: 64,
	}}
}
