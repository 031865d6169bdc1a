package ide_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"coopdesk/internal/browsertest"
	"coopdesk/internal/server/ide"
)

// echoGraphQL stands in for the real API: it answers every query with the
// Authorization header it received, so the test sees what the page sent.
// It is a test of the IDE page, not of coopdesk's GraphQL server.
func echoGraphQL(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Query string `json:"query"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	w.Header().Set("Content-Type", "application/graphql-response+json")
	if strings.Contains(body.Query, "__schema") {
		// GraphiQL's introspection: refuse it, as a server would without a
		// valid token; the IDE must still let the user run a query.
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"errors": []map[string]any{{"message": "no schema here"}},
		})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"data": map[string]any{"authorization": r.Header.Get("Authorization"), "query": body.Query},
	})
}

func TestIDEInChromium(t *testing.T) {
	browsertest.Require(t)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /graphql", echoGraphQL)
	mux.Handle("/", ide.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := browsertest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	const token = "cd_test_token-123"
	got, err := b.RunIDEQuery(ctx, srv.URL, token, "{ viewer { id } }")
	if err != nil {
		t.Fatalf("RunIDEQuery: %v", err)
	}
	var resp struct {
		Data struct {
			Authorization, Query string
		}
	}
	if err := json.Unmarshal([]byte(got), &resp); err != nil {
		t.Fatalf("response pane is not JSON: %v\n%s", err, got)
	}
	if want := "Bearer " + token; resp.Data.Authorization != want {
		t.Errorf("server received Authorization %q, want %q", resp.Data.Authorization, want)
	}
	if resp.Data.Query != "{ viewer { id } }" {
		t.Errorf("server received query %q", resp.Data.Query)
	}

	// Same browser profile, new tab: the token typed above is remembered,
	// and a second identical run still gets its own answer.
	got2, err := b.RunIDEQuery(ctx, srv.URL, token, "{ viewer { id } }")
	if err != nil {
		t.Fatalf("second RunIDEQuery: %v", err)
	}
	if got2 != got {
		t.Errorf("second run: got %s, want %s", got2, got)
	}

	// The check above relies on RunIDEQuery reporting CSP violations: make
	// sure it does, with a policy that refuses the data: fonts GraphiQL uses.
	strict := httptest.NewServer(withoutDataFonts(mux))
	defer strict.Close()
	_, err = b.RunIDEQuery(ctx, strict.URL, token, "{ viewer { id } }")
	var pe *browsertest.PageError
	if !errors.As(err, &pe) || len(pe.CSPViolations) == 0 {
		t.Fatalf("with fonts refused by the CSP: err = %v, want a *PageError with violations", err)
	}
	if !strings.Contains(pe.Result, "Bearer "+token) {
		t.Errorf("PageError.Result = %q, want the response anyway", pe.Result)
	}
}

// withoutDataFonts tightens the page's CSP so that it forbids data: fonts.
func withoutDataFonts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&cspRewriter{ResponseWriter: w}, r)
	})
}

type cspRewriter struct{ http.ResponseWriter }

func (c *cspRewriter) WriteHeader(code int) {
	if csp := c.Header().Get("Content-Security-Policy"); csp != "" {
		c.Header().Set("Content-Security-Policy", strings.Replace(csp, "font-src 'self' data:", "font-src 'self'", 1))
	}
	c.ResponseWriter.WriteHeader(code)
}
