package search

import "testing"

// SetRankCap sets RankCap for the test.
func SetRankCap(t testing.TB, n int) {
	old := RankCap
	RankCap = n
	t.Cleanup(func() { RankCap = old })
}
