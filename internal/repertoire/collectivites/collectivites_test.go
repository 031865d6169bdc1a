package collectivites_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/repertoire/collectivites"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"

	"entgo.io/ent/dialect"
)

func seeded(t testing.TB, db *testdb.DB) {
	t.Helper()
	if _, err := seed.Minimal(context.Background(), db.Client); err != nil {
		t.Fatal(err)
	}
}

func read(t testing.TB, path string) *collectivites.Dataset {
	t.Helper()
	ds, err := collectivites.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func authority(t testing.TB, c *ent.Client, level localauthority.Level, code string) *ent.LocalAuthority {
	t.Helper()
	a, err := c.LocalAuthority.Query().
		Where(localauthority.HasCountryWith(country.Code("FR")), localauthority.LevelEQ(level), localauthority.Code(code)).
		WithParent().Only(context.Background())
	if err != nil {
		t.Fatalf("%s %s: %v", level, code, err)
	}
	return a
}

func TestReadSkipsFormerCommunes(t *testing.T) {
	ds := read(t, "testdata/v1")
	if len(ds.Communes) != 8 {
		t.Fatalf("communes = %d, want the 8 current ones (arrondissement and commune déléguée skipped)", len(ds.Communes))
	}
	one := read(t, "testdata/v1/regions.json")
	if len(one.Regions) != 4 || len(one.Communes) != 0 {
		t.Fatalf("reading one file: %+v", one)
	}
}

func TestReadBadInput(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"testdata/bad/communes.json", "communes.json: record 2: malformed JSON"},
		{"testdata/bad/regions.json", "regions.json: malformed JSON: the file is truncated"},
		{"testdata/bad/departements.json", "departements.json record 1: 75: missing nom"},
		{"testdata/nowhere", "no such file"},
		{"testdata/LICENSE", "unknown file name"},
		{"testdata", "holds none of"},
	} {
		_, err := collectivites.Read(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%s) = %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seeded(t, db)
		res, err := collectivites.Load(ctx, db.DB, read(t, "testdata/v1"), collectivites.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := collectivites.Result{
			Regions: collectivites.Counts{Created: 4}, Departements: collectivites.Counts{Created: 5},
			EPCI: collectivites.Counts{Created: 3}, Communes: collectivites.Counts{Created: 8}, MembersAdded: 5,
		}
		res.Duration = 0
		if res != want {
			t.Fatalf("first load: %+v, want %+v", res, want)
		}

		paris := authority(t, db.Client, localauthority.LevelCommune, "75056")
		if paris.Siren != "217500016" || *paris.Zone != localauthority.ZoneMetro || paris.Edges.Parent.Code != "75" {
			t.Errorf("Paris: %+v (parent %+v)", paris, paris.Edges.Parent)
		}
		dept := authority(t, db.Client, localauthority.LevelDepartement, "75")
		if dept.Edges.Parent.Code != "11" || *dept.Population != *paris.Population {
			t.Errorf("département 75: parent %s, population %v (Paris %v)", dept.Edges.Parent.Code, *dept.Population, *paris.Population)
		}
		spm := authority(t, db.Client, localauthority.LevelCommune, "97502")
		if *spm.Zone != localauthority.ZoneCom || spm.Siren != "" || spm.Edges.Parent.Code != "975" {
			t.Errorf("Saint-Pierre (COM): %+v", spm)
		}
		mgp := authority(t, db.Client, localauthority.LevelEpci, "200054781")
		members, err := mgp.QueryMemberCommunes().Order(localauthority.ByCode()).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(members); got != "75056 93001 93066" {
			t.Errorf("Métropole du Grand Paris members = %s", got)
		}
		if mgp.Siren != "200054781" || *mgp.Zone != localauthority.ZoneMetro {
			t.Errorf("EPCI: %+v", mgp)
		}
		epcis, err := authority(t, db.Client, localauthority.LevelCommune, "93066").QueryEpcis().All(ctx)
		if err != nil || len(epcis) != 1 || epcis[0].ID != mgp.ID {
			t.Errorf("Saint-Denis's EPCI = %v, %v", epcis, err)
		}

		// A second run of the same release writes nothing.
		before := updatedAt(t, db.Client)
		res, err = collectivites.Load(ctx, db.DB, read(t, "testdata/v1"), collectivites.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Written() || res.Communes.Unchanged != 8 || res.EPCI.Unchanged != 3 {
			t.Fatalf("second load wrote: %+v", res)
		}
		if after := updatedAt(t, db.Client); !after.Equal(before) {
			t.Errorf("an unchanged load rewrote records: latest updated_at %v → %v", before, after)
		}
	})
}

// TestNewerRelease: a newer release renames, updates populations and memberships in place;
// partnerships, contacts and group memberships stay attached.
func TestNewerRelease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seeded(t, db)
		if _, err := collectivites.Load(ctx, db.DB, read(t, "testdata/v1"), collectivites.Options{}); err != nil {
			t.Fatal(err)
		}
		sd := authority(t, db.Client, localauthority.LevelCommune, "93066")
		morocco, err := db.Client.Country.Query().Where(country.Code("MA")).OnlyID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		partner := db.Client.LocalAuthority.Create().SetName("Tanger").SetLevel(localauthority.LevelCommune).SetCountryID(morocco).SaveX(ctx)
		p := db.Client.Partnership.Create().SetTitle("Saint-Denis – Tanger").SetKind("jumelage").
			AddFrenchAuthorities(sd).AddPartnerAuthorities(partner).SaveX(ctx)
		db.Client.Contact.Create().SetFullName("Jeanne Martin").SetAuthorityID(sd.ID).ExecX(ctx)
		db.Client.CountryGroup.Update().AddMemberIDs(sd.ID).ExecX(ctx)

		res, err := collectivites.Load(ctx, db.DB, read(t, "testdata/v2"), collectivites.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Communes.Created != 1 || res.Communes.Updated != 2 || res.Communes.Unchanged != 6 ||
			res.MembersAdded != 1 || res.MembersRemoved != 1 || res.Departements.Updated != 2 {
			t.Fatalf("newer release: %+v", res)
		}
		sd2 := authority(t, db.Client, localauthority.LevelCommune, "93066")
		if sd2.ID != sd.ID || sd2.Name != "Saint-Denis (nouvelle)" {
			t.Fatalf("Saint-Denis after the new release: %+v", sd2)
		}
		if n := sd2.QueryPartnershipsAsFrench().CountX(ctx); n != 1 {
			t.Errorf("partnerships of Saint-Denis = %d", n)
		}
		if n := sd2.QueryContacts().CountX(ctx); n != 1 {
			t.Errorf("contacts of Saint-Denis = %d", n)
		}
		if n := sd2.QueryGroups().CountX(ctx); n != 4 {
			t.Errorf("groups of Saint-Denis = %d", n)
		}
		if n := p.QueryFrenchAuthorities().CountX(ctx); n != 1 {
			t.Errorf("French authorities of the partnership = %d", n)
		}
		if paris := authority(t, db.Client, localauthority.LevelCommune, "75056"); *paris.Population != 2100000 {
			t.Errorf("Paris population = %d", *paris.Population)
		}
		mgp := authority(t, db.Client, localauthority.LevelEpci, "200054781")
		members := mgp.QueryMemberCommunes().Order(localauthority.ByCode()).AllX(ctx)
		if got := codes(members); got != "75056 93048 93066" {
			t.Errorf("members after the new release = %s", got)
		}
	})
}

// TestLoadFailsWhole: a load that fails part way (communes whose département is unknown)
// writes nothing.
func TestLoadFailsWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seeded(t, db)
		ds := read(t, "testdata/v1")
		ds.Departements = ds.Departements[:2]
		_, err := collectivites.Load(ctx, db.DB, ds, collectivites.Options{})
		if err == nil || !strings.Contains(err.Error(), "is unknown (load departements.json too)") {
			t.Fatalf("err = %v", err)
		}
		if n := db.Client.LocalAuthority.Query().CountX(ctx); n != 0 {
			t.Errorf("a failed load left %d authorities", n)
		}
	})
}

func TestEmbeddedFullLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads all French collectivités")
	}
	ds, err := collectivites.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		if raceEnabled && db.Dialect == dialect.SQLite {
			t.Skip("too slow on SQLite under the race detector: run without -race")
		}
		ctx := context.Background()
		seeded(t, db)
		res, err := collectivites.Load(ctx, db.DB, ds, collectivites.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("full load in %v: %+v", res.Duration, res)
		for level, want := range map[localauthority.Level]int{
			localauthority.LevelCommune: 34969, localauthority.LevelEpci: 1255,
			localauthority.LevelDepartement: 109, localauthority.LevelRegion: 26,
		} {
			if n := db.Client.LocalAuthority.Query().Where(localauthority.LevelEQ(level)).CountX(ctx); n != want {
				t.Errorf("%s: %d, want %d", level, n, want)
			}
		}
		if n := db.Client.LocalAuthority.Query().Where(localauthority.LevelEQ(localauthority.LevelCommune), localauthority.ParentIDIsNil()).CountX(ctx); n != 0 {
			t.Errorf("%d communes without a département", n)
		}
		if n := db.Client.LocalAuthority.Query().Where(localauthority.LevelEQ(localauthority.LevelCommune), localauthority.HasEpcis()).CountX(ctx); n != 34871 {
			t.Errorf("communes in an EPCI: %d, want 34,871", n)
		}
		// Saint-Denis is four communes: the name alone does not identify a collectivité.
		if n := db.Client.LocalAuthority.Query().Where(localauthority.Name("Saint-Denis")).CountX(ctx); n != 4 {
			t.Errorf("Saint-Denis: %d communes", n)
		}
		res, err = collectivites.Load(ctx, db.DB, ds, collectivites.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Written() {
			t.Errorf("an unchanged re-load wrote: %+v", res)
		}
		t.Logf("unchanged re-load in %v", res.Duration)
	})
}

func codes(as []*ent.LocalAuthority) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Code)
	}
	return strings.Join(s, " ")
}

func updatedAt(t testing.TB, c *ent.Client) time.Time {
	t.Helper()
	a, err := c.LocalAuthority.Query().Order(ent.Desc(localauthority.FieldUpdatedAt)).First(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return a.UpdatedAt
}
