package server_test

import (
	"strings"
	"testing"

	"coopdesk/internal/testdb"
)

func TestFeedsAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		add := `mutation($in: AddFeedInput!) { addFeed(input: $in) { id url title enabled country { code } lastStatus lastError consecutiveErrors nextFetchAt articles { totalCount } } }`
		f := a.ok(a.staff, add, map[string]any{"in": map[string]any{"url": "https://www.kapitalis.com/feed/", "title": "Kapitalis", "country": "TN", "language": "fr"}})
		id := str(f, "addFeed", "id")
		if str(f, "addFeed", "country", "code") != "TN" || get(f, "addFeed", "enabled") != true || get(f, "addFeed", "lastError") != nil || str(f, "addFeed", "nextFetchAt") == "" {
			t.Errorf("addFeed: %v", f)
		}
		r := a.fails(a.staff, "ALREADY_EXISTS", add, map[string]any{"in": map[string]any{"url": "https://www.kapitalis.com/feed/"}})
		if !strings.Contains(r.Errors[0].Message, "already exists") {
			t.Errorf("duplicate message: %s", r.Errors[0].Message)
		}
		for _, bad := range []map[string]any{
			{"url": "ftp://example.org/feed"},
			{"url": "javascript:alert(1)"},
			{"url": "not a url"},
			{"url": "http://127.0.0.1:8080/feed"},
			{"url": "http://169.254.169.254/latest/meta-data"},
			{"url": "http://[::1]/feed"},
			{"url": "http://localhost/feed"},
			{"url": "https://example.org/feed", "country": "XX"},
			{"url": "https://example.org/feed", "language": "français!"},
		} {
			a.fails(a.staff, "BAD_USER_INPUT", add, map[string]any{"in": bad})
		}
		a.fails(a.viewer, "FORBIDDEN", add, map[string]any{"in": map[string]any{"url": "https://example.org/feed"}})
		u := a.ok(a.staff, `mutation($id: ID!) { updateFeed(id: $id, input: {enabled: false, intervalMinutes: 30, country: "DZ"}) { enabled intervalMinutes country { code } url } }`, map[string]any{"id": id})
		if get(u, "updateFeed", "enabled") != false || num(u, "updateFeed", "intervalMinutes") != 30 || str(u, "updateFeed", "country", "code") != "DZ" {
			t.Errorf("updateFeed: %v", u)
		}
		a.fails(a.staff, "BAD_USER_INPUT", `mutation($id: ID!) { updateFeed(id: $id, input: {url: "http://10.0.0.1/feed"}) { id } }`, map[string]any{"id": id})
		rf := a.ok(a.staff, `mutation($id: ID!) { refreshFeed(id: $id) { id nextFetchAt } }`, map[string]any{"id": id})
		if str(rf, "refreshFeed", "nextFetchAt") == "" {
			t.Errorf("refreshFeed: %v", rf)
		}
		a.fails(a.staff, "NOT_FOUND", `mutation { refreshFeed(id: 999) { id } }`, nil)
	})
	t.Run("private allowed by setting", func(t *testing.T) {
		a := newAPI(t, testdb.Open(t, "sqlite", testdb.Options{}), map[string]string{"COOPDESK_FETCH_ALLOW_PRIVATE": "1"})
		a.ok(a.staff, `mutation { addFeed(input: {url: "http://127.0.0.1:9999/feed"}) { id } }`, nil)
	})
}
