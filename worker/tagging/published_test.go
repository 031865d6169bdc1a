package tagging_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"coopdesk/internal/testdb"
	"coopdesk/worker"
	"coopdesk/worker/tagging"
)

// checkPublishedCopies fails unless every group tag and mention carries its article's
// published_at, and returns the number of rows checked.
func checkPublishedCopies(t *testing.T, db *testdb.DB, when string) int {
	t.Helper()
	ctx := t.Context()
	n := 0
	groups := db.Client.ArticleGroupTag.Query().WithArticle().AllX(ctx)
	for _, g := range groups {
		if g.PublishedAt == nil || !g.PublishedAt.Equal(g.Edges.Article.PublishedAt) {
			t.Errorf("%s: group tag %d (article %d, %s): published_at %v, article's %v", when, g.ID, g.ArticleID, g.Method, g.PublishedAt, g.Edges.Article.PublishedAt)
		}
		n++
	}
	mentions := db.Client.ArticleMention.Query().WithArticle().AllX(ctx)
	for _, m := range mentions {
		if m.PublishedAt == nil || !m.PublishedAt.Equal(m.Edges.Article.PublishedAt) {
			t.Errorf("%s: mention %d (article %d, %s): published_at %v, article's %v", when, m.ID, m.ArticleID, m.Method, m.PublishedAt, m.Edges.Article.PublishedAt)
		}
		n++
	}
	return n
}

// TestTagRowsCopyPublishedAt checks that every writer of group tags and mentions (the
// pipeline, staff corrections, a rewritten article, --retag) copies the article's
// published_at onto them, and that the copies follow the article's date.
func TestTagRowsCopyPublishedAt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		f := setup(t, db)
		srv := &feedServer{}
		srv.set(sfaxItem, tripoliItem)
		hs := httptest.NewServer(srv)
		defer hs.Close()
		if _, err := worker.AddFeed(ctx, db.Client, hs.URL+"/feed", "", "TN", "fr"); err != nil {
			t.Fatal(err)
		}
		stage := newStage(db)
		pass(t, db, stage)
		if n := checkPublishedCopies(t, db, "after the pipeline"); n < 2 {
			t.Fatalf("%d tag rows after the pipeline, want the Sfax group tag and mention", n)
		}

		sfaxID, _ := tagsOf(t, db.Client, "sfax")
		tripoliID, _ := tagsOf(t, db.Client, "tripoli")
		for _, c := range []struct {
			untag   bool
			article int
			kind    tagging.Kind
			value   string
		}{
			{true, sfaxID, tagging.KindGroup, "tunisie"},
			{false, tripoliID, tagging.KindGroup, "liban"},
			{false, tripoliID, tagging.KindAuthority, fmt.Sprint(f.marseille)},
			{true, tripoliID, tagging.KindAuthority, fmt.Sprint(f.sfax)},
		} {
			correct := tagging.TagArticle
			if c.untag {
				correct = tagging.UntagArticle
			}
			if err := correct(ctx, db.Client, c.article, c.kind, c.value, 0); err != nil {
				t.Fatal(err)
			}
		}
		checkPublishedCopies(t, db, "after staff corrections")

		// The feed rewrites the Sfax article: its automatic tags are written again.
		s2 := sfaxItem
		s2.text += " Le maire a salué le soutien de la ville de Marseille."
		srv.set(s2, tripoliItem)
		pass(t, db, stage)
		checkPublishedCopies(t, db, "after a rewrite")

		// The articles' dates move (a correction of the date): a re-tag brings every copy
		// in line, the staff corrections' too.
		moved := time.Date(2026, 2, 1, 12, 30, 0, 0, time.UTC)
		db.Client.Article.UpdateOneID(sfaxID).SetPublishedAt(moved).ExecX(ctx)
		db.Client.Article.UpdateOneID(tripoliID).SetPublishedAt(moved.Add(time.Hour)).ExecX(ctx)
		if _, err := stage.Retag(ctx, tagging.RetagOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := checkPublishedCopies(t, db, "after --retag"); n < 5 {
			t.Errorf("%d tag rows after --retag, want at least the 4 corrections and the Sfax mention", n)
		}
	})
}
