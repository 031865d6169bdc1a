package tag

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestScanMatchesNaive checks the double-array automaton against the plain definition of
// a match: at each word start, every pattern that the text begins with and that ends on a
// word boundary (or, for a stem, anywhere), shortest first. Patterns and texts use a
// small alphabet so that they share many prefixes, as place names do.
func TestScanMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func(alphabet string, n int) []byte {
		w := make([]byte, n)
		for i := range w {
			w[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return w
	}
	for round := range 200 {
		type pattern struct {
			key  []byte
			stem bool
		}
		alphabet := "abc"[:1+round%3] + "xyz"[:round%2]
		tb := newTrieBuilder()
		var pats []pattern
		seen := map[string]bool{}
		for range 1 + rng.IntN(60) {
			var key []byte
			for w := range 1 + rng.IntN(3) {
				if w > 0 {
					key = append(key, softBreak)
				}
				key = append(key, word(alphabet, 1+rng.IntN(4))...)
			}
			if len(key) < 3 {
				continue
			}
			stem := rng.IntN(4) == 0
			id := string(key) + map[bool]string{true: "*"}[stem]
			if seen[id] {
				continue
			}
			seen[id] = true
			term := int32(len(pats))
			pats = append(pats, pattern{key, stem})
			n := tb.insert(key)
			if stem {
				tb.nodes[n].pref = term
			} else {
				tb.nodes[n].exact = term
			}
		}
		tr := tb.build()

		for range 20 {
			buf := []byte{hardBreak}
			var starts []int32
			for w := range rng.IntN(12) {
				if w > 0 {
					buf = append(buf, " . "[rng.IntN(3)])
				}
				starts = append(starts, int32(len(buf)))
				buf = append(buf, word(alphabet+"q", 1+rng.IntN(5))...)
			}
			buf = append(buf, hardBreak)

			got := tr.scan(buf, starts, nil)
			var want []match
			for _, s := range starts {
				var here []match
				for id, p := range pats {
					if !bytes.HasPrefix(buf[s:], p.key) {
						continue
					}
					end := s + int32(len(p.key))
					if p.stem {
						for isWordByte(buf[end]) {
							end++
						}
					} else if isWordByte(buf[end]) {
						continue
					}
					here = append(here, match{term: int32(id), word: s, start: s, end: end})
				}
				// The walk meets shorter patterns first, and at one node the exact
				// term before the stem.
				slices.SortStableFunc(here, func(a, b match) int {
					if la, lb := len(pats[a.term].key), len(pats[b.term].key); la != lb {
						return la - lb
					}
					if pats[a.term].stem == pats[b.term].stem {
						return 0
					}
					if pats[a.term].stem {
						return 1
					}
					return -1
				})
				want = append(want, here...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, text %q:\n got %v\nwant %v", round, buf, got, want)
			}
		}
	}
}
