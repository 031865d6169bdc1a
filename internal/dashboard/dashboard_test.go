package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/dossier"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/internal/dashboard"
	"coopdesk/internal/testdb"
)

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// fixture is a small association: dossiers of two calls, partnerships with partner
// authorities in the Maghreb and West Africa, tagged articles around the March 2026
// change to summer time in Paris, and feeds in every state of health.
type fixture struct {
	authorities map[string]int
	feeds       map[string]int
}

func newFixture(t *testing.T, db *testdb.DB) fixture { return newFixtureCopies(t, db, noCopies) }

// copyModes say which articles' tag rows carry the copy of published_at.
var (
	noCopies   = func(int) bool { return false }
	halfCopies = func(i int) bool { return i%2 == 0 }
	allCopies  = func(int) bool { return true }
)

func newFixtureCopies(t *testing.T, db *testdb.DB, copies func(int) bool) fixture {
	t.Helper()
	ctx := context.Background()
	c := db.Client
	fx := fixture{authorities: map[string]int{}, feeds: map[string]int{}}
	countries := map[string]*ent.Country{}
	for _, cc := range [][2]string{{"FR", "France"}, {"SN", "Sénégal"}, {"MA", "Maroc"}, {"TN", "Tunisie"}} {
		countries[cc[0]] = c.Country.Create().SetCode(cc[0]).SetNameFr(cc[1]).SetNameEn(cc[1]).SaveX(ctx)
	}
	groups := map[string]*ent.CountryGroup{
		"maghreb":       c.CountryGroup.Create().SetSlug("maghreb").SetName("Maghreb").AddCountries(countries["MA"], countries["TN"]).SaveX(ctx),
		"afrique-ouest": c.CountryGroup.Create().SetSlug("afrique-ouest").SetName("Afrique de l'Ouest").AddCountries(countries["SN"]).SaveX(ctx),
	}
	for _, a := range [][2]string{{"Lyon", "FR"}, {"Nantes", "FR"}, {"Dakar", "SN"}, {"Rabat", "MA"}, {"Fès", "MA"}, {"Sfax", "TN"}} {
		fx.authorities[a[0]] = c.LocalAuthority.Create().SetName(a[0]).SetLevel(localauthority.LevelCommune).SetCountryID(countries[a[1]].ID).SaveX(ctx).ID
	}
	// Dossiers: DCOL 2025 (2 submitted, 1 accepted), DCOL 2026 (1 draft, 1 submitted).
	for i, d := range []struct {
		call   string
		status dossier.Status
	}{{"DCOL 2025", "submitted"}, {"DCOL 2025", "submitted"}, {"DCOL 2025", "accepted"}, {"DCOL 2026", "draft"}, {"DCOL 2026", "submitted"}} {
		c.Dossier.Create().SetTitle(fmt.Sprint("Dossier ", i)).SetCall(d.call).SetSupportKind(dossier.SupportKindProject).
			SetStatus(d.status).SetApplicantID(fx.authorities["Lyon"]).SaveX(ctx)
	}
	themes := map[string]int{}
	for _, th := range [][2]string{{"eau", "Eau et assainissement"}, {"culture", "Culture"}} {
		themes[th[0]] = c.Theme.Create().SetSlug(th[0]).SetLabel(th[1]).SaveX(ctx).ID
	}
	// Partnerships: Lyon–Rabat (eau, culture; active), Nantes–Fès+Sfax (eau; active),
	// Lyon–Dakar (culture; ended), and one without partner (project).
	for _, p := range []struct {
		title    string
		status   partnership.Status
		partners []string
		themes   []string
	}{
		{"Lyon–Rabat", "active", []string{"Rabat"}, []string{"eau", "culture"}},
		{"Nantes–Fès–Sfax", "active", []string{"Fès", "Sfax"}, []string{"eau"}},
		{"Lyon–Dakar", "ended", []string{"Dakar"}, []string{"culture"}},
		{"Projet", "project", nil, nil},
	} {
		create := c.Partnership.Create().SetTitle(p.title).SetKind(partnership.KindJumelage).SetStatus(p.status).AddFrenchAuthorityIDs(fx.authorities["Lyon"])
		for _, a := range p.partners {
			create.AddPartnerAuthorityIDs(fx.authorities[a])
		}
		for _, th := range p.themes {
			create.AddThemeIDs(themes[th])
		}
		create.SaveX(ctx)
	}
	// Feeds: ok, never fetched, failing twice, failing five times, disabled (and failing).
	fetched := time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC)
	fx.feeds["ok"] = c.Feed.Create().SetURL("https://ok.example/rss").SetCountryID(countries["MA"].ID).SetLastStatus("ok").SetLastFetchedAt(fetched).SaveX(ctx).ID
	fx.feeds["new"] = c.Feed.Create().SetURL("https://new.example/rss").SaveX(ctx).ID
	fx.feeds["flaky"] = c.Feed.Create().SetURL("https://flaky.example/rss").SetTitle("Flaky").SetCountryID(countries["SN"].ID).
		SetConsecutiveErrors(2).SetLastStatus("timeout").SetLastError("timeout after 30s").SetLastFetchedAt(fetched).SaveX(ctx).ID
	fx.feeds["dead"] = c.Feed.Create().SetURL("https://dead.example/rss").SetConsecutiveErrors(5).SetLastStatus("http_error").SetLastError("HTTP 404").SaveX(ctx).ID
	fx.feeds["off"] = c.Feed.Create().SetURL("https://off.example/rss").SetEnabled(false).SetConsecutiveErrors(9).SaveX(ctx).ID

	// Articles around the night of 28–29 March 2026 (summer time starts on the 29th at
	// 02:00 in Paris): 23:30 UTC on the 28th is already the 29th in Paris.
	articles := []struct {
		at       time.Time
		groups   []string
		removed  []string
		mentions []string
	}{
		{time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC), []string{"maghreb"}, nil, []string{"Rabat"}},
		{time.Date(2026, 3, 28, 22, 59, 0, 0, time.UTC), []string{"maghreb", "afrique-ouest"}, nil, []string{"Rabat", "Dakar"}},
		{time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), []string{"maghreb"}, nil, []string{"Fès"}},
		{time.Date(2026, 3, 29, 21, 30, 0, 0, time.UTC), []string{"afrique-ouest"}, []string{"maghreb"}, []string{"Dakar"}},
		{time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC), []string{"afrique-ouest"}, nil, []string{"Rabat"}},
		{time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC), []string{"maghreb"}, nil, []string{"Sfax", "Sfax2"}},
	}
	for i, a := range articles {
		art := c.Article.Create().SetURL(fmt.Sprintf("https://news.example/%d", i)).SetGUID(fmt.Sprint(i)).SetTitle(fmt.Sprint("Article ", i)).
			SetPublishedAt(a.at).SetContentHash(fmt.Sprint(i)).SetFeedID(fx.feeds["ok"]).SaveX(ctx)
		// Tag rows carry a copy of the article's published_at, as the tagging writers fill
		// it; every other article's rows predate the copy (NULL, not backfilled yet), and
		// must count the same.
		var copied *time.Time
		if copies(i) {
			copied = &a.at
		}
		for _, g := range a.groups {
			c.ArticleGroupTag.Create().SetArticleID(art.ID).SetGroupID(groups[g].ID).SetMethod(articlegrouptag.MethodSourceCountry).SetNillablePublishedAt(copied).SaveX(ctx)
		}
		for _, g := range a.removed {
			c.ArticleGroupTag.Create().SetArticleID(art.ID).SetGroupID(groups[g].ID).SetMethod(articlegrouptag.MethodStaffCorrection).SetRemoved(true).SetNillablePublishedAt(copied).SaveX(ctx)
		}
		for _, m := range a.mentions {
			if m == "Sfax2" { // a removed mention does not count
				c.ArticleMention.Create().SetArticleID(art.ID).SetAuthorityID(fx.authorities["Nantes"]).SetMethod("authority_name").SetRemoved(true).SetNillablePublishedAt(copied).SaveX(ctx)
				continue
			}
			c.ArticleMention.Create().SetArticleID(art.ID).SetAuthorityID(fx.authorities[m]).SetMethod("authority_name").SetNillablePublishedAt(copied).SaveX(ctx)
		}
	}
	return fx
}

func TestDossiersAndPartnerships(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		newFixture(t, db)
		ctx := context.Background()
		d, err := dashboard.Dossiers(ctx, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "dossiers by status", d.ByStatus, []dashboard.Count{{Key: "accepted", Count: 1}, {Key: "draft", Count: 1}, {Key: "submitted", Count: 3}})
		check(t, "dossiers by call", d.ByCall, []dashboard.Count{{Key: "DCOL 2025", Count: 3}, {Key: "DCOL 2026", Count: 2}})
		check(t, "dossiers by call and status", d.ByCallAndStatus, []dashboard.CallStatusCount{
			{"DCOL 2025", "accepted", 1}, {"DCOL 2025", "submitted", 2}, {"DCOL 2026", "draft", 1}, {"DCOL 2026", "submitted", 1}})

		p, err := dashboard.Partnerships(ctx, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "partnerships by status", p.ByStatus, []dashboard.Count{{Key: "active", Count: 2}, {Key: "ended", Count: 1}, {Key: "project", Count: 1}})
		check(t, "partnerships by country", p.ByCountry, []dashboard.Count{{Key: "MA", Label: "Maroc", Count: 2}, {Key: "SN", Label: "Sénégal", Count: 1}, {Key: "TN", Label: "Tunisie", Count: 1}})
		// Nantes–Fès–Sfax has two Maghreb partners: it counts once for the group.
		check(t, "partnerships by group", p.ByGroup, []dashboard.Count{{Key: "maghreb", Label: "Maghreb", Count: 2}, {Key: "afrique-ouest", Label: "Afrique de l'Ouest", Count: 1}})
		check(t, "partnerships by theme", p.ByTheme, []dashboard.Count{{Key: "culture", Label: "Culture", Count: 2}, {Key: "eau", Label: "Eau et assainissement", Count: 2}})
	})
}

func TestArticlesAndMentions(t *testing.T) {
	for _, mode := range []struct {
		name   string
		copies func(int) bool
	}{{"copies-null", noCopies}, {"half-copied", halfCopies}, {"all-copied", allCopies}} {
		t.Run(mode.name, func(t *testing.T) { testArticlesAndMentions(t, mode.copies) })
	}
}

func testArticlesAndMentions(t *testing.T, copies func(int) bool) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		fx := newFixtureCopies(t, db, copies)
		ctx := context.Background()
		tests := []struct {
			name     string
			from, to time.Time
			loc      *time.Location
			want     []dashboard.GroupDay
		}{
			{"Paris days across the change to summer time", time.Date(2026, 3, 28, 0, 0, 0, 0, paris), time.Date(2026, 3, 31, 0, 0, 0, 0, paris), paris,
				[]dashboard.GroupDay{{"2026-03-28", "afrique-ouest", 1}, {"2026-03-28", "maghreb", 2}, {"2026-03-29", "afrique-ouest", 1}, {"2026-03-29", "maghreb", 1}, {"2026-03-30", "afrique-ouest", 1}}},
			{"UTC days", time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), time.UTC,
				[]dashboard.GroupDay{{"2026-03-28", "afrique-ouest", 1}, {"2026-03-28", "maghreb", 3}, {"2026-03-29", "afrique-ouest", 2}}},
			{"a range that starts mid-day counts from its start", time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), time.UTC,
				[]dashboard.GroupDay{{"2026-03-28", "afrique-ouest", 1}, {"2026-03-28", "maghreb", 2}}},
			{"nothing published", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), nil, []dashboard.GroupDay{}},
		}
		for _, tt := range tests {
			got, err := dashboard.ArticlesPerGroupPerDay(ctx, db.DB, tt.from, tt.to, tt.loc)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			check(t, tt.name, got, tt.want)
		}
		for _, bad := range [][2]time.Time{{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, {time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}} {
			if _, err := dashboard.ArticlesPerGroupPerDay(ctx, db.DB, bad[0], bad[1], nil); !errors.Is(err, dashboard.ErrInvalidRange) {
				t.Errorf("range %v–%v: error %v, want ErrInvalidRange", bad[0], bad[1], err)
			}
		}

		top, err := dashboard.TopMentionedAuthorities(ctx, db.DB, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 3)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "top mentioned", top, []dashboard.AuthorityCount{
			{AuthorityID: fx.authorities["Rabat"], Name: "Rabat", Country: "MA", Articles: 3},
			{AuthorityID: fx.authorities["Dakar"], Name: "Dakar", Country: "SN", Articles: 2},
			{AuthorityID: fx.authorities["Fès"], Name: "Fès", Country: "MA", Articles: 1},
		})
		top, err = dashboard.TopMentionedAuthorities(ctx, db.DB, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 10)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "top mentioned in February", top, []dashboard.AuthorityCount{{AuthorityID: fx.authorities["Sfax"], Name: "Sfax", Country: "TN", Articles: 1}})
		if _, err := dashboard.TopMentionedAuthorities(ctx, db.DB, time.Now(), time.Now().Add(time.Hour), 0); !errors.Is(err, dashboard.ErrInvalidLimit) {
			t.Errorf("limit 0: %v", err)
		}
	})
}

func TestFeedHealth(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		fx := newFixture(t, db)
		h, err := dashboard.FeedHealth(context.Background(), db.DB, 10)
		if err != nil {
			t.Fatal(err)
		}
		if h.OK != 1 || h.Pending != 1 || h.Failing != 2 || h.Disabled != 1 {
			t.Errorf("counts: %+v, want 1 ok, 1 pending, 2 failing, 1 disabled", h)
		}
		if len(h.FailingFeeds) != 2 {
			t.Fatalf("failing feeds: %+v", h.FailingFeeds)
		}
		dead, flaky := h.FailingFeeds[0], h.FailingFeeds[1]
		if dead.ID != fx.feeds["dead"] || dead.ConsecutiveErrors != 5 || dead.LastStatus != "http_error" || dead.LastError != "HTTP 404" || dead.LastFetchedAt != nil {
			t.Errorf("first failing feed: %+v", dead)
		}
		if flaky.ID != fx.feeds["flaky"] || flaky.Title != "Flaky" || flaky.Country != "SN" || flaky.LastFetchedAt == nil || !flaky.LastFetchedAt.Equal(time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("second failing feed: %+v", flaky)
		}
		if one, err := dashboard.FeedHealth(context.Background(), db.DB, 1); err != nil || len(one.FailingFeeds) != 1 {
			t.Errorf("limit 1: %+v, %v", one.FailingFeeds, err)
		}
	})
}

func check[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}
