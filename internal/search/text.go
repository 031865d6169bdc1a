package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text folding and stemming shared by the query parser, the SQLite index and the snippets.
// PostgreSQL folds with unaccent and its own Arabic function and stems with Snowball; the
// Go side folds the same way and stems lightly: what matters is that a word is reduced the
// same way at index time and at query time within one engine.

// arabicFold maps Arabic letter variants to the form a searcher types: the hamza-carrying
// and wasla alefs to bare alef, taa marbuta to haa, alef maqsura to yaa.
var arabicFold = map[rune]rune{
	'\u0622': '\u0627', // آ
	'\u0623': '\u0627', // أ
	'\u0625': '\u0627', // إ
	'\u0671': '\u0627', // ٱ
	'\u0629': '\u0647', // ة → ه
	'\u0649': '\u064A', // ى → ي
}

// isArabicDrop reports the Arabic characters removed before indexing: harakat (short
// vowels, shadda, sukun, tanwin), the superscript alef and tatweel (kashida), which change
// the look of a word and not its identity.
func isArabicDrop(r rune) bool {
	return (r >= '\u064B' && r <= '\u065F') || r == '\u0670' || r == '\u0640'
}

// arabicFrom and arabicTo are the translate() arguments of the PostgreSQL fold function:
// the characters of arabicFold, then the dropped ones (translate deletes characters that
// have no counterpart in the target string).
func arabicTranslateArgs() (from, to string) {
	var f, t strings.Builder
	for _, pair := range [][2]rune{
		{'\u0622', '\u0627'}, {'\u0623', '\u0627'}, {'\u0625', '\u0627'}, {'\u0671', '\u0627'},
		{'\u0629', '\u0647'}, {'\u0649', '\u064A'},
	} {
		f.WriteRune(pair[0])
		t.WriteRune(pair[1])
	}
	for r := rune('\u064B'); r <= '\u065F'; r++ {
		f.WriteRune(r)
	}
	f.WriteRune('\u0670')
	f.WriteRune('\u0640')
	return f.String(), t.String()
}

// arabicRange is a regular expression bracket matching any character of from: the range
// from its smallest to its largest.
func arabicRange(from string) string {
	lo, hi := utf8.MaxRune, rune(0)
	for _, r := range from {
		lo, hi = min(lo, r), max(hi, r)
	}
	return "[" + string(lo) + "-" + string(hi) + "]"
}

// ligatures that canonical decomposition leaves whole.
var ligatures = map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d"}

// fold lower-cases a word and removes diacritics (Latin accents and Arabic harakat) and
// Arabic letter variants: "Région" → "region", "مدينةٌ" → "مدينه".
func fold(word string) string {
	ascii := true
	for i := 0; i < len(word); i++ {
		if word[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(word)
	}
	var b strings.Builder
	b.Grow(len(word))
	for _, r := range word {
		if r >= 0x0600 && r <= 0x06FF {
			// Arabic is folded by the table only (as PostgreSQL's translate() does), not
			// by decomposition, which would also strip the hamza of ؤ and ئ.
			if isArabicDrop(r) {
				continue
			}
			if m, ok := arabicFold[r]; ok {
				r = m
			}
			b.WriteRune(r)
			continue
		}
		if s, ok := ligatures[r]; ok {
			b.WriteString(s)
			continue
		}
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(unicode.ToLower(d))
			}
		}
	}
	return b.String()
}

// isWordRune says which characters make words; everything else separates them, which is
// also how syntax characters (quotes, stars, colons, carets, parentheses) are neutralised.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '\u0640'
}

// span is a word of a text: its byte range.
type span struct{ start, end int }

// wordSpans splits text into words.
func wordSpans(text string) []span {
	var out []span
	start := -1
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, span{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(text)})
	}
	return out
}

// words returns the folded words of text.
func words(text string) []string {
	spans := wordSpans(text)
	out := make([]string, 0, len(spans))
	for _, s := range spans {
		if w := fold(text[s.start:s.end]); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Language is the stemming language chosen for an article's language code.
type Language int

// Stemming languages. Articles with no language are French: the veille's sources mostly
// are; other languages (Arabic included) are folded but not stemmed.
const (
	French Language = iota
	English
	Other
)

// LanguageOf maps an article's BCP 47 language tag to its stemming language.
func LanguageOf(tag string) Language {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	switch tag {
	case "", "fr":
		return French
	case "en":
		return English
	default:
		return Other
	}
}

// stem reduces a folded word in lang.
func stem(w string, lang Language) string {
	switch lang {
	case French:
		return stemFrench(w)
	case English:
		return stemEnglish(w)
	default:
		return w
	}
}

// stemFrench is a light French stemmer (in the spirit of Savoy's): it removes plural and
// feminine endings so that municipalité/municipalités, régional/régionale/régionaux meet.
// It does not remove derivational suffixes (-ment, -tion): those change the meaning too
// often for a search where precision matters more than recall.
func stemFrench(w string) string {
	if len(w) <= 3 || !isASCIILetters(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "eaux"):
		w = w[:len(w)-1] // bureaux → bureau
	case strings.HasSuffix(w, "aux") && len(w) > 4:
		w = w[:len(w)-3] + "al" // régionaux → regional
	case strings.HasSuffix(w, "x") && (strings.HasSuffix(w, "eux") || strings.HasSuffix(w, "oux")) && len(w) > 4:
		w = w[:len(w)-1]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && len(w) > 3:
		w = w[:len(w)-1]
	}
	// Feminine and mute e: communale/communal, élue/élu, municipalité/municipalit.
	for _, suf := range []string{"ee", "e"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			w = w[:len(w)-len(suf)]
			break
		}
	}
	// Doubled final consonants of feminines: nationalle never occurs, but "ienne"/"ien"
	// (algérienne/algérien) and "elle"/"el" (culturelle/culturel) do.
	switch {
	case strings.HasSuffix(w, "ienn"):
		w = w[:len(w)-1]
	case strings.HasSuffix(w, "ell"), strings.HasSuffix(w, "onn"):
		w = w[:len(w)-1]
	}
	return w
}

// stemEnglish is a light English stemmer: plurals and the commonest inflections
// (councils/council, cities/city, elected/elect, voting/vote is left alone).
func stemEnglish(w string) string {
	if len(w) <= 3 || !isASCIILetters(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "xes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	case strings.HasSuffix(w, "ed") && len(w) > 5:
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ing") && len(w) > 6:
		return w[:len(w)-3]
	}
	return w
}

func isASCIILetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// IndexText is what the SQLite index stores for a text in an article's language: its
// words folded and stemmed, separated by spaces.
func IndexText(lang Language, text string) string {
	ws := words(text)
	for i, w := range ws {
		ws[i] = stem(w, lang)
	}
	return strings.Join(ws, " ")
}

// forms are the index forms a query word may take in an article: stemmed as French, as
// English, or only folded (Arabic and other languages). The query does not say its
// language, so a word matches in any of them.
func forms(w string) []string {
	out := []string{stemFrench(w)}
	for _, f := range []string{stemEnglish(w), w} {
		dup := false
		for _, o := range out {
			dup = dup || o == f
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}
