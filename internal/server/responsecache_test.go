package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
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
	// The snapshot is the whole cluster's: tests of other packages writing at the same
	// moment make a miss legitimate, so try a few times to see a hit.
	var hit, body string
	for range 20 {
		if hit, body = post(a.viewer, q); hit == "hit" {
			break
		}
	}
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
	// A token revoked elsewhere stops working at once, although its principal was cached.
	if _, err := db.SQL.Exec(`UPDATE api_tokens SET revoked_at = now() WHERE user_tokens = $1`, a.vID); err != nil {
		t.Fatal(err)
	}
	if _, body := post(a.viewer, q); !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("revoked token still answered: %s", body)
	}
	// Mutations and failed queries are never replayed.
	m := `mutation { createTheme(input: {slug: "sport", label: "Sport"}) { id } }`
	post(a.staff, m)
	if hit, body := post(a.staff, m); hit != "" || !strings.Contains(body, "ALREADY_EXISTS") {
		t.Fatalf("mutation replayed: %q %s", hit, body)
	}
	bad := `{ countries(first: 101) { totalCount } }`
	post(a.viewer, bad)
	if hit, _ := post(a.staff, bad); hit != "" {
		t.Fatal("an error answer was replayed")
	}
	// Operators see what the cache does.
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+a.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`coopdesk_response_cache_requests_total{result="hit"}`, `coopdesk_response_cache_requests_total{result="miss"}`, `coopdesk_response_cache_requests_total{result="uncacheable"}`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestResponseCacheSharesMisses: identical queries that miss together are computed once.
func TestResponseCacheSharesMisses(t *testing.T) {
	db := testdb.Open(t, "postgres", testdb.Options{})
	a := newAPI(t, db, map[string]string{"COOPDESK_RESPONSE_CACHE_TTL": "1m"})
	seedPartnerships(t, db.Client, 20)
	q := map[string]any{"query": partnershipsQuery, "variables": map[string]any{"n": 20}}
	body, _ := json.Marshal(q)
	post := func() string {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+a.viewer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// One computation's statements, then eight requests together after a write.
	db.Statements.Store(0)
	want := post()
	one := db.Statements.Load()
	const n = 8
	var best int64 = -1
	for range 5 { // other packages' writes can split the requests over two snapshots
		if _, err := db.SQL.Exec(`UPDATE themes SET label = label`); err != nil {
			t.Fatal(err)
		}
		db.Statements.Store(0)
		var wg sync.WaitGroup
		answers := make([]string, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); answers[i] = post() }()
		}
		wg.Wait()
		for _, got := range answers {
			if got != want {
				t.Fatalf("a shared answer differs:\n%s\n%s", got, want)
			}
		}
		if got := db.Statements.Load(); best < 0 || got < best {
			best = got
		}
		if best < 2*one {
			break
		}
	}
	t.Logf("one computation: %d statements; %d concurrent identical requests: %d", one, n, best)
	if best >= 2*one {
		t.Errorf("%d concurrent identical requests ran %d statements, one runs %d: misses are not shared", n, best, one)
	}
}
