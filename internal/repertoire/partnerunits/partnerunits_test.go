package partnerunits_test

import (
	"context"
	"slices"
	"testing"

	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/repertoire/partnerunits"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"
)

func TestLoad(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		if _, err := seed.Minimal(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		res, err := partnerunits.Load(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		// 12 + 75 (MA), 58 + 11 (DZ), 24 (TN), 9 + 25 (LB)
		if res.Created != 214 || res.Updated+res.Unchanged != 0 {
			t.Fatalf("first load: %+v", res)
		}
		count := func(cc string, level localauthority.Level) int {
			return db.Client.LocalAuthority.Query().Where(localauthority.HasCountryWith(country.Code(cc)), localauthority.LevelEQ(level)).CountX(ctx)
		}
		for _, tc := range []struct {
			cc    string
			level localauthority.Level
			want  int
		}{
			{"MA", localauthority.LevelRegion, 12}, {"MA", localauthority.LevelPrefectureProvince, 75},
			{"DZ", localauthority.LevelWilaya, 69}, {"TN", localauthority.LevelGouvernorat, 24},
			{"LB", localauthority.LevelMohafazat, 9}, {"LB", localauthority.LevelCaza, 25},
		} {
			if n := count(tc.cc, tc.level); n != tc.want {
				t.Errorf("%s %s: %d, want %d", tc.cc, tc.level, n, tc.want)
			}
		}
		if n := db.Client.LocalAuthority.Query().Where(localauthority.Status(partnerunits.StatusAnnounced)).CountX(ctx); n != 11 {
			t.Errorf("announced wilayas: %d, want 11", n)
		}
		bekaa := db.Client.LocalAuthority.Query().Where(localauthority.Code("LB-BI")).OnlyX(ctx)
		for _, a := range []string{"البقاع", "Bekaa", "Beqaa"} {
			if !slices.Contains(bekaa.Aliases, a) {
				t.Errorf("Békaa aliases %q lack %q", bekaa.Aliases, a)
			}
		}
		tyr := db.Client.LocalAuthority.Query().Where(localauthority.LevelEQ(localauthority.LevelCaza), localauthority.Code("tyr-sour")).WithParent().OnlyX(ctx)
		if tyr.Edges.Parent == nil || tyr.Edges.Parent.Code != "LB-JA" || !slices.Contains(tyr.Aliases, "Sour") {
			t.Errorf("Tyr: %+v parent %+v", tyr, tyr.Edges.Parent)
		}
		alger := db.Client.LocalAuthority.Query().Where(localauthority.LevelEQ(localauthority.LevelWilaya), localauthority.Code("16")).OnlyX(ctx)
		if alger.Name != "Alger" || alger.Status != "" || !slices.Contains(alger.Aliases, "الجزائر") {
			t.Errorf("Alger: %+v", alger)
		}

		// Staff edits survive; a second run writes nothing.
		db.Client.LocalAuthority.UpdateOne(alger).SetName("Alger (wilaya)").SetAliases(append(alger.Aliases, "Dzayer")).ExecX(ctx)
		res, err = partnerunits.Load(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created+res.Updated != 0 || res.Unchanged != 214 {
			t.Errorf("second load: %+v", res)
		}
		alger = db.Client.LocalAuthority.GetX(ctx, alger.ID)
		if alger.Name != "Alger (wilaya)" || !slices.Contains(alger.Aliases, "Dzayer") {
			t.Errorf("staff edits lost: %+v", alger)
		}
	})
}
