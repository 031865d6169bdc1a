package search_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articletopic"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/search"
	"coopdesk/internal/testdb"
)

// now is the reference time of the fixtures and of recency in the tests.
var now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

func daysAgo(d float64) time.Time { return now.Add(-time.Duration(d * float64(24*time.Hour))) }

// veille is a small veille: French, English and Arabic articles from feeds of several
// countries, tagged with groups, topics and mentioned authorities.
type veille struct {
	db        *testdb.DB
	engine    search.Engine
	articles  map[string]int // fixture key → article id
	feeds     map[string]int // country code → feed id
	authority map[string]int // name → local authority id
}

type fixtureArticle struct {
	key, feed, lang, title, summary string
	age                             float64 // days
	groups                          []string
	removedGroups                   []string
	topics                          []articletopic.Topic
	mentions                        []string
}

var fixtureArticles = []fixtureArticle{
	{key: "dakar-lyon", feed: "SN", lang: "fr", age: 1,
		title:   "Dakar : les municipalités renforcent la coopération décentralisée avec Lyon",
		summary: "La ville de Dakar et la Métropole de Lyon ont signé une convention de coopération décentralisée portant sur l'assainissement et la gestion des déchets. Le maire a salué un partenariat exemplaire.",
		groups:  []string{"afrique-ouest"}, topics: []articletopic.Topic{articletopic.TopicTerritorialLocal}, mentions: []string{"Dakar", "Lyon"}},
	{key: "saint-louis", feed: "SN", lang: "fr", age: 3,
		title:   "Élections municipales : la région de Saint-Louis prépare le scrutin",
		summary: "Le conseil régional a réuni les services de la municipalité de Saint-Louis pour organiser le vote. Les électeurs sont appelés aux urnes dimanche.",
		groups:  []string{"afrique-ouest"}, topics: []articletopic.Topic{articletopic.TopicPolitique}, mentions: []string{"Saint-Louis"}},
	{key: "tunisie", feed: "TN", lang: "fr", age: 10,
		title:   "Tunisie : la décentralisation en question",
		summary: "Le ministère de l'Intérieur présente un projet de loi sur les collectivités locales et les régions. Les municipalités réclament davantage de moyens financiers.",
		groups:  []string{"maghreb"}, topics: []articletopic.Topic{articletopic.TopicAdministrationDecentralisation}},
	{key: "ghana", feed: "GH", lang: "en", age: 2,
		title:   "Ghana: municipal councils elect new chief executives",
		summary: "District assemblies and municipal councils across the regions elected their chief executives on Monday; the elections were peaceful, observers said.",
		groups:  []string{"afrique-ouest"}, topics: []articletopic.Topic{articletopic.TopicPolitique}},
	{key: "rabat", feed: "MA", lang: "ar", age: 5,
		title:   "الرباط: المجلس الجماعي يصادق على اتفاقيّة شراكة مع مدينة ليون",
		summary: "صادق المجلسُ الجماعيُّ لمدينةِ الرباط على اتفاقيّةٍ للتعاون اللامركزي مع مدينة ليون الفرنسية في مجال النقل والتكوين.",
		groups:  []string{"maghreb"}, topics: []articletopic.Topic{articletopic.TopicTerritorialLocal}, mentions: []string{"Rabat", "Lyon"}},
	{key: "lyon-securite", feed: "FR", lang: "fr", age: 200,
		title:   "Sécurité : hausse des cambriolages à Lyon",
		summary: "La police municipale de Lyon constate une hausse des cambriolages dans plusieurs arrondissements.",
		topics:  []articletopic.Topic{articletopic.TopicSecurite}, mentions: []string{"Lyon"}},
	{key: "port-dakar", feed: "SN", lang: "fr", age: 40,
		title:   "Économie : le port de Dakar investit",
		summary: "Le port autonome de Dakar annonce un investissement de 200 milliards de francs CFA pour moderniser ses quais.",
		groups:  []string{"afrique-ouest"}, topics: []articletopic.Topic{articletopic.TopicEconomie}, mentions: []string{"Dakar"}},
	{key: "sfax", feed: "TN", lang: "fr", age: 1.5,
		title:   "Coopération : Sfax et Marseille renouvellent leur jumelage",
		summary: "La municipalité de Sfax et la ville de Marseille ont renouvelé leur jumelage, signé il y a quarante ans.",
		groups:  []string{"maghreb"}, removedGroups: []string{"afrique-ouest"}, topics: []articletopic.Topic{articletopic.TopicSociete}},
	{key: "budget", feed: "FR", lang: "fr", age: 4,
		title:   "Budget 2026 : la réforme des finances locales",
		summary: `Le projet <script>alert(1)</script> & « réforme » du budget des collectivités inquiète les élus.`,
		topics:  []articletopic.Topic{articletopic.TopicEconomie}},
	{key: "no-language", feed: "SN", lang: "", age: 6,
		title:   "Thiès accueille le forum des collectivités territoriales",
		summary: "Les maires des communes du Sénégal se réunissent à Thiès pour le forum annuel.",
		groups:  []string{"afrique-ouest"}},
}

// newVeille migrates the search index, then inserts the fixtures (so the index is kept
// in sync as articles arrive, as in production).
func newVeille(t testing.TB, db *testdb.DB) *veille {
	t.Helper()
	ctx := context.Background()
	v := &veille{db: db, engine: search.New(db.DB), articles: map[string]int{}, feeds: map[string]int{}, authority: map[string]int{}}
	if err := v.engine.Migrate(ctx); err != nil {
		t.Fatalf("search migrate: %v", err)
	}
	c := db.Client
	countries := map[string]*ent.Country{}
	for _, cc := range [][3]string{{"FR", "France", "France"}, {"SN", "Sénégal", "Senegal"}, {"TN", "Tunisie", "Tunisia"}, {"MA", "Maroc", "Morocco"}, {"GH", "Ghana", "Ghana"}} {
		countries[cc[0]] = c.Country.Create().SetCode(cc[0]).SetNameFr(cc[1]).SetNameEn(cc[2]).SaveX(ctx)
	}
	groups := map[string]int{
		"afrique-ouest": c.CountryGroup.Create().SetSlug("afrique-ouest").SetName("Afrique de l'Ouest").AddCountries(countries["SN"], countries["GH"]).SaveX(ctx).ID,
		"maghreb":       c.CountryGroup.Create().SetSlug("maghreb").SetName("Maghreb").AddCountries(countries["TN"], countries["MA"]).SaveX(ctx).ID,
	}
	langs := map[string]string{"FR": "fr", "SN": "fr", "TN": "fr", "MA": "ar", "GH": "en"}
	for code, cn := range countries {
		v.feeds[code] = c.Feed.Create().SetURL("https://news." + code + ".example/rss").SetLanguage(langs[code]).SetCountryID(cn.ID).SaveX(ctx).ID
	}
	for _, a := range [][2]string{{"Dakar", "SN"}, {"Saint-Louis", "SN"}, {"Lyon", "FR"}, {"Rabat", "MA"}} {
		v.authority[a[0]] = c.LocalAuthority.Create().SetName(a[0]).SetLevel(localauthority.LevelCommune).SetCountryID(countries[a[1]].ID).SaveX(ctx).ID
	}
	for i, fa := range fixtureArticles {
		create := c.Article.Create().SetURL(fmt.Sprintf("https://news.example/%d", i)).SetGUID(fa.key).
			SetTitle(fa.title).SetSummaryText(fa.summary).SetPublishedAt(daysAgo(fa.age)).SetFetchedAt(daysAgo(fa.age)).
			SetContentHash(fa.key).SetFeedID(v.feeds[fa.feed])
		if fa.lang != "" {
			create.SetLanguage(fa.lang)
		}
		a := create.SaveX(ctx)
		v.articles[fa.key] = a.ID
		c.ArticleSource.Create().SetArticleID(a.ID).SetFeedID(v.feeds[fa.feed]).SetGUID(fa.key).SetContentHash(fa.key).SaveX(ctx)
		for _, g := range fa.groups {
			c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(groups[g]).SetMethod(articlegrouptag.MethodSourceCountry).SaveX(ctx)
		}
		for _, g := range fa.removedGroups {
			c.ArticleGroupTag.Create().SetArticleID(a.ID).SetGroupID(groups[g]).SetMethod(articlegrouptag.MethodStaffCorrection).SetRemoved(true).SaveX(ctx)
		}
		for _, tp := range fa.topics {
			c.ArticleTopic.Create().SetArticleID(a.ID).SetTopic(tp).SetMethod(articletopic.MethodGazetteer).SaveX(ctx)
		}
		for _, m := range fa.mentions {
			c.ArticleMention.Create().SetArticleID(a.ID).SetAuthorityID(v.authority[m]).SetMethod("authority_name").SaveX(ctx)
		}
	}
	return v
}

// keys maps hits back to fixture keys.
func (v *veille) keys(hits []search.Hit) []string {
	byID := map[int]string{}
	for k, id := range v.articles {
		byID[id] = k
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = byID[h.ArticleID]
	}
	return out
}
