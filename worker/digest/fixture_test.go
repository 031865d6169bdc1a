package digest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/article"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articlemention"
	"coopdesk/ent/articletopic"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/internal/testdb"
)

var paris = mustLocation("Europe/Paris")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// morning is the cron time of the test digest: 2026-11-26 at 07:00 in Paris.
var morning = time.Date(2026, 11, 26, 7, 0, 0, 0, paris)

const day = "2026-11-26"

// fixture is a database with the four country groups, three outlets and a few
// authorities, and helpers to add tagged articles as the tagging stage would.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	db     *testdb.DB
	c      *ent.Client
	groups map[string]*ent.CountryGroup
	feeds  []*ent.Feed
	n      int
}

func newFixture(t testing.TB, db *testdb.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: db, c: db.Client, groups: map[string]*ent.CountryGroup{}}
	for _, g := range [][2]string{{"algerie", "Algérie"}, {"liban", "Liban"}, {"maroc", "Maroc"}, {"tunisie", "Tunisie"}} {
		f.groups[g[0]] = f.must(f.c.CountryGroup.Create().SetSlug(g[0]).SetName(g[1]).Save(f.ctx)).(*ent.CountryGroup)
	}
	for i, name := range []string{"Le Matin", "Hespress FR", "TelQuel"} {
		f.feeds = append(f.feeds, f.must(f.c.Feed.Create().SetURL(fmt.Sprintf("https://outlet%d.example/rss", i)).
			SetTitle(name).Save(f.ctx)).(*ent.Feed))
	}
	return f
}

func (f *fixture) must(v any, err error) any {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

type articleSpec struct {
	title, url, summary string
	feed                int
	published, fetched  time.Time
	story               *ent.Story
	groups              map[string]float64 // group slug → tag score
	removedFrom         string             // a group whose tag staff removed
	topic               string
	authorities         []int
}

// article stores an article with its tags, topic and mentions.
func (f *fixture) article(s articleSpec) *ent.Article {
	f.t.Helper()
	f.n++
	if s.url == "" {
		s.url = fmt.Sprintf("https://outlet%d.example/a/%d", s.feed, f.n)
	}
	if s.fetched.IsZero() {
		s.fetched = morning.Add(-2 * time.Hour)
	}
	if s.published.IsZero() {
		s.published = s.fetched.Add(-time.Hour)
	}
	create := f.c.Article.Create().SetTitle(s.title).SetURL(s.url).SetGUID(s.url).SetSummaryText(s.summary).
		SetPublishedAt(s.published.UTC()).SetFetchedAt(s.fetched.UTC()).SetContentHash(fmt.Sprint(f.n)).
		SetFeedID(f.feeds[s.feed].ID)
	if s.story != nil {
		create.SetStoryID(s.story.ID)
	}
	a := f.must(create.Save(f.ctx)).(*ent.Article)
	f.must(nil, f.c.ArticleSource.Create().SetArticleID(a.ID).SetFeedID(f.feeds[s.feed].ID).SetGUID(s.url).
		SetLink(s.url).SetContentHash("h").SetSeenAt(s.fetched.UTC()).Exec(f.ctx))
	for slug, score := range s.groups {
		f.must(nil, f.c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(f.groups[slug].ID).
			SetScore(score).SetMethod(articlegrouptag.MethodGazetteer).Exec(f.ctx))
	}
	if s.removedFrom != "" {
		f.must(nil, f.c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(f.groups[s.removedFrom].ID).
			SetScore(0.9).SetMethod(articlegrouptag.MethodStaffCorrection).SetRemoved(true).Exec(f.ctx))
	}
	if s.topic != "" {
		f.must(nil, f.c.ArticleTopic.Create().SetArticleID(a.ID).SetTopic(articletopic.Topic(s.topic)).
			SetScore(0.8).SetMethod(articletopic.MethodGazetteer).Exec(f.ctx))
	}
	for _, id := range s.authorities {
		f.must(nil, f.c.ArticleMention.Create().SetArticleID(a.ID).SetAuthorityID(id).SetScore(0.8).
			SetMethod(articlemention.MethodAuthorityName).Exec(f.ctx))
	}
	return a
}

func (f *fixture) story(size int) *ent.Story {
	f.t.Helper()
	return f.must(f.c.Story.Create().SetSignature(int64(f.n)).SetSize(size).SetFirstSeenAt(morning.UTC()).Save(f.ctx)).(*ent.Story)
}

// partnership stores a partnership between a partner authority and a French one and
// returns the partner authority's id.
func (f *fixture) partnership(title, partner, french string, status partnership.Status) int {
	f.t.Helper()
	ma := f.country("MA", "Morocco")
	fr := f.country("FR", "France")
	p := f.must(f.c.LocalAuthority.Create().SetName(partner).SetLevel(localauthority.LevelCommune).SetCountryID(ma).Save(f.ctx)).(*ent.LocalAuthority)
	q := f.must(f.c.LocalAuthority.Create().SetName(french).SetLevel(localauthority.LevelCommune).SetCountryID(fr).Save(f.ctx)).(*ent.LocalAuthority)
	f.must(nil, f.c.Partnership.Create().SetTitle(title).SetKind(partnership.KindJumelage).SetStatus(status).
		AddPartnerAuthorityIDs(p.ID).AddFrenchAuthorityIDs(q.ID).Exec(f.ctx))
	return p.ID
}

func (f *fixture) country(code, name string) int {
	f.t.Helper()
	if id, err := f.c.Country.Query().Where(country.Code(code)).OnlyID(f.ctx); err == nil {
		return id
	}
	return f.must(f.c.Country.Create().SetCode(code).SetNameEn(name).SetNameFr(name).Save(f.ctx)).(*ent.Country).ID
}

// subscriber stores a user with an e-mail subscribed to groups (and topics).
func (f *fixture) subscriber(name, email string, topics []string, groups ...string) *ent.User {
	f.t.Helper()
	u := f.must(f.c.User.Create().SetName(name).SetEmail(email).Save(f.ctx)).(*ent.User)
	ids := make([]int, len(groups))
	for i, g := range groups {
		ids[i] = f.groups[g].ID
	}
	f.must(nil, f.c.DigestSubscription.Create().SetUserID(u.ID).AddGroupIDs(ids...).SetTopics(topics).Exec(f.ctx))
	return u
}

// titleRunner is a stand-in for #7's saved searches: a search matches the articles whose
// title contains its query.
type titleRunner struct{ c *ent.Client }

func (r titleRunner) Matches(ctx context.Context, savedSearchID int, articleIDs []int) ([]int, error) {
	s, err := r.c.SavedSearch.Get(ctx, savedSearchID)
	if err != nil {
		return nil, err
	}
	arts, err := r.c.Article.Query().Where(article.IDIn(articleIDs...)).All(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, a := range arts {
		if strings.Contains(strings.ToLower(a.Title), strings.ToLower(s.Query)) {
			ids = append(ids, a.ID)
		}
	}
	slices.Sort(ids)
	return ids, nil
}
