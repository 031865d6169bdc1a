package tagging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/article"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/country"
	"coopdesk/ent/countrygroup"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/ent/schema"
	"coopdesk/ent/tagrule"
	"coopdesk/internal/repertoire/partnerunits"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"
	"coopdesk/worker"
	"coopdesk/worker/fetch"
	"coopdesk/worker/tag"
	"coopdesk/worker/tagging"
)

// fixture is a répertoire with the reference data, the partner-country units and one
// partnership between Marseille (a CUF member) and the municipality of Sfax.
type fixture struct {
	sfax, marseille int
	countries       map[string]int
}

func setup(t testing.TB, db *testdb.DB) fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := seed.Minimal(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	if _, err := partnerunits.Load(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	f := fixture{countries: map[string]int{}}
	cs, err := db.Client.Country.Query().Where(country.CodeIn("FR", "TN", "MA", "DZ", "LB", "LY")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		f.countries[c.Code] = c.ID
	}
	sfax := db.Client.LocalAuthority.Create().SetName("Municipalité de Sfax").SetAliases([]string{"Commune de Sfax"}).
		SetLevel(localauthority.LevelMunicipalite).SetCountryID(f.countries["TN"]).SaveX(ctx)
	marseille := db.Client.LocalAuthority.Create().SetName("Ville de Marseille").SetLevel(localauthority.LevelCommune).
		SetCode("13055").SetCountryID(f.countries["FR"]).SetCufMemberSince(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)).SaveX(ctx)
	db.Client.Partnership.Create().SetTitle("Marseille – Sfax").SetKind(partnership.KindJumelage).
		AddFrenchAuthorities(marseille).AddPartnerAuthorities(sfax).ExecX(ctx)
	f.sfax, f.marseille = sfax.ID, marseille.ID
	return f
}

func newStage(db *testdb.DB) *tagging.Stage {
	return tagging.NewStage(db.DB, tagging.Options{CheckEvery: -1, Logger: slog.New(slog.DiscardHandler)})
}

// feedServer serves one RSS feed whose items can be replaced.
type feedServer struct {
	mu    sync.Mutex
	items []item
}

type item struct{ guid, title, text string }

func (s *feedServer) set(items ...item) {
	s.mu.Lock()
	s.items = items
	s.mu.Unlock()
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>La Presse</title><link>https://presse.test/</link><language>fr</language>`)
	for _, it := range s.items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://presse.test/%s</link><guid>%s</guid><pubDate>Tue, 03 Mar 2026 09:00:00 +0000</pubDate><description>%s</description></item>`,
			it.title, it.guid, it.guid, it.text)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Write([]byte(b.String()))
}

var (
	sfaxItem    = item{"sfax", "Sfax : le conseil municipal adopte le plan d’investissement communal", "Réuni en session ordinaire, le conseil municipal de Sfax a voté le budget de la voirie et de l’assainissement."}
	tripoliItem = item{"tripoli", "Tripoli : affrontements entre milices près de l’aéroport de Mitiga", "De violents combats ont opposé deux groupes armés dans la capitale libyenne, selon le gouvernement d’unité nationale."}
	orangeItem  = item{"orange", "Orange : le festival des Chorégies affiche complet", "La ville d’Orange, dans le Vaucluse, accueille cet été encore les Chorégies au théâtre antique."}
)

func pass(t *testing.T, db *testdb.DB, stage *tagging.Stage) {
	t.Helper()
	w, err := worker.New(db.DB, worker.Config{Concurrency: 2, Logger: slog.New(slog.DiscardHandler), Tagger: stage,
		Fetch: fetch.Config{TotalTimeout: 5 * time.Second, AllowedNetworks: worker.LoopbackOnly}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Pass(t.Context(), worker.PassOptions{All: true})
	if err != nil || res.Failed > 0 {
		t.Fatalf("pass: %+v, %v", res, err)
	}
}

// tags returns an article's group slugs (not removed), mentioned authority ids, topics,
// and its staff-corrected group rows as "slug:removed".
type tags struct {
	groups   []string
	mentions []int
	topics   []string
	staff    []string
	tagged   bool
}

func tagsOf(t *testing.T, client *ent.Client, guid string) (int, tags) {
	t.Helper()
	a, err := client.Article.Query().Where(article.URL("https://presse.test/" + guid)).
		WithGroupTags(func(q *ent.ArticleGroupTagQuery) { q.WithGroup() }).WithMentions().WithTopics().Only(t.Context())
	if err != nil {
		t.Fatalf("article %s: %v", guid, err)
	}
	var out tags
	out.tagged = a.TaggedAt != nil
	for _, g := range a.Edges.GroupTags {
		if !g.Removed {
			out.groups = append(out.groups, g.Edges.Group.Slug)
		}
		if g.Method == articlegrouptag.MethodStaffCorrection {
			out.staff = append(out.staff, fmt.Sprintf("%s:%v", g.Edges.Group.Slug, g.Removed))
		}
		if g.Method != articlegrouptag.MethodStaffCorrection && len(g.Evidence) == 0 {
			t.Errorf("%s: group tag %s without evidence", guid, g.Edges.Group.Slug)
		}
	}
	for _, m := range a.Edges.Mentions {
		if !m.Removed {
			out.mentions = append(out.mentions, m.AuthorityID)
		}
	}
	for _, tp := range a.Edges.Topics {
		if !tp.Removed {
			out.topics = append(out.topics, string(tp.Topic))
		}
	}
	slices.Sort(out.groups)
	slices.Sort(out.staff)
	return a.ID, out
}

// TestPipelineTagsAndKeepsCorrections runs the stage in real worker passes over a
// Tunisian feed, corrects tags as staff, and checks that neither a rewritten article nor
// a full re-tag undoes the corrections.
func TestPipelineTagsAndKeepsCorrections(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		f := setup(t, db)
		srv := &feedServer{}
		srv.set(sfaxItem, tripoliItem, orangeItem)
		hs := httptest.NewServer(srv)
		defer hs.Close()
		if _, err := worker.AddFeed(ctx, db.Client, hs.URL+"/feed", "", "TN", "fr"); err != nil {
			t.Fatal(err)
		}
		stage := newStage(db)
		pass(t, db, stage)

		sfaxID, sfax := tagsOf(t, db.Client, "sfax")
		if !slices.Equal(sfax.groups, []string{"tunisie"}) || !slices.Contains(sfax.mentions, f.sfax) || !sfax.tagged {
			t.Errorf("Sfax: %+v, want tunisie and the mention of authority %d", sfax, f.sfax)
		}
		if !slices.Contains(sfax.topics, "territorial_local") {
			t.Errorf("Sfax topics: %v", sfax.topics)
		}
		tripoliID, tripoli := tagsOf(t, db.Client, "tripoli")
		if len(tripoli.groups) != 0 || !tripoli.tagged {
			t.Errorf("Tripoli (Libya): %+v, want no group", tripoli)
		}
		if _, orange := tagsOf(t, db.Client, "orange"); len(orange.groups) != 0 {
			t.Errorf("Orange: %+v, want no group", orange)
		}

		// Staff: Sfax is not about Tunisia after all, Tripoli is about Lebanon; topics.
		if err := tagging.UntagArticle(ctx, db.Client, sfaxID, tagging.KindGroup, "tunisie", 0); err != nil {
			t.Fatal(err)
		}
		if err := tagging.TagArticle(ctx, db.Client, tripoliID, tagging.KindGroup, "liban", 0); err != nil {
			t.Fatal(err)
		}
		if err := tagging.TagArticle(ctx, db.Client, tripoliID, tagging.KindTopic, "administration-decentralisation", 0); err != nil {
			t.Fatal(err)
		}
		if err := tagging.UntagArticle(ctx, db.Client, sfaxID, tagging.KindAuthority, fmt.Sprint(f.sfax), 0); err != nil {
			t.Fatal(err)
		}

		// The feed rewrites both articles: the pipeline tags them again.
		s2, t2 := sfaxItem, tripoliItem
		s2.text += " Le maire a salué le soutien de la ville de Marseille."
		t2.text += " Le bilan fait état de plusieurs blessés."
		srv.set(s2, t2, orangeItem)
		pass(t, db, stage)
		check := func(when string) {
			t.Helper()
			_, sfax := tagsOf(t, db.Client, "sfax")
			if len(sfax.groups) != 0 || !slices.Equal(sfax.staff, []string{"tunisie:true"}) || slices.Contains(sfax.mentions, f.sfax) {
				t.Errorf("%s: Sfax %+v, want the staff removal of tunisie and of the Sfax mention kept", when, sfax)
			}
			if !slices.Contains(sfax.mentions, f.marseille) {
				t.Errorf("%s: Sfax %+v, want the new mention of Marseille", when, sfax)
			}
			_, tripoli := tagsOf(t, db.Client, "tripoli")
			if !slices.Equal(tripoli.groups, []string{"liban"}) || !slices.Contains(tripoli.topics, "administration_decentralisation") {
				t.Errorf("%s: Tripoli %+v, want the staff tag liban and the staff topic kept", when, tripoli)
			}
		}
		check("after the rewrite")

		res, err := stage.Retag(ctx, tagging.RetagOptions{BatchSize: 2})
		if err != nil || res.Articles != 3 {
			t.Fatalf("retag: %+v, %v", res, err)
		}
		check("after --retag")

		var out bytes.Buffer
		n, err := tagging.ExportLabelled(ctx, db.Client, &out)
		if err != nil || n != 2 {
			t.Fatalf("export: %d, %v\n%s", n, err, out.String())
		}
		var lines []tagging.Labelled
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var x tagging.Labelled
			if err := json.Unmarshal([]byte(l), &x); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, x)
		}
		if lines[0].Country != "TN" || lines[0].Lang != "fr" || len(lines[0].Groups) != 0 || !strings.HasPrefix(lines[0].Title, "Sfax") ||
			!slices.Equal(lines[1].Groups, []string{"liban"}) {
			t.Errorf("export:\n%s", out.String())
		}
	})
}

func TestCorrectionErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		setup(t, db)
		feed, err := worker.AddFeed(ctx, db.Client, "https://presse.test/feed", "", "TN", "fr")
		if err != nil {
			t.Fatal(err)
		}
		a := db.Client.Article.Create().SetURL("https://presse.test/a").SetGUID("a").SetTitle("A").SetPublishedAt(time.Now()).
			SetContentHash("x").SetFeedID(feed.ID).SaveX(ctx)
		u := db.Client.User.Create().SetName("Agnès").SaveX(ctx)
		for _, c := range []struct {
			article int
			kind    tagging.Kind
			value   string
			user    int
			want    error
		}{
			{a.ID + 1000, tagging.KindGroup, "maroc", u.ID, tagging.ErrArticleNotFound},
			{a.ID, "country", "maroc", u.ID, tagging.ErrInvalidKind},
			{a.ID, tagging.KindGroup, "narnia", u.ID, tagging.ErrUnknownValue},
			{a.ID, tagging.KindTopic, "sport", u.ID, tagging.ErrUnknownValue},
			{a.ID, tagging.KindAuthority, "x", u.ID, tagging.ErrUnknownValue},
			{a.ID, tagging.KindAuthority, "999999999", u.ID, tagging.ErrUnknownValue},
			{a.ID, tagging.KindGroup, "maroc", u.ID + 1000, tagging.ErrUserNotFound},
			{a.ID, tagging.KindGroup, "Maroc", u.ID, nil},
			{a.ID, tagging.KindGroup, "maroc", u.ID, nil}, // idempotent
		} {
			err := tagging.TagArticle(ctx, db.Client, c.article, c.kind, c.value, c.user)
			if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
				t.Errorf("TagArticle(%d, %s, %q, %d) = %v, want %v", c.article, c.kind, c.value, c.user, err, c.want)
			}
		}
		if n := db.Client.ChangeLogEntry.Query().CountX(ctx); n != 2 {
			t.Errorf("%d change log entries, want 2", n)
		}
		e := db.Client.ChangeLogEntry.Query().FirstX(ctx)
		if e.ActorID == nil || *e.ActorID != u.ID || e.ActorName != "Agnès" || e.EntityID != a.ID {
			t.Errorf("change log entry: %+v", e)
		}
	})
}

// TestReloadPicksUpNewAuthorities adds a partnership after the tagger was built: Reload
// notices it and the new partner is found, without a new Stage.
func TestReloadPicksUpNewAuthorities(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		f := setup(t, db)
		stage := newStage(db)
		if err := stage.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if changed, err := stage.Reload(ctx); err != nil || changed {
			t.Fatalf("reload without change: %v, %v", changed, err)
		}
		const title = "Douar Tazrout Oufella : la commune inaugure un dispensaire"
		res, err := stage.TagText(ctx, title, "", "fr", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Mentions {
			if m.Kind == "authority" {
				t.Fatalf("mention before the partnership exists: %+v", m)
			}
		}
		la := db.Client.LocalAuthority.Create().SetName("Commune de Tazrout Oufella").SetAliases([]string{"Douar Tazrout Oufella"}).
			SetLevel(localauthority.LevelCommune).SetCountryID(f.countries["MA"]).SaveX(ctx)
		db.Client.Partnership.Create().SetTitle("Tazrout").SetKind(partnership.KindConventionCooperation).
			AddFrenchAuthorityIDs(f.marseille).AddPartnerAuthorities(la).ExecX(ctx)
		if changed, err := stage.Reload(ctx); err != nil || !changed {
			t.Fatalf("reload after a new partnership: %v, %v", changed, err)
		}
		res, _ = stage.TagText(ctx, title, "", "fr", "")
		found := false
		for _, m := range res.Mentions {
			found = found || m.AuthorityID == la.ID
		}
		if !found || !slices.Contains(res.Slugs(), "maroc") {
			t.Errorf("after reload: %+v", res)
		}
	})
}

// TestPreload: the tagger built in the background is the one the first Tag uses (no second
// build), and it knows the répertoire; after a preload that failed (its context canceled),
// Tag builds the tagger itself.
func TestPreload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		f := setup(t, db)
		stage := newStage(db)
		stage.Preload(ctx)
		res, err := stage.TagText(ctx, "Sfax : la commune de Sfax signe avec Marseille", "", "fr", "TN")
		if err != nil {
			t.Fatal(err)
		}
		built := stage.Holder().Load()
		if built == nil || !slices.Contains(res.Slugs(), "tunisie") {
			t.Fatalf("after preload: tagger %v, result %+v", built != nil, res)
		}
		found := false
		for _, m := range res.Mentions {
			found = found || m.AuthorityID == f.sfax
		}
		if !found {
			t.Errorf("the preloaded tagger does not know the répertoire: %+v", res.Mentions)
		}
		if _, err := stage.TagText(ctx, "Tunis", "", "fr", ""); err != nil || stage.Holder().Load() != built {
			t.Errorf("the tagger was built again (%v)", err)
		}

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		failed := newStage(db)
		failed.Preload(canceled)
		if _, err := failed.TagText(ctx, "Sfax", "", "fr", ""); err != nil || failed.Holder().Load() == nil {
			t.Errorf("after a failed preload, Tag did not build the tagger: %v", err)
		}
	})
}

// TestDeletedAuthority: an authority deleted after the tagger was built (the stage has
// not reloaded yet) is left out of the mentions; the feed's articles are stored and
// tagged all the same, not failed on the foreign key.
func TestDeletedAuthority(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		f := setup(t, db)
		stage := newStage(db)
		if err := stage.Load(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := stage.TagText(ctx, sfaxItem.title, sfaxItem.text, "fr", "TN")
		if err != nil {
			t.Fatal(err)
		}
		if mentions := stage.Mentions(res); !slices.ContainsFunc(mentions, func(m tagging.Mention) bool { return m.AuthorityID == f.sfax }) {
			t.Fatalf("the tagger does not know the authority: %+v", mentions)
		}
		db.Client.Partnership.Delete().ExecX(ctx)
		db.Client.LocalAuthority.DeleteOneID(f.sfax).ExecX(ctx)

		srv := &feedServer{}
		srv.set(sfaxItem, tripoliItem)
		hs := httptest.NewServer(srv)
		defer hs.Close()
		if _, err := worker.AddFeed(ctx, db.Client, hs.URL+"/feed", "", "TN", "fr"); err != nil {
			t.Fatal(err)
		}
		pass(t, db, stage)
		_, sfax := tagsOf(t, db.Client, "sfax")
		if !sfax.tagged || !slices.Equal(sfax.groups, []string{"tunisie"}) || slices.Contains(sfax.mentions, f.sfax) {
			t.Errorf("Sfax: %+v, want tagged tunisie without the deleted authority %d", sfax, f.sfax)
		}
		if len(sfax.mentions) == 0 {
			t.Errorf("Sfax: no mention left (the gouvernorat of Sfax is a partner-country unit): %+v", sfax)
		}
	})
}

// TestStaffRules: a rule staff store is evidence once the stage reloads (the change is
// seen without restarting), with the staff_rule method; disabling it takes it back; a
// stored rule the tagger cannot use (its group deleted since) is left out without
// stopping the others; CheckRule refuses what the tagger cannot use.
func TestStaffRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		setup(t, db)
		stage := newStage(db)
		if err := stage.Load(ctx); err != nil {
			t.Fatal(err)
		}
		const title, text = "Oued Ouchayah : les habitants réclament une station de dessalement", "Le quartier attend depuis dix ans."
		res, err := stage.TagText(ctx, title, text, "fr", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Groups) != 0 || slices.ContainsFunc(res.Topics, func(tp tag.TopicTag) bool { return tp.Slug == "economie" }) {
			t.Fatalf("before the rules: %+v", res)
		}
		maroc := db.Client.CountryGroup.Query().Where(countrygroup.Slug("maroc")).OnlyX(ctx)
		group := db.Client.TagRule.Create().SetPattern("Oued Ouchayah").SetGroupID(maroc.ID).SaveX(ctx)
		db.Client.TagRule.Create().SetPattern("dessalement*").SetTopic(tagrule.TopicEconomie).SaveX(ctx)
		if changed, err := stage.Reload(ctx); err != nil || !changed {
			t.Fatalf("reload after new rules: %v, %v", changed, err)
		}
		res, _ = stage.TagText(ctx, title, text, "fr", "")
		if len(res.Groups) != 1 || res.Groups[0].Slug != "maroc" || res.Groups[0].Method != tag.MethodStaffRule ||
			!slices.Contains(res.Groups[0].Evidence, "Oued Ouchayah") {
			t.Errorf("group by rule: %+v", res.Groups)
		}
		if !slices.ContainsFunc(res.Topics, func(tp tag.TopicTag) bool { return tp.Slug == "economie" }) {
			t.Errorf("topic by rule: %+v", res.Topics)
		}

		// Rules the tagger cannot use are left out; the others still apply: one whose
		// group was deleted since (the rule keeps neither group nor topic), one without
		// letters.
		extra := db.Client.CountryGroup.Create().SetSlug("sahel").SetName("Sahel").SaveX(ctx)
		orphan := db.Client.TagRule.Create().SetPattern("Sahel").SetGroupID(extra.ID).SaveX(ctx)
		db.Client.CountryGroup.DeleteOne(extra).ExecX(ctx)
		if r := db.Client.TagRule.GetX(ctx, orphan.ID); r.GroupID != nil {
			t.Fatalf("rule of a deleted group: group %d", *r.GroupID)
		}
		db.Client.TagRule.Create().SetPattern("***").SetTopic(tagrule.TopicSociete).SaveX(ctx) // no letters
		if changed, err := stage.Reload(ctx); err != nil || !changed {
			t.Fatalf("reload with unusable rules: %v, %v", changed, err)
		}
		res, _ = stage.TagText(ctx, title, text, "fr", "")
		if len(res.Groups) != 1 || res.Groups[0].Slug != "maroc" {
			t.Errorf("with unusable rules stored: %+v", res.Groups)
		}

		db.Client.TagRule.UpdateOne(group).SetEnabled(false).ExecX(ctx)
		if changed, err := stage.Reload(ctx); err != nil || !changed {
			t.Fatalf("reload after disabling: %v, %v", changed, err)
		}
		if res, _ = stage.TagText(ctx, title, text, "fr", ""); len(res.Groups) != 0 {
			t.Errorf("disabled rule still applies: %+v", res.Groups)
		}

		for _, r := range []tag.Rule{{Pattern: "x"}, {Pattern: "***", Group: "maroc"}, {Pattern: "Sahel", Group: "sahel"}, {Pattern: "x", Topic: "cuisine"}} {
			if err := tagging.CheckRule(r); !errors.Is(err, tagging.ErrBadRule) {
				t.Errorf("CheckRule(%+v) = %v, want ErrBadRule", r, err)
			}
		}
		if err := tagging.CheckRule(tag.Rule{Pattern: "Oued Ouchayah", Group: "maroc"}); err != nil {
			t.Errorf("CheckRule of a good rule: %v", err)
		}
	})
}

// TestRuleTopics: every topic of the database enum reaches the tagger's spelling.
func TestRuleTopics(t *testing.T) {
	for _, name := range schema.Topics {
		topic := tagrule.Topic(name)
		r := tagging.RuleOf(&ent.TagRule{Pattern: "dessalement", Topic: &topic})
		if err := tagging.CheckRule(r); err != nil {
			t.Errorf("topic %s: %v", name, err)
		}
	}
}
