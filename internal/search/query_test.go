package search

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{in: "", want: ""},
		{in: "   \t ", want: ""},
		{in: "Dakar", want: "dakar"},
		{in: "Coopération   DÉCENTRALISÉE", want: "cooperation decentralisee"},
		{in: `"coopération décentralisée" Lyon`, want: `"cooperation decentralisee" lyon`},
		{in: `Dakar -port -"port autonome"`, want: `dakar -port -"port autonome"`},
		{in: "Mali OR Niger eau", want: "mali OR niger eau"},
		{in: "Mali OR Niger OR Tchad", want: "mali OR niger OR tchad"},
		{in: "OR Mali OR", want: "mali"},
		{in: "Mali OR -Niger", want: "mali -niger"},
		{in: "Mali or Niger", want: "mali niger"},
		{in: "Saint-Louis", want: `"saint louis"`},
		{in: "l'Assemblée nationale", want: "assemblee nationale"},
		{in: `"maire de Paris"`, want: `"maire de paris"`},
		{in: `"coopération décentralisée`, want: `"cooperation decentralisee"`},
		{in: `Dakar* NEAR(x) col:Dakar ^Dakar`, want: `dakar "near x" "col dakar" dakar`},
		{in: "le maire de la ville", want: "maire ville"},
		{in: "2026", want: "2026"},
		{in: "مدينةٌ", want: "مدينه"},
		{in: "le la les de", err: ErrOnlyStopWords},
		{in: `"le la"`, err: ErrOnlyStopWords},
		{in: "-Dakar", err: ErrOnlyExcluded},
		{in: `"" * : ( ) ^ -`, err: ErrNoWords},
		{in: strings.Repeat("a", MaxQueryLength+1), err: ErrQueryTooLong},
		{in: strings.Repeat("mot ", MaxTerms+1), err: ErrTooManyTerms},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if !errors.Is(err, tt.err) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && got.String() != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got.String(), tt.want)
		}
	}
}

func TestStemming(t *testing.T) {
	same := [][]string{
		{"municipalité", "municipalités", "Municipalite"},
		{"région", "regions", "Région"},
		{"régional", "régionale", "régionaux", "régionales"},
		{"commune", "communes"},
		{"élu", "élue", "élus", "élues"},
		{"algérien", "algérienne", "algériennes"},
		{"culturel", "culturelle"},
		{"bureau", "bureaux"},
	}
	for _, group := range same {
		want := stemFrench(fold(group[0]))
		for _, w := range group[1:] {
			if got := stemFrench(fold(w)); got != want {
				t.Errorf("stemFrench(%q) = %q, stemFrench(%q) = %q: want equal", w, got, group[0], want)
			}
		}
	}
	for _, pair := range [][2]string{{"councils", "council"}, {"cities", "city"}, {"elected", "elect"}, {"churches", "church"}} {
		if a, b := stemEnglish(pair[0]), stemEnglish(pair[1]); a != b {
			t.Errorf("stemEnglish(%q) = %q, stemEnglish(%q) = %q", pair[0], a, pair[1], b)
		}
	}
	for _, pair := range [][2]string{{"أحمد", "احمد"}, {"إسلام", "اسلام"}, {"آمال", "امال"}, {"مدرسة", "مدرسه"}, {"مستشفى", "مستشفي"}, {"عَرَبِيّ", "عربي"}, {"جـــميل", "جميل"}, {"مؤتمر", "مؤتمر"}} {
		if got := fold(pair[0]); got != pair[1] {
			t.Errorf("fold(%q) = %q, want %q", pair[0], got, pair[1])
		}
	}
}

// FuzzParseQuery checks that any input parses without panicking, within the limits, and
// into words made only of letters and digits, so that no syntax reaches an engine.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "Dakar", `"a b" -c OR d`, `NEAR("a" "b", 3) x:y ^z *`, "OR OR -", `"unbalanced`, "مدينةٌ -ليون", "l'État \x00 \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e, err := Parse(q)
		if err != nil {
			return
		}
		if e.Empty() {
			if strings.TrimFunc(q, isSpace) != "" && utf8.ValidString(q) {
				t.Fatalf("Parse(%q): empty expression without error", q)
			}
			return
		}
		positive, terms := false, 0
		for _, c := range e.Clauses {
			if len(c.Any) == 0 || (c.Not && len(c.Any) != 1) {
				t.Fatalf("Parse(%q): malformed clause %+v", q, c)
			}
			positive = positive || !c.Not
			for _, term := range c.Any {
				terms++
				if len(term.Words) == 0 {
					t.Fatalf("Parse(%q): empty term", q)
				}
				for _, w := range term.Words {
					for _, r := range w {
						if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
							t.Fatalf("Parse(%q): word %q has %q", q, w, r)
						}
					}
				}
			}
		}
		if !positive || terms > MaxTerms {
			t.Fatalf("Parse(%q) = %q: no positive clause or too many terms", q, e)
		}
		// The canonical form parses to itself.
		again, err := Parse(e.String())
		if err != nil || again.String() != e.String() {
			t.Fatalf("Parse(%q) = %q, which parses to %q, %v", q, e, again, err)
		}
	})
}
