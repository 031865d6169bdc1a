package conformance

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// requireNode skips without Node.js, except in CI, where it must be there.
func requireNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("node not found: CI must install nodejs and npm")
	}
	t.Skip("node not found (apt-get install -y nodejs npm)")
}

// minimalGraphQL is a tiny GraphQL-over-HTTP endpoint that answers every
// query alike. It exists to check that Audit runs the audits and reads
// their results; the real server's conformance test is elsewhere.
func minimalGraphQL(wantToken string) http.HandlerFunc {
	type params struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	return func(w http.ResponseWriter, r *http.Request) {
		ct := "application/json; charset=utf-8"
		if strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json") {
			ct = "application/graphql-response+json; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		fail := func(code int, msg string) {
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": msg}}})
		}
		if r.Header.Get("Authorization") != "Bearer "+wantToken {
			fail(http.StatusUnauthorized, "bad token")
			return
		}
		var p params
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query()
			p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
			for name, dst := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
				if v := q.Get(name); v != "" && json.Unmarshal([]byte(v), dst) != nil {
					fail(http.StatusBadRequest, "bad "+name)
					return
				}
			}
		case http.MethodPost:
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt != "application/json" {
				fail(http.StatusUnsupportedMediaType, "want application/json")
				return
			}
			if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
				fail(http.StatusBadRequest, "bad JSON body")
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST")
			fail(http.StatusMethodNotAllowed, "GET or POST")
			return
		}
		if p.Query == "" {
			fail(http.StatusBadRequest, "missing query")
			return
		}
		// No real executor: every document gets the answer that the audits'
		// queries ({ __typename } and __type lookups) accept.
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"__typename": "Query", "__type": nil}})
	}
}

func TestAuditMinimalServer(t *testing.T) {
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	srv := httptest.NewServer(minimalGraphQL("s3cret"))
	defer srv.Close()
	rep, err := Audit(ctx, srv.URL+"/graphql", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.Summary())
	if len(rep.Audits) < 40 {
		t.Errorf("only %d audits reported", len(rep.Audits))
	}
	for _, a := range rep.Audits {
		if a.ID == "" || a.Name == "" || a.Status == "" || (a.Passed() != (a.Reason == "")) {
			t.Errorf("malformed audit result %+v", a)
		}
	}
	for _, a := range rep.MustFailures() {
		t.Errorf("MUST audit failed: %s", a)
	}

	// A wrong token makes the MUST audits fail: the token really is sent.
	bad, err := Audit(ctx, srv.URL+"/graphql", "wrong")
	if err != nil {
		t.Fatal(err)
	}
	if len(bad.MustFailures()) == 0 {
		t.Error("with a wrong token no MUST audit failed")
	}
}

func TestAuditUnreachable(t *testing.T) {
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/graphql"
	srv.Close() // nothing listens there any more
	if _, err := Audit(ctx, url, ""); err == nil || !strings.Contains(err.Error(), "no audit reached") {
		t.Errorf("err = %v, want 'no audit reached'", err)
	}
}

func TestReport(t *testing.T) {
	r, err := parseReport([]byte(`{"url":"u","counts":{"ok":2,"error":1,"warn":1},"audits":[
		{"id":"4655","name":"MUST accept application/json and match the content-type","status":"ok","reason":""},
		{"id":"2C94","name":"MUST accept POST requests","status":"error","reason":"Status code 404 is not 200"},
		{"id":"22EB","name":"SHOULD accept application/graphql-response+json and match the content-type","status":"warn","reason":"nope"},
		{"id":"9C48","name":"MAY NOT allow executing mutations on GET requests","status":"ok","reason":""}]}`))
	if err != nil {
		t.Fatal(err)
	}
	mf := r.MustFailures()
	if len(mf) != 1 || mf[0].ID != "2C94" {
		t.Errorf("MustFailures = %v", mf)
	}
	if len(r.Failures()) != 2 {
		t.Errorf("Failures = %v", r.Failures())
	}
	if got, want := r.Summary(), "2/4 audits ok, 1/2 MUST ok"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if _, err := parseReport([]byte("not json")); err == nil {
		t.Error("parseReport accepted garbage")
	}
}
