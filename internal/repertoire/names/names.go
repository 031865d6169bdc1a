// Package names normalises the names of places and authorities so that the spellings
// staff and files use (accents or not, hyphens, apostrophes, "St" for "Saint") match the
// répertoire's.
package names

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Key returns the matching key of a name: lower case, without accents, every run of
// punctuation or space turned into one space, "st"/"ste" spelt out. Arabic letters are
// kept as they are (without diacritics).
func Key(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // no leading space
	for _, r := range norm.NFD.String(ligatures.Replace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // accents and Arabic diacritics
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	words := strings.Fields(b.String())
	for i, w := range words {
		switch w {
		case "st":
			words[i] = "saint"
		case "ste":
			words[i] = "sainte"
		}
	}
	return strings.Join(words, " ")
}

var ligatures = strings.NewReplacer("œ", "oe", "Œ", "Oe", "æ", "ae", "Æ", "Ae")

// ASCII returns s without its accents, keeping case and punctuation: "Béjaïa" → "Bejaia",
// the spelling of the foreign press and of keyboards without accents.
func ASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}
