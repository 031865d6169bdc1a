package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/dossier"
	"coopdesk/ent/dossierevent"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/ent/theme"
	"coopdesk/internal/testdb"
)

// seedPartnerships creates n partnerships, each between one of 200 French communes and one
// of 100 Moroccan communes, with two themes.
func seedPartnerships(tb testing.TB, client *ent.Client, n int) {
	tb.Helper()
	ctx := context.Background()
	fr := client.Country.Query().Where(country.Code("FR")).OnlyIDX(ctx)
	ma := client.Country.Query().Where(country.Code("MA")).OnlyIDX(ctx)
	themes := client.Theme.Query().Order(theme.ByID()).IDsX(ctx)
	mk := func(prefix string, countryID, count int) []int {
		b := make([]*ent.LocalAuthorityCreate, count)
		for i := range b {
			b[i] = client.LocalAuthority.Create().SetName(fmt.Sprintf("%s %d", prefix, i)).
				SetLevel(localauthority.LevelCommune).SetCode(fmt.Sprintf("%s%05d", prefix[:2], i)).SetCountryID(countryID)
		}
		ids := make([]int, count)
		for i, a := range client.LocalAuthority.CreateBulk(b...).SaveX(ctx) {
			ids[i] = a.ID
		}
		return ids
	}
	french, partners := mk("Commune française", fr, 200), mk("Commune marocaine", ma, 100)
	const batch = 500
	for start := 0; start < n; start += batch {
		var b []*ent.PartnershipCreate
		for i := start; i < min(n, start+batch); i++ {
			b = append(b, client.Partnership.Create().SetTitle(fmt.Sprintf("Partenariat %d", i)).
				SetKind(partnership.KindConventionCooperation).SetReference(fmt.Sprintf("REF-%06d", i)).
				AddFrenchAuthorityIDs(french[i%len(french)]).AddPartnerAuthorityIDs(partners[i%len(partners)]).
				AddThemeIDs(themes[i%len(themes)], themes[(i+7)%len(themes)]))
		}
		client.Partnership.CreateBulk(b...).ExecX(ctx)
	}
}

const partnershipsQuery = `query($n: Int) { partnerships(first: $n, orderBy: {field: CREATED_AT, direction: DESC}) {
	totalCount pageInfo { hasNextPage endCursor }
	edges { node { id title kind status
		frenchAuthorities { totalCount edges { node { name code country { code nameFr } } } }
		partnerAuthorities { edges { node { name country { code } } } }
		themes { edges { node { slug label } } }
		createdBy { name } } } } }`

// TestNoNPlusOne proves that the statements of a nested query depend on its shape, not on
// the number of rows it returns.
func TestNoNPlusOne(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openDB(t, engine)
			a := newAPI(t, db, noCache)
			seedPartnerships(t, db.Client, 60)
			count := func(n int) int64 {
				db.Statements.Store(0)
				d := a.ok(a.viewer, partnershipsQuery, map[string]any{"n": n})
				if got := len(get(d, "partnerships", "edges").([]any)); got != n {
					t.Fatalf("asked %d partnerships, got %d", n, got)
				}
				if str(d, "partnerships", "edges", n-1, "node", "themes", "edges", 1, "node", "slug") == "" {
					t.Fatalf("nested edges missing: %v", get(d, "partnerships", "edges", n-1))
				}
				return db.Statements.Load()
			}
			five, fifty := count(5), count(50)
			t.Logf("%s: %d statements for 5 rows, %d for 50 rows", engine, five, fifty)
			if five != fifty {
				t.Errorf("statement count grows with rows: %d for 5, %d for 50", five, fifty)
			}
		})
	}
}

// seedDossiers creates n dossiers with events history entries and two milestones each.
func seedDossiers(tb testing.TB, client *ent.Client, n, events int) {
	tb.Helper()
	ctx := context.Background()
	fr := client.Country.Query().Where(country.Code("FR")).OnlyIDX(ctx)
	applicant := client.LocalAuthority.Create().SetName("Département test").SetLevel(localauthority.LevelDepartement).SetCountryID(fr).SaveX(ctx)
	user := client.User.Query().FirstIDX(ctx)
	const batch = 500
	for start := 0; start < n; start += batch {
		var ds []*ent.DossierCreate
		for i := start; i < min(n, start+batch); i++ {
			ds = append(ds, client.Dossier.Create().SetTitle(fmt.Sprintf("Dossier %d", i)).SetCall(fmt.Sprintf("DCOL %d", 2020+i%7)).
				SetSupportKind(dossier.SupportKindStrategy).SetApplicantID(applicant.ID).SetStatus(dossier.StatusUnderReview))
		}
		created := client.Dossier.CreateBulk(ds...).SaveX(ctx)
		var evs []*ent.DossierEventCreate
		var ms []*ent.MilestoneCreate
		for _, d := range created {
			for e := 0; e < events; e++ {
				evs = append(evs, client.DossierEvent.Create().SetDossierID(d.ID).SetToStatus(dossierevent.ToStatusSubmitted).
					SetComment("étape").SetAuthorID(user).SetAt(time.Now().Add(time.Duration(e)*time.Minute)))
			}
			ms = append(ms, client.Milestone.Create().SetDossierID(d.ID).SetTitle("Diagnostic").SetDueOn(time.Now().AddDate(0, -1, 0)),
				client.Milestone.Create().SetDossierID(d.ID).SetTitle("Restitution").SetDueOn(time.Now().AddDate(0, 2, 0)))
		}
		for i := 0; i < len(evs); i += 1000 {
			client.DossierEvent.CreateBulk(evs[i:min(len(evs), i+1000)]...).ExecX(ctx)
		}
		client.Milestone.CreateBulk(ms...).ExecX(ctx)
	}
}

const dossiersQuery = `query($n: Int) { dossiers(first: $n, orderBy: {field: RECEIVED_ON, direction: DESC}) {
	totalCount pageInfo { hasNextPage endCursor }
	edges { node { id title call status supportKind applicant { name }
		events(first: 10, orderBy: {field: AT, direction: DESC}) { totalCount edges { node { fromStatus toStatus comment at author { name } } } }
		milestones { edges { node { title dueOn doneAt } } } } } } }`

// TestNoNPlusOneDossiers: the dossiers list with history and milestones.
func TestNoNPlusOneDossiers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, noCache)
		seedDossiers(t, db.Client, 60, 3)
		count := func(n int) int64 {
			db.Statements.Store(0)
			d := a.ok(a.viewer, dossiersQuery, map[string]any{"n": n})
			if got := len(get(d, "dossiers", "edges").([]any)); got != n {
				t.Fatalf("asked %d dossiers, got %d", n, got)
			}
			if num(d, "dossiers", "edges", n-1, "node", "events", "totalCount") != 3 || str(d, "dossiers", "edges", n-1, "node", "milestones", "edges", 1, "node", "title") == "" {
				t.Fatalf("nested edges missing: %v", get(d, "dossiers", "edges", n-1))
			}
			return db.Statements.Load()
		}
		five, fifty := count(5), count(50)
		if five != fifty {
			t.Errorf("statement count grows with rows: %d for 5, %d for 50", five, fifty)
		}
	})
}

// noCache turns the response and token caches off: these tests count the statements of the
// query itself, not the caches' (one snapshot read, and no token lookup once it is cached).
var noCache = map[string]string{"COOPDESK_RESPONSE_CACHE_TTL": "0"}
