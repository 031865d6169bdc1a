package tag

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// updateGolden rewrites testdata/golden_results.jsonl.gz from the current code. Only do
// so for a change meant to alter the tagger's output.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden_results.jsonl.gz")

const goldenPath = "testdata/golden_results.jsonl.gz"

// equivalenceInputs is a large, varied, deterministic corpus: the labelled set as it is and
// in variants (case, accents, decomposed accents, title or summary alone, joined, other
// feed countries), the benchmark's French items, Arabic proclitic forms, names of the
// synthetic authorities, word soups drawn from the labelled set, and edge cases.
func equivalenceInputs(t testing.TB) []Input {
	items := loadLabelled(t)
	var ins []Input
	add := func(in Input) { ins = append(ins, in) }
	countries := []string{"", "MA", "DZ", "TN", "LB", "FR", "ma", " tn ", "XX", "Z", "LBN"}
	for k, it := range items {
		base := Input{Title: it.Title, Summary: it.Summary, Lang: it.Lang, Country: it.Country}
		add(base)
		add(Input{Title: strings.ToUpper(it.Title), Summary: strings.ToLower(it.Summary), Lang: it.Lang, Country: it.Country})
		add(Input{Title: stripAccents(it.Title), Summary: stripAccents(it.Summary), Lang: it.Lang, Country: it.Country})
		add(Input{Title: norm.NFD.String(it.Title), Summary: norm.NFD.String(it.Summary), Lang: it.Lang})
		add(Input{Title: it.Title, Lang: it.Lang, Country: countries[k%len(countries)]})
		add(Input{Summary: it.Summary, Lang: it.Lang, Country: countries[(k+3)%len(countries)]})
		add(Input{Title: it.Summary, Summary: it.Title, Lang: it.Lang, Country: countries[(k+5)%len(countries)]})
		next := items[(k+1)%len(items)]
		add(Input{Title: it.Title + " " + next.Title, Summary: it.Summary + " " + next.Summary, Lang: it.Lang, Country: next.Country})
		add(Input{Title: strings.ReplaceAll(it.Title, " ", "-"), Summary: strings.ReplaceAll(it.Summary, ".", ";"), Lang: it.Lang, Country: it.Country})
	}
	// Arabic: the country and place names with the proclitics written joined.
	arNames := []string{"الجزائر", "تونس", "المغرب", "لبنان", "مراكش", "صيدا", "طرابلس", "صور", "وهران", "سوسة", "بيروت", "الرباط"}
	procl := []string{"", "و", "ب", "ل", "وب", "ول", "لل", "ولل"}
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 400 {
		var sb strings.Builder
		for range 3 + rng.IntN(10) {
			p := procl[rng.IntN(len(procl))]
			n := arNames[rng.IntN(len(arNames))]
			if strings.HasPrefix(p, "ل") || strings.HasSuffix(p, "لل") {
				n = strings.TrimPrefix(n, "ا")
			}
			sb.WriteString(p + n)
			sb.WriteString([]string{" ", " في ", "، ", ". ", " و "}[rng.IntN(5)])
		}
		add(Input{Title: sb.String(), Summary: sb.String()[:len(sb.String())/2], Lang: "ar", Country: countries[i%len(countries)]})
	}
	// English and French phrases around names.
	frames := []string{"The mayor of %s met the minister", "Le maire de %s et la ville de %s", "la wilaya de %s", "le gouvernement %s",
		"un chef %s", "d'origine %s", "Municipality of %s signs a partnership with %s", "franco-%s", "%s: budget 2026 adopté"}
	words := []string{"Tunis", "Sfax", "Oran", "Tripoli", "Tyr", "Saïda", "Sidon", "Constantine", "Marrakech", "Marrakesh",
		"libanais", "marocaine", "algérien", "tunisienne", "Lyon", "Liban", "Maroc", "Algérie", "Tunisie", "Libya", "Lebanon",
		"Morocco", "Chouf", "Hérault", "Chefchaouen", "Orange Maroc", "Cités Unies France", "Souss-Massa", "Tanger-Tétouan-Al Hoceïma"}
	for i := range 600 {
		f := frames[rng.IntN(len(frames))]
		n := strings.Count(f, "%s")
		args := make([]any, n)
		for j := range args {
			args[j] = words[rng.IntN(len(words))]
		}
		s := fmt.Sprintf(f, args...)
		if i%3 == 0 {
			s = strings.ToUpper(s)
		}
		add(Input{Title: s, Summary: fmt.Sprintf(frames[rng.IntN(len(frames))], args[0], args[0]), Lang: "en", Country: countries[i%len(countries)]})
	}
	// Synthetic authority names (as the benchmark's tagger knows them).
	for i, a := range syntheticAuthorities(2000) {
		if i%7 != 0 {
			continue
		}
		add(Input{Title: a.Name + " : conseil", Summary: "La " + a.Aliases[0] + " et " + a.Aliases[1], Lang: "fr", Country: a.Country})
	}
	// Word soups from the labelled set.
	var vocab []string
	for _, it := range items {
		vocab = append(vocab, strings.Fields(it.Title+" "+it.Summary)...)
	}
	for i := range 800 {
		var sb strings.Builder
		for range 1 + rng.IntN(40) {
			sb.WriteString(vocab[rng.IntN(len(vocab))])
			sb.WriteString([]string{" ", " ", " ", "-", "'", ". ", ", ", "\n", "  "}[rng.IntN(9)])
		}
		s := sb.String()
		cut := rng.IntN(len(s) + 1)
		for cut < len(s) && !utf8Start(s[cut]) {
			cut++
		}
		add(Input{Title: s[:cut], Summary: s[cut:], Lang: "fr", Country: countries[i%len(countries)]})
	}
	// Edge cases.
	for _, s := range []string{"", " ", ".", "-", "'", "la", "le de les", "la le de les la", "l'", "d'Oran", "الجزائر",
		"لل", "و", "ال", "Orange", "Orange Maroc", "ÉÉÉ", "\x00\xff\xfe", "Tunis.", ".Tunis", "Tunis-", "a b c d e f g"} {
		add(Input{Title: s})
		add(Input{Summary: s, Country: "TN"})
		add(Input{Title: s, Summary: s, Country: "LB"})
	}
	return ins
}

func utf8Start(b byte) bool { return b < 0x80 || b >= 0xC0 }

func stripAccents(s string) string {
	var sb strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func equivalenceTaggers(t testing.TB) []*Tagger {
	bench, err := New(Config{Authorities: syntheticAuthorities(2000), Rules: []Rule{
		{Pattern: "Orange Maroc", Group: "maroc", Weight: -3},
		{Pattern: "Cités Unies France", Topic: "territorial-local"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return []*Tagger{newTestTagger(t), bench}
}

func equivalenceOutput(t testing.TB) [][]byte {
	ins := equivalenceInputs(t)
	var out [][]byte
	for ti, tg := range equivalenceTaggers(t) {
		for i, in := range ins {
			r := tg.Tag(in)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Appendf(nil, "%d %d %s", ti, i, b))
		}
	}
	return out
}

// TestEquivalence pins every output of the tagger on the corpus above to the golden file,
// byte for byte: optimisations must not change a result.
func TestEquivalence(t *testing.T) {
	got := equivalenceOutput(t)
	if *updateGolden {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		for _, l := range got {
			zw.Write(l)
			zw.Write([]byte{'\n'})
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d results", len(got))
		return
	}
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	i, bad := 0, 0
	for ; sc.Scan(); i++ {
		if i >= len(got) {
			t.Fatalf("golden has more results than the %d produced", len(got))
		}
		if !bytes.Equal(sc.Bytes(), got[i]) {
			bad++
			if bad <= 5 {
				t.Errorf("result %d differs:\n got %s\nwant %s", i, got[i], sc.Bytes())
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(got) {
		t.Fatalf("golden has %d results, produced %d", i, len(got))
	}
	if bad > 0 {
		t.Fatalf("%d of %d results differ from %s", bad, len(got), goldenPath)
	}
	t.Logf("%d results identical", len(got))
}
