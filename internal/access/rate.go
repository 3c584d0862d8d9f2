package access

import (
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// Rate is a sustained rate of requests, one every Every, with bursts of up
// to Burst at once.
type Rate struct {
	Every time.Duration
	Burst int
}

// Limits are the request rates the server holds each caller to. A request
// from someone not signed in (no credentials, or credentials that do not
// hold) counts against its address; a signed-in request against its token
// or session and against its account, so that colleagues behind one proxy
// never share a limit.
type Limits struct {
	Address *Limiter // per client address, for requests not signed in
	Token   *Limiter // per API token or session
	Account *Limiter // per account, over all its tokens and sessions
}

// DefaultRates are the limits of a server that is not told otherwise: far
// above what a person or a well-behaved program does, far below what
// exhausts the server.
var DefaultRates = struct{ Address, Token, Account Rate }{
	Address: Rate{Every: 100 * time.Millisecond, Burst: 60}, // 10/s
	Token:   Rate{Every: 20 * time.Millisecond, Burst: 300}, // 50/s
	Account: Rate{Every: 10 * time.Millisecond, Burst: 600}, // 100/s
}

// Stranger takes one request of someone not signed in from the address
// addr: an IPv4 address, or an IPv6 one by its /64, which one subscriber
// usually holds whole. It reports false, with the wait, when the address
// is over its rate. Nil limits hold nobody.
func (l *Limits) Stranger(addr string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	return l.Address.Allow(AddressKey(addr))
}

// Caller takes one request of the signed-in id, made with the credential
// secret (a token or a session's cookie): against the credential's rate
// and the account's. Signed-in requests never count against their
// address, so colleagues behind one proxy never share a limit.
func (l *Limits) Caller(id Identity, secret string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	if ok, wait := l.Token.Allow(Hash(secret)); !ok {
		return false, wait
	}
	return l.Account.Allow(strconv.FormatInt(id.UserID, 10))
}

// AddressKey is the key an address is limited and throttled by: the
// address itself, or for IPv6 its /64.
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() {
		return addr
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// NewLimits returns limits at the default rates.
func NewLimits() *Limits {
	return &Limits{
		Address: NewLimiter(DefaultRates.Address),
		Token:   NewLimiter(DefaultRates.Token),
		Account: NewLimiter(DefaultRates.Account),
	}
}

// Limiter holds keys to a rate: a token bucket per key, kept as the time at
// which the key's bucket is full again (the generic cell rate algorithm),
// so a key costs one map entry and no timer. It lives in the server's
// memory: each server holds each caller to the rate on its own.
type Limiter struct {
	rate Rate
	// Now is the limiter's clock; nil is time.Now.
	Now func() time.Time
	// Max is the most keys kept at once; past it, the keys whose buckets
	// are full are dropped, then arbitrary ones, so that a caller who
	// invents keys costs bounded memory. Zero is 100,000.
	Max int

	mu   sync.Mutex
	full map[string]time.Time
}

// NewLimiter returns a limiter at rate.
func NewLimiter(rate Rate) *Limiter {
	return &Limiter{rate: rate, full: map[string]time.Time{}}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Allow takes one request from key's bucket. It reports false, with how
// long until the next request would be allowed, when the bucket is empty;
// a refused request takes nothing.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.rate.Every <= 0 {
		return true, 0
	}
	now := l.now()
	tolerance := l.rate.Every * time.Duration(max(l.rate.Burst-1, 0))
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, ok := l.full[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	if wait := tat.Sub(now) - tolerance; wait > 0 {
		return false, wait
	}
	if !ok {
		l.makeRoom(now)
	}
	l.full[key] = tat.Add(l.rate.Every)
	return true, 0
}

// makeRoom keeps the map within Max before a key is added.
func (l *Limiter) makeRoom(now time.Time) {
	limit := l.Max
	if limit <= 0 {
		limit = 100_000
	}
	if len(l.full) < limit {
		return
	}
	for k, t := range l.full {
		if !t.After(now) {
			delete(l.full, k)
		}
	}
	for k := range l.full {
		if len(l.full) < limit {
			break
		}
		delete(l.full, k)
	}
}

// TooMany is the refusal of a request over its limit.
func TooMany(wait time.Duration, format string, args ...any) error {
	e := fault.Errorf(fault.TooMany, format, args...)
	e.RetryAfter = wait
	return e
}
