package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopdesk/ent/dossier"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/repertoire/collectivites"
	"coopdesk/internal/repertoire/export"
	"coopdesk/internal/repertoire/partnershipcsv"
	"coopdesk/internal/repertoire/partnerunits"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"

	"github.com/xuri/excelize/v2"
)

// prepared loads the fixtures of the collectivites and partnershipcsv packages: French
// authorities, partner units and five partnerships.
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
	f, err := os.Open("../partnershipcsv/testdata/good.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rep, err := partnershipcsv.Import(ctx, db.Client, f, partnershipcsv.Options{}); err != nil || rep.Created != 5 {
		t.Fatalf("fixture import: %+v, %v", rep, err)
	}
}

func readCSV(t *testing.T, b []byte, sep rune) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Fatal("CSV without BOM: Excel would read it as Windows-1252")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = sep
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPartnershipsCSV(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		var buf bytes.Buffer
		n, err := export.Partnerships(ctx, db.Client, &buf, export.Options{Format: export.CSV, Sep: ';'})
		if err != nil || n != 5 {
			t.Fatalf("export: %d rows, %v", n, err)
		}
		rows := readCSV(t, buf.Bytes(), ';')
		if !slices.Equal(rows[0], partnershipcsv.Headers()) {
			t.Errorf("header %q is not the import's %q", rows[0], partnershipcsv.Headers())
		}
		atl1 := rows[1]
		if atl1[0] != "ATL-1" || atl1[2] != "Paris (75)" || atl1[4] != "Alger (wilaya)" || atl1[6] != "Algérie" ||
			atl1[10] != "2003-10-15" || atl1[14] != "12500,5" || !strings.Contains(atl1[9], "Eau et assainissement") {
			t.Errorf("ATL-1 row: %q", atl1)
		}
		if !strings.HasSuffix(buf.String(), "\r\n") {
			t.Error("CSV lines should end with CRLF for Excel")
		}

		// Read back by the import, the export changes nothing.
		rep, err := partnershipcsv.Import(ctx, db.Client, bytes.NewReader(buf.Bytes()), partnershipcsv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Unchanged != 5 || rep.Created+rep.Updated != 0 || len(rep.Refused) != 0 {
			t.Errorf("re-import of the export: %+v", rep)
		}

		// Filters.
		for _, tc := range []struct {
			f    export.Filter
			want int
		}{
			{export.Filter{Country: "LB"}, 2}, {export.Filter{Group: "maroc"}, 1}, {export.Filter{Theme: "sante"}, 1},
			{export.Filter{Status: "dormant"}, 1}, {export.Filter{Status: "terminé"}, 1}, {export.Filter{Group: "liban", Status: "ended"}, 1},
		} {
			n, err := export.Partnerships(ctx, db.Client, &bytes.Buffer{}, export.Options{Format: export.CSV, Filter: tc.f})
			if err != nil || n != tc.want {
				t.Errorf("filter %+v: %d rows, %v; want %d", tc.f, n, err, tc.want)
			}
		}
		for _, f := range []export.Filter{{Country: "XX"}, {Group: "islande"}, {Theme: "astronomie"}, {Status: "paused"}} {
			if _, err := export.Partnerships(ctx, db.Client, &bytes.Buffer{}, export.Options{Format: export.CSV, Filter: f}); err == nil {
				t.Errorf("filter %+v: no error", f)
			}
		}
	})
}

func TestPartnershipsXLSX(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		var buf bytes.Buffer
		if _, err := export.Partnerships(ctx, db.Client, &buf, export.Options{Format: export.XLSX}); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		if sheet != "Partenariats" {
			t.Errorf("sheet %q", sheet)
		}
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes: %+v, %v", panes, err)
		}
		style, err := f.GetCellStyle(sheet, "A1")
		if err != nil {
			t.Fatal(err)
		}
		if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
			t.Errorf("header style: %+v, %v", s, err)
		}
		if w, err := f.GetColWidth(sheet, "B"); err != nil || w < 30 {
			t.Errorf("title column width %v, %v", w, err)
		}
		// ATL-1 is row 2: its signature date is a date cell, its budget a number.
		if typ, _ := f.GetCellType(sheet, "K2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("date cell type %v", typ)
		}
		raw, _ := f.GetCellValue(sheet, "K2", excelize.Options{RawCellValue: true})
		serial, _ := excelize.ExcelDateToTime(mustFloat(t, raw), false)
		if serial.Format(time.DateOnly) != "2003-10-15" {
			t.Errorf("date cell: raw %q → %v", raw, serial)
		}
		if v, _ := f.GetCellValue(sheet, "K2"); v != "15/10/2003" {
			t.Errorf("date shown as %q", v)
		}
		if raw, _ := f.GetCellValue(sheet, "O2", excelize.Options{RawCellValue: true}); raw != "12500.5" {
			t.Errorf("budget cell raw value %q", raw)
		}
		rows, _ := f.GetRows(sheet)
		if len(rows) != 6 {
			t.Errorf("rows: %d", len(rows))
		}
	})
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a number: %v", s, err)
	}
	return f
}

func TestAuthorities(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		var buf bytes.Buffer
		n, err := export.Authorities(ctx, db.Client, &buf, export.Options{Format: export.CSV, Filter: export.Filter{Country: "FR"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := db.Client.LocalAuthority.Query().Where(localauthority.HasCountryWith()).CountX(ctx) - 214; n != want {
			t.Errorf("French authorities exported: %d, want %d", n, want)
		}
		rows := readCSV(t, buf.Bytes(), ',')
		var paris []string
		for _, r := range rows {
			if r[2] == "75056" {
				paris = r
			}
		}
		if paris == nil || paris[1] != "commune" || paris[3] != "217500016" || paris[5] != "metro" || paris[6] != "France" || paris[8] != "75" {
			t.Errorf("Paris row: %q", paris)
		}
		n, err = export.Authorities(ctx, db.Client, &bytes.Buffer{}, export.Options{Format: export.XLSX, Filter: export.Filter{Status: "announced"}})
		if err != nil || n != 11 {
			t.Errorf("announced wilayas: %d, %v", n, err)
		}
		n, err = export.Authorities(ctx, db.Client, &bytes.Buffer{}, export.Options{Format: export.CSV, Filter: export.Filter{Group: "liban"}})
		if err != nil || n != 34 {
			t.Errorf("Lebanese authorities: %d, %v", n, err)
		}
	})
}

func TestDossiers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		prepared(t, db)
		sd := db.Client.LocalAuthority.Query().Where(localauthority.Code("93066")).OnlyX(ctx)
		received := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
		db.Client.Dossier.Create().SetTitle("Stratégie internationale").SetCall("DCOL 2026").SetSupportKind(dossier.SupportKindStrategy).
			SetApplicant(sd).SetRequestedAmount(15000).SetReceivedOn(received).ExecX(ctx)
		db.Client.Dossier.Create().SetTitle("Projet eau").SetCall("DCOL 2026").SetSupportKind(dossier.SupportKindProject).
			SetApplicantID(db.Client.LocalAuthority.Query().Where(localauthority.Code("75056")).OnlyIDX(ctx)).ExecX(ctx)
		var buf bytes.Buffer
		n, err := export.Dossiers(ctx, db.Client, &buf, export.Options{Format: export.CSV, Filter: export.Filter{Group: "liban"}})
		if err != nil || n != 1 {
			t.Fatalf("dossiers of the Liban group: %d, %v", n, err)
		}
		rows := readCSV(t, buf.Bytes(), ',')
		if got := rows[1]; got[0] != "Stratégie internationale" || got[5] != "93066" || got[6] != "15000" || got[8] != "2026-03-11" {
			t.Errorf("row: %q", got)
		}
		if n, err := export.Dossiers(ctx, db.Client, &bytes.Buffer{}, export.Options{Format: export.XLSX}); err != nil || n != 2 {
			t.Errorf("all dossiers: %d, %v", n, err)
		}
		if _, err := export.Dossiers(ctx, db.Client, &bytes.Buffer{}, export.Options{Format: export.CSV, Filter: export.Filter{Status: "nope"}}); err == nil {
			t.Error("unknown status: no error")
		}
	})
}
