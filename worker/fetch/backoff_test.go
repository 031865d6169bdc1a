package fetch

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestNextAttempt(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	nominal := MinBackoff
	for n := 1; n <= 40; n++ {
		lo, hi := nominal/2, nominal
		for range 200 {
			d := NextAttempt(n, 0, rnd)
			if d < lo || d > hi {
				t.Fatalf("NextAttempt(%d) = %v, want within [%v, %v]", n, d, lo, hi)
			}
		}
		nominal = min(nominal*2, MaxBackoff)
	}
	// A feed that has failed for weeks is still retried daily.
	if d := NextAttempt(1000, 0, rnd); d > MaxBackoff || d < MaxBackoff/2 {
		t.Errorf("after 1000 errors: %v", d)
	}
	// Retry-After wins when longer, is capped at a day, and is used alone
	// when the error count is not positive.
	if d := NextAttempt(1, 3*time.Hour, rnd); d != 3*time.Hour {
		t.Errorf("Retry-After 3h after one error: %v", d)
	}
	if d := NextAttempt(1, 72*time.Hour, rnd); d != MaxBackoff {
		t.Errorf("Retry-After 72h: %v", d)
	}
	if d := NextAttempt(8, time.Minute, rnd); d < 5*time.Hour {
		t.Errorf("a short Retry-After must not shorten the backoff: %v", d)
	}
	if d := NextAttempt(0, 0, rnd); d != 0 {
		t.Errorf("no error, no Retry-After: %v", d)
	}
	// A seeded source makes the schedule reproducible.
	a, b := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for n := 1; n <= 10; n++ {
		if x, y := NextAttempt(n, 0, a), NextAttempt(n, 0, b); x != y {
			t.Fatalf("same seed, different delays: %v vs %v", x, y)
		}
	}
	// Jitter really spreads feeds that failed together.
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[NextAttempt(3, 0, nil)] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct delays out of 50: no jitter", len(seen))
	}
}
