package tag

import (
	"strings"
	"testing"
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
