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
	if len(f.clients) > 2 {
		t.Fatalf("%d clients tracked, want at most 2", len(f.clients))
	}
}
