package opml

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadNestedWithCountryAndLanguage(t *testing.T) {
	got, err := Read(bytes.NewReader(readFile(t, "veille.opml")))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{FeedURL: "https://www.quotidien-maghreb.test/politique/feed/", SiteURL: "https://www.quotidien-maghreb.test/",
			Title: "Le Quotidien du Maghreb – Politique", Country: "MA", Language: "fr", Category: "Maroc"},
		{FeedURL: "https://assabah-ma.test/rss", SiteURL: "https://assabah-ma.test/",
			Title: "جريدة الصباح", Country: "MA", Language: "ar", Category: "Maroc / Presse arabophone"},
		{FeedURL: "https://alwatan-dz.test/rss?cat=politique&lang=ar", SiteURL: "https://alwatan-dz.test/",
			Title: "Alwatan DZ", Country: "DZ", Language: "ar", Category: "Algérie"},
		{FeedURL: "https://www.cites-unies.test/spip.php?page=backend", Title: "Cités Unies Test", Country: "FR"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Read:\n got %+v\nwant %+v", got, want)
	}
}

func TestReadOPML1Latin1WithRawAmpersand(t *testing.T) {
	got, err := Read(bytes.NewReader(readFile(t, "latin1-opml1.opml")))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{FeedURL: "http://gazette-regions.test/rss.xml?a=1&b=2", SiteURL: "http://gazette-regions.test/",
		Title: "La Gazette des Régions", Category: "Actualités régionales"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v", got)
	}
}

func TestReadRejects(t *testing.T) {
	valid := string(readFile(t, "veille.opml"))
	deep := "<opml><body>" + strings.Repeat("<outline text='x'>", 100) + strings.Repeat("</outline>", 100) + "</body></opml>"
	tests := []struct {
		name, doc string
		want      error
	}{
		{"empty", "", ErrNotOPML},
		{"rss instead of opml", `<?xml version="1.0"?><rss version="2.0"><channel/></rss>`, ErrNotOPML},
		{"html page", `<!DOCTYPE html><html><body>404</body></html>`, ErrNotOPML},
		{"truncated", valid[:len(valid)/2], ErrMalformed},
		{"unclosed root", `<opml version="2.0"><body><outline xmlUrl="https://x.test/rss"/></body>`, ErrMalformed},
		{"garbage", "\x00\x01\x02", ErrMalformed},
		{"nesting bomb", deep, ErrMalformed},
		{"second root", `<opml><body/></opml><opml><body/></opml>`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.doc))
			if !errors.Is(err, tt.want) {
				t.Errorf("Read = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		defer func(n int64) { maxBytes = n }(maxBytes)
		maxBytes = 64 << 10
		big := "<opml><body>" + strings.Repeat("<!-- padding -->", int(maxBytes)/16+1) + "</body></opml>"
		if _, err := Read(strings.NewReader(big)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Read of %d bytes: %v", len(big), err)
		}
	})
}

func TestWriteThenRead(t *testing.T) {
	entries := []Entry{
		{FeedURL: "https://www.hespress.test/feed", SiteURL: "https://www.hespress.test/", Title: "Hespress FR", Country: "MA", Language: "fr", Category: "Maroc"},
		{FeedURL: "https://www.cites-unies.test/backend?a=1&b=<2>", Title: `Cités "Unies" & Co`, Country: "FR"},
		{FeedURL: "https://alwatan-dz.test/rss", Title: "الوطن", Country: "DZ", Language: "ar", Category: "Algérie / Presse arabophone"},
		{FeedURL: "https://le360.test/rss", Title: "Le360", Country: "MA", Category: "Maroc"},
		{FeedURL: "", Title: "no URL, skipped"},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "coopdesk — flux", entries); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<opml version="2.0">`, `<title>coopdesk — flux</title>`,
		`xmlUrl="https://www.cites-unies.test/backend?a=1&amp;b=&lt;2&gt;"`, `country="MA"`, `language="ar"`, `type="rss"`} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %s:\n%s", s, out)
		}
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatalf("reading our own output: %v\n%s", err, out)
	}
	// Grouping by category moves le360 next to the other Moroccan feed.
	want := []Entry{entries[0], entries[3], entries[1], entries[2]}
	if !slices.Equal(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

func FuzzOPML(f *testing.F) {
	f.Add(readFile(f, "veille.opml"))
	f.Add(readFile(f, "latin1-opml1.opml"))
	f.Add([]byte(`<opml><body><outline xmlUrl="x" country="ma"><outline xmlUrl="y"/></outline></body></opml>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		entries, err := Read(bytes.NewReader(doc))
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotOPML) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, "t", entries); err != nil {
			t.Fatal(err)
		}
		again, err := Read(&buf)
		if err != nil {
			t.Fatalf("cannot read back our own output: %v\n%s", err, buf.String())
		}
		sortEntries := func(e []Entry) {
			slices.SortStableFunc(e, func(a, b Entry) int { return strings.Compare(a.Category, b.Category) })
		}
		kept := slices.DeleteFunc(slices.Clone(entries), func(e Entry) bool { return e.FeedURL == "" })
		sortEntries(kept)
		sortEntries(again)
		if !slices.Equal(kept, again) {
			t.Fatalf("round trip changed entries:\n %+v\n %+v", kept, again)
		}
	})
}
