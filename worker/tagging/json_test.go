package tagging

import (
	"encoding/json"
	"slices"
	"testing"
)

// appendJSONStrings must write what PostgreSQL reads as the same array as
// encoding/json's: valid JSON, equal once decoded.
func TestAppendJSONStrings(t *testing.T) {
	cases := [][]string{
		{},
		{"Sfax"},
		{"Tanger", "Tétouan", "Al Hoceïma"},
		{"l’Oriental", "« Beyrouth »", "صفاقس", "بيروت"},
		{`say "hi"`, `back\slash`, "tab\there", "nl\nx", "\x00", "\x1f"},
		{"<b>&</b>", "\u2028\u2029", "\x7f"},
		{"bad \xff utf-8", "\xc3"},
		{""},
	}
	for _, ss := range cases {
		got := appendJSONStrings(nil, ss)
		if !json.Valid(got) {
			t.Errorf("%q: invalid JSON %s", ss, got)
			continue
		}
		want, _ := json.Marshal(ss)
		var g, w []string
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(g, w) {
			t.Errorf("%q: decodes to %q, encoding/json's to %q", ss, g, w)
		}
	}
}

func FuzzAppendJSONStrings(f *testing.F) {
	f.Add("Sfax", "l’Oriental")
	f.Add("\"\\", "\xff")
	f.Fuzz(func(t *testing.T, a, b string) {
		got := appendJSONStrings([]byte("junk"), []string{a, b})[4:]
		want, _ := json.Marshal([]string{a, b})
		var g, w []string
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%q: %v (%s)", []string{a, b}, err, got)
		}
		json.Unmarshal(want, &w)
		if !slices.Equal(g, w) {
			t.Fatalf("%q: decodes to %q, encoding/json's to %q", []string{a, b}, g, w)
		}
	})
}
