package worker_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"coopdesk/ent/article"
	"coopdesk/ent/articlesource"
	"coopdesk/ent/feed"
	"coopdesk/internal/testdb"
	"coopdesk/worker"
)

const dispatch = `Le ministère de l’Intérieur a annoncé mardi le transfert de nouvelles compétences aux
conseils régionaux, dans le cadre de la régionalisation avancée. Les régions géreront désormais la
formation professionnelle, le transport interurbain et une partie des investissements dans l’eau
potable. Les présidents de région ont salué une avancée attendue depuis plusieurs années.`

func TestCrossFeedArticlesStoriesAndChanges(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		a := &servedFeed{body: []byte(rss(`<item><title>Même article</title><link>https://shared.test/a?utm_source=x</link><guid>a-1</guid></item>` +
			`<item><title>Régionalisation : nouvelles compétences pour les régions</title><link>https://outlet-a.test/dep</link><description><![CDATA[<p>` + dispatch + `</p>]]></description></item>`))}
		b := &servedFeed{body: []byte(rss(`<item><title>Même article (reprise)</title><link>https://shared.test/a#top</link><guid>b-1</guid></item>` +
			`<item><title>Les régions reçoivent de nouvelles compétences</title><link>https://outlet-b.test/dep</link><description><![CDATA[<p>(MAP) – ` + dispatch + ` Correspondance régionale.</p>]]></description></item>`))}
		mux := http.NewServeMux()
		mux.Handle("/a", a)
		mux.Handle("/b", b)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		idA, idB := addFeed(t, db, srv.URL+"/a"), addFeed(t, db, srv.URL+"/b")
		w := newWorker(t, db, nil)
		if _, err := w.Pass(ctx, worker.PassOptions{}); err != nil {
			t.Fatal(err)
		}
		shared := db.Client.Article.Query().Where(article.URL("https://shared.test/a")).WithSources().OnlyX(ctx)
		if len(shared.Edges.Sources) != 2 {
			t.Errorf("shared URL: %d sources, want 2 (one per feed)", len(shared.Edges.Sources))
		}
		if n := db.Client.Article.Query().CountX(ctx); n != 3 {
			t.Errorf("%d articles, want 3", n)
		}
		depA := db.Client.Article.Query().Where(article.URL("https://outlet-a.test/dep")).WithStory().OnlyX(ctx)
		depB := db.Client.Article.Query().Where(article.URL("https://outlet-b.test/dep")).WithStory().OnlyX(ctx)
		if depA.StoryID == nil || depB.StoryID == nil || *depA.StoryID != *depB.StoryID {
			t.Errorf("reprinted dispatch in two stories: %v, %v", depA.StoryID, depB.StoryID)
		} else if st := db.Client.Story.GetX(ctx, *depA.StoryID); st.Size != 2 {
			t.Errorf("story size %d, want 2", st.Size)
		}
		if *shared.StoryID == *depA.StoryID {
			t.Error("unrelated article joined the dispatch's story")
		}
		if n := db.Client.Story.Query().CountX(ctx); n != 2 {
			t.Errorf("%d stories, want 2", n)
		}

		// A changed item is rewritten once, by the feed that first carried it; the other
		// feed's copy does not overwrite it.
		owner, other := a, idB
		if shared.FeedID == idB {
			owner, other = b, idA
		}
		owner.set([]byte(strings.Replace(string(owner.body), "Même article", "Même article, corrigé", 1)))
		res, err := w.Pass(ctx, worker.PassOptions{All: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts.Updated != 1 || res.Counts.New != 0 || res.Counts.Unchanged != 1 || res.Counts.ArticleWrites != 1 {
			t.Errorf("after an edit: %+v", res.Counts)
		}
		if got := db.Client.Article.GetX(ctx, shared.ID).Title; !strings.Contains(got, "corrigé") {
			t.Errorf("edited title %q", got)
		}
		if n := db.Client.ArticleSource.Query().Where(articlesource.FeedID(other)).CountX(ctx); n != 2 {
			t.Errorf("other feed: %d sources", n)
		}
	})
}

// TestLeasesShareFeedsBetweenWorkers runs two workers of one process on one PostgreSQL:
// each due feed is fetched exactly once, a live lease is respected and an expired one is
// taken over.
func TestLeasesShareFeedsBetweenWorkers(t *testing.T) {
	db := testdb.Open(t, "postgres", testdb.Options{})
	ctx := t.Context()
	const n = 40
	var feeds []*servedFeed
	mux := http.NewServeMux()
	for i := range n {
		f := &servedFeed{body: newsFeed(fmt.Sprintf("site%d.test", i), 5)}
		feeds = append(feeds, f)
		mux.Handle(fmt.Sprintf("/f%d", i), f)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ids := make([]int, n)
	for i := range n {
		ids[i] = addFeed(t, db, fmt.Sprintf("%s/f%d", srv.URL, i))
	}
	// Feed 0 is leased by a live worker, feed 1 by a dead one.
	db.Client.Feed.UpdateOneID(ids[0]).SetLeaseOwner("alive").SetLeaseExpiresAt(time.Now().Add(time.Hour)).ExecX(ctx)
	db.Client.Feed.UpdateOneID(ids[1]).SetLeaseOwner("dead").SetLeaseExpiresAt(time.Now().Add(-time.Second)).ExecX(ctx)

	w1 := newWorker(t, db, func(c *worker.Config) { c.Concurrency = 3 })
	w2 := newWorker(t, db, func(c *worker.Config) { c.Concurrency = 3 })
	var wg sync.WaitGroup
	results := make([]worker.PassResult, 2)
	for i, w := range []*worker.Worker{w1, w2} {
		wg.Go(func() {
			r, err := w.Pass(ctx, worker.PassOptions{})
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		})
	}
	wg.Wait()
	if got := results[0].Feeds + results[1].Feeds; got != n-1 {
		t.Errorf("the two workers processed %d feeds, want %d", got, n-1)
	}
	if results[0].Feeds == 0 || results[1].Feeds == 0 {
		t.Logf("one worker took every feed: %d / %d", results[0].Feeds, results[1].Feeds)
	}
	for i, f := range feeds {
		want := 1
		if i == 0 {
			want = 0
		}
		if got := f.count(); got != want {
			t.Errorf("feed %d fetched %d times, want %d", i, got, want)
		}
	}
	if f := db.Client.Feed.GetX(ctx, ids[1]); f.LeaseOwner != nil || f.LastStatus != "ok" {
		t.Errorf("expired lease not taken over: owner %v, status %q", f.LeaseOwner, f.LastStatus)
	}
	if n := db.Client.Feed.Query().Where(feed.LeaseOwnerNotNil()).CountX(ctx); n != 1 {
		t.Errorf("%d leases left, want 1 (the live one)", n)
	}
	// A feed leased by a live worker cannot be refreshed meanwhile.
	if _, err := w1.RefreshFeed(ctx, ids[0]); err == nil || !strings.Contains(err.Error(), "being fetched") {
		t.Errorf("refresh of a leased feed: %v", err)
	}
	// Nothing is due any more: a new pass fetches nothing.
	if r, err := w2.Pass(ctx, worker.PassOptions{}); err != nil || r.Feeds != 0 {
		t.Errorf("second pass: %d feeds, %v", r.Feeds, err)
	}
}
