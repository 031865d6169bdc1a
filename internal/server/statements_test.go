package server_test

import (
	"context"
	"fmt"
	"testing"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/ent/theme"
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
			a := newAPI(t, db, nil)
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
