package ratelimit

import (
	"net/http"
	"testing"
	"time"
)

func TestClientOf(t *testing.T) {
	for _, c := range []struct{ remote, want string }{
		{"192.0.2.7:5000", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:5000", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"not an address", "not an address"},
	} {
		if got := ClientOf(&http.Request{RemoteAddr: c.remote}); got != c.want {
			t.Errorf("ClientOf(%q) = %q, want %q", c.remote, got, c.want)
		}
	}
}

func TestFailuresBlockAClientForItsWindowOnly(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &Failures{Max: 3, Window: time.Minute, MaxClients: 2, Now: func() time.Time { return now }}
	for range 3 {
		if _, blocked := f.Blocked("a"); blocked {
			t.Fatal("blocked before its third failure")
		}
		f.Fail("a")
	}
	if wait, blocked := f.Blocked("a"); !blocked || wait != time.Minute {
		t.Fatalf("after 3 failures: blocked %v for %s", blocked, wait)
	}
	if _, blocked := f.Blocked("b"); blocked {
		t.Fatal("another client is blocked")
	}
	f.Fail("b")
	f.Fail("c") // over MaxClients: not tracked, never let through by it
	now = now.Add(time.Minute)
	if _, blocked := f.Blocked("a"); blocked {
		t.Fatal("still blocked once the window ended")
	}
	f.Fail("d") // the expired entries make room
	if len(f.clients.m) > 2 {
		t.Fatalf("%d clients tracked, want at most 2", len(f.clients.m))
	}
}

func TestRateRefillsPerClientAndStaysBounded(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	now := t0
	l := &Rate{PerSecond: 2, Burst: 3, MaxClients: 2, Now: func() time.Time { return now }}
	for i := range 3 {
		if _, ok := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if wait, ok := l.Allow("a"); ok || wait != 500*time.Millisecond {
		t.Errorf("a fourth request at once: allowed %v, wait %s; want refused for 500ms", ok, wait)
	}
	now = t0.Add(500 * time.Millisecond)
	if _, ok := l.Allow("a"); !ok {
		t.Error("half a second later (a token at 2 a second) refused")
	}
	if _, ok := l.Allow("a"); ok {
		t.Error("the refilled token counted twice")
	}
	now = t0
	if _, ok := l.Allow("b"); !ok {
		t.Error("a second client refused")
	}
	// The limiter remembers 2 clients: a third is refused while both are
	// active, and served once one of them has been idle long enough to be
	// forgotten (its bucket full again: 1.5 s).
	now = t0.Add(time.Second)
	if _, ok := l.Allow("c"); ok {
		t.Error("a third client allowed while the limiter is full of active ones")
	}
	now = t0.Add(2 * time.Second)
	if _, ok := l.Allow("c"); !ok {
		t.Error("a third client refused once the others went idle")
	}
	if len(l.buckets.m) > 2 {
		t.Errorf("the limiter remembers %d clients, more than its 2", len(l.buckets.m))
	}
}

func TestRetryAfter(t *testing.T) {
	for _, c := range []struct {
		wait time.Duration
		want string
	}{{0, "1"}, {200 * time.Millisecond, "1"}, {time.Second, "2"}, {59500 * time.Millisecond, "60"}} {
		if got := RetryAfter(c.wait); got != c.want {
			t.Errorf("RetryAfter(%s) = %q, want %q", c.wait, got, c.want)
		}
	}
}
