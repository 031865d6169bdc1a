package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articletopic"
	"coopdesk/ent/countrygroup"
	"coopdesk/ent/tagrule"
	"coopdesk/internal/search"
	"coopdesk/internal/testdb"
)

func TestSearchAndDashboardAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		ctx := context.Background()
		c := db.Client
		f := c.Feed.Create().SetURL("https://www.kapitalis.com/feed/").SetTitle("Kapitalis").SaveX(ctx)
		tunisie := c.CountryGroup.Query().Where(countrygroup.Slug("tunisie")).OnlyX(ctx)
		now := time.Now().UTC()
		arts := []struct{ title, text string }{
			{"Sfax : le conseil municipal adopte son budget", "Les municipalités de la région de Sfax préparent les élections locales."},
			{"Tunis : nouvelle délégation spéciale", "La délégation spéciale de la municipalité de Tunis a été installée."},
			{"Football : l'Espérance gagne", "Match sans rapport avec les collectivités."},
		}
		for i, x := range arts {
			art := c.Article.Create().SetURL("https://www.kapitalis.com/" + string(rune('a'+i))).SetGUID(string(rune('a' + i))).
				SetTitle(x.title).SetSummaryText(x.text).SetLanguage("fr").SetPublishedAt(now.Add(-time.Duration(i) * time.Hour)).
				SetContentHash("h").SetFeedID(f.ID).SaveX(ctx)
			if i < 2 {
				c.ArticleGroupTag.Create().SetArticleID(art.ID).SetGroupID(tunisie.ID).SetScore(0.9).SetMethod(articlegrouptag.MethodGazetteer).ExecX(ctx)
				c.ArticleTopic.Create().SetArticleID(art.ID).SetTopic(articletopic.TopicTerritorialLocal).SetScore(0.8).SetMethod(articletopic.MethodGazetteer).ExecX(ctx)
			}
		}
		q := `query($q: String!, $f: ArticleSearchFilter, $first: Int, $after: Cursor) { searchArticles(query: $q, filter: $f, first: $first, after: $after) {
			edges { score snippet cursor node { title feed { title } } } pageInfo { hasNextPage endCursor } capped } }`
		r := a.ok(a.viewer, q, map[string]any{"q": "municipalité"})
		edges := get(r, "searchArticles", "edges").([]any)
		if len(edges) != 2 || !strings.Contains(str(edges[0], "snippet"), "<mark>") {
			t.Fatalf("search municipalité (stemmed): %v", r)
		}
		if get(r, "searchArticles", "capped") != false {
			t.Fatalf("two matches, yet capped: %v", r)
		}
		r = a.ok(a.viewer, q, map[string]any{"q": "conseil OR football", "f": map[string]any{"groups": []string{"tunisie"}}})
		if l := get(r, "searchArticles", "edges").([]any); len(l) != 1 || str(l[0], "node", "title") != arts[0].title {
			t.Errorf("group filter: %v", r)
		}
		r = a.ok(a.viewer, q, map[string]any{"q": "municipalite -sfax", "f": map[string]any{"topics": []string{"territorial_local"}}})
		if l := get(r, "searchArticles", "edges").([]any); len(l) != 1 || str(l[0], "node", "title") != arts[1].title {
			t.Errorf("exclusion + topic: %v", r)
		}
		p1 := a.ok(a.viewer, q, map[string]any{"q": "", "first": 1})
		if get(p1, "searchArticles", "pageInfo", "hasNextPage") != true {
			t.Fatalf("empty query lists the latest: %v", p1)
		}
		p2 := a.ok(a.viewer, q, map[string]any{"q": "", "first": 1, "after": str(p1, "searchArticles", "pageInfo", "endCursor")})
		if str(p2, "searchArticles", "edges", 0, "node", "title") == str(p1, "searchArticles", "edges", 0, "node", "title") {
			t.Errorf("second page repeats the first: %v", p2)
		}
		for _, bad := range []string{strings.Repeat("mot ", 2500), "le la les de", `"NEAR(a b)" * : ^`} {
			r := a.do(a.viewer, q, map[string]any{"q": bad})
			if len(r.Errors) > 0 && r.code() != "BAD_USER_INPUT" {
				t.Errorf("query %.30q: %s", bad, r.Raw)
			}
			if strings.Contains(strings.ToLower(r.Raw), "syntax error") || strings.Contains(r.Raw, "fts5") {
				t.Errorf("query %.30q reached the engine raw: %s", bad, r.Raw)
			}
		}
		a.fails(a.viewer, "BAD_USER_INPUT", q, map[string]any{"q": strings.Repeat("x", 10000)})
		// Saved searches, runnable by id by their owner only.
		s := a.ok(a.staff, `mutation { createSavedSearch(name: "Sfax", query: "sfax", filter: {groups: ["tunisie"]}) { id name query } }`, nil)
		sid := str(s, "createSavedSearch", "id")
		a.fails(a.staff, "ALREADY_EXISTS", `mutation { createSavedSearch(name: "Sfax", query: "autre") { id } }`, nil)
		run := `query($id: ID!) { runSavedSearch(id: $id) { edges { node { title } } } }`
		if l := get(a.ok(a.staff, run, map[string]any{"id": sid}), "runSavedSearch", "edges").([]any); len(l) != 1 {
			t.Errorf("run saved search: %v", l)
		}
		a.fails(a.viewer, "NOT_FOUND", run, map[string]any{"id": sid})
		if l := get(a.ok(a.staff, `{ savedSearches { name } }`, nil), "savedSearches").([]any); len(l) != 1 {
			t.Errorf("savedSearches: %v", l)
		}
		// Dashboard.
		d := a.ok(a.viewer, `query($from: Time!, $to: Time!) { dashboard { dossiersByStatus { key count } partnershipsByCountry { key count }
			articlesPerGroupPerDay(from: $from, to: $to) { day group count } feedHealth { ok pending failing disabled failingFeeds { url } } } }`,
			map[string]any{"from": now.Add(-72 * time.Hour).Format(time.RFC3339), "to": now.Add(time.Hour).Format(time.RFC3339)})
		total := 0
		for _, g := range get(d, "dashboard", "articlesPerGroupPerDay").([]any) {
			if str(g, "group") == "tunisie" {
				total += num(g, "count")
			}
		}
		if total != 2 || num(d, "dashboard", "feedHealth", "pending") != 1 {
			t.Errorf("dashboard: %v", d)
		}
	})
}

func TestTagCorrectionsAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		ctx := context.Background()
		f := db.Client.Feed.Create().SetURL("https://www.lorientlejour.com/rss").SaveX(ctx)
		art := db.Client.Article.Create().SetURL("https://www.lorientlejour.com/1").SetGUID("1").SetTitle("Municipales à Tyr").
			SetPublishedAt(time.Now()).SetContentHash("h").SetFeedID(f.ID).SaveX(ctx)
		q := `mutation($a: ID!, $k: TagKind!, $v: String!) { tagArticle(articleID: $a, kind: $k, value: $v) { groupTags { group { slug } method removed } topics { topic method } } }`
		r := a.ok(a.staff, q, map[string]any{"a": art.ID, "k": "GROUP", "v": "liban"})
		if str(r, "tagArticle", "groupTags", 0, "group", "slug") != "liban" || str(r, "tagArticle", "groupTags", 0, "method") != "staff_correction" {
			t.Errorf("tagArticle: %v", r)
		}
		a.ok(a.staff, q, map[string]any{"a": art.ID, "k": "TOPIC", "v": "politique"})
		u := a.ok(a.staff, `mutation($a: ID!) { untagArticle(articleID: $a, kind: GROUP, value: "liban") { groupTags { group { slug } removed } } }`, map[string]any{"a": art.ID})
		if get(u, "untagArticle", "groupTags", 0, "removed") != true {
			t.Errorf("untagArticle: %v", u)
		}
		a.fails(a.staff, "BAD_USER_INPUT", q, map[string]any{"a": art.ID, "k": "GROUP", "v": "atlantide"})
		a.fails(a.staff, "NOT_FOUND", q, map[string]any{"a": 12345, "k": "GROUP", "v": "liban"})
		a.fails(a.viewer, "FORBIDDEN", q, map[string]any{"a": art.ID, "k": "GROUP", "v": "liban"})
	})
}

// TestDigestMatcher: the digest's saved-search section finds the window's articles that a
// subscriber's saved search matches.
func TestDigestMatcher(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		ctx := context.Background()
		f := db.Client.Feed.Create().SetURL("https://example.org/feed").SaveX(ctx)
		var ids []int
		for i, title := range []string{"Budget municipal de Sfax adopté", "Élections à Beyrouth", "Sfax : nouvelle station d'épuration"} {
			art := db.Client.Article.Create().SetURL("https://example.org/" + title).SetGUID(title).SetTitle(title).
				SetPublishedAt(time.Now().Add(-time.Duration(i) * time.Hour)).SetContentHash("h").SetFeedID(f.ID).SaveX(ctx)
			ids = append(ids, art.ID)
		}
		s := a.ok(a.staff, `mutation { createSavedSearch(name: "Sfax", query: "sfax") { id } }`, nil)
		m := search.DigestMatcher{Engine: search.New(db.DB), Client: db.Client}
		got, err := m.Matches(ctx, mustInt(t, str(s, "createSavedSearch", "id")), ids[:2])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != ids[0] {
			t.Errorf("matches: %v, want [%d]", got, ids[0])
		}
	})
}

// TestTagRulesAPI: staff create, list, update and delete the tagger's rules; a rule the
// tagger cannot use is refused and nothing is stored; viewers may not write rules.
func TestTagRulesAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		ctx := context.Background()
		maroc := db.Client.CountryGroup.Query().Where(countrygroup.Slug("maroc")).OnlyX(ctx)
		create := `mutation($in: CreateTagRuleInput!) { createTagRule(input: $in) { id pattern weight enabled topic group { slug } } }`
		r := a.ok(a.staff, create, map[string]any{"in": map[string]any{"pattern": "Oued Ouchayah", "groupID": maroc.ID, "note": "quartier de Rabat"}})
		if str(r, "createTagRule", "group", "slug") != "maroc" || get(r, "createTagRule", "enabled") != true {
			t.Errorf("createTagRule: %v", r)
		}
		id := str(r, "createTagRule", "id")
		a.ok(a.staff, create, map[string]any{"in": map[string]any{"pattern": "dessalement*", "topic": "economie", "weight": 0.5}})

		for _, in := range []map[string]any{
			{"pattern": "sans cible"},                             // neither group nor topic
			{"pattern": "***", "groupID": maroc.ID},               // no letters
			{"pattern": "", "groupID": maroc.ID},                  // empty
			{"pattern": "x", "topic": "economie", "weight": 11.0}, // weight out of range
		} {
			a.fails(a.staff, "BAD_USER_INPUT", create, map[string]any{"in": in})
		}
		a.fails(a.viewer, "FORBIDDEN", create, map[string]any{"in": map[string]any{"pattern": "Salé", "groupID": maroc.ID}})
		if n := db.Client.TagRule.Query().CountX(ctx); n != 2 {
			t.Errorf("%d rules stored, want 2 (refused ones stored?)", n)
		}

		update := `mutation($id: ID!, $in: UpdateTagRuleInput!) { updateTagRule(id: $id, input: $in) { pattern enabled } }`
		a.fails(a.staff, "BAD_USER_INPUT", update, map[string]any{"id": id, "in": map[string]any{"clearGroup": true}})
		u := a.ok(a.staff, update, map[string]any{"id": id, "in": map[string]any{"enabled": false}})
		if get(u, "updateTagRule", "enabled") != false {
			t.Errorf("updateTagRule: %v", u)
		}
		if g := db.Client.TagRule.Query().Where(tagrule.Pattern("Oued Ouchayah")).OnlyX(ctx); g.GroupID == nil {
			t.Error("the refused update cleared the group")
		}
		l := a.ok(a.viewer, `{ tagRules(orderBy: [{field: PATTERN}]) { totalCount edges { node { pattern enabled } } } }`, nil)
		// Both engines' collations differ on case: the order is not asserted.
		if p := []string{str(l, "tagRules", "edges", 0, "node", "pattern"), str(l, "tagRules", "edges", 1, "node", "pattern")}; num(l, "tagRules", "totalCount") != 2 ||
			!slices.Contains(p, "Oued Ouchayah") || !slices.Contains(p, "dessalement*") {
			t.Errorf("tagRules: %v", l)
		}
		a.ok(a.staff, `mutation($id: ID!) { deleteTagRule(id: $id) }`, map[string]any{"id": id})
		a.fails(a.staff, "NOT_FOUND", `mutation($id: ID!) { deleteTagRule(id: $id) }`, map[string]any{"id": id})
	})
}
