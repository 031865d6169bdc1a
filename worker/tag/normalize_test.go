package tag

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"accents and case", "Béjaïa, Sétif et TÉBESSA", "bejaia.setif et tebessa"},
		{"ligatures", "Œuvre cœur Æther ex-æquo Straße", "oeuvre coeur aether ex aequo strasse"},
		{"cedilla and others", "Ça, façon; Łódź Ørsted", "ca.facon.lodz orsted"},
		{"elision apostrophes", "l'Algérie, d’Oran qu'au Liban", "l algerie.d oran qu au liban"},
		{"hyphen variants collapse", "Tizi-Ouzou Tizi‐Ouzou Tizi – Ouzou", "tizi ouzou tizi ouzou tizi ouzou"},
		{"soft hyphen is invisible", "Sou\u00adsse", "sousse"},
		{"decomposed accents", "Be\u0301ja", "beja"},
		{"runs of separators", "  Rabat !!  ... Salé  ", "rabat.sale"},
		{"hard beats soft", "Tunis - , Sfax", "tunis.sfax"},
		{"digits kept", "loi 11-10 du 22 juin 2011", "loi 11 10 du 22 juin 2011"},
		{"other scripts are opaque letters", "Москва Oran", "\x01\x01\x01\x01\x01\x01 oran"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeArabic(t *testing.T) {
	// Spellings that must meet after folding.
	same := [][]string{
		{"الجزائر", "الجزائر", "الجَزَائِر", "الجـــزائر"}, // harakat and tatweel
		{"أريانة", "اريانه", "إريانة", "آريانة", "ٱريانة"}, // alef forms, taa marbuta
		{"على", "علي"},               // alef maqsura
		{"مسؤول", "مسوول"},           // hamza on waw
		{"بئر العاتر", "بير العاتر"}, // hamza on yaa
		{"٢٠٢٥", "2025", "۲۰۲۵"},     // Arabic-Indic digits
	}
	for _, group := range same {
		want := Normalize(group[0])
		for _, s := range group[1:] {
			if got := Normalize(s); got != want {
				t.Errorf("Normalize(%q) = %x, want %x (as %q)", s, got, want, group[0])
			}
		}
	}
	// Arabic punctuation breaks names; the Arabic comma is a hard break.
	if got := Normalize("تونس، صفاقس"); !strings.Contains(got, string(hardBreak)) {
		t.Errorf("Arabic comma did not break: %x", got)
	}
	// Different letters stay different.
	if Normalize("صيدا") == Normalize("سعيدة") {
		t.Error("Saïda (Lebanon) and Saïda (Algeria) folded together")
	}
}

func TestNormalizeNeverLonger(t *testing.T) {
	// appendNormalized writes by index into a buffer of len(s): the output must fit.
	for _, s := range []string{"ßßßß", "œæĳ", "\xff\xfe\xfd", "a\u00ad\u00adb", "—–-", "ﻻﻻ", "𝔸𝔹"} {
		if got := Normalize(s); len(got) > len(s) {
			t.Errorf("Normalize(%q) is %d bytes, longer than %d", s, len(got), len(s))
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Béjaïa", "l'Algérie", "الجَزَائِر", "\xff", "Œ-æ ß", "للجزائر"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if len(got) > len(s) {
			t.Fatalf("output longer than input: %q -> %q", s, got)
		}
		if strings.HasPrefix(got, " ") || strings.HasPrefix(got, ".") || strings.HasSuffix(got, " ") || strings.HasSuffix(got, ".") {
			t.Fatalf("output starts or ends with a break: %q -> %q", s, got)
		}
		if strings.Contains(got, "  ") || strings.Contains(got, "..") || strings.Contains(got, " .") || strings.Contains(got, ". ") {
			t.Fatalf("uncollapsed breaks: %q -> %q", s, got)
		}
		plain := strings.IndexFunc(got, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ' ' || r == '.')
		}) < 0
		if again := Normalize(got); plain && again != got { // private bytes (Arabic, 0x01) are not text
			t.Fatalf("not idempotent on ASCII output: %q -> %q -> %q", s, got, again)
		}
	})
}

// appendNormalizedReference is the plain rune-at-a-time normaliser that appendNormalized's
// fast paths (eight ASCII bytes at a time, inline decoding of accented Latin letters) must
// agree with, byte for byte and word start for word start.
func appendNormalizedReference(dst []byte, s string, starts *[]int32) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(s))[:n+len(s)]
	out := dst[n:]
	j := 0
	pending := byte(wordStart) // separator owed before the next word byte; 0 inside a word
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if o := asciiFold[c]; o != 0 { // the common case: a letter or digit
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
				out[j] = o
				j++
				continue
			}
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
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
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
		if one != 0 {
			out[j] = one
			j++
		} else {
			j += copy(out[j:], word)
		}
	}
	return dst[:n+j]
}

func checkNormalizeMatchesReference(t *testing.T, s string) {
	t.Helper()
	for _, prefix := range []string{"", ".x"} { // appending after existing bytes too
		var gotStarts, wantStarts []int32
		got := appendNormalized([]byte(prefix), s, &gotStarts)
		want := appendNormalizedReference([]byte(prefix), s, &wantStarts)
		if string(got) != string(want) || !slices.Equal(gotStarts, wantStarts) {
			t.Fatalf("appendNormalized(%q, %q) = %q %v, reference %q %v", prefix, s, got, gotStarts, want, wantStarts)
		}
	}
}

func TestNormalizeMatchesReference(t *testing.T) {
	var texts []string
	for _, it := range loadLabelled(t) {
		texts = append(texts, it.Title, it.Summary, it.Title+" "+it.Summary)
	}
	pieces := []string{"a", "Z", "é", "É", "œ", "ß", "ﬁ", "0", "9", " ", "-", "'", "’", ".", ",", "\x00", "\x7f", "\xff", "\xc3",
		"@", "[", "`", "{", "~", "_", "\u00ad", "\u0301", "ج", "\u064b", "،", "…", "Ж", "𝔸", "\t", "\n", "lAtIn", "Wilaya"}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		var sb strings.Builder
		for range rng.IntN(24) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, sb.String())
	}
	for _, s := range texts {
		checkNormalizeMatchesReference(t, s)
		for cut := 1; cut < len(s) && cut < 12; cut++ { // every alignment of the 8-byte path
			checkNormalizeMatchesReference(t, s[cut:])
		}
	}
}

func FuzzNormalizeMatchesReference(f *testing.F) {
	for _, s := range []string{"Béjaïa", "l'Algérie", "AbCdEfGhIjKl", "x\xc3", "09az AZ@[`{", "الجَزَائِر"} {
		f.Add(s)
	}
	f.Fuzz(checkNormalizeMatchesReference)
}
