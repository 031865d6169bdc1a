package store

import (
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"coopdesk/worker/normalize"
)

// TestStoryIndexMatch compares match with a plain scan of the entries, through additions
// and rollbacks: the closest similar article within the window, the first on a tie.
func TestStoryIndexMatch(t *testing.T) {
	x := newStoryIndex(DefaultStoryWindow)
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	near := func(sig uint64, flips int) uint64 {
		for range flips {
			sig ^= 1 << rng.IntN(64)
		}
		return sig
	}
	var seeds []uint64
	for range 20 {
		seeds = append(seeds, rng.Uint64())
	}
	at := func() time.Time { return base.Add(time.Duration(rng.IntN(10*24)) * time.Hour) }
	for round := range 30 {
		var batch []recentArticle
		for range 50 {
			batch = append(batch, recentArticle{sig: near(seeds[rng.IntN(len(seeds))], rng.IntN(20)), published: at().Unix(), story: 1 + rng.IntN(1000)})
		}
		token := x.addPending(batch)
		if round%3 == 0 {
			x.dropPending(token)
		}
	}
	win := int64(DefaultStoryWindow / time.Second)
	for range 500 {
		sig, pub := near(seeds[rng.IntN(len(seeds))], rng.IntN(16)), at()
		want, best := 0, normalize.SimilarityThreshold+1
		for _, e := range x.entries {
			if d := pub.Unix() - e.published; d > win || d < -win {
				continue
			}
			if d := bits.OnesCount64(sig ^ e.sig); d < best {
				want, best = e.story, d
			}
		}
		if got := x.match(sig, pub, nil); got != want {
			t.Fatalf("match(%x, %v) = %d, want %d", sig, pub, got, want)
		}
	}
}
