package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"coopdesk/internal/testdb"
)

func TestAnonymousAndHealth(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		r := a.do("", `{ countries { totalCount } }`, nil)
		if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || r.Data != nil {
			t.Fatalf("anonymous query: %d %s", r.Status, r.Raw)
		}
		r = a.do("cdk_not-a-real-token", `{ countries { totalCount } }`, nil)
		if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Fatalf("invalid token: %d %s", r.Status, r.Raw)
		}
		for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 401, "/": 200} {
			resp, err := http.Get(a.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("anonymous GET %s: %d, want %d", path, resp.StatusCode, want)
			}
		}
		a.ok(a.viewer, `query Dashboard { me { name } }`, nil)
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+a.viewer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, metric := range []string{"coopdesk_http_requests_total", "coopdesk_graphql_operations_total", "go_sql_open_connections", "coopdesk_http_request_duration_seconds"} {
			if !strings.Contains(string(body), metric) {
				t.Errorf("/metrics lacks %s", metric)
			}
		}
		// A revoked token stops working at once.
		tok := a.ok(a.admin, `mutation($u: ID!) { createToken(userID: $u, name: "ci") { token apiToken { id prefix } } }`, map[string]any{"u": a.vID})
		newTok := str(tok, "createToken", "token")
		if !strings.HasPrefix(newTok, str(tok, "createToken", "apiToken", "prefix")) {
			t.Errorf("token prefix does not match the token")
		}
		if str(a.ok(newTok, `{ me { name } }`, nil), "me", "name") != "Dashboard" {
			t.Error("new token does not authenticate as its user")
		}
		a.ok(a.admin, `mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": str(tok, "createToken", "apiToken", "id")})
		if r := a.do(newTok, `{ me { name } }`, nil); r.Status != 401 {
			t.Errorf("revoked token still works: %s", r.Raw)
		}
	})
}

func TestRepertoireCRUDAndValidation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		countries := a.ok(a.staff, `{ fr: countries(where: {code: "FR"}) { edges { node { id } } } ma: countries(where: {code: "MA"}) { edges { node { id } } } }`, nil)
		fr, ma := str(countries, "fr", "edges", 0, "node", "id"), str(countries, "ma", "edges", 0, "node", "id")
		if fr == "" || ma == "" {
			t.Fatal("seeded countries missing")
		}
		mkAuth := `mutation($in: CreateLocalAuthorityInput!) { createLocalAuthority(input: $in) { id name level createdBy { name } country { code } } }`
		rennes := a.ok(a.staff, mkAuth, map[string]any{"in": map[string]any{"name": "Rennes", "level": "commune", "code": "35238", "countryID": fr, "zone": "metro", "population": 227830}})
		if str(rennes, "createLocalAuthority", "createdBy", "name") != "Salomé Staff" {
			t.Errorf("creation not attributed to the staff user: %v", rennes)
		}
		sfax := a.ok(a.staff, mkAuth, map[string]any{"in": map[string]any{"name": "Sfax", "level": "municipalite", "countryID": ma, "aliases": []string{"صفاقس"}}})
		theme := a.ok(a.staff, `{ themes(where: {slug: "eau-assainissement"}) { edges { node { id } } } }`, nil)
		p := a.ok(a.staff, `mutation($in: CreatePartnershipInput!) { createPartnership(input: $in) { id title kind status frenchAuthorities { edges { node { name } } } partnerAuthorities { edges { node { name } } } themes { edges { node { slug } } } } }`,
			map[string]any{"in": map[string]any{
				"title": "Rennes – Sfax", "kind": "jumelage", "status": "active", "reference": "ATLAS-1",
				"frenchAuthorityIDs":  []string{str(rennes, "createLocalAuthority", "id")},
				"partnerAuthorityIDs": []string{str(sfax, "createLocalAuthority", "id")},
				"themeIDs":            []string{str(theme, "themes", "edges", 0, "node", "id")},
				"budget":              12000.5,
			}})
		pid := str(p, "createPartnership", "id")
		if str(p, "createPartnership", "partnerAuthorities", "edges", 0, "node", "name") != "Sfax" || str(p, "createPartnership", "themes", "edges", 0, "node", "slug") != "eau-assainissement" {
			t.Errorf("partnership edges: %v", p)
		}
		// Update changes only the given fields and records who changed it.
		u := a.ok(a.admin, `mutation($id: ID!) { updatePartnership(id: $id, input: {status: dormant}) { status title updatedBy { name } createdBy { name } } }`, map[string]any{"id": pid})
		if str(u, "updatePartnership", "status") != "dormant" || str(u, "updatePartnership", "title") != "Rennes – Sfax" ||
			str(u, "updatePartnership", "updatedBy", "name") != "Admin" || str(u, "updatePartnership", "createdBy", "name") != "Salomé Staff" {
			t.Errorf("update: %v", u)
		}
		// node and nodes resolve every type from its global ID.
		n := a.ok(a.viewer, `query($ids: [ID!]!, $id: ID!) { node(id: $id) { __typename ... on Partnership { title } } nodes(ids: $ids) { __typename id } }`,
			map[string]any{"id": pid, "ids": []string{fr, pid, str(rennes, "createLocalAuthority", "id")}})
		if str(n, "node", "__typename") != "Partnership" || str(n, "nodes", 0, "__typename") != "Country" || str(n, "nodes", 2, "__typename") != "LocalAuthority" {
			t.Errorf("node/nodes: %v", n)
		}

		// Bad input: clear, typed errors, nothing written.
		before := num(a.ok(a.staff, `{ localAuthorities { totalCount } }`, nil), "localAuthorities", "totalCount")
		cases := []struct {
			name, code, query string
			vars              map[string]any
			contains          string
		}{
			{"empty name", "BAD_USER_INPUT", mkAuth, map[string]any{"in": map[string]any{"name": "", "level": "commune", "countryID": fr}}, `"name"`},
			{"over-long name", "BAD_USER_INPUT", mkAuth, map[string]any{"in": map[string]any{"name": strings.Repeat("x", 301), "level": "commune", "countryID": fr}}, "too long"},
			{"invalid enum", "GRAPHQL_VALIDATION_FAILED", mkAuth, map[string]any{"in": map[string]any{"name": "X", "level": "canton", "countryID": fr}}, "canton"},
			{"unknown country id", "BAD_USER_INPUT", mkAuth, map[string]any{"in": map[string]any{"name": "X", "level": "commune", "countryID": "999999"}}, ""},
			{"ill-typed id", "BAD_USER_INPUT", mkAuth, map[string]any{"in": map[string]any{"name": "X", "level": "commune", "countryID": "abc"}}, "ID"},
			{"invalid siren", "BAD_USER_INPUT", mkAuth, map[string]any{"in": map[string]any{"name": "X", "level": "epci", "countryID": fr, "siren": "12"}}, `"siren"`},
			{"duplicate official code", "ALREADY_EXISTS", mkAuth, map[string]any{"in": map[string]any{"name": "Rennes bis", "level": "commune", "code": "35238", "countryID": fr}}, "code"},
		}
		for _, c := range cases {
			r := a.fails(a.staff, c.code, c.query, c.vars)
			if c.contains != "" && !strings.Contains(r.Errors[0].Message, c.contains) {
				t.Errorf("%s: message %q lacks %q", c.name, r.Errors[0].Message, c.contains)
			}
			if strings.Contains(strings.ToLower(r.Raw), "sql") || strings.Contains(r.Raw, "constraint failed") || strings.Contains(r.Raw, ".go:") || strings.Contains(r.Raw, "strconv") {
				t.Errorf("%s: error leaks internals: %s", c.name, r.Raw)
			}
		}
		if after := num(a.ok(a.staff, `{ localAuthorities { totalCount } }`, nil), "localAuthorities", "totalCount"); after != before {
			t.Errorf("refused mutations wrote rows: %d → %d", before, after)
		}
		r := a.fails(a.staff, "ALREADY_EXISTS", `mutation { createTheme(input: {slug: "eau-assainissement", label: "Eau"}) { id } }`, nil)
		if !strings.Contains(r.Errors[0].Message, "slug") {
			t.Errorf("duplicate message does not name the field: %s", r.Errors[0].Message)
		}
		a.fails(a.staff, "BAD_USER_INPUT", `mutation { createCountry(input: {code: "fra", nameFr: "X", nameEn: "X"}) { id } }`, nil)
		a.fails(a.staff, "BAD_USER_INPUT", `mutation { createContact(input: {fullName: "A", email: "not-an-email"}) { id } }`, nil)
		a.fails(a.staff, "BAD_USER_INPUT", `mutation { createOrganization(input: {name: "Cabinet", kind: consultancy, website: "javascript:alert(1)"}) { id } }`, nil)
		// An ID of another type: the record is not a Country.
		a.fails(a.staff, "NOT_FOUND", `mutation($id: ID!) { updateCountry(id: $id, input: {nameFr: "X"}) { id } }`, map[string]any{"id": pid})
	})
}

func TestRoles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		c := a.ok(a.staff, `mutation { createContact(input: {fullName: "Leïla B.", role: "chargée de mission", email: "leila@example.org", phone: "+33 1 23 45 67 89"}) { id email } }`, nil)
		if str(c, "createContact", "email") != "leila@example.org" {
			t.Fatalf("staff does not see the e-mail: %v", c)
		}
		q := `{ contacts { edges { node { fullName email phone } } } }`
		v := a.ok(a.viewer, q, nil)
		if get(v, "contacts", "edges", 0, "node", "email") != nil || get(v, "contacts", "edges", 0, "node", "phone") != nil || str(v, "contacts", "edges", 0, "node", "fullName") != "Leïla B." {
			t.Errorf("viewer sees personal data: %v", v)
		}
		if str(a.ok(a.admin, q, nil), "contacts", "edges", 0, "node", "phone") == "" {
			t.Error("admin does not see the phone")
		}
		// Viewers cannot filter on personal data either.
		if r := a.do(a.viewer, `{ contacts(where: {email: "leila@example.org"}) { totalCount } }`, nil); len(r.Errors) == 0 {
			t.Error("a where filter on e-mail is accepted")
		}
		a.fails(a.viewer, "FORBIDDEN", `mutation { createTheme(input: {slug: "sport", label: "Sport"}) { id } }`, nil)
		if n := num(a.ok(a.viewer, `{ themes(where: {slug: "sport"}) { totalCount } }`, nil), "themes", "totalCount"); n != 0 {
			t.Error("a refused mutation wrote a row")
		}
		a.fails(a.viewer, "FORBIDDEN", `{ users { totalCount } }`, nil)
		a.fails(a.staff, "FORBIDDEN", `{ apiTokens { totalCount } }`, nil)
		a.fails(a.staff, "FORBIDDEN", `mutation { createUser(input: {name: "X", role: admin}) { id } }`, nil)
		if n := num(a.ok(a.admin, `{ users { totalCount } }`, nil), "users", "totalCount"); n != 3 {
			t.Errorf("admin sees %d users, want 3", n)
		}
		a.ok(a.admin, `mutation { createUser(input: {name: "Nouvelle", role: staff, email: "n@example.org"}) { id } }`, nil)
	})
}

func TestDossierTransitions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		fr := str(a.ok(a.staff, `{ countries(where: {code: "FR"}) { edges { node { id } } } }`, nil), "countries", "edges", 0, "node", "id")
		auth := a.ok(a.staff, `mutation($c: ID!) { createLocalAuthority(input: {name: "Département du Finistère", level: departement, code: "29", countryID: $c}) { id } }`, map[string]any{"c": fr})
		d := a.ok(a.staff, `mutation($a: ID!) { createDossier(input: {title: "Stratégie internationale", call: "DCOL 2026", supportKind: strategy, applicantID: $a, need: "Définir une stratégie d'action internationale", requestedAmount: 15000}) { id status } }`,
			map[string]any{"a": str(auth, "createLocalAuthority", "id")})
		id := str(d, "createDossier", "id")
		if str(d, "createDossier", "status") != "draft" {
			t.Fatalf("new dossier: %v", d)
		}
		tr := `mutation($id: ID!, $to: DossierStatus!, $c: String) { transitionDossier(id: $id, to: $to, comment: $c) { status receivedOn decisionOn } }`
		refused := func(to string) {
			t.Helper()
			before := a.ok(a.staff, `query($id: ID!) { node(id: $id) { ... on Dossier { status events { totalCount } } } }`, map[string]any{"id": id})
			r := a.fails(a.staff, "INVALID_TRANSITION", tr, map[string]any{"id": id, "to": to})
			if !strings.Contains(r.Errors[0].Message, to) {
				t.Errorf("message does not name the asked status: %s", r.Errors[0].Message)
			}
			after := a.ok(a.staff, `query($id: ID!) { node(id: $id) { ... on Dossier { status events { totalCount } } } }`, map[string]any{"id": id})
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("refused transition to %s changed the dossier: %v → %v", to, before, after)
			}
		}
		refused("accepted")
		refused("completed")
		path := []string{"submitted", "admissible", "under_review", "deferred", "under_review", "accepted", "in_accompaniment", "completed"}
		for i, to := range path {
			r := a.ok(a.staff, tr, map[string]any{"id": id, "to": to, "c": fmt.Sprintf("étape %d", i)})
			if str(r, "transitionDossier", "status") != to {
				t.Fatalf("transition to %s: %v", to, r)
			}
		}
		refused("under_review") // completed → under_review
		refused("draft")
		a.fails(a.viewer, "FORBIDDEN", tr, map[string]any{"id": id, "to": "abandoned"})
		a.fails(a.staff, "GRAPHQL_VALIDATION_FAILED", tr, map[string]any{"id": id, "to": "finished"})
		h := a.ok(a.viewer, `query($id: ID!) { node(id: $id) { ... on Dossier { receivedOn decisionOn accompanimentStart accompanimentEnd events(orderBy: {field: AT}, first: 20) { totalCount edges { node { fromStatus toStatus comment at author { name } } } } } } }`, map[string]any{"id": id})
		if n := num(h, "node", "events", "totalCount"); n != len(path) {
			t.Fatalf("history has %d events, want %d: %v", n, len(path), h)
		}
		for i, to := range path {
			ev := get(h, "node", "events", "edges", i, "node")
			if str(ev, "toStatus") != to || str(ev, "author", "name") != "Salomé Staff" || str(ev, "comment") != fmt.Sprintf("étape %d", i) || str(ev, "at") == "" {
				t.Errorf("event %d: %v", i, ev)
			}
		}
		if str(get(h, "node", "events", "edges", 0, "node"), "fromStatus") != "draft" {
			t.Error("first event does not come from draft")
		}
		for _, f := range []string{"receivedOn", "decisionOn", "accompanimentStart", "accompanimentEnd"} {
			if str(h, "node", f) == "" {
				t.Errorf("%s not set by the transitions", f)
			}
		}
	})
}

func TestLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, map[string]string{"COOPDESK_INTROSPECTION": "0"})
		// Default page: 20 of the 250 countries, with a next page.
		d := a.ok(a.viewer, `{ countries { totalCount edges { node { code } } pageInfo { hasNextPage endCursor } } }`, nil)
		if l := len(get(d, "countries", "edges").([]any)); l != 20 || get(d, "countries", "pageInfo", "hasNextPage") != true {
			t.Errorf("default page: %d edges, pageInfo %v", l, get(d, "countries", "pageInfo"))
		}
		next := a.ok(a.viewer, `query($c: Cursor) { countries(first: 100, after: $c) { edges { node { code } } } }`, map[string]any{"c": str(d, "countries", "pageInfo", "endCursor")})
		if l := len(get(next, "countries", "edges").([]any)); l != 100 {
			t.Errorf("first: 100 gave %d", l)
		}
		a.fails(a.viewer, "PAGE_TOO_LARGE", `{ countries(first: 101) { totalCount } }`, nil)
		a.fails(a.viewer, "PAGE_TOO_LARGE", `query($n: Int) { countries(last: $n) { totalCount } }`, map[string]any{"n": 1000})
		a.fails(a.viewer, "BAD_USER_INPUT", `{ countries(first: -1) { totalCount } }`, nil)
		r := a.fails(a.viewer, "QUERY_TOO_COSTLY", `{ countries(first: 100) { edges { node { authorities(first: 100) { edges { node { partnershipsAsFrench(first: 100) { edges { node { title } } } } } } } } } }`, nil)
		if !strings.Contains(r.Errors[0].Message, "limit") {
			t.Errorf("cost message: %s", r.Errors[0].Message)
		}
		// Fragments count too.
		a.fails(a.viewer, "QUERY_TOO_COSTLY", `fragment P on LocalAuthority { partnershipsAsFrench(first: 100) { edges { node { title } } } }
			{ countries(first: 100) { edges { node { authorities(first: 100) { edges { node { ...P } } } } } } }`, nil)
		deep := "{ node(id: 1) { ... on LocalAuthority { " + strings.Repeat("parent { ", 14) + "name" + strings.Repeat(" }", 14) + " } } }"
		a.fails(a.viewer, "QUERY_TOO_DEEP", deep, nil)
		huge := "{ " + strings.Repeat("countries(first: 1) { totalCount } ", 1000) + "}"
		if r := a.do(a.viewer, huge, nil); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "token") {
			t.Errorf("token limit not enforced: %.300s", r.Raw)
		}
		// Introspection is off by this setting.
		if r := a.do(a.viewer, `{ __schema { types { name } } }`, nil); len(r.Errors) == 0 {
			t.Error("introspection answered although turned off")
		}
		// Malformed JSON body.
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", strings.NewReader(`{"query": "{ me { name } }"`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+a.viewer)
		if r := a.send(req); r.Status != http.StatusBadRequest || len(r.Errors) == 0 {
			t.Errorf("malformed JSON: %d %s", r.Status, r.Raw)
		}
		// GET works for queries and refuses mutations.
		get := func(q string) *http.Response {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/graphql?query="+url.QueryEscape(q), nil)
			req.Header.Set("Authorization", "Bearer "+a.staff)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		if resp := get(`{ me { name } }`); resp.StatusCode != 200 {
			t.Errorf("GET query: %d", resp.StatusCode)
		}
		if resp := get(`mutation { createTheme(input: {slug: "x", label: "X"}) { id } }`); resp.StatusCode == 200 {
			t.Errorf("GET mutation accepted")
		}
	})
}

func TestIntrospectionOnByDefault(t *testing.T) {
	db := testdb.Open(t, "sqlite", testdb.Options{})
	a := newAPI(t, db, nil)
	d := a.ok(a.viewer, `{ __type(name: "Partnership") { name fields { name } } }`, nil)
	if str(d, "__type", "name") != "Partnership" {
		t.Errorf("introspection: %v", d)
	}
}
