package digest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articlemention"
	"coopdesk/ent/articletopic"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/internal/testdb"
)

// BenchmarkDigestDailyBuild builds, renders and stores the four groups' digests for a day
// of 2,000 new articles (and 2,000 from the days before, outside the window) on PostgreSQL:
// a third of them reprints of another outlet's story, one in five naming an authority,
// some of which are in partnerships, one in ten tagged for two groups.
//
//	go test ./worker/digest/ -run '^$' -bench DigestDailyBuild -benchtime 5x
func BenchmarkDigestDailyBuild(b *testing.B) {
	db := testdb.Open(b, "postgres", testdb.Options{})
	f := newFixture(b, db)
	start := time.Now()
	seedDay(b, f, 2000)
	b.Logf("seeded 4,000 articles in %s", time.Since(start).Round(time.Millisecond))
	opt := Options{Location: paris, Now: morning}
	slugs := []string{"algerie", "liban", "maroc", "tunisie"}
	items, htmlBytes := 0, 0
	b.ResetTimer()
	for b.Loop() {
		items, htmlBytes = 0, 0
		for _, g := range slugs {
			row, _, err := BuildAndStore(f.ctx, f.c, g, day, opt)
			if err != nil {
				b.Fatal(err)
			}
			items += row.ItemCount
			htmlBytes = max(htmlBytes, len(row.HTML))
		}
	}
	b.ReportMetric(float64(items), "entries")
	b.ReportMetric(float64(htmlBytes), "max-html-bytes")
}

// seedDay stores n articles first seen in the 24 hours before morning, n more the days
// before, with their stories, sources, tags, topics and mentions, in bulk.
func seedDay(tb testing.TB, f *fixture, n int) {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(8, 2026))
	for i := len(f.feeds); i < 30; i++ {
		f.feeds = append(f.feeds, f.must(f.c.Feed.Create().SetURL(fmt.Sprintf("https://outlet%d.example/rss", i)).
			SetTitle(fmt.Sprintf("Outlet %d", i)).Save(ctx)).(*ent.Feed))
	}
	var authorities []int
	for i := range 50 {
		authorities = append(authorities, f.partnership(fmt.Sprintf("Partenariat %d", i), fmt.Sprintf("Commune partenaire %d", i),
			fmt.Sprintf("Commune française %d", i), partnership.StatusActive))
	}
	ma := f.country("MA", "Morocco")
	for i := range 150 {
		a := f.must(f.c.LocalAuthority.Create().SetName(fmt.Sprintf("Province %d", i)).SetLevel(localauthority.LevelPrefectureProvince).
			SetCountryID(ma).Save(ctx)).(*ent.LocalAuthority)
		authorities = append(authorities, a.ID)
	}
	groups := []int{f.groups["algerie"].ID, f.groups["liban"].ID, f.groups["maroc"].ID, f.groups["tunisie"].ID}
	words := strings.Fields("conseil régional budget commune eau assainissement port route école santé élus vote coopération jumelage déchets énergie solaire transport marché festival")
	sentence := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = words[rng.IntN(len(words))]
		}
		return strings.Join(w, " ")
	}
	for _, window := range []struct{ from, span time.Duration }{{-24 * time.Hour, 24 * time.Hour}, {-96 * time.Hour, 72 * time.Hour}} {
		// Stories: two thirds of the articles start one, the rest join a recent one.
		var stories []*ent.Story
		var storyOf []int
		for i := range n {
			if i%3 == 2 && len(stories) > 0 {
				storyOf = append(storyOf, rng.IntN(len(stories)))
				continue
			}
			storyOf = append(storyOf, len(stories))
			stories = append(stories, nil)
		}
		sizes := make([]int, len(stories))
		for _, s := range storyOf {
			sizes[s]++
		}
		var sc []*ent.StoryCreate
		for i := range stories {
			sc = append(sc, f.c.Story.Create().SetSignature(rng.Int64()).SetSize(sizes[i]).SetFirstSeenAt(morning.Add(window.from).UTC()))
		}
		stories = bulk(tb, sc, func(c []*ent.StoryCreate) ([]*ent.Story, error) { return f.c.Story.CreateBulk(c...).Save(ctx) })
		var ac []*ent.ArticleCreate
		for i := range n {
			fetched := morning.Add(window.from + time.Duration(rng.Int64N(int64(window.span))))
			url := fmt.Sprintf("https://outlet%d.example/%d/%d", i%30, int(window.from.Hours()), i)
			ac = append(ac, f.c.Article.Create().SetTitle(sentence(9)).SetURL(url).SetGUID(url).SetSummaryText(sentence(60)).
				SetPublishedAt(fetched.Add(-time.Duration(rng.IntN(600))*time.Minute).UTC()).SetFetchedAt(fetched.UTC()).
				SetContentHash(fmt.Sprint(i)).SetFeedID(f.feeds[rng.IntN(30)].ID).SetStoryID(stories[storyOf[i]].ID))
		}
		arts := bulk(tb, ac, func(c []*ent.ArticleCreate) ([]*ent.Article, error) { return f.c.Article.CreateBulk(c...).Save(ctx) })
		var src []*ent.ArticleSourceCreate
		var tags []*ent.ArticleGroupTagCreate
		var topics []*ent.ArticleTopicCreate
		var mentions []*ent.ArticleMentionCreate
		for i, a := range arts {
			src = append(src, f.c.ArticleSource.Create().SetArticleID(a.ID).SetFeedID(a.FeedID).SetGUID(a.GUID).SetLink(a.URL).
				SetContentHash("h").SetSeenAt(a.FetchedAt))
			if i%10 == 0 {
				other := f.feeds[(i+7)%30].ID
				if other != a.FeedID {
					src = append(src, f.c.ArticleSource.Create().SetArticleID(a.ID).SetFeedID(other).SetGUID(a.GUID).
						SetLink(a.URL).SetContentHash("h").SetSeenAt(a.FetchedAt))
				}
			}
			g := groups[rng.IntN(4)]
			tags = append(tags, f.c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(g).SetScore(0.5+rng.Float64()/2).
				SetMethod(articlegrouptag.MethodGazetteer))
			if i%10 == 1 {
				tags = append(tags, f.c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(groups[(slices.Index(groups, g)+1)%4]).
					SetScore(0.6).SetMethod(articlegrouptag.MethodSourceCountry))
			}
			t1 := rng.IntN(6)
			topics = append(topics, f.c.ArticleTopic.Create().SetArticleID(a.ID).SetTopic(articletopic.Topic(Topics[t1].Slug)).
				SetScore(0.7).SetMethod(articletopic.MethodGazetteer))
			if i%4 == 0 {
				topics = append(topics, f.c.ArticleTopic.Create().SetArticleID(a.ID).SetTopic(articletopic.Topic(Topics[(t1+1)%6].Slug)).
					SetScore(0.6).SetMethod(articletopic.MethodGazetteer))
			}
			if i%5 == 0 {
				mentions = append(mentions, f.c.ArticleMention.Create().SetArticleID(a.ID).SetAuthorityID(authorities[rng.IntN(len(authorities))]).
					SetScore(0.8).SetMethod(articlemention.MethodAuthorityName))
			}
		}
		bulk(tb, src, func(c []*ent.ArticleSourceCreate) ([]*ent.ArticleSource, error) {
			return f.c.ArticleSource.CreateBulk(c...).Save(ctx)
		})
		bulk(tb, tags, func(c []*ent.ArticleGroupTagCreate) ([]*ent.ArticleGroupTag, error) {
			return f.c.ArticleGroupTag.CreateBulk(c...).Save(ctx)
		})
		bulk(tb, topics, func(c []*ent.ArticleTopicCreate) ([]*ent.ArticleTopic, error) {
			return f.c.ArticleTopic.CreateBulk(c...).Save(ctx)
		})
		bulk(tb, mentions, func(c []*ent.ArticleMentionCreate) ([]*ent.ArticleMention, error) {
			return f.c.ArticleMention.CreateBulk(c...).Save(ctx)
		})
	}
	// Only this schema's tables (the search path): a bare ANALYZE would walk every test
	// schema on the server.
	if _, err := f.db.SQL.ExecContext(ctx, "ANALYZE articles, article_group_tags, article_topics, article_mentions, article_sources, stories, partnerships, local_authorities, feeds, digests"); err != nil {
		tb.Fatal(err)
	}
}

// bulk saves creates in chunks that stay under PostgreSQL's 65,535 parameters.
func bulk[C any, T any](tb testing.TB, creates []C, save func([]C) ([]T, error)) []T {
	tb.Helper()
	var out []T
	for chunk := range slices.Chunk(creates, 500) {
		saved, err := save(chunk)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, saved...)
	}
	return out
}
