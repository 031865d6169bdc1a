package tag

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"
)

// The normalised form is a private byte alphabet, not UTF-8: the automaton walks one byte
// per letter, so every letter we care about must fit in one byte. That keeps the trie small
// and the hot loop free of rune decoding.
//
//	'a'..'z', '0'..'9'  Latin letters folded to ASCII (é→e, œ→oe, ß→ss), digits
//	0x80..0xBF           Arabic letters after orthographic folding (see arabicByte)
//	otherLetter          any other letter (Greek, Cyrillic, CJK…): part of a word, never matched
//	softBreak ' '        spaces, hyphens, apostrophes, slashes: multi-word names may span it
//	hardBreak '.'        sentence punctuation: no name spans it
//
// Every run of separators collapses to one byte (hard wins over soft), so "Tizi-Ouzou",
// "Tizi  Ouzou" and "TIZI OUZOU" all become "tizi ouzou", and "l'Algérie" becomes "l algerie".
const (
	softBreak   = ' '
	hardBreak   = '.'
	otherLetter = 0x01
	// wordStart is the normaliser's pending state at the start of its output: the next
	// word starts a word but owes no separator (the caller separates segments itself).
	wordStart = 0x02
)

// byteClass values for the ASCII fast path.
const (
	clsDrop = iota // invisible (control characters)
	clsWord
	clsSoft
	clsHard
)

var (
	asciiFold  [128]byte
	asciiClass [128]byte
	latinFold  [0x250]string // U+0000..U+024F → folded ASCII; "" means not a letter
	arabicMap  [0x100]byte   // U+0600..U+06FF → normalised byte; 0 = not mapped
	arabicDrop [0x100]bool   // harakat, tatweel, Quranic marks: removed without a break
)

func init() {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			asciiFold[c], asciiClass[c] = byte(c), clsWord
		case c >= 'A' && c <= 'Z':
			asciiFold[c], asciiClass[c] = byte(c+'a'-'A'), clsWord
		case c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
			c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '|':
			asciiClass[c] = clsHard
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			asciiClass[c] = clsDrop
		default: // space, tab, newline, hyphen, apostrophe, quotes, slash, symbols
			asciiClass[c] = clsSoft
		}
	}
	// Latin-1 Supplement and Latin Extended-A/B: fold to the base letters a French or
	// English reader would type without accents.
	fold := map[string]string{
		"a":  "àáâãäåāăąǎǻȁȃȧÀÁÂÃÄÅĀĂĄǍǺȀȂȦ",
		"ae": "æǽǣÆǼǢ",
		"c":  "çćĉċčÇĆĈĊČ",
		"d":  "ďđÐðĎĐ",
		"e":  "èéêëēĕėęěȅȇȩÈÉÊËĒĔĖĘĚȄȆȨ",
		"g":  "ĝğġģǧĜĞĠĢǦ",
		"h":  "ĥħĤĦ",
		"i":  "ìíîïĩīĭįıǐȉȋÌÍÎÏĨĪĬĮİǏȈȊ",
		"ij": "ĳĲ",
		"j":  "ĵĴ",
		"k":  "ķĸǩĶǨ",
		"l":  "ĺļľŀłĹĻĽĿŁ",
		"n":  "ñńņňŉŋÑŃŅŇŊ",
		"o":  "òóôõöøōŏőǒǿȍȏȯÒÓÔÕÖØŌŎŐǑǾȌȎȮ",
		"oe": "œŒ",
		"r":  "ŕŗřȑȓŔŖŘȐȒ",
		"s":  "śŝşšșŚŜŞŠȘſ",
		"ss": "ß",
		"t":  "ţťŧțŢŤŦȚ",
		"th": "þÞ",
		"u":  "ùúûüũūŭůűųǔǖǘǚǜȕȗÙÚÛÜŨŪŬŮŰŲǓǕǗǙǛȔȖ",
		"w":  "ŵŴ",
		"y":  "ýÿŷÝŸŶ",
		"z":  "źżžŹŻŽ",
	}
	for to, from := range fold {
		for _, r := range from {
			latinFold[r] = to
		}
	}
	for r := rune(0x80); r < 0x250; r++ {
		if latinFold[r] == "" && unicode.IsLetter(r) {
			latinFold[r] = string(rune(otherLetter))
		}
	}

	// Arabic: one byte per letter after the usual orthographic folding of news text, so
	// that أ/إ/آ/ٱ, ة/ه, ى/ي and ؤ/و, ئ/ي spellings meet.
	for r := rune(0x0621); r <= 0x064A; r++ {
		arabicMap[r-0x600] = arabicByte(r)
	}
	alias := map[rune]rune{
		'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ٲ': 'ا', 'ٳ': 'ا',
		'ة': 'ه', 'ۀ': 'ه', 'ھ': 'ه', 'ہ': 'ه', 'ە': 'ه',
		'ى': 'ي', 'ی': 'ي', 'ې': 'ي', 'ئ': 'ي',
		'ؤ': 'و', 'ۆ': 'و', 'ۇ': 'و',
		'ک': 'ك', 'گ': 'ك', 'ڪ': 'ك',
		'پ': 'ب', 'چ': 'ج', 'ژ': 'ز', 'ڤ': 'ف', 'ڨ': 'ق',
	}
	for from, to := range alias {
		arabicMap[from-0x600] = arabicByte(to)
	}
	for r := rune(0x0660); r <= 0x0669; r++ { // Arabic-Indic digits
		arabicMap[r-0x600] = byte('0' + r - 0x0660)
	}
	for r := rune(0x06F0); r <= 0x06F9; r++ { // Eastern Arabic-Indic digits
		arabicMap[r-0x600] = byte('0' + r - 0x06F0)
	}
	for r := rune(0x064B); r <= 0x065F; r++ { // harakat
		arabicDrop[r-0x600] = true
	}
	for _, r := range []rune{0x0610, 0x0611, 0x0612, 0x0613, 0x0614, 0x0615, 0x0616, 0x0617, 0x0618, 0x0619, 0x061A, 0x0640, 0x0670, 0x06D6, 0x06D7, 0x06D8, 0x06D9, 0x06DA, 0x06DB, 0x06DC, 0x06DF, 0x06E0, 0x06E1, 0x06E2, 0x06E3, 0x06E4, 0x06E7, 0x06E8, 0x06EA, 0x06EB, 0x06EC, 0x06ED} {
		arabicDrop[r-0x600] = true
	}
}

// arabicByte places the 42 base code points U+0621..U+064A at 0x80.. in the private alphabet.
func arabicByte(r rune) byte { return byte(0x80 + (r - 0x0621)) }

// isWordByte reports whether b belongs to a word in the normalised alphabet.
func isWordByte(b byte) bool { return b != softBreak && b != hardBreak }

// appendNormalized appends the normalised form of s to dst, in one pass, and the offset in
// dst of every word's first byte to *starts (if starts is not nil), so that the automaton
// visits word starts without scanning for them. A separator is only written before the
// next word, so runs of punctuation cost one byte and the output neither starts nor ends
// with a break. The output is never longer than s (every rune that writes two bytes is at
// least two bytes long, and a break stands for at least one separator byte), so dst is
// grown once and written by index; in particular the output index never passes the input
// index, which lets the ASCII fast path store eight bytes at a time.
func appendNormalized(dst []byte, s string, starts *[]int32) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(s))[:n+len(s)]
	out := dst[n:]
	j := 0
	pending := byte(wordStart) // separator owed before the next word byte; 0 inside a word
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiFold[c] == 0 {
				i++
				switch asciiClass[c] {
				case clsSoft:
					if pending == 0 {
						pending = softBreak
					}
				case clsHard:
					if pending != wordStart {
						pending = hardBreak
					}
				}
				continue
			}
			// The common case: a letter or digit. Most text is words and single spaces,
			// read eight bytes at a time: a chunk of nothing else is its own normal form
			// once lower-cased. Otherwise the run of letters and digits is copied, and a
			// single space before the next run is taken here too.
			if pending != 0 {
				if pending != wordStart {
					out[j] = pending
					j++
				}
				if starts != nil {
					*starts = append(*starts, int32(n+j))
				}
				pending = 0
			}
		run:
			for {
				for i+8 <= len(s) {
					b := s[i : i+8]
					w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
						uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
					lower, word, space := asciiChunk(w)
					binary.LittleEndian.PutUint64(out[j:j+8], lower)
					if word|space != chunkHigh || space&(space>>8) != 0 {
						k := bits.TrailingZeros64(^word&chunkHigh) / 8 // < 8: not all word bytes
						i += k
						j += k
						goto separator
					}
					// Every space in the chunk is followed by a word byte, except perhaps
					// the last one, which is owed before whatever comes next.
					if starts != nil {
						for m := space &^ (1 << 63); m != 0; m &= m - 1 {
							*starts = append(*starts, int32(n+j+bits.TrailingZeros64(m)/8+1))
						}
					}
					i += 8
					if space>>63 != 0 {
						j += 7
						pending = softBreak
						break run
					}
					j += 8
				}
				for i < len(s) && s[i] < utf8.RuneSelf && asciiFold[s[i]] != 0 {
					out[j] = asciiFold[s[i]]
					i++
					j++
				}
			separator:
				if i+1 < len(s) && s[i] == ' ' && s[i+1] < utf8.RuneSelf && asciiFold[s[i+1]] != 0 {
					out[j] = softBreak
					j++
					if starts != nil {
						*starts = append(*starts, int32(n+j))
					}
					i++
					continue
				}
				break
			}
			continue
		}
		var r rune
		if c >= 0xC2 && c <= 0xC9 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			// U+0080..U+024F, the accented Latin letters of French text: decoded here,
			// without a call.
			r = rune(c&0x1F)<<6 | rune(s[i+1]&0x3F)
			i += 2
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			i += size
		}
		var word string
		var one byte
		switch {
		case r < 0x250:
			word = latinFold[r]
			if word == "" && r == 0xAD { // soft hyphen: invisible inside a word
				continue
			}
		case r >= 0x600 && r < 0x700:
			if arabicDrop[r-0x600] {
				continue
			}
			if r == 0x060C || r == 0x061B || r == 0x061F || r == 0x06D4 { // ، ؛ ؟ ۔
				if pending != wordStart {
					pending = hardBreak
				}
				continue
			}
			one = arabicMap[r-0x600]
			if one == 0 && r >= 0x671 && unicode.IsLetter(r) {
				one = otherLetter
			}
		case r >= 0x300 && r < 0x370: // combining diacritics of decomposed (NFD) input
			continue
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF: // zero-width
			continue
		case r == 0x2026 || r == 0x3002 || r == 0xFF0E: // … 。 ．
			if pending != wordStart {
				pending = hardBreak
			}
			continue
		case r >= 0xFE70 && r <= 0xFEFC: // Arabic presentation forms: rare in feeds, kept as words
			one = otherLetter
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			one = otherLetter
		case unicode.Is(unicode.Mn, r):
			continue
		}
		if word == "" && one == 0 {
			if pending == 0 {
				pending = softBreak
			}
			continue
		}
		if pending != 0 {
			if pending != wordStart {
				out[j] = pending
				j++
			}
			if starts != nil {
				*starts = append(*starts, int32(n+j))
			}
			pending = 0
		}
		switch {
		case one != 0:
			out[j] = one
			j++
		case len(word) == 1:
			out[j] = word[0]
			j++
		default:
			j += copy(out[j:], word)
		}
	}
	return dst[:n+j]
}

// chunkHigh has the top bit of each of eight bytes.
const chunkHigh = 0x8080808080808080

// asciiChunk reads eight bytes of text, first byte lowest (SWAR). It returns them with
// ASCII letters lower-cased, and the top bit set, in word, for each byte that is an ASCII
// letter or digit and, in space, for each space. The tests add constants that carry into
// a byte's top bit; a byte of 0x80 or more may carry into the bytes after it, so the
// masks are exact up to the first such byte, which is neither a word byte nor a space, and
// callers read nothing past it.
func asciiChunk(w uint64) (lower, word, space uint64) {
	const (
		ones = 0x0101010101010101
		low7 = 0x7f * ones
	)
	lower = w | 0x20*ones // upper-case letters to lower-case; digits already have the bit
	letter := (lower + (0x80-'a')*ones) &^ (lower + (0x7f-'z')*ones)
	digit := (w + (0x80-'0')*ones) &^ (w + (0x7f-'9')*ones)
	word = (letter | digit) &^ w & chunkHigh
	x := w ^ ' '*ones // zero where w has a space
	space = ^((x&low7 + low7) | x | low7)
	return lower, word, space
}

// Normalize returns the matching form of s: lower-case, accent-free, separators collapsed,
// Arabic folded. Its bytes are the tagger's private alphabet (Arabic letters are not valid
// UTF-8 there); it is exported for debugging and for the tests of callers that build rules.
func Normalize(s string) string {
	return string(appendNormalized(nil, s, nil))
}
