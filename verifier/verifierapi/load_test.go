package verifierapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sceau/sceau/verifier"
)

// TestLoadVerifyV1 runs POST /v1/verify on loopback with 64 and then 256
// concurrent clients, for a bounded number of requests (many more with
// SCEAU_LONG_TESTS=1), and checks that every request gets a valid verdict
// and that memory stays bounded. It logs p50 and p99 latencies.
func TestLoadVerifyV1(t *testing.T) {
	perClient := 4
	if os.Getenv("SCEAU_LONG_TESTS") == "1" {
		perClient = 40
	}
	e := newEnv(t)
	creds := e.issue(diploma(), diploma(), diploma(), diploma(), diploma(), diploma(), diploma(), diploma())
	s := newServer(t, e)
	bodies := make([][]byte, 0, 2*len(creds))
	for _, is := range creds {
		for _, text := range []string{is.qr, is.jwt} {
			b, err := json.Marshal(map[string]string{"credential": text})
			if err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, b)
		}
	}
	const maxHeapGrowth = 64 << 20
	baseline := heapInUse()
	for _, clients := range []int{64, 256} {
		transport := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
		client := &http.Client{Transport: transport, Timeout: 60 * time.Second}
		var peak atomic.Uint64
		stop := sampleHeap(&peak)
		latencies, failures := runLoad(client, s.url+"/v1/verify", bodies, clients, perClient)
		stop()
		transport.CloseIdleConnections()
		if len(failures) > 0 {
			t.Fatalf("%d clients: %d of %d requests failed, first: %s", clients, len(failures), clients*perClient, failures[0])
		}
		slices.Sort(latencies)
		p50, p99 := percentile(latencies, 50), percentile(latencies, 99)
		t.Logf("%3d clients, %5d requests on loopback: p50 %v, p99 %v, peak heap %d MiB", clients, len(latencies), p50.Round(time.Microsecond), p99.Round(time.Microsecond), peak.Load()>>20)
		if growth := peak.Load() - min(peak.Load(), baseline); growth > maxHeapGrowth {
			t.Errorf("%d clients: the heap grew by %d MiB under load, more than %d MiB", clients, growth>>20, maxHeapGrowth>>20)
		}
	}
	if after := heapInUse(); after > baseline+16<<20 {
		t.Errorf("heap in use %d MiB after the load, %d MiB before: memory is not released", after>>20, baseline>>20)
	}
}

// runLoad sends perClient requests from each of clients goroutines and
// returns every latency and every failure.
func runLoad(client *http.Client, url string, bodies [][]byte, clients, perClient int) ([]time.Duration, []string) {
	var mu sync.Mutex
	var latencies []time.Duration
	var failures []string
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range perClient {
				body := bodies[(c*perClient+i)%len(bodies)]
				start := time.Now()
				err := postVerify(client, url, body)
				elapsed := time.Since(start)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					latencies = append(latencies, elapsed)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return latencies, failures
}

func postVerify(client *http.Client, url string, body []byte) error {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var res verifier.Result
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &res) != nil || res.Verdict != verifier.Valid {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, data)
	}
	return nil
}

// percentile returns the p-th percentile of sorted latencies.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// sampleHeap records the peak heap in use every 20 ms until stopped.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
