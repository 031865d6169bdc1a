package normalize

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"coopdesk/worker/parse"
)

var fetchedAt = time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)

const site = "https://www.quotidien-maghreb.test"

func wordpressItem() parse.Item {
	return parse.Item{
		GUID:  "https://www.quotidien-maghreb.test/?p=412873",
		Link:  "https://www.quotidien-maghreb.test/politique/regionalisation-avancee-oriental-budget-2026/?utm_source=rss&utm_medium=rss&utm_campaign=regionalisation-avancee",
		Title: "Régionalisation avancée : le conseil de la région de l’Oriental adopte son budget 2026",
		Summary: `<p>Réuni en session ordinaire à Oujda, le conseil régional a voté un budget en hausse de 12&nbsp;%.</p>
<p>L’article <a href="https://www.quotidien-maghreb.test/politique/regionalisation/">Régionalisation</a> est apparu en premier sur <a href="https://www.quotidien-maghreb.test">Le Quotidien</a>.</p>`,
		Content: `<p>Réuni en session ordinaire à <strong>Oujda</strong>, le conseil régional de l’Oriental a voté lundi un budget de 1,9 milliard de dirhams.</p>
<p>Les élus ont approuvé <a href="/tag/cooperation-decentralisee/">trois conventions</a>.</p><script>trackView(412873)</script>
<p><img src="https://www.quotidien-maghreb.test/wp-content/uploads/oujda.jpg" onerror="alert(1)" alt="Conseil"></p>`,
		Author:       "Nadia El Amrani",
		Published:    time.Date(2026, 3, 3, 8, 45, 10, 0, time.UTC),
		DateFromFeed: true,
		Categories:   []string{"Politique", "Régions", "politique", " "},
		ImageURL:     "https://www.quotidien-maghreb.test/wp-content/uploads/2026/03/oujda-conseil.jpg?utm_source=rss",
	}
}

func TestNormalizeWordPressItem(t *testing.T) {
	a, err := Normalize(site, wordpressItem(), fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want string
	}{
		{"Key", a.Key, "https://www.quotidien-maghreb.test/?p=412873"},
		{"KeySource", string(a.KeySource), "guid"},
		{"URL", a.URL, "https://www.quotidien-maghreb.test/politique/regionalisation-avancee-oriental-budget-2026/"},
		{"Title", a.Title, "Régionalisation avancée : le conseil de la région de l’Oriental adopte son budget 2026"},
		{"Author", a.Author, "Nadia El Amrani"},
		{"ImageURL", a.ImageURL, "https://www.quotidien-maghreb.test/wp-content/uploads/2026/03/oujda-conseil.jpg"},
		{"Text", a.Text, "Réuni en session ordinaire à Oujda, le conseil régional de l’Oriental a voté lundi un budget de 1,9 milliard de dirhams.\nLes élus ont approuvé trois conventions."},
		{"Summary", a.Summary, "Réuni en session ordinaire à Oujda, le conseil régional a voté un budget en hausse de 12 %. L’article Régionalisation est apparu en premier sur Le Quotidien."},
		{"Categories", fmt.Sprint(a.Categories), "[Politique Régions]"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !strings.Contains(a.ContentHTML, `<a href="https://www.quotidien-maghreb.test/tag/cooperation-decentralisee/" rel="nofollow noopener" target="_blank">`) {
		t.Errorf("relative link not resolved and marked: %s", a.ContentHTML)
	}
	if strings.Contains(a.ContentHTML, "script") || strings.Contains(a.ContentHTML, "onerror") || strings.Contains(a.ContentHTML, "<img") {
		t.Errorf("unsafe HTML kept: %s", a.ContentHTML)
	}
	if !a.PublishedAt.Equal(time.Date(2026, 3, 3, 8, 45, 10, 0, time.UTC)) || !a.DateFromFeed {
		t.Errorf("PublishedAt %v", a.PublishedAt)
	}
	if len(a.ContentHash) != 64 || a.Signature == 0 || a.Shingles < MinShingles {
		t.Errorf("hash %q signature %#x shingles %d", a.ContentHash, a.Signature, a.Shingles)
	}
}

func TestNormalizeKeyFallback(t *testing.T) {
	withGUID := parse.Item{GUID: " 645745 ", Link: "https://www.humanite.fr/x-645745#xtor=RSS-1", Title: "Emploi", Published: fetchedAt}
	noGUID := parse.Item{Link: "/politique/2026/03/02/bizerte-conseil?utm_source=x", Title: "Bizerte", Published: fetchedAt}
	guidIsLink := parse.Item{GUID: "https://reporterre.test/Europe-normes?utm_medium=rss", Title: "Europe", Published: fetchedAt}
	nothing := parse.Item{Title: "Communiqué", Summary: "<p>Texte du communiqué.</p>", Published: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), DateFromFeed: true}
	longGUID := parse.Item{GUID: strings.Repeat("g", 600), Title: "Long"}

	a := mustNormalize(t, "https://journal.test/", withGUID)
	if a.Key != "645745" || a.KeySource != KeyFromGUID || a.URL != "https://www.humanite.fr/x-645745" {
		t.Errorf("GUID: %q %s %q", a.Key, a.KeySource, a.URL)
	}
	a = mustNormalize(t, "https://journal-tunis.test/", noGUID)
	if a.Key != "https://journal-tunis.test/politique/2026/03/02/bizerte-conseil" || a.KeySource != KeyFromURL {
		t.Errorf("link fallback: %q %s", a.Key, a.KeySource)
	}
	a = mustNormalize(t, "", guidIsLink)
	if a.Key != guidIsLink.GUID || a.URL != "https://reporterre.test/Europe-normes" {
		t.Errorf("GUID as link: key %q URL %q", a.Key, a.URL)
	}
	a = mustNormalize(t, "", nothing)
	b := mustNormalize(t, "", nothing)
	if a.KeySource != KeyFromHash || !strings.HasPrefix(a.Key, "sha256:") || a.Key != b.Key {
		t.Errorf("hash fallback: %q %s, again %q", a.Key, a.KeySource, b.Key)
	}
	// Without a feed date the fetch time would change the key every fetch:
	// the text is hashed instead, so two fetches agree.
	undated := nothing
	undated.DateFromFeed = false
	first, _ := Normalize("", withPublished(undated, fetchedAt), fetchedAt)
	second, _ := Normalize("", withPublished(undated, fetchedAt.Add(time.Hour)), fetchedAt.Add(time.Hour))
	if first.Key != second.Key {
		t.Errorf("undated item key changes between fetches: %q vs %q", first.Key, second.Key)
	}
	other := undated
	other.Summary = "<p>Un autre communiqué.</p>"
	if third, _ := Normalize("", other, fetchedAt); third.Key == first.Key {
		t.Error("different undated items share a key")
	}
	a = mustNormalize(t, "", longGUID)
	if len(a.Key) > maxKeyBytes || !strings.HasPrefix(a.Key, "sha256:") || a.KeySource != KeyFromGUID {
		t.Errorf("long GUID key: %d bytes %q", len(a.Key), a.Key[:20])
	}

	if _, err := Normalize(site, parse.Item{Summary: "<p> </p>", Link: "javascript:void(0)"}, fetchedAt); !errors.Is(err, ErrEmptyItem) {
		t.Errorf("empty item: %v", err)
	}
}

func withPublished(it parse.Item, t time.Time) parse.Item {
	it.Published = t
	return it
}

func mustNormalize(t *testing.T, siteURL string, it parse.Item) Article {
	t.Helper()
	a, err := Normalize(siteURL, it, fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNormalizeContentHashAndSignature(t *testing.T) {
	base := mustNormalize(t, site, wordpressItem())

	// Same text, different markup and tracking: unchanged.
	remarked := wordpressItem()
	remarked.Content = strings.ReplaceAll(remarked.Content, "<strong>", "<b>")
	remarked.Content = strings.ReplaceAll(remarked.Content, "</strong>", "</b>")
	remarked.Link += "&fbclid=abc"
	if a := mustNormalize(t, site, remarked); a.ContentHash != base.ContentHash || a.URL != base.URL {
		t.Error("markup or tracking change altered the content hash or URL")
	}
	// A correction changes the hash but not the story.
	corrected := wordpressItem()
	corrected.Content = strings.Replace(corrected.Content, "1,9 milliard", "2,1 milliards", 1)
	a := mustNormalize(t, site, corrected)
	if a.ContentHash == base.ContentHash {
		t.Error("corrected text kept the same content hash")
	}
	if a.Shingles < MinShingles || !Similar(a.Signature, base.Signature) {
		t.Errorf("corrected text: distance %d", Hamming(a.Signature, base.Signature))
	}
}

func TestNormalizeArabicAndHostileText(t *testing.T) {
	it := parse.Item{
		GUID:    "https://alwatan-dz.test/politique/12345",
		Link:    "https://alwatan-dz.test/politique/12345",
		Title:   "المجلس الشعبي الولائي يصادق على ميزانية 2026",
		Summary: "صادق المجلس الشعبي الولائي لولاية وهران على الميزانية الأولية لسنة 2026 خلال دورة عادية.",
	}
	a := mustNormalize(t, "https://alwatan-dz.test/", it)
	if a.Title != it.Title || a.Text != it.Summary || a.Summary != it.Summary {
		t.Errorf("Arabic text altered: %q / %q", a.Title, a.Text)
	}

	hostile := parse.Item{
		Title:   "Titre <script>alert(1)</script>avec \xff octet &amp;amp; <b>gras</b>",
		Link:    "https://example.ma/a",
		Summary: strings.Repeat("Très long résumé ", 100),
		Author:  "<a href='x'>Rédaction</a>",
	}
	a = mustNormalize(t, "", hostile)
	if strings.ContainsAny(a.Title, "<>") || strings.Contains(a.Title, "alert") || !utf8.ValidString(a.Title) {
		t.Errorf("Title = %q", a.Title)
	}
	if n := utf8.RuneCountInString(a.Summary); n > SummaryMaxRunes || !strings.HasSuffix(a.Summary, "…") {
		t.Errorf("Summary has %d runes: %q", n, a.Summary[len(a.Summary)-20:])
	}
	if a.Author != "Rédaction" {
		t.Errorf("Author = %q", a.Author)
	}
}

func TestNormalizeBodyFallsBackToSummary(t *testing.T) {
	it := parse.Item{Link: "https://example.lb/a", Title: "Photo", Content: `<p><img src="https://example.lb/p.jpg"></p>`, Summary: "<p>Résumé de l&#8217;article.</p>"}
	a := mustNormalize(t, "", it)
	if a.Text != "Résumé de l’article." || !strings.Contains(a.ContentHTML, "<p>Résumé") {
		t.Errorf("Text %q, ContentHTML %q", a.Text, a.ContentHTML)
	}
}

func TestDedup(t *testing.T) {
	items := []parse.Item{
		{GUID: "a", Title: "première"}, {GUID: "b"}, {GUID: " a ", Title: "doublon"}, {Title: "sans guid 1"}, {Title: "sans guid 2"},
	}
	got := DedupItems(items)
	if len(got) != 4 || got[0].Title != "première" || got[2].Title != "sans guid 1" {
		t.Errorf("DedupItems = %+v", got)
	}
	if len(items) != 5 || items[2].Title != "doublon" {
		t.Error("DedupItems modified its input")
	}
	arts := []Article{{Key: "k1", Title: "1"}, {Key: "k2"}, {Key: "k1", Title: "2"}}
	if got := Dedup(arts); len(got) != 2 || got[0].Title != "1" {
		t.Errorf("Dedup = %+v", got)
	}
}

func BenchmarkNormalize(b *testing.B) {
	it := wordpressItem()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize(site, it, fetchedAt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
