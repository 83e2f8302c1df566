// Package ratelimit keeps one HTTP client from using up what a server
// shares between all: it names a request's client by its address
// (ClientOf), and counts failures per client (Failures) so that a client
// guessing secrets is refused for a while after a few.
//
// Imports: the standard library only.
package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// ClientOf names the client of r by the address the connection comes
// from: the IP address, or for IPv6 its /64 prefix (a single host commonly
// holds a whole /64, and would otherwise count as billions of clients).
// Forwarded headers are not read: a client could write any address there.
func ClientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// Defaults of Failures.
const (
	DefaultMaxFailures = 10
	DefaultWindow      = time.Minute
	// DefaultMaxClients bounds the clients tracked at once.
	DefaultMaxClients = 100_000
)

// Failures counts failures (a wrong token, a wrong password) per client:
// after Max failures within Window, the client is refused until the
// window ends. It is safe for concurrent use, and bounded: when MaxClients
// clients are tracked and none has an expired window, new clients are
// refused rather than tracked (a flood from many addresses is then
// refused as a whole, never let through).
type Failures struct {
	// Max failures are allowed per Window; zero: DefaultMaxFailures.
	Max int
	// Window is how long failures count; zero: DefaultWindow.
	Window time.Duration
	// MaxClients bounds the clients tracked; zero: DefaultMaxClients.
	MaxClients int
	// Now is the clock; nil: time.Now.
	Now func() time.Time

	mu      sync.Mutex
	clients map[string]*failures
}

type failures struct {
	count int
	start time.Time
}

func (f *Failures) settings() (int, time.Duration, int, time.Time) {
	max, window, clients, now := f.Max, f.Window, f.MaxClients, time.Now
	if max <= 0 {
		max = DefaultMaxFailures
	}
	if window <= 0 {
		window = DefaultWindow
	}
	if clients <= 0 {
		clients = DefaultMaxClients
	}
	if f.Now != nil {
		now = f.Now
	}
	return max, window, clients, now()
}

// Blocked reports whether client has failed too often lately, and for how
// long it stays refused.
func (f *Failures) Blocked(client string) (time.Duration, bool) {
	max, window, _, now := f.settings()
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.clients[client]
	if c == nil || now.Sub(c.start) >= window || c.count < max {
		return 0, false
	}
	return c.start.Add(window).Sub(now), true
}

// Fail counts a failure of client.
func (f *Failures) Fail(client string) {
	_, window, maxClients, now := f.settings()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.clients == nil {
		f.clients = map[string]*failures{}
	}
	c := f.clients[client]
	if c == nil || now.Sub(c.start) >= window {
		if c == nil && len(f.clients) >= maxClients {
			for k, old := range f.clients {
				if now.Sub(old.start) >= window {
					delete(f.clients, k)
				}
			}
			if len(f.clients) >= maxClients {
				return
			}
		}
		c = &failures{start: now}
		f.clients[client] = c
	}
	c.count++
}
