package server_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"coopdesk/ent/countrygroup"
	"coopdesk/internal/auth"
	"coopdesk/internal/seed"
	"coopdesk/internal/server"
	"coopdesk/internal/testdb"
	"coopdesk/worker/digest"
)

func TestDigestRoutes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		if _, err := seed.Minimal(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		viewer, _, err := auth.CreateUserWithToken(ctx, db.Client, "Lecteur", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		maroc, err := db.Client.CountryGroup.Query().Where(countrygroup.Slug("maroc")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 31 days of digests; the last one with a story whose title needs escaping.
		start := time.Date(2026, 10, 27, 6, 0, 0, 0, time.UTC)
		for i := range 31 {
			d := &digest.Digest{GroupID: maroc.ID, GroupSlug: "maroc", GroupName: "Maroc",
				Date: start.AddDate(0, 0, i).Format(time.DateOnly), Until: start.AddDate(0, 0, i), Since: start.AddDate(0, 0, i-1)}
			if i == 30 {
				d.Articles = 1
				d.Sections = []digest.Section{{Topic: "economie", Label: "Économie", Entries: []digest.Entry{{
					ArticleID: 1, Title: "Eau & assainissement <à Rabat>", URL: "https://lematin.example/eau", Source: "Le Matin",
					PublishedAt: d.Until.Add(-time.Hour), StorySize: 1}}}}
			}
			r, err := digest.Render(d, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := digest.Store(ctx, db.Client, d, r); err != nil {
				t.Fatal(err)
			}
		}
		srv := httptest.NewServer(server.DigestRoutes(db.Client))
		defer srv.Close()
		get := func(path, bearer string) (int, http.Header, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, res.Header, string(b)
		}

		cases := []struct {
			name, path, bearer string
			status             int
			contains           string
		}{
			{"no token", "/digests/maroc/2026-11-26", "", 401, "token is required"},
			{"bad token", "/digests/maroc/2026-11-26?token=cdk_nope", "", 401, "invalid"},
			{"query token", "/digests/maroc/2026-11-26?token=" + viewer, "", 200, "Eau &amp; assainissement &lt;à Rabat&gt;"},
			{"bearer", "/digests/maroc/2026-11-25", viewer, 200, "Rien de nouveau"},
			{"unknown group", "/digests/atlantide/2026-11-26", viewer, 404, `unknown group "atlantide"`},
			{"no digest that day", "/digests/maroc/2025-01-01", viewer, 404, "no digest for group maroc on 2025-01-01"},
			{"malformed date", "/digests/maroc/hier", viewer, 404, "malformed date"},
			{"feed of an unknown group", "/digests/atlantide.atom", viewer, 404, `unknown group "atlantide"`},
			{"not a feed", "/digests/maroc", viewer, 404, "not found"},
		}
		for _, c := range cases {
			status, h, body := get(c.path, c.bearer)
			if status != c.status || !strings.Contains(body, c.contains) {
				t.Errorf("%s: %d %q, want %d containing %q", c.name, status, body[:min(len(body), 200)], c.status, c.contains)
			}
			if status == 200 && !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("%s: content type %s", c.name, h.Get("Content-Type"))
			}
			if status == 200 && !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("%s: CSP %q", c.name, h.Get("Content-Security-Policy"))
			}
		}

		status, h, body := get("/digests/maroc.atom?token="+viewer, "")
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("feed: %d %s", status, h.Get("Content-Type"))
		}
		var feed struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			ID      string   `xml:"id"`
			Title   string   `xml:"title"`
			Updated string   `xml:"updated"`
			Links   []struct {
				Rel  string `xml:"rel,attr"`
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
				Link    struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
				Content struct {
					Type string `xml:"type,attr"`
					Body string `xml:",chardata"`
				} `xml:"content"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(body), &feed); err != nil {
			t.Fatalf("feed is not Atom: %v\n%s", err, body[:min(len(body), 500)])
		}
		if feed.Title != "Veille Maroc" || len(feed.Entries) != 30 || feed.Updated != "2026-11-26T06:00:00Z" {
			t.Fatalf("feed %q with %d entries updated %s, want the latest 30", feed.Title, len(feed.Entries), feed.Updated)
		}
		first := feed.Entries[0]
		if first.Link.Href != srv.URL+"/digests/maroc/2026-11-26" || first.Content.Type != "html" ||
			!strings.Contains(first.Content.Body, "Eau &amp; assainissement &lt;à Rabat&gt;") ||
			feed.Entries[29].Link.Href != srv.URL+"/digests/maroc/2026-10-28" {
			t.Errorf("first entry %+v", first.Link)
		}
		if strings.Contains(body, viewer) {
			t.Error("the feed repeats the token")
		}
		if _, _, body := get("/digests/maroc.atom", viewer); !strings.Contains(body, fmt.Sprintf("<id>%s</id>", feed.ID)) {
			t.Error("bearer token refused on the feed")
		}
	})
}
