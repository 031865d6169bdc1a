package search_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"coopdesk/internal/search"
	"coopdesk/internal/testdb"
)

func TestSearch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		tests := []struct {
			name   string
			query  string
			filter func(v *veille) search.Filter
			want   []string // expected keys; in this order when ordered
			order  bool
		}{
			{name: "French plural finds singular", query: "municipalités", want: []string{"dakar-lyon", "saint-louis", "tunisie", "sfax"}},
			{name: "French singular finds plural", query: "municipalité", want: []string{"dakar-lyon", "saint-louis", "tunisie", "sfax"}},
			{name: "accents folded", query: "region", want: []string{"saint-louis", "tunisie", "ghana"}},
			{name: "accented query", query: "RÉGION", want: []string{"saint-louis", "tunisie", "ghana"}},
			{name: "English stemmed", query: "council", want: []string{"ghana"}},
			{name: "English plural and French", query: "elections", want: []string{"saint-louis", "ghana"}},
			{name: "all words required", query: "coopération décentralisée", want: []string{"dakar-lyon"}},
			{name: "phrase", query: `"coopération décentralisée"`, want: []string{"dakar-lyon"}},
			{name: "phrase order matters", query: `"décentralisée coopération"`, want: nil},
			{name: "exclusion", query: "Dakar -investit", want: []string{"dakar-lyon"}},
			{name: "excluded phrase", query: `Dakar -"port autonome"`, want: []string{"dakar-lyon"}},
			{name: "OR", query: "Sfax OR Tunisie", want: []string{"sfax", "tunisie"}},
			{name: "lower-case or is a word", query: "Sfax or Tunisie", want: nil},
			{name: "recency boost orders equal matches", query: "Dakar", want: []string{"dakar-lyon", "port-dakar"}, order: true},
			{name: "Arabic, taa marbuta, shadda and hamza folded", query: "إتفاقية", want: []string{"rabat"}},
			{name: "Arabic with harakat in the text", query: "المجلس الجماعي", want: []string{"rabat"}},
			{name: "Arabic phrase", query: `"مدينة ليون"`, want: []string{"rabat"}},
			{name: "article without language is French", query: "collectivité territoriale", want: []string{"no-language"}},
			{name: "syntax characters are only separators", query: `Dakar* Dakar^ (Dakar) "Dakar`, want: []string{"dakar-lyon", "port-dakar"}},
			{name: "colon and quotes", query: `title:"Sfax`, want: nil},
			{name: "FTS5 and tsquery operators as words", query: `Sfax AND & | ! <-> NOT`, want: []string{"sfax"}},
			{name: "group filter", query: "municipalité", filter: func(v *veille) search.Filter { return search.Filter{Groups: []string{"maghreb"}} }, want: []string{"tunisie", "sfax"}},
			{name: "removed tag does not count", query: "municipalité", filter: func(v *veille) search.Filter { return search.Filter{Groups: []string{"afrique-ouest"}} }, want: []string{"dakar-lyon", "saint-louis"}},
			{name: "country filter", query: "municipalité", filter: func(v *veille) search.Filter { return search.Filter{Countries: []string{"tn"}} }, want: []string{"tunisie", "sfax"}},
			{name: "topic filter", query: "elections", filter: func(v *veille) search.Filter { return search.Filter{Topics: []string{"politique"}} }, want: []string{"saint-louis", "ghana"}},
			{name: "feed filter", query: "Lyon", filter: func(v *veille) search.Filter { return search.Filter{Feeds: []int{v.feeds["FR"]}} }, want: []string{"lyon-securite"}},
			{name: "authority filter, empty query lists latest", query: "", filter: func(v *veille) search.Filter { return search.Filter{Authorities: []int{v.authority["Lyon"]}} },
				want: []string{"dakar-lyon", "rabat", "lyon-securite"}, order: true},
			{name: "date range", query: "municipalité", filter: func(v *veille) search.Filter {
				from, to := daysAgo(5), daysAgo(1.2)
				return search.Filter{From: &from, To: &to}
			}, want: []string{"saint-louis", "sfax"}},
			{name: "old match still found", query: "cambriolages", want: []string{"lyon-securite"}},
			{name: "filters combine", query: "", filter: func(v *veille) search.Filter {
				return search.Filter{Groups: []string{"afrique-ouest"}, Topics: []string{"politique"}, Countries: []string{"GH"}}
			}, want: []string{"ghana"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req := search.Request{Query: tt.query, First: 50, Now: now}
				if tt.filter != nil {
					req.Filter = tt.filter(v)
				}
				page, err := v.engine.Search(ctx, req)
				if err != nil {
					t.Fatalf("Search(%q): %v", tt.query, err)
				}
				got := v.keys(page.Hits)
				want := slices.Clone(tt.want)
				if !tt.order {
					slices.Sort(got)
					slices.Sort(want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("Search(%q) = %v, want %v", tt.query, got, want)
				}
				for _, h := range page.Hits {
					if tt.query != "" && (h.Score <= 0 || h.Score >= 1) {
						t.Errorf("score %v of %d not in (0, 1)", h.Score, h.ArticleID)
					}
				}
			})
		}
	})
}

func TestSearchBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		tests := []struct {
			name  string
			req   search.Request
			want  error
			valid bool // the error, if any, is not one of ours
		}{
			{name: "10,000 characters", req: search.Request{Query: strings.Repeat("Dakar ", 1667)}, want: search.ErrQueryTooLong},
			{name: "only stop words", req: search.Request{Query: "le la de the of"}, want: search.ErrOnlyStopWords},
			{name: "only exclusions", req: search.Request{Query: "-Dakar -Lyon"}, want: search.ErrOnlyExcluded},
			{name: "only syntax", req: search.Request{Query: `"*" : ^ ( ) -`}, want: search.ErrNoWords},
			{name: "first too large", req: search.Request{Query: "Dakar", First: 101}, want: search.ErrInvalidFirst},
			{name: "negative first", req: search.Request{Query: "Dakar", First: -1}, want: search.ErrInvalidFirst},
			{name: "garbage cursor", req: search.Request{Query: "Dakar", After: "not-a-cursor"}, want: search.ErrInvalidCursor},
			{name: "inverted dates", req: search.Request{Query: "Dakar", Filter: search.Filter{From: &now, To: ptr(daysAgo(1))}}, want: search.ErrInvalidFilter},
			{name: "SQL injection is just words", req: search.Request{Query: `Dakar'; DROP TABLE articles; --`}, valid: true},
			{name: "FTS5 NEAR group", req: search.Request{Query: `NEAR(Dakar Lyon, 5) Dakar:* ^Dakar`}, valid: true},
			{name: "unbalanced quote", req: search.Request{Query: `"coopération décentralisée`}, valid: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := v.engine.Search(ctx, tt.req)
				if tt.valid {
					if err != nil {
						t.Fatalf("Search(%q): %v", tt.req.Query, err)
					}
					return
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("Search(%q) error = %v, want %v", tt.req.Query, err, tt.want)
				}
			})
		}
		// The table survived the injection attempt.
		if n := db.Client.Article.Query().CountX(ctx); n != len(fixtureArticles) {
			t.Fatalf("%d articles, want %d", n, len(fixtureArticles))
		}
		// A cursor of one search is refused by another.
		page, err := v.engine.Search(ctx, search.Request{Query: "Dakar", First: 1, Now: now})
		if err != nil || page.EndCursor == "" {
			t.Fatalf("Search: %v, %+v", err, page)
		}
		if _, err := v.engine.Search(ctx, search.Request{Query: "Lyon", After: page.EndCursor}); !errors.Is(err, search.ErrInvalidCursor) {
			t.Fatalf("foreign cursor: error = %v, want ErrInvalidCursor", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestSearchPagination(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		for _, q := range []string{"", "municipalité", "Lyon OR Dakar OR collectivités"} {
			all, err := v.engine.Search(ctx, search.Request{Query: q, First: 100, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if all.HasNextPage {
				t.Fatalf("%q: HasNextPage with %d hits", q, len(all.Hits))
			}
			var paged []int
			after := ""
			for range 20 {
				page, err := v.engine.Search(ctx, search.Request{Query: q, First: 2, After: after, Now: now})
				if err != nil {
					t.Fatalf("%q after %q: %v", q, after, err)
				}
				for _, h := range page.Hits {
					paged = append(paged, h.ArticleID)
				}
				if !page.HasNextPage {
					break
				}
				after = page.EndCursor
			}
			var want []int
			for _, h := range all.Hits {
				want = append(want, h.ArticleID)
			}
			if !slices.Equal(paged, want) {
				t.Errorf("%q: pages %v, one page %v", q, paged, want)
			}
			for i := 1; i < len(all.Hits); i++ {
				a, b := all.Hits[i-1], all.Hits[i]
				if a.Score < b.Score || (a.Score == b.Score && a.PublishedAt.Before(b.PublishedAt)) {
					t.Errorf("%q: hit %d (%v, %v) before hit %d (%v, %v)", q, a.ArticleID, a.Score, a.PublishedAt, b.ArticleID, b.Score, b.PublishedAt)
				}
			}
		}
		if all, _ := v.engine.Search(ctx, search.Request{First: 100, Now: now}); len(all.Hits) != len(fixtureArticles) || v.keys(all.Hits)[0] != "dakar-lyon" {
			t.Errorf("empty query: %v, want every article, newest first", v.keys(all.Hits))
		}
	})
}

func TestSearchSnippets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		tests := []struct {
			query, key string
			contains   []string
			excludes   []string
		}{
			{"municipalités", "tunisie", []string{"<mark>municipalités</mark>"}, nil},
			{"réforme budget", "budget", []string{"&lt;script&gt;", "&amp;", "<mark>budget</mark>", "<mark>réforme</mark>"}, []string{"<script>"}},
			{"إتفاقية", "rabat", []string{"<mark>اتفاقيّةٍ</mark>"}, nil},
			{"cambriolages", "lyon-securite", []string{"<mark>cambriolages</mark>"}, nil},
			{"Tunisie", "tunisie", []string{"<mark>Tunisie</mark>"}, nil}, // only the title matches
		}
		for _, tt := range tests {
			page, err := v.engine.Search(ctx, search.Request{Query: tt.query, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range page.Hits {
				if h.ArticleID != v.articles[tt.key] {
					continue
				}
				found = true
				for _, s := range tt.contains {
					if !strings.Contains(h.Snippet, s) {
						t.Errorf("%q: snippet %q lacks %q", tt.query, h.Snippet, s)
					}
				}
				for _, s := range tt.excludes {
					if strings.Contains(h.Snippet, s) {
						t.Errorf("%q: snippet %q has %q", tt.query, h.Snippet, s)
					}
				}
			}
			if !found {
				t.Errorf("%q: %s not found", tt.query, tt.key)
			}
		}
	})
}

// TestIndexFollowsArticles checks that the index follows inserts, updates and deletes made
// by any writer, and that migrating again (search, then ent) is harmless.
func TestIndexFollowsArticles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		count := func(q string) int {
			t.Helper()
			page, err := v.engine.Search(ctx, search.Request{Query: q, Now: now, First: 100})
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			return len(page.Hits)
		}
		id := v.articles["port-dakar"]
		db.Client.Article.UpdateOneID(id).SetTitle("Économie : le port de Ziguinchor investit").ExecX(ctx)
		if n := count("Ziguinchor"); n != 1 {
			t.Errorf("after update: %d hits for the new word, want 1", n)
		}
		db.Client.Article.UpdateOneID(id).SetSummaryText("Rien à voir.").ExecX(ctx)
		if n := count("Dakar"); n != 1 {
			t.Errorf("after update: %d hits for the old word, want 1", n)
		}
		if _, err := db.SQL.ExecContext(ctx, "DELETE FROM article_sources WHERE article_id = "+strconv.Itoa(id)); err != nil {
			t.Fatal(err)
		}
		db.Client.ArticleTopic.Delete().ExecX(ctx)
		db.Client.ArticleMention.Delete().ExecX(ctx)
		db.Client.ArticleGroupTag.Delete().ExecX(ctx)
		db.Client.Article.DeleteOneID(id).ExecX(ctx)
		if n := count("Ziguinchor"); n != 0 {
			t.Errorf("after delete: %d hits, want 0", n)
		}
		if err := v.engine.Migrate(ctx); err != nil {
			t.Fatalf("second search migrate: %v", err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("ent migrate after search migrate: %v", err)
		}
		if n := count("municipalité"); n != 4 {
			t.Errorf("after migrating again: %d hits, want 4", n)
		}
	})
}
