package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"coopdesk/ent/article"
	"coopdesk/ent/story"
	"coopdesk/internal/testdb"
	"coopdesk/worker/normalize"
)

// TestConcurrentWriters stores many feeds at once with two writers (PostgreSQL's default;
// forced on SQLite, where they take turns): reprints of one dispatch in different feeds,
// stored by different transactions at the same moment, join one story; a URL carried by
// several feeds is one article; every story's size is its number of articles (1 for an
// empty story: created for an article that existed); and those empty stories are swept
// once old enough.
func TestConcurrentWriters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
		var clockMu sync.Mutex
		clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
		s := New(db.SQL, db.Dialect, Options{Writers: 2, Now: clock})
		at := now.Add(-time.Hour)

		// dispatch i as reprinted by feed f: the same text with a different last sentence.
		dispatch := func(i, f int) Item {
			var w strings.Builder
			for k := range 40 {
				fmt.Fprintf(&w, "mot%d_%d ", i, k)
			}
			text := w.String() + fmt.Sprintf("repris par le journal %d.", f)
			sig, sh := normalize.Signature(text)
			u := fmt.Sprintf("https://journal%d.test/depeche-%d", f, i)
			return Item{Link: u, Article: normalize.Article{Key: u, URL: u, Title: fmt.Sprintf("Dépêche %d", i), Text: text,
				ContentHash: fmt.Sprintf("%d-%d", i, f), PublishedAt: at, Signature: sig, Shingles: sh}}
		}
		const feeds, dispatches = 16, 12
		plans := make([]*Plan, feeds)
		fus := make([]FeedUpdate, feeds)
		for f := range feeds {
			fd := db.Client.Feed.Create().SetURL(fmt.Sprintf("https://journal%d.test/feed", f)).SetLeaseOwner("me").
				SetLeaseExpiresAt(time.Now().Add(time.Hour)).SaveX(ctx)
			p := &Plan{FeedID: fd.ID, Language: "fr", FetchedAt: at}
			for i := range dispatches {
				p.New = append(p.New, dispatch(i, f))
			}
			// Every feed also carries the same two wire links: one article each.
			for _, u := range []string{"https://agence.test/a", "https://agence.test/b"} {
				p.New = append(p.New, Item{Link: u, Article: normalize.Article{Key: u + fmt.Sprint(f), URL: u, Title: "Fil", Text: "court",
					ContentHash: u, PublishedAt: at}})
			}
			plans[f] = p
			fus[f] = FeedUpdate{ID: fd.ID, Owner: "me", Status: "ok", FetchedAt: at, NextFetchAt: at.Add(time.Hour)}
		}
		var wg sync.WaitGroup
		errs := make([]error, feeds)
		for f := range feeds {
			wg.Go(func() { _, errs[f] = s.Save(ctx, plans[f], fus[f], nil) })
		}
		wg.Wait()
		for f, err := range errs {
			if err != nil {
				t.Fatalf("feed %d: %v", f, err)
			}
		}

		if n := db.Client.Article.Query().CountX(ctx); n != feeds*dispatches+2 {
			t.Errorf("%d articles, want %d", n, feeds*dispatches+2)
		}
		if n := db.Client.ArticleSource.Query().CountX(ctx); n != feeds*(dispatches+2) {
			t.Errorf("%d sources, want %d", n, feeds*(dispatches+2))
		}
		for i := range dispatches {
			arts := db.Client.Article.Query().Where(article.TitleEQ(fmt.Sprintf("Dépêche %d", i))).AllX(ctx)
			stories := map[int]bool{}
			for _, a := range arts {
				stories[*a.StoryID] = true
			}
			if len(arts) != feeds || len(stories) != 1 {
				t.Errorf("dispatch %d: %d articles in %d stories, want %d in 1", i, len(arts), len(stories), feeds)
			}
		}
		checkSizes := func() (empty int) {
			for _, st := range db.Client.Story.Query().AllX(ctx) {
				n := db.Client.Article.Query().Where(article.StoryIDEQ(st.ID)).CountX(ctx)
				if st.Size != n && (st.Size != 1 || n != 0) {
					t.Errorf("story %d: size %d, %d articles", st.ID, st.Size, n)
				}
				if n == 0 {
					empty++
				}
			}
			return empty
		}
		// The wire links are candidates in every group that carries them: the stories
		// made in the groups that found the article stored were deleted after commit.
		if empty := checkSizes(); empty != 0 {
			t.Errorf("%d empty stories after the pass", empty)
		}
		if n := db.Client.Story.Query().CountX(ctx); n != dispatches+2 {
			t.Errorf("%d stories, want %d", n, dispatches+2)
		}

		// Stories a crash left without article are swept once an hour old, not before.
		crashed := db.Client.Story.Create().SetSignature(1).SetFirstSeenAt(now.Add(-time.Minute)).SetSize(1).SaveX(ctx)
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !db.Client.Story.Query().Where(story.ID(crashed.ID)).ExistX(ctx) {
			t.Error("a recent empty story was swept")
		}
		clockMu.Lock()
		now = now.Add(2 * storySweepDelay)
		clockMu.Unlock()
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if db.Client.Story.Query().Where(story.ID(crashed.ID)).ExistX(ctx) {
			t.Error("an hour-old empty story was not swept")
		}
		if empty := checkSizes(); empty != 0 {
			t.Errorf("%d empty stories left after the sweep", empty)
		}
	})
}

// TestStoryOfExistingArticle: a feed carrying an article already stored (same URL, its own
// longer wording) makes a candidate story that is dropped; a later reprint worded like
// that feed makes its own story instead of joining the dropped one (which would fail its
// foreign key, and the whole batch, at every retry); and a batch that fails leaves no
// story behind.
func TestStoryOfExistingArticle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		at := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
		s := New(db.SQL, db.Dialect, Options{Now: func() time.Time { return at }})
		var w strings.Builder
		for k := range 40 {
			fmt.Fprintf(&w, "mot%d ", k)
		}
		first, second := "Dépêche courte.", w.String()+"selon notre correspondant à Rabat."
		item := func(u, text string) Item {
			sig, sh := normalize.Signature(text)
			return Item{Link: u, Article: normalize.Article{Key: u, URL: u, Title: "Dépêche", Text: text, ContentHash: text,
				PublishedAt: at, Signature: sig, Shingles: sh}}
		}
		save := func(name string, tagging Tagging, items ...Item) error {
			fd := db.Client.Feed.Create().SetURL("https://" + name + ".test/feed").SetLeaseOwner("me").
				SetLeaseExpiresAt(time.Now().Add(time.Hour)).SaveX(ctx)
			_, err := s.Save(ctx, &Plan{FeedID: fd.ID, Language: "fr", FetchedAt: at, New: items},
				FeedUpdate{ID: fd.ID, Owner: "me", Status: "ok", FetchedAt: at, NextFetchAt: at.Add(time.Hour)}, tagging)
			return err
		}
		if err := save("a", nil, item("https://agence.test/d", first)); err != nil {
			t.Fatal(err)
		}
		if err := save("b", nil, item("https://agence.test/d", second)); err != nil {
			t.Fatal(err)
		}
		if err := save("c", nil, item("https://c.test/d", second)); err != nil {
			t.Fatalf("a reprint after a known article: %v", err)
		}
		sts := db.Client.Story.Query().AllX(ctx)
		if len(sts) != 2 || sts[0].Size != 1 || sts[1].Size != 1 {
			t.Fatalf("stories: %+v, want two of size 1", sts)
		}
		if err := save("d", refusedTagging{}, item("https://d.test/x", "autre chose "+second), item("https://d.test/y", "rien à voir")); err == nil {
			t.Fatal("a refused batch was stored")
		}
		if n := db.Client.Story.Query().CountX(ctx); n != 2 {
			t.Errorf("a failed batch left %d stories, want none (2 in all)", n)
		}
	})
}

// TestStoriesAcrossProcesses: two stores on one database, as two worker processes, each
// with its own index and no refresh in between: a reprint stored by the second joins the
// story the first made a moment before; and a story the other process deleted (its batch
// failed) after this one loaded it costs one failed attempt, not the batch.
func TestStoriesAcrossProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		at := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
		one := New(db.SQL, db.Dialect, Options{Now: func() time.Time { return at }})
		two := New(db.SQL, db.Dialect, Options{Now: func() time.Time { return at }})
		for _, s := range []*Store{one, two} {
			if err := s.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
		text := func(n int, tail string) string {
			var w strings.Builder
			for k := range 40 {
				fmt.Fprintf(&w, "mot%d_%d ", n, k)
			}
			return w.String() + tail
		}
		item := func(u, text string) Item {
			sig, sh := normalize.Signature(text)
			return Item{Link: u, Article: normalize.Article{Key: u, URL: u, Title: "Dépêche", Text: text, ContentHash: text,
				PublishedAt: at, Signature: sig, Shingles: sh}}
		}
		save := func(s *Store, name string, items ...Item) error {
			fd := db.Client.Feed.Create().SetURL("https://" + name + ".test/feed").SetLeaseOwner("me").
				SetLeaseExpiresAt(time.Now().Add(time.Hour)).SaveX(ctx)
			_, err := s.Save(ctx, &Plan{FeedID: fd.ID, Language: "fr", FetchedAt: at, New: items},
				FeedUpdate{ID: fd.ID, Owner: "me", Status: "ok", FetchedAt: at, NextFetchAt: at.Add(time.Hour)}, nil)
			return err
		}
		if err := save(one, "a", item("https://a.test/1", text(1, "selon l'agence."))); err != nil {
			t.Fatal(err)
		}
		if err := save(two, "b", item("https://b.test/1", text(1, "selon notre correspondant."))); err != nil {
			t.Fatal(err)
		}
		a := db.Client.Article.Query().Where(article.URL("https://a.test/1")).OnlyX(ctx)
		b := db.Client.Article.Query().Where(article.URL("https://b.test/1")).OnlyX(ctx)
		if *a.StoryID != *b.StoryID {
			t.Fatalf("a reprint stored by another process made its own story (%d, %d)", *a.StoryID, *b.StoryID)
		}
		if st := db.Client.Story.GetX(ctx, *a.StoryID); st.Size != 2 {
			t.Errorf("story size %d, want 2", st.Size)
		}

		// A story loaded by two, then deleted by one (as after its batch failed).
		if err := save(one, "c", item("https://c.test/1", text(2, "selon l'agence."))); err != nil {
			t.Fatal(err)
		}
		if err := save(two, "d", item("https://d.test/0", "court")); err != nil { // two loads the story
			t.Fatal(err)
		}
		c := db.Client.Article.Query().Where(article.URL("https://c.test/1")).OnlyX(ctx)
		db.Client.Article.UpdateOne(c).ClearStory().ExecX(ctx)
		db.Client.Story.DeleteOneID(*c.StoryID).ExecX(ctx)
		if err := save(two, "e", item("https://e.test/1", text(2, "selon notre correspondant."))); err != nil {
			t.Fatalf("a reprint of a deleted story: %v", err)
		}
		e := db.Client.Article.Query().Where(article.URL("https://e.test/1")).OnlyX(ctx)
		if e.StoryID == nil || *e.StoryID == *c.StoryID {
			t.Errorf("the reprint's story: %v", e.StoryID)
		}
	})
}
