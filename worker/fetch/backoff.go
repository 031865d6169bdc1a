package fetch

import (
	"math/rand/v2"
	"time"
)

// Backoff bounds. A failing feed is retried at least once a day forever: the
// anchors' habit of disabling a feed after a few errors loses news silently.
const (
	MinBackoff = 5 * time.Minute
	MaxBackoff = 24 * time.Hour
)

// NextAttempt returns how long to wait before fetching a feed again after
// consecutiveErrors failures in a row (counting the one just seen).
//
// The delay doubles from MinBackoff with each error, with "equal jitter": a
// random value in [d/2, d), so feeds that broke together (an outlet's server
// went down) spread out instead of retrying in lockstep, while the delay never
// falls below half its nominal value. A server's Retry-After is honoured when
// it asks for longer. The result never exceeds MaxBackoff. rnd may be nil to
// use the global source; tests pass a seeded one.
func NextAttempt(consecutiveErrors int, retryAfter time.Duration, rnd *rand.Rand) time.Duration {
	if consecutiveErrors <= 0 {
		return min(max(retryAfter, 0), MaxBackoff)
	}
	d := MaxBackoff
	// 5 min × 2^9 > 24 h, so larger shifts only risk overflow.
	if consecutiveErrors <= 9 {
		d = min(MinBackoff<<(consecutiveErrors-1), MaxBackoff)
	}
	var f float64
	if rnd != nil {
		f = rnd.Float64()
	} else {
		f = rand.Float64()
	}
	d = d/2 + time.Duration(f*float64(d/2))
	if retryAfter > d {
		d = retryAfter
	}
	return min(d, MaxBackoff)
}
