package cli

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFeedsCommands imports an OPML list, exports it back, and fetches one feed with
// `fetch --feed` and then everything with `fetch --all`, in-process on SQLite.
func TestFeedsCommands(t *testing.T) {
	dir := t.TempDir()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"1"`)
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Cités</title><link>https://c.test/</link><item><title>Assises</title><link>https://c.test/assises</link></item></channel></rss>`)
	}))
	defer srv.Close()
	opml := filepath.Join(dir, "feeds.opml")
	os.WriteFile(opml, []byte(`<?xml version="1.0"?><opml version="2.0"><body>
<outline text="Maroc" country="MA"><outline text="Cités" xmlUrl="`+srv.URL+`/rss" language="fr"/></outline>
<outline text="Autre" xmlUrl="https://example.org/feed"/>
<outline text="Mauvais" xmlUrl="ftp://example.org/feed"/>
</body></opml>`), 0o600)
	env := func() (Env, *bytes.Buffer, *bytes.Buffer) {
		var out, errb bytes.Buffer
		return Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			switch k {
			case "COOPDESK_DATABASE_URL":
				return "sqlite:" + filepath.Join(dir, "c.db")
			case "COOPDESK_FETCH_ALLOW_PRIVATE":
				return "1"
			case "COOPDESK_LOG_LEVEL":
				return "error"
			}
			return ""
		}}, &out, &errb
	}
	ctx := t.Context()

	e, out, errb := env()
	if err := importFeeds(ctx, e, []string{opml, "--lang", "ar"}); err != nil {
		t.Fatal(err, errb)
	}
	if got := out.String(); got != "2 feeds added, 0 already present, 1 refused\n" {
		t.Errorf("import: %q (%s)", got, errb)
	}
	e, out, _ = env()
	if err := importFeeds(ctx, e, []string{opml}); err != nil || !strings.HasPrefix(out.String(), "0 feeds added, 2 already present") {
		t.Errorf("second import: %q, %v", out, err)
	}
	e, out, _ = env()
	if err := exportFeeds(ctx, e, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`xmlUrl="` + srv.URL + `/rss"`, `country="MA"`, `language="fr"`, `xmlUrl="https://example.org/feed"`, `language="ar"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("export lacks %s:\n%s", want, out)
		}
	}

	e, _, _ = env()
	if err := fetchCmd(ctx, e, []string{"--feed", "1"}); err == nil || !strings.Contains(err.Error(), "no such feed") {
		t.Errorf("fetch of an unknown feed: %v", err)
	}
	e, out, errb = env()
	if err := fetchCmd(ctx, e, []string{"--all", "--no-tag"}); err != nil {
		t.Fatal(err, errb)
	}
	// The seeded catalogue and example.org are not served here: they end with an error status.
	if !strings.Contains(out.String(), "ok 1") || !strings.Contains(out.String(), "1 new") {
		t.Errorf("fetch --all: %q", out)
	}
	// --no-tag stored the article untagged; `tag --retag --untagged` tags it.
	untagged := func() int {
		t.Helper()
		db, err := sql.Open("sqlite", filepath.Join(dir, "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM articles WHERE tagged_at IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := untagged(); n != 1 {
		t.Errorf("after fetch --no-tag: %d untagged articles, want 1", n)
	}
	e, _, errb = env()
	if err := tagCmd(ctx, e, []string{"--retag", "--untagged"}); err != nil {
		t.Fatal(err, errb)
	}
	if n := untagged(); n != 0 {
		t.Errorf("after tag --retag --untagged: %d untagged articles, want 0", n)
	}
	e, out, _ = env()
	if err := fetchCmd(ctx, e, []string{"--all"}); err != nil || !strings.Contains(out.String(), "not_modified 1") {
		t.Errorf("second fetch --all: %q, %v", out, err)
	}
}
