package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"coopdesk/internal/testdb"
)

// TestResponseCache: on PostgreSQL a repeated query is answered from memory while nothing
// changed; any write, by anyone, makes the next answer fresh; users never share entries.
func TestResponseCache(t *testing.T) {
	db := testdb.Open(t, "postgres", testdb.Options{})
	a := newAPI(t, db, map[string]string{"COOPDESK_RESPONSE_CACHE_TTL": "1m"})
	post := func(token, query string) (string, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("X-Coopdesk-Cache"), string(b)
	}
	a.ok(a.staff, `mutation { createContact(input: {fullName: "Nadia", email: "nadia@example.org"}) { id } }`, nil)
	q := `{ contacts { totalCount edges { node { fullName email } } } }`
	if hit, _ := post(a.viewer, q); hit != "" {
		t.Fatal("first answer came from the cache")
	}
	hit, body := post(a.viewer, q)
	if hit != "hit" || strings.Contains(body, "nadia@example.org") {
		t.Fatalf("second identical query: cache %q, body %s", hit, body)
	}
	// Another user (another role) never gets the viewer's entry.
	if hit, body := post(a.staff, q); hit != "" || !strings.Contains(body, "nadia@example.org") {
		t.Fatalf("staff got the viewer's answer: %q %s", hit, body)
	}
	// A write made elsewhere (straight to the database, as a worker would) invalidates.
	if _, err := db.SQL.Exec(`UPDATE contacts SET full_name = 'Nadia B.'`); err != nil {
		t.Fatal(err)
	}
	if hit, body := post(a.viewer, q); hit != "" || !strings.Contains(body, "Nadia B.") {
		t.Fatalf("answer after a write: %q %s", hit, body)
	}
	// Mutations and failed queries are never replayed.
	m := `mutation { createTheme(input: {slug: "sport", label: "Sport"}) { id } }`
	post(a.staff, m)
	if hit, body := post(a.staff, m); hit != "" || !strings.Contains(body, "ALREADY_EXISTS") {
		t.Fatalf("mutation replayed: %q %s", hit, body)
	}
	bad := `{ countries(first: 101) { totalCount } }`
	post(a.viewer, bad)
	if hit, _ := post(a.viewer, bad); hit != "" {
		t.Fatal("an error answer was replayed")
	}
}
