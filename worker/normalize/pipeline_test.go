package normalize_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"coopdesk/worker/fetch"
	"coopdesk/worker/normalize"
	"coopdesk/worker/parse"

	"golang.org/x/text/encoding/charmap"
)

// outcome runs one feed through fetch → parse → normalize, as the worker
// will, and sums it up: "ok n=<articles>", "not_modified", or the error kind
// that becomes the feed's lastStatus.
func outcome(t *testing.T, f *fetch.Fetcher, url, etag string) (string, []normalize.Article, *fetch.Response) {
	t.Helper()
	resp, err := f.Fetch(t.Context(), fetch.Request{URL: url, ETag: etag})
	if err != nil {
		return string(fetch.KindOf(err)), nil, nil
	}
	if resp.NotModified {
		return "not_modified", nil, resp
	}
	now := time.Now()
	feed, err := parse.Parse(resp.Body, resp.ContentType, now)
	if err != nil {
		return string(parse.KindOf(err)), nil, resp
	}
	var arts []normalize.Article
	for _, it := range normalize.DedupItems(feed.Items) {
		a, err := normalize.Normalize(feed.SiteURL, it, now)
		if err != nil {
			t.Errorf("%s: %v", url, err)
			continue
		}
		arts = append(arts, a)
	}
	return fmt.Sprintf("ok n=%d", len(arts)), normalize.Dedup(arts), resp
}

func rss(items string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><link>https://site.test/</link>` + items + `</channel></rss>`
}

func TestHostileFeedsEachEndWithAClearOutcome(t *testing.T) {
	healthy := rss(`<item><title><![CDATA[ Régionalisation : le budget adopté ]]></title><link>/politique/budget?utm_source=rss</link><guid isPermaLink="false">https://site.test/?p=1</guid><pubDate>Tue, 03 Mar 2026 08:45:10 +0000</pubDate><description><![CDATA[<p>Le conseil a voté.</p>]]></description></item>`)
	arabic, _ := charmap.Windows1256.NewEncoder().String(strings.Replace(
		rss(`<item><title>المجلس الشعبي الولائي يصادق على الميزانية</title><link>https://alwatan-dz.test/1</link></item>`),
		"UTF-8", "windows-1256", 1))
	latinAsUTF8, _ := charmap.ISO8859_1.NewEncoder().String(rss(`<item><title>Décentralisation : le Sénat adopte le texte</title><link>https://gazette.test/1</link></item>`))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	bomb := bytes.Repeat(gz.Bytes(), 16)

	mux := http.NewServeMux()
	serve := func(path, contentType, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"v1"`)
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Content-Type", contentType)
			w.Write([]byte(body))
		})
	}
	serve("/healthy", "application/rss+xml; charset=utf-8", healthy)
	serve("/arabic", "text/xml", arabic)
	serve("/wrong-charset", "application/rss+xml; charset=utf-8", latinAsUTF8)
	serve("/empty", "application/rss+xml", rss(""))
	serve("/html", "text/html", `<!DOCTYPE html><html><head><title>Accueil</title></head><body></body></html>`)
	serve("/truncated", "application/rss+xml", healthy[:len(healthy)-40])
	serve("/dates", "application/rss+xml", rss(`<item><title>a</title><link>https://site.test/a</link><pubDate>demain</pubDate></item><item><title>b</title><link>https://site.test/b</link><pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate></item>`))
	serve("/duplicates", "application/rss+xml", rss(`<item><title>v1</title><guid>g</guid></item><item><title>v2</title><guid>g</guid></item><item><title>autre</title><guid>h</guid></item>`))
	mux.HandleFunc("/404", http.NotFound)
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) })
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/challenge", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`<html><head><title>Just a moment...</title></head><body><script src="/cdn-cgi/challenge-platform/x"></script></body></html>`))
	})
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

	f := fetch.New(fetch.Config{
		TotalTimeout:    500 * time.Millisecond,
		MaxBodyBytes:    1 << 20,
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	defer f.Close()

	want := map[string]string{
		"/healthy": "ok n=1", "/arabic": "ok n=1", "/wrong-charset": "ok n=1", "/empty": "ok n=0",
		"/dates": "ok n=2", "/duplicates": "ok n=2",
		"/404": "http_status", "/500": "http_status", "/429": "http_status", "/challenge": "bot_challenge",
		"/html": "not_a_feed", "/truncated": "malformed", "/drip": "timeout", "/endless": "too_large",
		"/bomb": "too_large", "/loop": "too_many_redirects", "/private": "blocked_address",
	}
	var mu sync.Mutex
	got := map[string]string{}
	articles := map[string][]normalize.Article{}
	var wg sync.WaitGroup
	for path := range want {
		wg.Go(func() {
			o, arts, _ := outcome(t, f, srv.URL+path, "")
			mu.Lock()
			got[path], articles[path] = o, arts
			mu.Unlock()
		})
	}
	wg.Wait()
	for path, w := range want {
		if got[path] != w {
			t.Errorf("%s: outcome %q, want %q", path, got[path], w)
		}
	}

	if a := articles["/healthy"]; len(a) == 1 && a[0].URL != "https://site.test/politique/budget" {
		t.Errorf("healthy article URL %q", a[0].URL)
	}
	if a := articles["/arabic"]; len(a) == 1 && a[0].Title != "المجلس الشعبي الولائي يصادق على الميزانية" {
		t.Errorf("Arabic title %q", a[0].Title)
	}
	if a := articles["/wrong-charset"]; len(a) == 1 && a[0].Title != "Décentralisation : le Sénat adopte le texte" {
		t.Errorf("wrong-charset title %q", a[0].Title)
	}
	for _, a := range articles["/dates"] {
		if a.DateFromFeed || a.PublishedAt.After(time.Now()) {
			t.Errorf("date not replaced: %v (from feed %v)", a.PublishedAt, a.DateFromFeed)
		}
	}
	if a := articles["/duplicates"]; len(a) == 2 && a[0].Title != "v1" {
		t.Errorf("duplicate GUID kept %q, want the first", a[0].Title)
	}
	// The second pass over a healthy feed is a conditional GET.
	if o, _, _ := outcome(t, f, srv.URL+"/healthy", `"v1"`); o != "not_modified" {
		t.Errorf("second pass: %q", o)
	}
}
