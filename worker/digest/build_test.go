package digest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"coopdesk/ent/partnership"
	"coopdesk/internal/testdb"
)

func titles(d *Digest) map[string][]string {
	out := map[string][]string{}
	for _, s := range d.Sections {
		for _, e := range s.Entries {
			out[s.Topic] = append(out[s.Topic], e.Title)
		}
	}
	return out
}

// seedNews stores the day's news of the build test and returns the partner authority.
func seedNews(f *fixture) {
	rabat := f.partnership("Rabat – Paris", "Rabat", "Paris", partnership.StatusActive)
	f.partnership("Rabat – Lyon (ancien)", "Rabat bis", "Lyon", partnership.StatusEnded)
	s := f.story(3)
	f.article(articleSpec{title: "Le conseil régional adopte son budget", feed: 0, story: s, topic: "politique",
		groups: map[string]float64{"maroc": 0.9}, summary: "Réuni en session,   le conseil a voté."})
	f.article(articleSpec{title: "Budget régional adopté (reprise)", feed: 1, story: s, topic: "politique",
		groups: map[string]float64{"maroc": 0.6}})
	f.article(articleSpec{title: "Budget : première dépêche", feed: 2, story: s,
		fetched: morning.Add(-48 * time.Hour)}) // before the window, untagged: still another source
	f.article(articleSpec{title: "Rabat signe un accord sur l’eau", feed: 1, topic: "economie",
		groups: map[string]float64{"maroc": 0.7}, authorities: []int{rabat}})
	f.article(articleSpec{title: "Vieille nouvelle republiée", feed: 0, topic: "politique",
		groups: map[string]float64{"maroc": 0.9}, published: morning.Add(-5 * 24 * time.Hour)})
	f.article(articleSpec{title: "Déjà vu hier", feed: 0, topic: "politique",
		groups: map[string]float64{"maroc": 0.9}, fetched: morning.Add(-30 * time.Hour)})
	f.article(articleSpec{title: "Tag retiré par l’équipe", feed: 0, topic: "politique", removedFrom: "maroc"})
	f.article(articleSpec{title: "Sfax : les municipales", feed: 2, topic: "politique",
		groups: map[string]float64{"tunisie": 0.8}})
	f.article(articleSpec{title: "Festival de Fès", feed: 2, groups: map[string]float64{"maroc": 0.55},
		published: morning.Add(-60 * time.Hour)})
	f.article(articleSpec{title: `<script>alert("x")</script> & <b>co</b>`, feed: 2, url: "javascript:alert(1)",
		groups: map[string]float64{"maroc": 0.6}, summary: `<img src="https://tracker.example/p.gif">`})
}

func TestDigestBuild(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		seedNews(f)
		opt := Options{Location: paris, Now: morning}
		d, err := Build(f.ctx, f.c, "maroc", day, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Until.Equal(morning) || !d.Since.Equal(morning.Add(-24*time.Hour)) {
			t.Errorf("window %s – %s, want the 24 hours before %s", d.Since, d.Until, morning)
		}
		got := titles(d)
		want := map[string][]string{
			"politique": {"Le conseil régional adopte son budget"},
			"economie":  {"Rabat signe un accord sur l’eau"},
			"":          {`<script>alert("x")</script> & <b>co</b>`, "Festival de Fès"},
		}
		if len(got) != len(want) {
			t.Fatalf("sections %v, want %v", got, want)
		}
		for topic, w := range want {
			if strings.Join(got[topic], "|") != strings.Join(w, "|") {
				t.Errorf("section %q: %q, want %q", topic, got[topic], w)
			}
		}
		if d.Articles != 5 {
			t.Errorf("%d articles in the window, want 5 (two of one story)", d.Articles)
		}
		if d.Sections[0].Topic != "politique" || d.Sections[len(d.Sections)-1].Topic != "" {
			t.Errorf("sections out of order: %v", d.Sections)
		}
		lead := d.Sections[0].Entries[0]
		if lead.StorySize != 3 || len(lead.OtherSources) != 2 || lead.OtherSources[0].Name != "TelQuel" && lead.OtherSources[1].Name != "TelQuel" {
			t.Errorf("story entry: size %d, other sources %v; want 3 and Hespress FR, TelQuel", lead.StorySize, lead.OtherSources)
		}
		if lead.Summary != "Réuni en session, le conseil a voté." {
			t.Errorf("summary %q", lead.Summary)
		}
		eau := d.Sections[1].Entries[0]
		if len(eau.Partnerships) != 1 || eau.Partnerships[0].Title != "Rabat – Paris" || len(eau.Authorities) != 1 {
			t.Errorf("partnerships %v, authorities %v: want the live Rabat – Paris only", eau.Partnerships, eau.Authorities)
		}

		r, err := Render(d, paris)
		if err != nil {
			t.Fatal(err)
		}
		if r.Subject != "Veille Maroc — jeudi 26 novembre 2026 (4 sujets)" {
			t.Errorf("subject %q", r.Subject)
		}
		for _, want := range []string{"Rabat – Paris (jumelage)", "Partenariats concernés", "Autres sources",
			"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;", "Économie", "Autres actualités",
			`href="https://outlet0.example/a/`, "repris par 3 sources", `lang="fr"`} {
			if !strings.Contains(r.HTML, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		for _, bad := range []string{"<script", "javascript:", "<img", "<style", "<link", "<b>co"} {
			if strings.Contains(r.HTML, bad) {
				t.Errorf("HTML contains %q", bad)
			}
		}
		for _, want := range []string{"POLITIQUE", "* Le conseil régional adopte son budget", "  https://outlet0.example/a/",
			">> Partenariats concernés : Rabat – Paris (jumelage)", "    - TelQuel : https://"} {
			if !strings.Contains(r.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, r.Text)
			}
		}
		for _, want := range []string{"# Veille Maroc — jeudi 26 novembre 2026", "## Économie",
			`\<script\>alert\(\"x\"\)\</script\> & \<b\>co\</b\>`, "[Le conseil régional adopte son budget](https://outlet0.example/a/"} {
			if !strings.Contains(strings.ReplaceAll(r.Markdown, `\"`, `"`), strings.ReplaceAll(want, `\"`, `"`)) {
				t.Errorf("markdown lacks %q:\n%s", want, r.Markdown)
			}
		}

		// Stored, then decoded: the same digest.
		row, frozen, err := Store(f.ctx, f.c, d, r)
		if err != nil || frozen {
			t.Fatalf("store: %v frozen=%v", err, frozen)
		}
		if row.ItemCount != 4 || row.HTML != r.HTML || !row.BuiltAt.Equal(morning) {
			t.Errorf("stored: %d items, built_at %s", row.ItemCount, row.BuiltAt)
		}
		back, err := Decode(row)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := Render(back, paris); b.HTML != r.HTML {
			t.Errorf("the decoded digest renders differently")
		}
		// Storing again updates the same row.
		row2, _, err := Store(f.ctx, f.c, d, r)
		if err != nil || row2.ID != row.ID {
			t.Fatalf("second store: %v (id %d, want %d)", err, row2.ID, row.ID)
		}

		// The next day starts where this one stopped.
		late := f.article(articleSpec{title: "Arrivé à midi", feed: 0, groups: map[string]float64{"maroc": 0.8},
			fetched: morning.Add(5 * time.Hour)})
		next, err := Build(f.ctx, f.c, "maroc", "2026-11-27", Options{Location: paris, Now: morning.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if !next.Since.Equal(morning) || next.Articles != 1 || next.Sections[0].Entries[0].ArticleID != late.ID {
			t.Errorf("next digest: since %s, %d articles", next.Since, next.Articles)
		}
		// The preview is tomorrow's digest so far, not stored.
		preview, pr, err := Preview(f.ctx, f.c, "maroc", Options{Location: paris, Now: morning.Add(6 * time.Hour)})
		if err != nil || preview.Date != "2026-11-27" || preview.Articles != 1 || !strings.Contains(pr.HTML, "Arrivé à midi") {
			t.Errorf("preview: %v, %+v", err, preview)
		}
		if n, _ := f.c.Digest.Query().Count(f.ctx); n != 1 {
			t.Errorf("%d digests stored after a preview, want 1", n)
		}
	})
}

func TestDigestNothingNewAndBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		d, err := Build(f.ctx, f.c, "liban", day, Options{Location: paris, Now: morning})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Render(d, paris)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Empty() || !strings.Contains(r.HTML, "Rien de nouveau") || !strings.Contains(r.Text, "Rien de nouveau") ||
			r.Subject != "Veille Liban — jeudi 26 novembre 2026 : rien de nouveau" {
			t.Errorf("empty digest: %q\n%s", r.Subject, r.Text)
		}
		if _, err := Build(f.ctx, f.c, "atlantide", day, Options{}); !errors.Is(err, ErrUnknownGroup) ||
			!strings.Contains(err.Error(), "algerie, liban, maroc, tunisie") {
			t.Errorf("unknown group: %v", err)
		}
		for _, bad := range []string{"26/11/2026", "2026-02-30", "", "2026-11-26T07:00"} {
			if _, err := Build(f.ctx, f.c, "maroc", bad, Options{}); !errors.Is(err, ErrBadDate) {
				t.Errorf("date %q: %v", bad, err)
			}
		}
	})
}

// The statements of a build do not grow with its articles.
func TestDigestBuildStatements(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		rabat := f.partnership("Rabat – Paris", "Rabat", "Paris", partnership.StatusActive)
		awa := f.subscriber("Awa", "awa@example.org", nil, "maroc")
		f.must(nil, f.c.SavedSearch.Create().SetName("budget").SetQuery("budget").SetUserID(awa.ID).Exec(f.ctx))
		add := func(n int) {
			for i := range n {
				var s = f.story(2)
				f.article(articleSpec{title: "budget " + string(rune('a'+i%26)), feed: i % 3, story: s, topic: Topics[i%6].Slug,
					groups: map[string]float64{"maroc": 0.7}, authorities: []int{rabat}})
				f.article(articleSpec{title: "reprise", feed: (i + 1) % 3, story: s})
			}
		}
		count := func() int64 {
			db.Statements.Store(0)
			if _, err := Build(f.ctx, f.c, "maroc", day, Options{Location: paris, Now: morning, SavedSearches: titleRunner{f.c}}); err != nil {
				t.Fatal(err)
			}
			return db.Statements.Load()
		}
		add(5)
		few := count()
		add(40)
		many := count()
		// 18 for the build (one per table read, eager loading included), and the test
		// runner's two for its one saved search.
		if few != many || many > 20 {
			t.Errorf("statements: %d for 5 stories, %d for 45; want the same, at most 20", few, many)
		}
	})
}

func TestDigestSavedSearchesAndViews(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		awa := f.subscriber("Awa", "awa@example.org", []string{"economie"}, "maroc")
		ben := f.subscriber("Ben", "ben@example.org", nil, "maroc", "tunisie")
		f.must(nil, f.c.SavedSearch.Create().SetName("Eau potable").SetQuery("eau").SetUserID(awa.ID).Exec(f.ctx))
		f.must(nil, f.c.SavedSearch.Create().SetName("Rien").SetQuery("zzz").SetUserID(ben.ID).Exec(f.ctx))
		f.article(articleSpec{title: "Accord sur l’eau à Rabat", feed: 0, topic: "politique", groups: map[string]float64{"maroc": 0.9}})
		f.article(articleSpec{title: "Le port de Tanger", feed: 1, topic: "economie", groups: map[string]float64{"maroc": 0.8}})
		d, err := Build(f.ctx, f.c, "maroc", day, Options{Location: paris, Now: morning, SavedSearches: titleRunner{f.c}})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.SavedSearches) != 1 || d.SavedSearches[0].Name != "Eau potable" || d.SavedSearches[0].Owner != "Awa" ||
			len(d.SavedSearches[0].Entries) != 1 {
			t.Fatalf("saved searches: %+v", d.SavedSearches)
		}
		web, _ := Render(d.For(View{AllSavedSearches: true}), paris)
		if !strings.Contains(web.HTML, "Recherches enregistrées") || !strings.Contains(web.HTML, "« Eau potable »") {
			t.Error("the web digest lacks the saved-search section")
		}
		forAwa := d.For(View{Topics: []string{"economie"}, UserID: awa.ID})
		if len(forAwa.Sections) != 1 || forAwa.Sections[0].Topic != "economie" || len(forAwa.SavedSearches) != 1 {
			t.Errorf("Awa's view: %v", titles(forAwa))
		}
		forBen := d.For(View{UserID: ben.ID})
		if len(forBen.Sections) != 2 || len(forBen.SavedSearches) != 0 {
			t.Errorf("Ben's view: %v, %d saved searches", titles(forBen), len(forBen.SavedSearches))
		}
		if r, _ := Render(forBen, paris); strings.Contains(r.HTML, "Eau potable") {
			t.Error("Ben sees Awa's saved search")
		}
		if recips, err := Subscribers(f.ctx, f.c, f.groups["maroc"].ID); err != nil || len(recips) != 2 ||
			recips[0].Address != "awa@example.org" || recips[0].Topics[0] != "economie" {
			t.Errorf("subscribers: %v %v", recips, err)
		}
	})
}
