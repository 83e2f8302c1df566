// Package ratelimit keeps one HTTP client from using up what a server
// shares between all: it names a request's client by its address
// (ClientOf), lets each client make only so many requests a second
// (Rate), and counts failures per client (Failures) so that a client
// guessing secrets is refused for a while after a few. Both remember a
// bounded number of clients: a flood from many addresses is refused, never
// let through and never paid for with memory.
//
// Imports: the standard library only.
package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
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
	clients table[failures]
}

type failures struct {
	count int
	start time.Time
}

func (f *Failures) settings() (int, time.Duration, int, time.Time) {
	max, window := f.Max, f.Window
	if max <= 0 {
		max = DefaultMaxFailures
	}
	if window <= 0 {
		window = DefaultWindow
	}
	clients, now := bounds(f.MaxClients, f.Now)
	return max, window, clients, now
}

// Blocked reports whether client has failed too often lately, and for how
// long it stays refused.
func (f *Failures) Blocked(client string) (time.Duration, bool) {
	max, window, _, now := f.settings()
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.clients.m[client]
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
	expired := func(c *failures) bool { return now.Sub(c.start) >= window }
	c := f.clients.admit(client, maxClients, expired, func() *failures { return &failures{start: now} })
	if c == nil {
		return
	}
	if expired(c) {
		*c = failures{start: now}
	}
	c.count++
}

// table is the bounded map of clients a limiter tracks.
type table[V any] struct {
	m map[string]*V
}

// admit returns client's entry, or a new one (fresh) when fewer than max
// clients are tracked, after forgetting those done says are done with;
// nil when every one of max tracked clients is still in play.
func (t *table[V]) admit(client string, max int, done func(*V) bool, fresh func() *V) *V {
	if v, ok := t.m[client]; ok {
		return v
	}
	if t.m == nil {
		t.m = map[string]*V{}
	}
	if len(t.m) >= max {
		for k, v := range t.m {
			if done(v) {
				delete(t.m, k)
			}
		}
		if len(t.m) >= max {
			return nil
		}
	}
	v := fresh()
	t.m[client] = v
	return v
}

// bounds returns maxClients, or DefaultMaxClients when it is not
// positive, and the time now by clock (time.Now when nil).
func bounds(maxClients int, clock func() time.Time) (int, time.Time) {
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	if clock == nil {
		clock = time.Now
	}
	return maxClients, clock()
}

// Defaults of Rate.
const (
	DefaultRatePerSecond = 5.0
	DefaultRateBurst     = 10
)

// Rate gives each client a bucket of Burst tokens, refilled at PerSecond
// tokens a second; a request takes one, and a client with an empty bucket
// is refused until a token is back. It is safe for concurrent use, and
// bounded: when MaxClients clients are tracked, those whose bucket is full
// again (idle for Burst/PerSecond seconds, so as if new) are forgotten,
// and while none is, new clients are refused rather than tracked.
type Rate struct {
	// PerSecond is the refill rate; zero: DefaultRatePerSecond.
	PerSecond float64
	// Burst is how many requests a client may make at once; zero:
	// DefaultRateBurst.
	Burst int
	// MaxClients bounds the clients tracked; zero: DefaultMaxClients.
	MaxClients int
	// Now is the clock; nil: time.Now.
	Now func() time.Time

	mu      sync.Mutex
	buckets table[bucket]
}

type bucket struct {
	tokens float64
	last   time.Time
}

func (l *Rate) settings() (float64, float64, int, time.Time) {
	rate, burst := l.PerSecond, float64(l.Burst)
	if rate <= 0 {
		rate = DefaultRatePerSecond
	}
	if burst <= 0 {
		burst = DefaultRateBurst
	}
	clients, now := bounds(l.MaxClients, l.Now)
	return rate, burst, clients, now
}

// Allow reports whether client may make a request now, and counts it if
// so; if not, it says how long until the client's next token (for a
// Retry-After header; zero when the client is refused because too many
// others are tracked).
func (l *Rate) Allow(client string) (time.Duration, bool) {
	rate, burst, maxClients, now := l.settings()
	l.mu.Lock()
	defer l.mu.Unlock()
	// A client idle for full has its bucket full again: as if new.
	full := time.Duration(burst / rate * float64(time.Second))
	b := l.buckets.admit(client, maxClients,
		func(b *bucket) bool { return now.Sub(b.last) >= full },
		func() *bucket { return &bucket{tokens: burst, last: now} })
	if b == nil {
		return 0, false
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed*rate)
		b.last = now
	}
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// RetryAfter is the Retry-After header value for a client refused for
// wait: whole seconds, rounded up past wait so that a client coming back
// on time is not refused again (at least 1).
func RetryAfter(wait time.Duration) string {
	return strconv.Itoa(int(wait/time.Second) + 1)
}
