package parse

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

var fetchedAt = time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, body []byte, contentType string) *Feed {
	t.Helper()
	feed, err := Parse(body, contentType, fetchedAt)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return feed
}

func mustParseError(t *testing.T, body []byte, want ErrorKind) *Error {
	t.Helper()
	feed, err := Parse(body, "", fetchedAt)
	if err == nil {
		t.Fatalf("Parse succeeded with %d items, want %s", len(feed.Items), want)
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *parse.Error", err, err)
	}
	if pe.Kind != want {
		t.Fatalf("kind = %s, want %s (%v)", pe.Kind, want, err)
	}
	if pe.Message() == "" || KindOf(fmt.Errorf("wrapped: %w", err)) != want {
		t.Errorf("Message %q, KindOf through wrapping broken", pe.Message())
	}
	return pe
}

func TestParseRealShapes(t *testing.T) {
	type first struct {
		guid, link, title, author, image string
		published                        time.Time
		categories                       []string
		summaryHas, contentHas           string
	}
	tests := []struct {
		file, format, title, site, lang string
		ttl                             time.Duration
		items                           int
		first                           first
	}{
		{"wordpress.xml", "rss", "Le Quotidien du Maghreb – Actualités", "https://www.quotidien-maghreb.test", "fr-FR", 30 * time.Minute, 3, first{
			guid:       "https://www.quotidien-maghreb.test/?p=412873",
			link:       "https://www.quotidien-maghreb.test/politique/regionalisation-avancee-oriental-budget-2026/?utm_source=rss&utm_medium=rss&utm_campaign=regionalisation-avancee",
			title:      "Régionalisation avancée : le conseil de la région de l’Oriental adopte son budget 2026",
			author:     "Nadia El Amrani",
			image:      "https://www.quotidien-maghreb.test/wp-content/uploads/2026/03/oujda-conseil.jpg",
			published:  time.Date(2026, 3, 3, 8, 45, 10, 0, time.UTC),
			categories: []string{"Politique", "Régions", "Oriental"},
			summaryHas: "Réuni en session ordinaire à Oujda",
			contentHas: "<strong>Oujda</strong>",
		}},
		{"spip.xml", "rss", "Cités Unies Test – Coopération décentralisée", "https://www.cites-unies.test/", "fr", 0, 2, first{
			guid:       "https://www.cites-unies.test/Assises-de-la-cooperation-franco-tunisienne",
			link:       "https://www.cites-unies.test/Assises-de-la-cooperation-franco-tunisienne",
			title:      "Assises de la coopération franco-tunisienne\u00a0: l’appel à projets est ouvert",
			author:     "Service communication",
			published:  time.Date(2026, 2, 26, 16, 42, 45, 0, time.UTC), // from dc:date alone
			categories: []string{"Tunisie", "Appels à projets"},
			summaryHas: "<p>Les collectivités françaises",
		}},
		{"atom.xml", "atom", "Le Journal de Tunis — Politique", "https://journal-tunis.test/politique/", "fr", 0, 2, first{
			guid:       "tag:journal-tunis.test,2026:article-88231",
			link:       "https://journal-tunis.test/politique/2026/03/03/loi-collectivites-locales",
			title:      "Loi sur les collectivités locales&nbsp;: le texte adopté en plénière",
			author:     "Sonia Trabelsi",
			published:  time.Date(2026, 3, 3, 8, 15, 0, 0, time.UTC),
			categories: []string{"Décentralisation"},
			summaryHas: "projet de loi organique",
			contentHas: "par 121 voix pour",
		}},
		{"rdf.xml", "rss", "Observatoire des territoires", "https://observatoire-territoires.test/", "fr", 0, 1, first{
			link:      "https://observatoire-territoires.test/notes/42",
			title:     "Intercommunalités : le bilan 2025",
			author:    "Observatoire",
			published: time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC),
		}},
		{"jsonfeed.json", "json", "Beirut Municipal Watch", "https://municipal-watch.test/", "fr", 0, 2, first{
			guid:       "https://municipal-watch.test/2026/03/elections-municipales",
			link:       "https://municipal-watch.test/2026/03/elections-municipales",
			title:      "Élections municipales au Liban : le calendrier confirmé",
			author:     "Rami Haddad",
			published:  time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
			categories: []string{"Liban", "Municipalités"},
			contentHas: "confirmé le calendrier",
		}},
		{"arabic-windows-1256.xml", "rss", "جريدة الوطن - سياسة", "https://alwatan-dz.test/", "ar", 0, 2, first{
			guid:       "https://alwatan-dz.test/politique/12345",
			link:       "https://alwatan-dz.test/politique/12345",
			title:      "المجلس الشعبي الولائي يصادق على ميزانية 2026",
			published:  time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC),
			categories: []string{"سياسة"},
			summaryHas: "لولاية وهران",
		}},
		{"latin1.xml", "rss", "La Gazette des Régions", "http://gazette-regions.test/", "fr", 0, 1, first{
			guid:       "gr-2026-0311",
			link:       "http://gazette-regions.test/articles/differenciation.html",
			title:      "Décentralisation : le Sénat adopte le projet de loi « différenciation »",
			published:  time.Date(2026, 3, 4, 13, 0, 0, 0, time.UTC),
			summaryHas: "collectivités d'outre-mer",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			feed := mustParse(t, readFixture(t, tt.file), "")
			if feed.Format != tt.format || feed.Title != tt.title || feed.SiteURL != tt.site || feed.Language != tt.lang || feed.TTL != tt.ttl {
				t.Errorf("meta = %q %q %q %q %v, want %q %q %q %q %v", feed.Format, feed.Title, feed.SiteURL, feed.Language, feed.TTL,
					tt.format, tt.title, tt.site, tt.lang, tt.ttl)
			}
			if len(feed.Items) != tt.items {
				t.Fatalf("%d items, want %d", len(feed.Items), tt.items)
			}
			it, w := feed.Items[0], tt.first
			if it.GUID != w.guid || it.Link != w.link || it.Title != w.title || it.Author != w.author || it.ImageURL != w.image {
				t.Errorf("item = guid %q link %q title %q author %q image %q\nwant   guid %q link %q title %q author %q image %q",
					it.GUID, it.Link, it.Title, it.Author, it.ImageURL, w.guid, w.link, w.title, w.author, w.image)
			}
			if !it.Published.Equal(w.published) || !it.DateFromFeed {
				t.Errorf("Published = %v (from feed %v), want %v", it.Published, it.DateFromFeed, w.published)
			}
			if fmt.Sprint(it.Categories) != fmt.Sprint(w.categories) && !(len(it.Categories) == 0 && len(w.categories) == 0) {
				t.Errorf("Categories = %q, want %q", it.Categories, w.categories)
			}
			if !strings.Contains(it.Summary, w.summaryHas) || !strings.Contains(it.Content, w.contentHas) {
				t.Errorf("Summary %.80q / Content %.80q lack %q / %q", it.Summary, it.Content, w.summaryHas, w.contentHas)
			}
		})
	}
}

func TestParseCharsets(t *testing.T) {
	arabic := readFixture(t, "arabic-windows-1256.xml")
	latin := readFixture(t, "latin1.xml")
	wordpress := readFixture(t, "wordpress.xml")
	const arabicTitle = "المجلس الشعبي الولائي يصادق على ميزانية 2026"
	const latinTitle = "Décentralisation : le Sénat adopte le projet de loi « différenciation »"
	const wpTitle = "Régionalisation avancée : le conseil de la région de l’Oriental adopte son budget 2026"

	noDecl := func(b []byte) []byte { return b[bytes.Index(b, []byte("?>"))+2:] }
	declare := func(b []byte, enc string) []byte {
		return append([]byte(`<?xml version="1.0" encoding="`+enc+`"?>`), noDecl(b)...)
	}
	tests := []struct {
		name, contentType string
		body              []byte
		title, charset    string
	}{
		{"arabic declared windows-1256", "", arabic, arabicTitle, "windows-1256"},
		{"arabic declared utf-8 by mistake", "application/rss+xml; charset=utf-8", declare(arabic, "UTF-8"), arabicTitle, "windows-1256"},
		{"arabic charset only in Content-Type", "text/xml; charset=windows-1256", noDecl(arabic), arabicTitle, "windows-1256"},
		{"arabic undeclared, language tag", "text/xml", noDecl(arabic), arabicTitle, "windows-1256"},
		{"arabic undeclared, no language tag", "", bytes.Replace(noDecl(arabic), []byte("<language>ar</language>"), nil, 1), arabicTitle, "windows-1256"},
		{"latin1 declared ISO-8859-1", "", latin, latinTitle, "windows-1252"},
		{"latin1 declared utf-8 by mistake", "", declare(latin, "utf-8"), latinTitle, "windows-1252"},
		{"latin1 charset only in Content-Type", "application/rss+xml; charset=ISO-8859-1", noDecl(latin), latinTitle, "windows-1252"},
		{"Content-Type wrong, XML declaration right", "text/xml; charset=UTF-8", latin, latinTitle, "windows-1252"},
		{"utf-8 declared ISO-8859-1 by mistake", "", declare(wordpress, "ISO-8859-1"), wpTitle, "utf-8"},
		{"utf-8 with Content-Type windows-1256 by mistake", "text/xml; charset=windows-1256", wordpress, wpTitle, "utf-8"},
		{"utf-8 with BOM", "", append([]byte{0xEF, 0xBB, 0xBF}, wordpress...), wpTitle, "utf-8"},
		{"unknown charset label", "", declare(latin, "x-no-such-charset"), latinTitle, "windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed := mustParse(t, tt.body, tt.contentType)
			if got := feed.Items[0].Title; got != tt.title {
				t.Errorf("title = %q, want %q", got, tt.title)
			}
			if feed.Charset != tt.charset {
				t.Errorf("charset = %s, want %s", feed.Charset, tt.charset)
			}
		})
	}

	t.Run("windows-1252 quotes declared as ISO-8859-1", func(t *testing.T) {
		body := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>t</title>" +
			"<item><title>L\x92\xe9lu \x96 \x93Oran\x94</title><link>http://x.test/1</link></item></channel></rss>")
		if got := mustParse(t, body, "").Items[0].Title; got != "L’élu – “Oran”" {
			t.Errorf("title = %q", got)
		}
	})
	t.Run("utf-8 with one stray byte keeps its good characters", func(t *testing.T) {
		body := bytes.Replace(wordpress, []byte("adopte son budget 2026 ]]>"), []byte("adopte son budget 2026 \xe9]]>"), 1)
		got := mustParse(t, body, "").Items[0].Title
		if !strings.HasPrefix(got, "Régionalisation avancée") || !strings.HasSuffix(got, "2026 \uFFFD") {
			t.Errorf("title = %q", got)
		}
	})
}

func TestParseHostileBodies(t *testing.T) {
	wp := readFixture(t, "wordpress.xml")
	notFeeds := map[string]string{
		"empty":      "",
		"whitespace": " \n\t\r\n",
		"html page": `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Accueil - Le Quotidien</title>
<link rel="alternate" type="application/rss+xml" href="/feed/"></head><body><h1>Accueil</h1></body></html>`,
		"html without doctype": `<html><body><p>Page introuvable</p></body></html>`,
		"plain text":           "Service Unavailable",
		"binary":               "\x89PNG\r\n\x1a\n\x00\x00",
	}
	for name, body := range notFeeds {
		t.Run(name, func(t *testing.T) { mustParseError(t, []byte(body), KindNotAFeed) })
	}
	malformed := map[string][]byte{
		"truncated xml":         wp[:len(wp)/2],
		"truncated in root tag": []byte(`<?xml version="1.0" encoding="UTF-8"?><rss vers`),
		"truncated json feed":   readFixture(t, "jsonfeed.json")[:200],
		"unclosed channel":      []byte(`<rss version="2.0"><channel><title>x</title><item><title>a</title></item>`),
	}
	for name, body := range malformed {
		t.Run(name, func(t *testing.T) { mustParseError(t, body, KindMalformed) })
	}

	t.Run("empty feed is fine", func(t *testing.T) {
		feed := mustParse(t, []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Vide</title><link>https://vide.test/</link></channel></rss>`), "")
		if feed.Title != "Vide" || len(feed.Items) != 0 {
			t.Errorf("title %q, %d items", feed.Title, len(feed.Items))
		}
	})
	t.Run("PHP notice before the declaration", func(t *testing.T) {
		body := append([]byte("<br />\n<b>Deprecated</b>:  Function create_function() is deprecated in <b>/var/www/wp-includes/x.php</b><br />\n"), wp...)
		body = body[bytes.Index(body, []byte("Deprecated"))-0:] // starts with text, not '<'
		if got := len(mustParse(t, body, "").Items); got != 3 {
			t.Errorf("%d items", got)
		}
	})
	t.Run("control characters", func(t *testing.T) {
		body := bytes.Replace(wp, []byte("Nadia El Amrani"), []byte("Nadia\x0b El\x1f Amrani"), 1)
		if got := mustParse(t, body, "").Items[0].Author; !strings.Contains(got, "Nadia") {
			t.Errorf("author %q", got)
		}
	})
}

func rssWithDates(dates ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>d</title>`)
	for i, d := range dates {
		fmt.Fprintf(&b, "<item><title>t%d</title><guid>g%d</guid>%s</item>", i, i, d)
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

func TestParseDates(t *testing.T) {
	soon := fetchedAt.Add(5 * time.Minute)
	tests := []struct {
		name     string
		xml      string
		want     time.Time
		fromFeed bool
	}{
		{"pubDate", "<pubDate>Tue, 03 Mar 2026 08:45:10 +0100</pubDate>", time.Date(2026, 3, 3, 7, 45, 10, 0, time.UTC), true},
		{"dc:date only (SPIP)", "<dc:date>2026-02-26T16:42:45Z</dc:date>", time.Date(2026, 2, 26, 16, 42, 45, 0, time.UTC), true},
		{"French month names are not RFC 822", "<pubDate>mar., 03 mars 2026 08:45:10</pubDate>", fetchedAt, false},
		{"garbage", "<pubDate>hier soir</pubDate>", fetchedAt, false},
		{"missing", "", fetchedAt, false},
		{"empty", "<pubDate></pubDate>", fetchedAt, false},
		{"next year", "<pubDate>Thu, 05 Mar 2027 12:00:00 +0000</pubDate>", fetchedAt, false},
		{"two hours ahead (timezone bug)", "<pubDate>Thu, 05 Mar 2026 14:00:00 +0000</pubDate>", fetchedAt, false},
		{"within tolerance", "<pubDate>" + soon.Format(time.RFC1123Z) + "</pubDate>", soon, true},
		{"epoch", "<pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate>", fetchedAt, false},
		{"zero MySQL date", "<dc:date>0000-00-00T00:00:00Z</dc:date>", fetchedAt, false},
	}
	xmls := make([]string, len(tests))
	for i, tt := range tests {
		xmls[i] = tt.xml
	}
	feed := mustParse(t, rssWithDates(xmls...), "")
	for i, tt := range tests {
		it := feed.Items[i]
		if !it.Published.Equal(tt.want) || it.DateFromFeed != tt.fromFeed {
			t.Errorf("%s: Published %v (from feed %v), want %v (%v)", tt.name, it.Published, it.DateFromFeed, tt.want, tt.fromFeed)
		}
	}

	atom := mustParse(t, readFixture(t, "atom.xml"), "").Items[1]
	if want := time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC); !atom.Published.Equal(want) || !atom.DateFromFeed {
		t.Errorf("Atom entry with <updated> only: %v, want %v", atom.Published, want)
	}
}

func TestParseDuplicateGUIDsAreKept(t *testing.T) {
	body := []byte(`<rss version="2.0"><channel><title>d</title>
<item><title>Première version</title><guid>same</guid></item>
<item><title>Seconde version</title><guid>same</guid></item>
</channel></rss>`)
	feed := mustParse(t, body, "")
	if len(feed.Items) != 2 || feed.Items[0].GUID != "same" || feed.Items[1].GUID != "same" {
		t.Fatalf("items: %+v", feed.Items)
	}
}

func TestParseTenThousandItems(t *testing.T) {
	body := wordpressFeed(10_000, false)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	feed := mustParse(t, body, "application/rss+xml; charset=UTF-8")
	runtime.ReadMemStats(&after)
	if len(feed.Items) != 10_000 {
		t.Fatalf("%d items", len(feed.Items))
	}
	last := feed.Items[9999]
	if last.GUID != "https://www.quotidien-maghreb.test/?p=409999" || !last.DateFromFeed {
		t.Errorf("last item: %q %v", last.GUID, last.Published)
	}
	// Allocation volume, not time. encoding/xml allocates about 40 times the
	// document; a parser that rescanned or copied the document per item
	// would be thousands of times over.
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("body %d KiB, allocated %d MiB", len(body)>>10, allocated>>20)
	if limit := uint64(len(body)) * 100; allocated > limit {
		t.Errorf("allocated %d bytes for a %d-byte feed", allocated, len(body))
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"wordpress.xml", "spip.xml", "atom.xml", "rdf.xml", "jsonfeed.json", "arabic-windows-1256.xml", "latin1.xml"} {
		f.Add(readFixture(f, name), "")
	}
	f.Add([]byte(`<rss version="2.0"><channel><item><pubDate>Thu, 05 Mar 2099 14:00:00 +0000</pubDate></item></channel></rss>`), "text/xml; charset=iso-8859-1")
	f.Add([]byte(`<!DOCTYPE html><html></html>`), "text/html")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := Parse(body, contentType, fetchedAt)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || (pe.Kind != KindNotAFeed && pe.Kind != KindMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, it := range feed.Items {
			if it.Published.IsZero() || it.Published.After(fetchedAt.Add(FutureTolerance)) {
				t.Fatalf("Published %v out of bounds", it.Published)
			}
			for _, s := range []string{it.GUID, it.Link, it.Title, it.Summary, it.Content, it.Author} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 %q", s)
				}
			}
		}
	})
}

// BenchmarkParse measures a realistic 50-item WordPress feed (about 90 KB),
// through gofeed alone (the floor) and through Parse (charset check, date
// rules, conversion to Item).
func BenchmarkParse(b *testing.B) {
	body := wordpressFeed(50, true)
	b.Run("gofeed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
			if err != nil || len(feed.Items) != 50 {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*50)/b.Elapsed().Seconds(), "items/s")
	})
	b.Run("Parse", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			feed, err := Parse(body, "application/rss+xml; charset=UTF-8", fetchedAt)
			if err != nil || len(feed.Items) != 50 {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*50)/b.Elapsed().Seconds(), "items/s")
	})
}
