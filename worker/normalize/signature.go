package normalize

import (
	"math/bits"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SimilarityThreshold is the largest Hamming distance between two
// signatures that Similar treats as the same story.
//
// SimHash flips each bit with probability θ/π, θ being the angle between the
// two texts' shingle vectors. In TestSignatureGroupsReprintsOnly, a dispatch
// reprinted with a new title, a credit line, a sentence cut or added, or its
// lead rewritten lands 6 to 11 bits away; articles on the same subject
// written separately, and unrelated ones, 27 to 38 bits away. Random pairs
// fall within 12 bits with probability about 3e-7, so the storage stage
// should still compare only against a recent window (a few days), where a
// false merge stays rare; a reprint edited more heavily than the cases above
// is missed rather than a distinct story merged.
const SimilarityThreshold = 12

// MinShingles is the number of shingles below which a signature says too
// little to group on: two one-line titles can collide by chance.
const MinShingles = 8

// shingleSize is the number of consecutive words hashed together.
const shingleSize = 3

// Signature returns a 64-bit SimHash of text over shingles of consecutive
// normalised words, and the number of shingles it was built from. Case,
// accents, Arabic short vowels and letter variants, and punctuation do not
// change it.
func Signature(text string) (sig uint64, shingles int) {
	words := foldWords(text)
	if len(words) == 0 {
		return 0, 0
	}
	var counts [64]int
	add := func(h uint64) {
		for i := range 64 {
			if h&(1<<i) != 0 {
				counts[i]++
			} else {
				counts[i]--
			}
		}
		shingles++
	}
	if len(words) < shingleSize {
		for _, w := range words {
			add(hashString(w))
		}
	} else {
		for i := 0; i+shingleSize <= len(words); i++ {
			h := uint64(fnvOffset)
			for _, w := range words[i : i+shingleSize] {
				h = fnvAdd(h, w)
				h = fnvAddByte(h, ' ')
			}
			add(mix(h))
		}
	}
	for i, c := range counts {
		if c > 0 {
			sig |= 1 << i
		}
	}
	return sig, shingles
}

// Hamming returns the number of bits that differ between two signatures.
func Hamming(a, b uint64) int {
	return bits.OnesCount64(a ^ b)
}

// Similar reports whether two signatures are close enough to be one story.
// Callers should not group articles whose signatures have fewer than
// MinShingles shingles.
func Similar(a, b uint64) bool {
	return Hamming(a, b) <= SimilarityThreshold
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = fnvAddByte(h, s[i])
	}
	return h
}

func fnvAddByte(h uint64, c byte) uint64 {
	h ^= uint64(c)
	return h * fnvPrime
}

func hashString(s string) uint64 { return mix(fnvAdd(fnvOffset, s)) }

// mix is the splitmix64 finaliser. FNV alone spreads short, similar inputs
// badly over the high bits, which SimHash needs to be independent.
// Signatures are stored, so this hashing must never change.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// foldWords splits text into comparison words: NFKD-decomposed with
// combining marks removed (é→e, Arabic harakat dropped), lower case, Arabic
// letter variants unified (أ إ آ ٱ→ا, ة→ه, ى→ي, ؤ→و, ئ→ي), tatweel removed,
// Arabic-Indic digits made ASCII. Words of one letter (French elisions
// l' d' qu', the Arabic conjunction و written apart) are dropped.
func foldWords(text string) []string {
	var words []string
	var w strings.Builder
	letters := 0
	flush := func() {
		if letters > 1 {
			words = append(words, w.String())
		}
		w.Reset()
		letters = 0
	}
	for _, r := range norm.NFKD.String(text) {
		if unicode.Is(unicode.Mn, r) || r == 'ـ' {
			continue
		}
		r = foldArabic(unicode.ToLower(r))
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			w.WriteRune(r)
			letters++
			continue
		}
		flush()
	}
	flush()
	return words
}

func foldArabic(r rune) rune {
	switch r {
	case 'أ', 'إ', 'آ', 'ٱ':
		return 'ا'
	case 'ة':
		return 'ه'
	case 'ى', 'ئ':
		return 'ي'
	case 'ؤ':
		return 'و'
	}
	if r >= '٠' && r <= '٩' {
		return '0' + (r - '٠')
	}
	if r >= '۰' && r <= '۹' {
		return '0' + (r - '۰')
	}
	return r
}
