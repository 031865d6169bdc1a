package database_test

import (
	"context"
	"testing"
	"time"

	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articlemention"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/testdb"
)

// TestBackfillTagPublishedAt: tag rows written before they carried their article's
// published_at get it at the next migration, once; a second migration changes nothing.
func TestBackfillTagPublishedAt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		c := db.Client
		country := c.Country.Create().SetCode("MA").SetNameFr("Maroc").SetNameEn("Morocco").SaveX(ctx)
		group := c.CountryGroup.Create().SetSlug("maroc").SetName("Maroc").SaveX(ctx)
		feed := c.Feed.Create().SetURL("https://news.example/rss").SetCountryID(country.ID).SaveX(ctx)
		place := c.LocalAuthority.Create().SetName("Rabat").SetLevel(localauthority.LevelCommune).SetCountryID(country.ID).SaveX(ctx)
		published := time.Date(2026, 11, 20, 7, 30, 0, 0, time.UTC)
		a := c.Article.Create().SetURL("https://news.example/1").SetGUID("1").SetTitle("Conseil communal de Rabat").
			SetPublishedAt(published).SetFetchedAt(published).SetContentHash("h1").SetFeedID(feed.ID).SaveX(ctx)
		g := c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(group.ID).SetMethod(articlegrouptag.MethodGazetteer).SaveX(ctx)
		m := c.ArticleMention.Create().SetArticleID(a.ID).SetAuthorityID(place.ID).SetMethod(articlemention.MethodGazetteer).SaveX(ctx)
		if g.PublishedAt != nil || m.PublishedAt != nil {
			t.Fatal("fixture: the copies should start empty")
		}
		// The fresh database recorded the backfills as done; forget them, as on a database
		// migrated before they existed.
		if _, err := db.SQL.Exec(`DELETE FROM coopdesk_backfills`); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check := func() {
			t.Helper()
			g := c.ArticleGroupTag.GetX(ctx, g.ID)
			m := c.ArticleMention.GetX(ctx, m.ID)
			if g.PublishedAt == nil || !g.PublishedAt.Equal(published) || m.PublishedAt == nil || !m.PublishedAt.Equal(published) {
				t.Fatalf("copies after backfill: group tag %v, mention %v, want %v", g.PublishedAt, m.PublishedAt, published)
			}
		}
		check()
		// Done once: a row left empty later is not the migration's business any more, and
		// migrating again is harmless.
		var n int
		if err := db.SQL.QueryRow(`SELECT count(*) FROM coopdesk_backfills`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("backfills recorded: %d (%v), want 2", n, err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check()
	})
}
