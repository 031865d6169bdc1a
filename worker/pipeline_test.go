package worker_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopdesk/ent/article"
	"coopdesk/ent/articlesource"
	"coopdesk/internal/testdb"
	"coopdesk/worker"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("parse", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rss(items string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><link>https://site.test/</link>` + items + `</channel></rss>`
}

// articleRows returns every article's url, content hash and, on PostgreSQL, its row
// version (xmin), which changes with any write to the row.
func articleRows(t *testing.T, db *testdb.DB) map[string]string {
	t.Helper()
	q := `SELECT url, content_hash, '' FROM articles`
	if db.Dialect == "postgres" {
		q = `SELECT url, content_hash, xmin::text FROM articles`
	}
	rows, err := db.SQL.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var u, h, x string
		if err := rows.Scan(&u, &h, &x); err != nil {
			t.Fatal(err)
		}
		out[u] = h + "/" + x
	}
	return out
}

func TestPassEndToEndWithHostileFeeds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(make([]byte, 8<<20))
		zw.Close()
		bomb := gz.Bytes()
		var tenThousand strings.Builder
		for i := range 10000 {
			fmt.Fprintf(&tenThousand, `<item><title>Dépêche %d</title><link>https://big.test/%d</link><guid>big-%d</guid></item>`, i, i, i)
		}

		mux := http.NewServeMux()
		healthy := map[string]*servedFeed{
			"/wordpress": {body: fixture(t, "wordpress.xml")},
			"/spip":      {body: fixture(t, "spip.xml")},
			"/atom":      {body: fixture(t, "atom.xml"), ctype: "application/atom+xml"},
			"/arabic":    {body: fixture(t, "arabic-windows-1256.xml"), ctype: "text/xml"},
			"/latin1-declared-utf8": {body: []byte(strings.Replace(string(fixture(t, "latin1.xml")), "ISO-8859-1", "UTF-8", 1)),
				ctype: "application/rss+xml; charset=utf-8"},
			"/empty":        {body: []byte(rss(""))},
			"/dates":        {body: []byte(rss(`<item><title>a</title><link>https://site.test/a</link><pubDate>demain</pubDate></item><item><title>b</title><link>https://site.test/b</link><pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate></item>`))},
			"/duplicates":   {body: []byte(rss(`<item><title>v1</title><guid>g</guid></item><item><title>v2</title><guid>g</guid></item><item><title>autre</title><guid>h</guid></item>`))},
			"/ten-thousand": {body: []byte(rss(tenThousand.String()))},
		}
		for path, f := range healthy {
			mux.Handle(path, f)
		}
		mux.HandleFunc("/404", http.NotFound)
		mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) })
		mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7200")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		mux.HandleFunc("/challenge", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`<html><head><title>Just a moment...</title></head><body><script src="/cdn-cgi/challenge-platform/x"></script></body></html>`))
		})
		mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<!DOCTYPE html><html><head><title>Accueil</title></head><body></body></html>`))
		})
		wp := fixture(t, "wordpress.xml")
		mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) { w.Write(wp[:len(wp)/2]) })
		mux.HandleFunc("/drip", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				if _, err := w.Write([]byte("<")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-tick.C:
				}
			}
		})
		mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("<item/>"), 4096)
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		})
		mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
		mux.HandleFunc("/private", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		})
		srv := httptest.NewServer(mux)
		defer srv.Close()

		want := map[string]string{
			"/wordpress": "ok", "/spip": "ok", "/atom": "ok", "/arabic": "ok", "/latin1-declared-utf8": "ok",
			"/empty": "empty", "/dates": "ok", "/duplicates": "ok", "/ten-thousand": "ok",
			"/404": "http_status", "/500": "http_status", "/429": "http_status", "/challenge": "bot_challenge",
			"/html": "not_a_feed", "/truncated": "malformed", "/drip": "timeout", "/endless": "too_large",
			"/bomb": "too_large", "/loop": "too_many_redirects", "/private": "blocked_address",
		}
		ids := map[string]int{}
		for path := range want {
			ids[path] = addFeed(t, db, srv.URL+path)
		}
		w := newWorker(t, db, nil)
		start := time.Now()
		res, err := w.Pass(ctx, worker.PassOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Feeds != len(want) {
			t.Errorf("pass processed %d feeds, want %d", res.Feeds, len(want))
		}
		check := func(pass int) {
			t.Helper()
			for path, status := range want {
				f := db.Client.Feed.GetX(ctx, ids[path])
				if pass == 2 && (status == "ok" || status == "empty") {
					status = "not_modified"
				}
				if f.LastStatus != status {
					t.Errorf("pass %d %s: status %q (%v), want %q", pass, path, f.LastStatus, f.LastError, status)
				}
				failing := !strings.Contains("ok empty not_modified", f.LastStatus)
				switch {
				case failing && (f.LastError == nil || *f.LastError == "" || f.ConsecutiveErrors != pass):
					t.Errorf("pass %d %s: failing feed without error or count: %v, %d", pass, path, f.LastError, f.ConsecutiveErrors)
				case !failing && (f.LastError != nil || f.ConsecutiveErrors != 0):
					t.Errorf("pass %d %s: healthy feed with error %v", pass, path, *f.LastError)
				}
				if f.NextFetchAt == nil || !f.NextFetchAt.After(start) || f.LeaseOwner != nil || f.LastFetchedAt == nil {
					t.Errorf("pass %d %s: next %v, lease %v, fetched %v", pass, path, f.NextFetchAt, f.LeaseOwner, f.LastFetchedAt)
				}
			}
		}
		check(1)

		perFeed := func(path string) int {
			return db.Client.ArticleSource.Query().Where(articlesource.FeedID(ids[path])).CountX(ctx)
		}
		for path, n := range map[string]int{"/wordpress": 3, "/spip": 2, "/atom": 2, "/arabic": 2, "/latin1-declared-utf8": 1,
			"/empty": 0, "/dates": 2, "/duplicates": 2, "/ten-thousand": 10000} {
			if got := perFeed(path); got != n {
				t.Errorf("%s: %d sources, want %d", path, got, n)
			}
		}
		f429 := db.Client.Feed.GetX(ctx, ids["/429"])
		if d := f429.NextFetchAt.Sub(*f429.LastFetchedAt); d < 2*time.Hour {
			t.Errorf("429 with Retry-After 2h retried after %s", d)
		}
		wpFeed := db.Client.Feed.GetX(ctx, ids["/wordpress"])
		if wpFeed.Title == "" || wpFeed.Language != "fr" || wpFeed.Etag == "" {
			t.Errorf("wordpress feed not filled in: title %q, language %q, etag %q", wpFeed.Title, wpFeed.Language, wpFeed.Etag)
		}
		arabic := db.Client.Article.Query().Where(article.FeedID(ids["/arabic"])).AllX(ctx)
		for _, a := range arabic {
			if !strings.ContainsRune(a.Title, 'ا') {
				t.Errorf("Arabic title %q", a.Title)
			}
		}
		for _, a := range db.Client.Article.Query().Where(article.FeedID(ids["/dates"])).AllX(ctx) {
			if a.PublishedAt.After(time.Now()) {
				t.Errorf("future date kept: %v", a.PublishedAt)
			}
		}
		if n := db.Client.Article.Query().Where(article.StoryIDIsNil()).CountX(ctx); n != 0 {
			t.Errorf("%d articles without a story", n)
		}

		// Second pass over everything: conditional requests, no article write at all.
		before := articleRows(t, db)
		res, err = w.Pass(ctx, worker.PassOptions{All: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts.ArticleWrites != 0 || res.Counts.New != 0 {
			t.Errorf("second pass wrote %d articles (%d new)", res.Counts.ArticleWrites, res.Counts.New)
		}
		after := articleRows(t, db)
		if len(after) != len(before) {
			t.Errorf("second pass: %d articles, was %d", len(after), len(before))
		}
		for u, v := range before {
			if after[u] != v {
				t.Errorf("second pass rewrote %s", u)
				break
			}
		}
		check(2)
	})
}
