package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coopdesk/ent/localauthority"
	"coopdesk/internal/repertoire/collectivites"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"

	"github.com/xuri/excelize/v2"
)

// TestRepertoireCommands runs import collectivites, import partnerships and export
// in-process on both databases. The database holds the small French fixture of the
// collectivites package, so prepare() does not load the full embedded release (that is
// tested in internal/repertoire) but does load the partner-country units and feeds.
func TestRepertoireCommands(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		if _, err := seed.Minimal(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		ds, err := collectivites.Read("../repertoire/collectivites/testdata/v1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := collectivites.Load(ctx, db.DB, ds, collectivites.Options{}); err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) (string, string, error) {
			var out, errb bytes.Buffer
			env := Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(k string) string {
				switch k {
				case "COOPDESK_DATABASE_URL":
					return db.URL
				case "COOPDESK_LOG_LEVEL":
					return "error"
				}
				return ""
			}}
			err := importOrExport(ctx, env, args)
			return out.String(), errb.String(), err
		}

		// Partnerships: a dry run, then the import; refused rows make the command fail
		// after its report.
		good := "../repertoire/partnershipcsv/testdata/good.csv"
		out, _, err := run("import", "partnerships", "--dry-run", good)
		if err != nil || !strings.Contains(out, "created 5, updated 0, unchanged 0, refused 0") || !strings.Contains(out, "dry run") {
			t.Errorf("dry run: %v\n%s", err, out)
		}
		out, _, err = run("import", "partnerships", good)
		if err != nil || !strings.Contains(out, "created 5,") {
			t.Errorf("import: %v\n%s", err, out)
		}
		out, _, err = run("import", "partnerships", "../repertoire/partnershipcsv/testdata/refused.csv")
		if err == nil || !strings.Contains(err.Error(), "12 of 13 rows refused") ||
			!strings.Contains(out, "line 2 refused: ambiguous French collectivité \"Saint-Denis\": Saint-Denis commune 11339 (Aude), Saint-Denis commune 93066 (Seine-Saint-Denis), Saint-Denis commune 97411 (La Réunion)") {
			t.Errorf("refused rows: %v\n%s", err, out)
		}
		if _, _, err := run("import", "partnerships", "../repertoire/partnershipcsv/testdata/missing-columns.csv"); err == nil || !strings.Contains(err.Error(), "expected columns: référence, titre") {
			t.Errorf("missing columns: %v", err)
		}
		_, errs, err := run("import", "partnerships", "--help")
		if err == nil && !strings.Contains(errs, "collectivité partenaire") {
			t.Errorf("--help lacks the columns:\n%s", errs)
		}

		// A newer communes.json: Saint-Denis (93) renamed, Paris's population changed,
		// Montreuil added.
		out, errs, err = run("import", "collectivites", "../repertoire/collectivites/testdata/v2/communes.json")
		if err != nil {
			t.Fatal(err, errs)
		}
		var communes []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "communes ") {
				communes = strings.Fields(line)
			}
		}
		if strings.Join(communes, " ") != "communes 1 2 6 0" {
			t.Errorf("import collectivites output:\n%s", out)
		}
		sd := db.Client.LocalAuthority.Query().Where(localauthority.Code("93066")).OnlyX(ctx)
		if sd.Name != "Saint-Denis (nouvelle)" || sd.QueryPartnershipsAsFrench().CountX(ctx) != 1 {
			t.Errorf("93066 after the new release: %+v", sd)
		}
		if n := db.Client.LocalAuthority.Query().Where(localauthority.LevelEQ(localauthority.LevelCommune)).CountX(ctx); n != 9 {
			t.Errorf("communes: %d", n)
		}
		if _, errs, err := run("import", "collectivites", "../repertoire/collectivites/testdata/bad/communes.json"); err == nil || !strings.Contains(err.Error(), "communes.json: record 2: malformed JSON") {
			t.Errorf("malformed JSON: %v %s", err, errs)
		}

		// Exports.
		dir := t.TempDir()
		xlsx := filepath.Join(dir, "partenariats.xlsx")
		if _, errs, err := run("export", "partnerships", "--group", "liban", "-o", xlsx); err != nil || !strings.Contains(errs, "2 rows written") {
			t.Fatalf("export xlsx: %v %s", err, errs)
		}
		f, err := excelize.OpenFile(xlsx)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("Partenariats")
		f.Close()
		if len(rows) != 3 {
			t.Errorf("xlsx rows: %d", len(rows))
		}
		out, _, err = run("export", "authorities", "--country", "DZ", "--format", "csv", "--sep", ";")
		if err != nil || !strings.HasPrefix(out, "\uFEFFnom;niveau;code") || strings.Count(out, "\r\n") != 70 {
			t.Errorf("export authorities: %v, %d lines\n%.300s", err, strings.Count(out, "\r\n"), out)
		}
		if _, _, err := run("export", "partnerships", "--format", "ods"); err == nil || !strings.Contains(err.Error(), "unknown format") {
			t.Errorf("unknown format: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "nothing.xlsx")); err == nil {
			t.Error("a file appeared")
		}
	})
}

func importOrExport(ctx context.Context, env Env, args []string) error {
	return commands[args[0]].run(ctx, env, args[1:])
}
