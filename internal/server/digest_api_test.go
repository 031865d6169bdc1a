package server_test

import (
	"net/http"
	"strings"
	"testing"

	"coopdesk/internal/testdb"
)

func TestDigestAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		a.fails(a.staff, "BAD_USER_INPUT", `mutation { subscribe(groups: ["maroc"]) { id } }`, nil)
		a.ok(a.admin, `mutation($u: ID!) { updateUser(id: $u, input: {email: "salome@example.org"}) { id } }`, map[string]any{"u": a.staffID})
		s := a.ok(a.staff, `mutation { subscribe(groups: ["maroc", "liban"], topics: ["politique"]) { topics groups { slug } user { name } } }`, nil)
		if len(get(s, "subscribe", "groups").([]any)) != 2 || str(s, "subscribe", "topics", 0) != "politique" {
			t.Errorf("subscribe: %v", s)
		}
		a.fails(a.staff, "BAD_USER_INPUT", `mutation { subscribe(groups: ["atlantide"]) { id } }`, nil)
		u := a.ok(a.staff, `mutation { unsubscribe(groups: ["liban"]) { groups { slug } } }`, nil)
		if len(get(u, "unsubscribe", "groups").([]any)) != 1 {
			t.Errorf("unsubscribe: %v", u)
		}
		d := a.ok(a.viewer, `{ digest(group: "maroc", date: "2026-11-26") { id } previewDigest(group: "tunisie") { date articleCount sections { topic } html } }`, nil)
		if get(d, "digest") != nil || !strings.Contains(str(d, "previewDigest", "html"), "<html") {
			t.Errorf("digest/preview: %v", d)
		}
		a.fails(a.viewer, "BAD_USER_INPUT", `{ digest(group: "maroc", date: "26/11/2026") { id } }`, nil)
		a.fails(a.viewer, "BAD_USER_INPUT", `{ previewDigest(group: "atlantide") { date } }`, nil)
		for path, want := range map[string]int{
			"/digests/maroc.atom":                       401,
			"/digests/maroc.atom?token=" + a.viewer:     200,
			"/digests/atlantide.atom?token=" + a.viewer: 404,
		} {
			resp, err := http.Get(a.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
			}
		}
	})
}
