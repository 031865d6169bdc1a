package normalize

import (
	"math/bits"
	"sync"
	"unicode"
	"unicode/utf8"

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
//
// Signatures are stored and stories grouped on them, so the result must
// never change: equivalence_test.go checks this implementation against a
// frozen copy of the original, simpler one (signature_ref_test.go).
func Signature(text string) (sig uint64, shingles int) {
	f := folders.Get().(*folder)
	defer f.release()
	f.nfkd = norm.NFKD.AppendString(f.nfkd[:0], text)
	f.fold()
	return f.signature()
}

// titleTextSignature is Signature(title + "\n" + text), without building
// that string: Normalize signs every item, and the concatenation was one
// of its larger allocations. norm.NFKD.Append runs the same code as
// AppendString, on bytes.
func titleTextSignature(title, text string) (sig uint64, shingles int) {
	f := folders.Get().(*folder)
	defer f.release()
	f.src = append(append(append(f.src[:0], title...), '\n'), text...)
	f.nfkd = norm.NFKD.Append(f.nfkd[:0], f.src...)
	f.fold()
	return f.signature()
}

// signature computes the SimHash of the folded words.
func (f *folder) signature() (sig uint64, shingles int) {
	n := f.words()
	if n == 0 {
		return 0, 0
	}
	var c bitCounter
	if n < shingleSize {
		for i := range n {
			c.add(mix(fnvAdd(fnvOffset, f.word(i))))
		}
	} else {
		// A shingle's hash is FNV over "w1 w2 w3 ", each word followed by
		// one space: exactly the bytes of f.buf from the start of w1 to the
		// start of w4, so each shingle is hashed in one pass over f.buf.
		for i := 0; i+shingleSize <= n; i++ {
			c.add(mix(fnvAdd(fnvOffset, f.buf[f.starts[i]:f.starts[i+shingleSize]])))
		}
	}
	return c.sig(), c.n
}

// bitCounter computes a SimHash from the hashes added to it: bit i of the
// signature is set when more than half of the hashes have bit i set. (The
// original formulation, +1 per set bit and -1 per clear bit with the bit set
// when the sum is positive, is the same test: 2*ones - n > 0.)
//
// Counting 64 positions one by one for each hash dominated Signature's
// cost, so the counts are kept in SIMD-within-a-register form: lanes[j]
// holds eight 8-bit counters, byte k counting bit 8j+k. Adding a hash is
// then eight table lookups and eight additions. The 8-bit counters are
// emptied into ones every 255 hashes, before they can overflow.
type bitCounter struct {
	lanes   [8]uint64
	pending int // hashes added to lanes since the last spill
	ones    [64]int
	n       int // hashes added in all
}

// spreadBits[b] has byte k equal to bit k of b: the 8-bit counters that
// adding one byte of a hash increments.
var spreadBits = func() (t [256]uint64) {
	for b := range t {
		for k := range 8 {
			if b>>k&1 != 0 {
				t[b] |= 1 << (8 * k)
			}
		}
	}
	return t
}()

func (c *bitCounter) add(h uint64) {
	for j := range c.lanes {
		c.lanes[j] += spreadBits[byte(h>>(8*j))]
	}
	c.n++
	if c.pending++; c.pending == 255 {
		c.spill()
	}
}

// spill adds the 8-bit counters to ones and empties them.
func (c *bitCounter) spill() {
	for j, l := range c.lanes {
		for k := range 8 {
			c.ones[8*j+k] += int(l >> (8 * k) & 0xff)
		}
		c.lanes[j] = 0
	}
	c.pending = 0
}

// sig returns the SimHash of the hashes added.
func (c *bitCounter) sig() (sig uint64) {
	c.spill()
	for i, ones := range c.ones {
		if 2*ones > c.n {
			sig |= 1 << i
		}
	}
	return sig
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

func fnvAdd[S ~string | ~[]byte](h uint64, s S) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

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
//
// Signature folds into a reused folder instead; foldWords is the readable
// form, kept for tests.
func foldWords(text string) []string {
	var f folder
	f.nfkd = norm.NFKD.AppendString(nil, text)
	f.fold()
	var words []string
	for i := range f.words() {
		words = append(words, string(f.word(i)))
	}
	return words
}

// folder holds the folded words of a text in one buffer, to spare
// Signature an allocation per word. Folders are pooled: Normalize signs
// every item of every feed.
type folder struct {
	// buf holds the folded words, each followed by one space.
	buf []byte
	// starts[i] is the offset of word i in buf; one more offset, len(buf),
	// ends the last word.
	starts []int
	// nfkd is the NFKD form of the text being folded.
	nfkd []byte
	// src is scratch space for titleTextSignature's input.
	src []byte

	word0   int // offset in buf of the word being folded
	letters int // runes in the word being folded
}

var folders = sync.Pool{New: func() any { return new(folder) }}

// maxPooledFolder bounds the buffers kept in the pool, so that one huge
// text does not pin its buffers for good.
const maxPooledFolder = 64 << 10

func (f *folder) release() {
	if cap(f.buf) <= maxPooledFolder && cap(f.nfkd) <= maxPooledFolder && cap(f.src) <= maxPooledFolder {
		folders.Put(f)
	}
}

// words returns the number of words folded.
func (f *folder) words() int { return len(f.starts) - 1 }

// word returns word i, without its trailing space.
func (f *folder) word(i int) []byte { return f.buf[f.starts[i] : f.starts[i+1]-1] }

// fold replaces the folder's words with those of f.nfkd, a text in NFKD
// form. The caller normalises into f.nfkd: appending to a reused buffer
// runs the same code as norm.NFKD.String (an empty out takes the same
// path) without allocating the result.
func (f *folder) fold() {
	f.buf, f.starts = f.buf[:0], f.starts[:0]
	f.word0, f.letters = 0, 0
	for i := 0; i < len(f.nfkd); {
		c := f.nfkd[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(f.nfkd[i:])
			f.foldRune(r)
			i += size
			continue
		}
		// The ASCII case of foldRune, which is most of French text: only
		// letters and digits make words, and lowering is the only change.
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			f.buf = append(f.buf, c)
			f.letters++
		case 'A' <= c && c <= 'Z':
			f.buf = append(f.buf, c+('a'-'A'))
			f.letters++
		default:
			f.endWord()
		}
		i++
	}
	f.endWord()
	f.starts = append(f.starts, len(f.buf))
}

// foldRune adds one rune of NFKD text to the current word, or ends the
// word if the rune is neither a letter nor a digit.
func (f *folder) foldRune(r rune) {
	if unicode.Is(unicode.Mn, r) || r == 'ـ' {
		return
	}
	r = foldArabic(unicode.ToLower(r))
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		f.buf = utf8.AppendRune(f.buf, r)
		f.letters++
		return
	}
	f.endWord()
}

// endWord keeps the word being folded if it has more than one letter.
func (f *folder) endWord() {
	if f.letters > 1 {
		f.starts = append(f.starts, f.word0)
		f.buf = append(f.buf, ' ')
	} else {
		f.buf = f.buf[:f.word0]
	}
	f.word0 = len(f.buf)
	f.letters = 0
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
