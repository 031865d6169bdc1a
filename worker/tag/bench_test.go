package tag

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// cpuMeter reports MB per CPU-second next to the wall-clock MB/s. Run with -cpu 1 so that
// the process's CPU time is the benchmark's.
type cpuMeter struct {
	start float64
}

func startCPU(b *testing.B) cpuMeter {
	b.ResetTimer()
	return cpuMeter{processCPU()}
}

func (m cpuMeter) report(b *testing.B, bytesPerOp int64) {
	if m.start == 0 {
		return
	}
	if used := processCPU() - m.start; used > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/used/1e6, "MB/cpu-s")
	}
}

// syntheticAuthorities makes n répertoire-like authorities with two aliases each, with
// names built from Maghrebi and French syllables so that they share prefixes with real
// words the way real names do.
func syntheticAuthorities(n int) []Authority {
	rng := rand.New(rand.NewPCG(1, 2))
	syl := []string{"ta", "ma", "ben", "sidi", "ain", "el", "bou", "ras", "ka", "ze", "ra", "mou", "lal",
		"chi", "da", "fa", "ne", "tou", "gue", "har", "ou", "li", "za", "sa", "mel", "dj", "kir", "ba"}
	levels := []string{"commune", "municipalite", "province", "wilaya", "region"}
	prefixes := []string{"Commune de ", "Municipalité de ", "Commune urbaine de ", "Wilaya de ", "Ville de "}
	countries := []string{"MA", "DZ", "TN", "LB", "FR"}
	word := func() string {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		s := b.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	out := make([]Authority, n)
	for i := range out {
		base := word()
		if rng.IntN(3) == 0 {
			base += " " + word()
		}
		out[i] = Authority{
			ID:      i + 1,
			Name:    prefixes[rng.IntN(len(prefixes))] + base,
			Aliases: []string{base + "-" + word(), "Ville de " + base},
			Country: countries[rng.IntN(len(countries))],
			Level:   levels[rng.IntN(len(levels))],
		}
	}
	return out
}

// frenchCorpus is the French part of the labelled set: real-shaped headlines and first
// sentences.
func frenchCorpus(b *testing.B) []Input {
	var ins []Input
	for _, it := range loadLabelled(b) {
		if it.Lang == "fr" {
			ins = append(ins, Input{Title: it.Title, Summary: it.Summary, Lang: it.Lang, Country: it.Country})
		}
	}
	return ins
}

func benchTagger(b *testing.B) *Tagger {
	tg, err := New(Config{Authorities: syntheticAuthorities(2000), Rules: []Rule{
		{Pattern: "Orange Maroc", Group: "maroc", Weight: -3},
		{Pattern: "Cités Unies France", Topic: "territorial-local"},
	}})
	if err != nil {
		b.Fatal(err)
	}
	return tg
}

// BenchmarkTag tags headline+first-sentence items one by one, as the worker does.
func BenchmarkTag(b *testing.B) {
	tg := benchTagger(b)
	ins := frenchCorpus(b)
	var size int64
	for _, in := range ins {
		size += int64(len(in.Title) + len(in.Summary))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	m := startCPU(b)
	for b.Loop() {
		for _, in := range ins {
			tg.Tag(in)
		}
	}
	m.report(b, size)
}

// BenchmarkTagLong tags one long French text (the corpus as one article body), where
// the per-article costs vanish and the normaliser and automaton dominate.
func BenchmarkTagLong(b *testing.B) {
	tg := benchTagger(b)
	var sb strings.Builder
	for _, in := range frenchCorpus(b) {
		sb.WriteString(in.Title)
		sb.WriteString(". ")
		sb.WriteString(in.Summary)
		sb.WriteString(" ")
	}
	in := Input{Title: "Revue de presse", Summary: sb.String(), Lang: "fr"}
	size := int64(len(in.Title) + len(in.Summary))
	b.SetBytes(size)
	b.ReportAllocs()
	m := startCPU(b)
	for b.Loop() {
		tg.Tag(in)
	}
	m.report(b, size)
}

// BenchmarkNormalize measures the normaliser alone on the same text.
func BenchmarkNormalize(b *testing.B) {
	var sb strings.Builder
	for _, in := range frenchCorpus(b) {
		sb.WriteString(in.Title)
		sb.WriteString(". ")
		sb.WriteString(in.Summary)
		sb.WriteString(" ")
	}
	s := sb.String()
	buf := make([]byte, 0, len(s)+16)
	var starts []int32
	b.SetBytes(int64(len(s)))
	m := startCPU(b)
	for b.Loop() {
		starts = starts[:0]
		buf = appendNormalized(buf[:0], s, &starts)
	}
	m.report(b, int64(len(s)))
}

// BenchmarkBuild builds the full automaton: all countries, the gazetteer, the curated
// lexicons and 2,000 authorities with aliases. SetBytes is the authorities' name bytes.
func BenchmarkBuild(b *testing.B) {
	auths := syntheticAuthorities(2000)
	var size int64
	for _, a := range auths {
		size += int64(len(a.Name))
		for _, al := range a.Aliases {
			size += int64(len(al))
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{Authorities: auths}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineByteLoop sums the bytes of the same French text: the cheapest possible
// pass over it. Shared or throttled machines run it far below a normal core's speed; the
// ratio BenchmarkTagLong / this benchmark is the number to compare across machines.
func BenchmarkBaselineByteLoop(b *testing.B) {
	var sb strings.Builder
	for _, in := range frenchCorpus(b) {
		sb.WriteString(in.Title)
		sb.WriteString(". ")
		sb.WriteString(in.Summary)
		sb.WriteString(" ")
	}
	s := sb.String()
	b.SetBytes(int64(len(s)))
	m := startCPU(b)
	sum := 0
	for b.Loop() {
		for i := 0; i < len(s); i++ {
			sum += int(s[i])
		}
	}
	m.report(b, int64(len(s)))
	if sum == 42 {
		b.Log(sum) // keeps the loop from being optimised away
	}
}
