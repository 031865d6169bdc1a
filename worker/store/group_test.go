package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/article"
	"coopdesk/ent/articlesource"
	"coopdesk/internal/testdb"
	"coopdesk/worker/normalize"
)

// refusedTagging fails its Save, as a batch the database refuses would.
type refusedTagging struct{}

func (refusedTagging) Save(context.Context, *ent.Client, []TaggedArticle) error {
	return errors.New("tags refused")
}

// recordedTagging records what Save is given.
type recordedTagging struct {
	mu  *sync.Mutex
	got *[]TaggedArticle
}

func (r recordedTagging) Save(_ context.Context, _ *ent.Client, articles []TaggedArticle) error {
	r.mu.Lock()
	*r.got = append(*r.got, articles...)
	r.mu.Unlock()
	return nil
}

func testItems(site string, n int, at time.Time) []Item {
	out := make([]Item, n)
	for i := range out {
		u := fmt.Sprintf("https://%s/%d", site, i)
		out[i] = Item{Link: u, Article: normalize.Article{Key: u, URL: u, Title: fmt.Sprintf("%s %d", site, i),
			Text: "texte", ContentHash: fmt.Sprintf("%s-%d", site, i), PublishedAt: at}}
	}
	return out
}

type saved struct {
	counts Counts
	err    error
}

// groupRun saves the batches of feeds together: the first alone (while the test holds
// the store's lock of new articles, so that the others queue up), then the others in one
// group. It returns each Save's result and the sizes of the groups taken.
func groupRun(t *testing.T, s *Store, plans []*Plan, fus []FeedUpdate, taggings []Tagging) ([]saved, []int) {
	t.Helper()
	var (
		mu    sync.Mutex
		sizes []int
	)
	queued, took := make(chan int, len(plans)), make(chan int, len(plans))
	s.group.queued = func(n int) { queued <- n }
	s.group.took = func(n int) {
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
		took <- n
	}
	defer func() { s.group.queued, s.group.took = nil, nil }()
	out := make([]saved, len(plans))
	var wg sync.WaitGroup
	save := func(i int) {
		wg.Go(func() {
			c, err := s.Save(t.Context(), plans[i], fus[i], taggings[i])
			out[i] = saved{c, err}
		})
	}
	s.newMu.Lock()
	save(0)
	<-queued
	<-took // the first batch is taken alone, and waits for the lock
	for i := 1; i < len(plans); i++ {
		save(i)
	}
	for n := 0; n < len(plans)-1; n = <-queued {
	}
	s.newMu.Unlock()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return out, sizes
}

// TestGroupCommit: batches of several feeds written in one transaction each get their own
// outcome; a batch that fails the group's transaction fails alone, the others being
// written again on their own; a feed whose lease passed on gets ErrLeaseLost, its items
// committed; two feeds of a group carrying one URL make one article with two sources.
func TestGroupCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		// One writer: the test queues batches behind the first one to form its groups.
		s := New(db.SQL, db.Dialect, Options{Writers: 1})
		at := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
		newFeeds := func(names ...string) ([]*Plan, []FeedUpdate, []Tagging) {
			var (
				plans    []*Plan
				fus      []FeedUpdate
				taggings []Tagging
			)
			for _, name := range names {
				f := db.Client.Feed.Create().SetURL("https://" + name + ".test/feed").SetLeaseOwner("me").
					SetLeaseExpiresAt(time.Now().Add(time.Hour)).SaveX(ctx)
				plans = append(plans, &Plan{FeedID: f.ID, Language: "fr", FetchedAt: at, New: testItems(name+".test", 3, at)})
				fus = append(fus, FeedUpdate{ID: f.ID, Owner: "me", Status: "ok", FetchedAt: at, NextFetchAt: at.Add(time.Hour),
					SetValidators: true, ETag: `"` + name + `"`, Title: "Journal " + name, Language: "fr-FR"})
				taggings = append(taggings, nil)
			}
			return plans, fus, taggings
		}

		// A batch that fails in a group of four.
		plans, fus, taggings := newFeeds("a", "b", "c", "d", "e")
		taggings[3] = refusedTagging{}
		out, sizes := groupRun(t, s, plans, fus, taggings)
		if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != 4 {
			t.Errorf("groups of %v, want [1 4]", sizes)
		}
		for i, o := range out {
			f := db.Client.Feed.GetX(ctx, fus[i].ID)
			n := db.Client.ArticleSource.Query().Where(articlesource.FeedID(fus[i].ID)).CountX(ctx)
			if i == 3 {
				if o.err == nil || f.LeaseOwner == nil || f.LastStatus != "" || n != 0 {
					t.Errorf("refused batch: %v, lease %v, status %q, %d sources; want an error, nothing written", o.err, f.LeaseOwner, f.LastStatus, n)
				}
				continue
			}
			if o.err != nil || o.counts.New != 3 || o.counts.ArticlesCreated != 3 {
				t.Errorf("feed %d: %+v, %v; want 3 new articles", i, o.counts, o.err)
			}
			if f.LeaseOwner != nil || f.LastStatus != "ok" || f.Etag != fus[i].ETag || f.Title != fus[i].Title || f.Language != "fr" || n != 3 {
				t.Errorf("feed %d: lease %v, status %q, etag %q, title %q, language %q, %d sources", i, f.LeaseOwner, f.LastStatus, f.Etag, f.Title, f.Language, n)
			}
		}

		// A group whose feeds share a URL, one of them having lost its lease.
		plans, fus, taggings = newFeeds("f", "g", "h")
		shared := testItems("shared.test", 1, at)[0]
		plans[1].New = append(plans[1].New, shared)
		plans[2].New = append(plans[2].New, shared)
		db.Client.Feed.UpdateOneID(fus[2].ID).SetLeaseOwner("other").ExecX(ctx)
		var (
			recMu sync.Mutex
			rec   []TaggedArticle
		)
		for i := range taggings {
			taggings[i] = recordedTagging{&recMu, &rec}
		}
		out, sizes = groupRun(t, s, plans, fus, taggings)
		if len(sizes) != 2 || sizes[1] != 2 {
			t.Errorf("groups of %v, want [1 2]", sizes)
		}
		created := 0
		for i, o := range out {
			created += o.counts.ArticlesCreated
			f := db.Client.Feed.GetX(ctx, fus[i].ID)
			n := db.Client.ArticleSource.Query().Where(articlesource.FeedID(fus[i].ID)).CountX(ctx)
			if n != len(plans[i].New) || o.counts.New != len(plans[i].New) {
				t.Errorf("feed %d: %d sources, counts %+v; want %d", i, n, o.counts, len(plans[i].New))
			}
			if i == 2 {
				if !errors.Is(o.err, ErrLeaseLost) || f.LeaseOwner == nil || *f.LeaseOwner != "other" || f.LastStatus != "" {
					t.Errorf("feed leased by another worker: %v, lease %v, status %q; want ErrLeaseLost, the status untouched", o.err, f.LeaseOwner, f.LastStatus)
				}
				continue
			}
			if o.err != nil || f.LeaseOwner != nil || f.LastStatus != "ok" || f.Etag != fus[i].ETag || f.Title != fus[i].Title {
				t.Errorf("feed %d: %v, lease %v, status %q, etag %q, title %q", i, o.err, f.LeaseOwner, f.LastStatus, f.Etag, f.Title)
			}
		}
		if created != 3+4+4-1 {
			t.Errorf("%d articles created, want 10 (the shared URL once)", created)
		}
		a := db.Client.Article.Query().Where(article.URL(shared.URL)).WithSources().OnlyX(ctx)
		if len(a.Edges.Sources) != 2 {
			t.Errorf("shared URL: %d sources, want 2", len(a.Edges.Sources))
		}
		// Tagging.Save is told which items inserted their article (inserted tagged: its
		// tags are written in the same transaction); the shared URL was inserted once.
		inserted := map[int]int{}
		for _, r := range rec {
			if r.Inserted {
				inserted[r.ID]++
				if !r.PublishedAt.Equal(at) {
					t.Errorf("article %d: PublishedAt %v, want %v", r.ID, r.PublishedAt, at)
				}
			}
		}
		if len(rec) != 11 || len(inserted) != 10 || inserted[a.ID] != 1 {
			t.Errorf("tagging saw %d items, %d inserted articles (the shared one %d times); want 11, 10, 1", len(rec), len(inserted), inserted[a.ID])
		}
		if n := db.Client.Article.Query().Where(article.TaggedAtIsNil()).CountX(ctx); n != 12 {
			t.Errorf("%d articles without tagged_at, want the 12 of the untagged batches", n)
		}
	})
}
