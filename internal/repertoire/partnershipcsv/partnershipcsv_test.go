package partnershipcsv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/organization"
	"coopdesk/ent/partnership"
	"coopdesk/internal/repertoire/collectivites"
	"coopdesk/internal/repertoire/partnershipcsv"
	"coopdesk/internal/repertoire/partnerunits"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"
)

// prepared returns a database with the countries, themes, the French collectivités of
// the collectivites fixture (three Saint-Denis, two Saint-Pierre, Paris commune and
// département…) and the partner-country units.
func prepared(t testing.TB, db *testdb.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := seed.Minimal(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	ds, err := collectivites.Read("../collectivites/testdata/v1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collectivites.Load(ctx, db.DB, ds, collectivites.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := partnerunits.Load(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
}

func importFile(t testing.TB, c *ent.Client, path string, opt partnershipcsv.Options) (*partnershipcsv.Report, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return partnershipcsv.Import(context.Background(), c, f, opt)
}

func TestImport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		rep, err := importFile(t, db.Client, "testdata/good.csv", partnershipcsv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 5 || len(rep.Refused) != 0 || rep.Encoding != partnershipcsv.UTF8 || rep.Separator != ";" || rep.FundersCreated != 3 {
			t.Fatalf("report: %+v", rep)
		}
		p := db.Client.Partnership.Query().Where(partnership.Reference("ATL-1")).
			WithFrenchAuthorities().WithPartnerAuthorities().WithThemes().WithFunders().OnlyX(ctx)
		if p.Title != "Paris – Alger" || p.Kind != partnership.KindJumelage || p.Status != partnership.StatusActive ||
			p.Budget == nil || *p.Budget != 12500.50 || p.SignedOn == nil || p.SignedOn.UTC().Format(time.DateOnly) != "2003-10-15" ||
			p.Description != "Coopération sur l'eau; formation des agents" || p.Source != "csv" {
			t.Errorf("ATL-1: %+v", p)
		}
		if len(p.Edges.FrenchAuthorities) != 1 || p.Edges.FrenchAuthorities[0].Code != "75056" ||
			len(p.Edges.PartnerAuthorities) != 1 || p.Edges.PartnerAuthorities[0].Code != "16" {
			t.Errorf("ATL-1 authorities: %v / %v", p.Edges.FrenchAuthorities, p.Edges.PartnerAuthorities)
		}
		if len(p.Edges.Themes) != 2 || len(p.Edges.Funders) != 2 {
			t.Errorf("ATL-1 themes %v, funders %v", p.Edges.Themes, p.Edges.Funders)
		}
		for ref, want := range map[string][2]string{
			"ATL-2": {"93066", "tyr-sour"}, // Saint-Denis told apart by its département's code
			"ATL-3": {"11339", "LB-BI"},    // … or name; Békaa by its usual spelling
			"ATL-5": {"97502", "MA-03"},    // Saint-Pierre (975)
		} {
			p := db.Client.Partnership.Query().Where(partnership.Reference(ref)).WithFrenchAuthorities().WithPartnerAuthorities().OnlyX(ctx)
			if p.Edges.FrenchAuthorities[0].Code != want[0] || p.Edges.PartnerAuthorities[0].Code != want[1] {
				t.Errorf("%s: %s → %s, want %v", ref, p.Edges.FrenchAuthorities[0].Code, p.Edges.PartnerAuthorities[0].Code, want)
			}
		}
		noRef := db.Client.Partnership.Query().Where(partnership.ReferenceIsNil()).OnlyX(ctx)
		if noRef.Title != "Métropole du Grand Paris – Tunis" || noRef.Kind != partnership.KindReseauProgramme {
			t.Errorf("row without référence: %+v", noRef)
		}
		if n := db.Client.Organization.Query().Where(organization.KindEQ(organization.KindFunder)).CountX(ctx); n != 3 {
			t.Errorf("funders: %d", n)
		}

		// The same file again changes nothing, the row without référence included.
		before := latest(t, db.Client)
		rep, err = importFile(t, db.Client, "testdata/good.csv", partnershipcsv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created+rep.Updated != 0 || rep.Unchanged != 5 || rep.FundersCreated != 0 {
			t.Fatalf("re-import: %+v", rep)
		}
		if after := latest(t, db.Client); !after.Equal(before) {
			t.Errorf("re-import rewrote partnerships: %v → %v", before, after)
		}

		// The same rows saved by Excel in Windows-1252 with commas: only the titles
		// whose dash was turned into a hyphen differ.
		rep, err = importFile(t, db.Client, "testdata/good-cp1252.csv", partnershipcsv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Encoding != partnershipcsv.Windows1252 || rep.Separator != "," || rep.Updated != 2 || rep.Unchanged != 3 || len(rep.Refused) != 0 {
			t.Fatalf("Windows-1252 import: %+v", rep)
		}
		if got := db.Client.Partnership.Query().Where(partnership.Reference("ATL-1")).OnlyX(ctx).Title; got != "Paris - Alger" {
			t.Errorf("ATL-1 title = %q", got)
		}
		if n := db.Client.Partnership.Query().CountX(ctx); n != 5 {
			t.Errorf("partnerships: %d", n)
		}
	})
}

func TestImportRefusedRows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		rep, err := importFile(t, db.Client, "testdata/refused.csv", partnershipcsv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int][]string{
			2:  {`ambiguous French collectivité "Saint-Denis"`, "Saint-Denis commune 11339 (Aude)", "Saint-Denis commune 93066 (Seine-Saint-Denis)", "Saint-Denis commune 97411 (La Réunion)"},
			3:  {`unknown pays "Atlantide"`},
			4:  {`unknown type "amitié"`},
			6:  {"duplicate of line 5"},
			7:  {`partner authority "Larache-Ville" is not in the répertoire for Maroc`, "--create-missing-partners"},
			8:  {`date de début: "31/02/2020" is not a date`},
			9:  {"6 fields where the header has 10"},
			10: {`unknown thématique "Astronomie"`},
			11: {"date de fin 2019-01-01 is before date de début 2020-01-01"},
			12: {`ambiguous French collectivité "Paris": Paris departement 75, Paris commune 75056 (Paris)`, `ambiguous partner authority "Akkar"`, `"Akkar (caza)"`},
			13: {`unknown département "Yonne"`},
			14: {"no current commune has INSEE code 99999"},
		}
		got := map[int]string{}
		for _, r := range rep.Refused {
			got[r.Line] = r.Reason
		}
		for line, parts := range want {
			for _, p := range parts {
				if !strings.Contains(got[line], p) {
					t.Errorf("line %d: reason %q lacks %q", line, got[line], p)
				}
			}
		}
		if len(rep.Refused) != len(want) || rep.Created != 1 || rep.Rows != 13 {
			t.Errorf("report: created %d, rows %d, refused %v", rep.Created, rep.Rows, rep.Refused)
		}
		// Only line 5 (B-4) went in: refused rows wrote nothing, not even a partner.
		if refs := db.Client.Partnership.Query().Select(partnership.FieldReference).StringsX(ctx); !slices.Equal(refs, []string{"B-4"}) {
			t.Errorf("partnerships: %v", refs)
		}
		if db.Client.LocalAuthority.Query().Where(localauthority.Name("Larache-Ville")).ExistX(ctx) {
			t.Error("a refused row created its partner authority")
		}

		// With the flag, the missing partner is created, once.
		rep, err = importFile(t, db.Client, "testdata/refused.csv", partnershipcsv.Options{CreateMissingPartners: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.PartnersCreated != 1 || rep.Created != 1 || rep.Unchanged != 1 {
			t.Errorf("with --create-missing-partners: %+v", rep)
		}
		larache := db.Client.LocalAuthority.Query().Where(localauthority.Name("Larache-Ville")).WithCountry().OnlyX(ctx)
		if larache.Edges.Country.Code != "MA" || larache.Level != localauthority.LevelOther {
			t.Errorf("created partner: %+v", larache)
		}
	})
}

func TestImportDryRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		rep, err := importFile(t, db.Client, "testdata/good.csv", partnershipcsv.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 5 || !rep.DryRun {
			t.Errorf("dry run: %+v", rep)
		}
		if n := db.Client.Partnership.Query().CountX(ctx); n != 0 {
			t.Errorf("a dry run wrote %d partnerships", n)
		}
		if n := db.Client.Organization.Query().CountX(ctx); n != 0 {
			t.Errorf("a dry run wrote %d funders", n)
		}
	})
}

// TestImportBadFiles: a file that cannot be imported as a whole gives a clear error and
// changes nothing.
func TestImportBadFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		for _, tc := range []struct{ file, want string }{
			{"testdata/missing-columns.csv", "missing column(s) collectivité partenaire, pays; expected columns: référence, titre, collectivité française"},
			{"testdata/unknown-columns.csv", `unknown column(s) "couleur préférée"; expected columns: référence`},
			{"testdata/not-csv.txt", "not a CSV file with a header row"},
			{"testdata/header-only.csv", "no data rows"},
			{"testdata/utf16.csv", "UTF-16"},
			{"testdata/workbook.xlsx", "Excel workbook (.xlsx), not a CSV file"},
			{"testdata/malformed.csv", "line 2: malformed CSV"},
		} {
			_, err := importFile(t, db.Client, tc.file, partnershipcsv.Options{})
			var fe *partnershipcsv.FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %v, want a FileError containing %q", tc.file, err, tc.want)
			}
		}
		if n := db.Client.Partnership.Query().CountX(ctx); n != 0 {
			t.Errorf("bad files wrote %d partnerships", n)
		}
	})
}

// TestImportMixedEncoding: a UTF-8 file with a Windows-1252 line after the part used to
// detect the encoding is refused whole, the rows before it included.
func TestImportMixedEncoding(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		var b bytes.Buffer
		b.WriteString("référence;collectivité française;collectivité partenaire;pays;type\n")
		for i := 0; b.Len() < 80<<10; i++ {
			fmt.Fprintf(&b, "M-%d;75056;Alger;DZ;jumelage\n", i)
		}
		b.WriteString("M-last;75056;B\xe9ja\xefa;DZ;jumelage\n") // Béjaïa in Windows-1252
		_, err := partnershipcsv.Import(ctx, db.Client, &b, partnershipcsv.Options{})
		if err == nil || !strings.Contains(err.Error(), "mixes encodings") {
			t.Fatalf("err = %v", err)
		}
		if n := db.Client.Partnership.Query().CountX(ctx); n != 0 {
			t.Errorf("a refused file left %d partnerships", n)
		}
	})
}

func latest(t testing.TB, c *ent.Client) time.Time {
	t.Helper()
	p, err := c.Partnership.Query().Order(ent.Desc(partnership.FieldUpdatedAt)).First(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p.UpdatedAt
}
