package feedcatalogue_test

import (
	"context"
	"testing"

	"coopdesk/ent/country"
	"coopdesk/ent/feed"
	"coopdesk/internal/repertoire/feedcatalogue"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"
)

func TestLoad(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		if _, err := seed.Minimal(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		res, err := feedcatalogue.Load(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		// 35 candidates, 3 without a feed URL.
		if res.Created != 32 || res.Existing != 0 {
			t.Fatalf("first load: %+v", res)
		}
		enabled := db.Client.Feed.Query().Where(feed.Enabled(true)).CountX(ctx)
		disabled := db.Client.Feed.Query().Where(feed.Enabled(false)).CountX(ctx)
		if enabled != 22 || disabled != 10 {
			t.Errorf("enabled %d, disabled %d; want 22 (high and medium) and 10 (low)", enabled, disabled)
		}
		tsa := db.Client.Feed.Query().Where(feed.URL("https://www.tsa-algerie.com/feed/")).WithCountry().OnlyX(ctx)
		if !tsa.Enabled || tsa.Language != "fr" || tsa.Edges.Country == nil || tsa.Edges.Country.Code != "DZ" || tsa.Title == "" {
			t.Errorf("TSA: %+v", tsa)
		}
		en := db.Client.Feed.Query().Where(feed.URL("https://today.lorientlejour.com/rss")).OnlyX(ctx)
		if en.Language != "en" {
			t.Errorf("L'Orient Today language = %q", en.Language)
		}
		if n := db.Client.Feed.Query().Where(feed.HasCountryWith(country.Code("LB"))).CountX(ctx); n != 6 {
			t.Errorf("Lebanese feeds: %d", n)
		}
		if n := db.Client.Feed.Query().Where(feed.CountryIDIsNil()).CountX(ctx); n != 2 {
			t.Errorf("international feeds without a country: %d, want 2", n)
		}

		// A feed staff turned off stays off.
		db.Client.Feed.UpdateOne(tsa).SetEnabled(false).ExecX(ctx)
		res, err = feedcatalogue.Load(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 0 || res.Existing != 32 {
			t.Errorf("second load: %+v", res)
		}
		if db.Client.Feed.GetX(ctx, tsa.ID).Enabled {
			t.Error("a feed staff disabled was enabled again")
		}
	})
}
