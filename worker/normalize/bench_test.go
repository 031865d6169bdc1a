package normalize

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"coopdesk/worker/parse"
)

// Benchmarks over a corpus shaped like the veille ingestion: French news
// items (a title and a summary of about 60 words in HTML, with accents,
// ligatures, typographic apostrophes and entities), one in eight in Arabic.
// The corpus is generated from a fixed seed, so runs are comparable.

var frenchWords = strings.Fields(`le la les de des du un une et à au aux en pour sur dans par avec
	gouvernement conseil régional région régionalisation avancée décret projet loi budget
	ministre l’Intérieur d’État qu’il l'emploi d'une élus élections députés sénateurs
	coopération décentralisée collectivités territoriales communes préfecture mairie
	Marrakech Oujda Rabat Tunis Beyrouth Alger Oran Nouakchott Dakar Montréal
	économique développement formation professionnelle transport interurbain œuvre
	cœur sœur ex-æquo naïve Noël où déjà très été hôpital forêt août
	réforme démocratie locale disparités territoriales Royaume République
	milliards dirhams euros 2026 1,9 12 % 121 voix contre abstentions
	a adopté jeudi lundi mardi mercredi vendredi précisé souligné annoncé`)

var arabicWords = strings.Fields(`المجلس الشعبي الولائي يصادق على ميزانية ٢٠٢٦ لولاية وهران
	الأولية لسنة خلال دورة عادية ترأسها رئيس بحضور الوالي أعلنت وزارة الداخلية
	عن برنامج للتعاون الجماعات المحليّة إطلاق جديـد مع مدن فرنسيّة آفاق مؤسسة
	القرى الكبرى مسؤول إنّ الحكومةُ قرّرتْ`)

// newsItem builds one synthetic feed item.
func newsItem(r *rand.Rand, i int) parse.Item {
	vocab := frenchWords
	if i%8 == 7 {
		vocab = arabicWords
	}
	words := func(n int) string {
		var b strings.Builder
		for j := range n {
			if j > 0 {
				b.WriteByte(' ')
			}
			w := vocab[r.IntN(len(vocab))]
			switch r.IntN(20) {
			case 0:
				w = "<strong>" + w + "</strong>"
			case 1:
				w = `<a href="/tag/` + fmt.Sprint(r.IntN(1000)) + `/">` + w + "</a>"
			case 2:
				w += ","
			case 3:
				w += "."
			case 4:
				w = strings.ToUpper(w)
			case 5:
				w += "&nbsp;:"
			case 6:
				w = "l&#8217;" + w
			}
			b.WriteString(w)
		}
		return b.String()
	}
	title := words(8 + r.IntN(6))
	summary := "<p>" + words(30+r.IntN(20)) + "</p>\n<p>" + words(10+r.IntN(20)) + "</p>"
	it := parse.Item{
		GUID:         fmt.Sprintf("https://www.quotidien-maghreb.test/?p=%d", 400000+i),
		Link:         fmt.Sprintf("https://www.quotidien-maghreb.test/politique/article-%d/?utm_source=rss", i),
		Title:        strings.NewReplacer("<strong>", "", "</strong>", "").Replace(title),
		Summary:      summary,
		Author:       "Rédaction",
		Published:    time.Date(2026, 3, 3, 8, 45, 10, 0, time.UTC),
		DateFromFeed: true,
		Categories:   []string{"Politique", "Régions"},
	}
	if i%3 == 0 { // some feeds give a full body too
		it.Content = `<figure class="wp-block-image size-large"><img decoding="async" width="800" height="533" src="/wp-content/uploads/2026/03/photo.jpg" alt="Photo" class="wp-image-4128" srcset="/a.jpg 800w, /b.jpg 300w" sizes="(max-width: 800px) 100vw, 800px"></figure>` +
			summary + "\n" + `<p class="has-text-align-justify" style="font-size:16px">` + words(40) + "</p><script>trackView(1)</script>"
	}
	return it
}

// newsCorpus returns n items generated from a fixed seed.
func newsCorpus(n int) []parse.Item {
	r := rand.New(rand.NewPCG(2026, 3))
	items := make([]parse.Item, n)
	for i := range items {
		items[i] = newsItem(r, i)
	}
	return items
}

const benchItems = 64

func BenchmarkNormalizeCorpus(b *testing.B) {
	items := newsCorpus(benchItems)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Normalize(site, items[i%len(items)], fetchedAt); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchTexts returns the title+text that Normalize signs for each item.
func benchTexts(b *testing.B) []string {
	var texts []string
	for _, it := range newsCorpus(benchItems) {
		a, err := refNormalize(site, it, fetchedAt)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, a.Title+"\n"+a.Text)
	}
	return texts
}

func BenchmarkSignature(b *testing.B) {
	texts := benchTexts(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Signature(texts[i%len(texts)])
		i++
	}
}

func BenchmarkFoldWords(b *testing.B) {
	texts := benchTexts(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		foldWords(texts[i%len(texts)])
		i++
	}
}

func BenchmarkPlainText(b *testing.B) {
	items := newsCorpus(benchItems)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		PlainText(items[i%len(items)].Summary)
		i++
	}
}

func BenchmarkSanitizeHTML(b *testing.B) {
	items := newsCorpus(benchItems)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		SanitizeHTML(items[i%len(items)].Summary, "https://www.quotidien-maghreb.test/politique/")
		i++
	}
}

func BenchmarkCollapse(b *testing.B) {
	var texts []string
	for _, it := range newsCorpus(benchItems) {
		texts = append(texts, strings.NewReplacer("<p>", "\n", "</p>", "\n  ", "&nbsp;", "\u00a0", "&#8217;", "’").Replace(it.Summary))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		collapse(texts[i%len(texts)])
		i++
	}
}
