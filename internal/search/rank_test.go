package search_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"coopdesk/ent/articlegrouptag"
	"coopdesk/internal/search"
	"coopdesk/internal/testdb"
)

// commonVeille adds n articles that all contain "commune", one every 12 hours from now
// back, in group "maghreb", and returns their ids newest first.
func commonVeille(t *testing.T, v *veille, n int, copies bool) []int {
	t.Helper()
	ctx := context.Background()
	c := v.db.Client
	maghreb := c.CountryGroup.Query().Where().AllX(ctx)
	var group int
	for _, g := range maghreb {
		if g.Slug == "maghreb" {
			group = g.ID
		}
	}
	ids := make([]int, n)
	for i := range n {
		at := daysAgo(float64(i) / 2)
		a := c.Article.Create().SetURL(fmt.Sprintf("https://common.example/%d", i)).SetGUID(fmt.Sprint("common-", i)).
			SetTitle(fmt.Sprintf("Dépêche %d", i)).SetSummaryText("La commune publie son bulletin municipal.").
			SetLanguage("fr").SetPublishedAt(at).SetFetchedAt(at).SetContentHash(fmt.Sprint("common-", i)).
			SetFeedID(v.feeds["TN"]).SaveX(ctx)
		tag := c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(group).SetMethod(articlegrouptag.MethodSourceCountry)
		if copies {
			tag.SetPublishedAt(at)
		}
		tag.SaveX(ctx)
		ids[i] = a.ID
	}
	return ids
}

// TestRankCap: a query with more than RankCap matches ranks its RankCap most recent
// ones, the same set on every page; fewer matches are all ranked.
func TestRankCap(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		ids := commonVeille(t, v, 30, false)
		// An old article with the word in its title, twice.
		old := db.Client.Article.Create().SetURL("https://common.example/old").SetGUID("old").
			SetTitle("Commune : la commune modèle").SetSummaryText("La commune.").SetLanguage("fr").
			SetPublishedAt(daysAgo(40)).SetFetchedAt(daysAgo(40)).SetContentHash("old").SetFeedID(v.feeds["TN"]).SaveX(ctx).ID

		capped := false // whether a page of the last all() said it was capped
		all := func(q string, f search.Filter, first int) []int {
			t.Helper()
			var out []int
			capped = false
			after := ""
			for range 100 {
				page, err := v.engine.Search(ctx, search.Request{Query: q, Filter: f, First: first, After: after, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range page.Hits {
					out = append(out, h.ArticleID)
				}
				if after == "" {
					capped = page.Capped
				} else if page.Capped != capped {
					t.Fatalf("%q: page capped %v, the first %v", q, page.Capped, capped)
				}
				if !page.HasNextPage {
					return out
				}
				after = page.EndCursor
			}
			t.Fatal("too many pages")
			return nil
		}
		exact := all("commune", search.Filter{}, 100)
		// 30 + the old one + a fixture article about the communes of Senegal.
		if len(exact) != 32 || !slices.Contains(exact, old) {
			t.Fatalf("uncapped: %d hits, want 32 with the old article: %v", len(exact), exact)
		}
		if capped {
			t.Error("uncapped search says it is capped")
		}

		search.SetRankCap(t, 10)
		for _, first := range []int{100, 3} {
			got := all("commune", search.Filter{}, first)
			if len(got) != 10 || slices.Contains(got, old) {
				t.Fatalf("capped, first %d: %v, want the 10 most recent matches", first, got)
			}
			if !capped {
				t.Errorf("capped, first %d: the page does not say so", first)
			}
			want := slices.Sorted(slices.Values(ids[:10]))
			if g := slices.Sorted(slices.Values(got)); !slices.Equal(g, want) {
				t.Errorf("capped, first %d: %v, want %v", first, g, want)
			}
			// Ranked as the uncapped ranking ranks them.
			var order []int
			for _, id := range exact {
				if slices.Contains(got, id) {
					order = append(order, id)
				}
			}
			if !slices.Equal(got, order) {
				t.Errorf("capped, first %d: order %v, want %v", first, got, order)
			}
		}
		// Narrowing the dates brings the old article back.
		from, to := daysAgo(60), daysAgo(20)
		if got := all("commune", search.Filter{From: &from, To: &to}, 10); !slices.Equal(got, []int{old}) {
			t.Errorf("dated: %v, want the old article", got)
		}
		if capped {
			t.Error("dated search says it is capped")
		}
		// Fewer matches than the cap: all of them.
		if got := all("municipalité", search.Filter{}, 100); len(got) != 4 {
			t.Errorf("rare word under the cap: %d hits, want 4", len(got))
		}
		if capped {
			t.Error("rare word under the cap: says it is capped")
		}
		// With a group filter, the cap counts the group's matches.
		if got := all("commune", search.Filter{Groups: []string{"maghreb"}}, 4); len(got) != 10 || !slices.Contains(got, ids[0]) {
			t.Errorf("group, capped: %v", got)
		}
	})
}

// TestGroupFilterCopies: the group filter gives the same answers whether the tag rows
// carry the copy of their article's published_at (the tagging writers fill it) or not
// (rows written before the copy existed), in recent windows and over all time.
func TestGroupFilterCopies(t *testing.T) {
	for _, mode := range []string{"null", "half", "all"} {
		t.Run(mode, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *testdb.DB) {
				v := newVeille(t, db)
				ctx := context.Background()
				ids := commonVeille(t, v, 12, mode == "all")
				switch mode {
				case "half":
					if _, err := db.SQL.ExecContext(ctx, `UPDATE article_group_tags SET published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_group_tags.article_id)
						WHERE article_id % 2 = 0`); err != nil {
						t.Fatal(err)
					}
				case "all":
					if _, err := db.SQL.ExecContext(ctx, `UPDATE article_group_tags SET published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_group_tags.article_id)`); err != nil {
						t.Fatal(err)
					}
				}
				for _, tc := range []struct {
					query string
					group string
					want  []string
					ids   []int
				}{
					{"municipalité", "maghreb", []string{"tunisie", "sfax"}, nil},
					{"municipalité", "afrique-ouest", []string{"dakar-lyon", "saint-louis"}, nil},
					{"Dakar", "afrique-ouest", []string{"dakar-lyon", "port-dakar"}, nil},
					{"cambriolages", "maghreb", nil, nil},
					{"commune", "maghreb", nil, ids},
				} {
					page, err := v.engine.Search(ctx, search.Request{Query: tc.query, Filter: search.Filter{Groups: []string{tc.group}}, First: 50, Now: now})
					if err != nil {
						t.Fatal(err)
					}
					if tc.ids != nil {
						var got []int
						for _, h := range page.Hits {
							got = append(got, h.ArticleID)
						}
						if g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.ids)); !slices.Equal(g, w) {
							t.Errorf("%q in %s: %v, want %v", tc.query, tc.group, g, w)
						}
						continue
					}
					got := v.keys(page.Hits)
					slices.Sort(got)
					want := slices.Sorted(slices.Values(tc.want))
					if !slices.Equal(got, want) {
						t.Errorf("%q in %s: %v, want %v", tc.query, tc.group, got, want)
					}
				}
				// An unknown group matches nothing.
				if page, err := v.engine.Search(ctx, search.Request{Query: "municipalité", Filter: search.Filter{Groups: []string{"nowhere"}}, Now: now}); err != nil || len(page.Hits) != 0 {
					t.Errorf("unknown group: %v, %v", page.Hits, err)
				}
			})
		})
	}
}

// TestIndexFollowsDates: moving an article in time moves it in the index (SQLite orders
// its full-text index by date), so that recency windows and date filters find it.
func TestIndexFollowsDates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		id := v.articles["lyon-securite"] // 200 days old
		db.Client.Article.UpdateOneID(id).SetPublishedAt(daysAgo(0.5)).ExecX(ctx)
		from := daysAgo(1)
		for _, f := range []search.Filter{{}, {From: &from}} {
			page, err := v.engine.Search(ctx, search.Request{Query: "cambriolages", Filter: f, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Hits) != 1 || page.Hits[0].ArticleID != id || !page.Hits[0].PublishedAt.Equal(daysAgo(0.5)) {
				t.Errorf("filter %+v: %+v, want the moved article", f, page.Hits)
			}
		}
		to := daysAgo(100)
		if page, err := v.engine.Search(ctx, search.Request{Query: "cambriolages", Filter: search.Filter{To: &to}, Now: now}); err != nil || len(page.Hits) != 0 {
			t.Errorf("before its new date: %+v, %v", page.Hits, err)
		}
		// Dates far outside the key's range still index and delete.
		for _, at := range []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)} {
			db.Client.Article.UpdateOneID(id).SetPublishedAt(at).ExecX(ctx)
			page, err := v.engine.Search(ctx, search.Request{Query: "cambriolages", Now: now})
			if err != nil || len(page.Hits) != 1 {
				t.Errorf("published %v: %+v, %v", at, page.Hits, err)
			}
		}
		db.Client.ArticleMention.Delete().ExecX(ctx)
		db.Client.ArticleTopic.Delete().ExecX(ctx)
		if _, err := db.SQL.ExecContext(ctx, fmt.Sprint("DELETE FROM article_sources WHERE article_id = ", id)); err != nil {
			t.Fatal(err)
		}
		db.Client.Article.DeleteOneID(id).ExecX(ctx)
		if page, err := v.engine.Search(ctx, search.Request{Query: "cambriolages", Now: now}); err != nil || len(page.Hits) != 0 {
			t.Errorf("after delete: %+v, %v", page.Hits, err)
		}
	})
}

// TestSQLiteIndexUpgrade: a database indexed by the first version of the SQLite index
// (article_fts, rowid = article id) is moved to article_search by Migrate.
func TestSQLiteIndexUpgrade(t *testing.T) {
	db := testdb.Open(t, "sqlite", testdb.Options{})
	ctx := context.Background()
	for _, s := range []string{
		`CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`,
		`CREATE TRIGGER article_fts_insert AFTER INSERT ON articles BEGIN
			INSERT INTO article_fts(rowid, title, body) VALUES (new.id, new.title, new.summary_text);
		END`,
		`CREATE TRIGGER article_fts_delete AFTER DELETE ON articles BEGIN
			DELETE FROM article_fts WHERE rowid = old.id;
		END`,
	} {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	f := db.Client.Feed.Create().SetURL("https://old.example/rss").SaveX(ctx)
	db.Client.Article.Create().SetURL("https://old.example/1").SetGUID("1").SetTitle("Jumelage avec Sfax").SetSummaryText("La municipalité.").
		SetPublishedAt(daysAgo(1)).SetContentHash("h").SetFeedID(f.ID).SaveX(ctx)
	engine := search.New(db.DB)
	for range 2 {
		if err := engine.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var old int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'article_fts%'").Scan(&old); err != nil || old != 0 {
		t.Errorf("old index left: %d objects (%v)", old, err)
	}
	db.Client.Article.Create().SetURL("https://old.example/2").SetGUID("2").SetTitle("Sfax : nouvelle municipalité").
		SetPublishedAt(daysAgo(2)).SetContentHash("h2").SetFeedID(f.ID).SaveX(ctx)
	page, err := engine.Search(ctx, search.Request{Query: "municipalités", Now: now})
	if err != nil || len(page.Hits) != 2 {
		t.Errorf("after the upgrade: %+v, %v", page.Hits, err)
	}
}
