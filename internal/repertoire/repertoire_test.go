package repertoire_test

import (
	"context"
	"testing"

	"coopdesk/ent/localauthority"
	"coopdesk/internal/repertoire"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"

	"entgo.io/ent/dialect"
)

func TestEnsureReference(t *testing.T) {
	if testing.Short() {
		t.Skip("loads all French collectivités")
	}
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		if raceEnabled && db.Dialect == dialect.SQLite {
			t.Skip("too slow on SQLite under the race detector: run without -race")
		}
		ctx := context.Background()
		if _, err := seed.Minimal(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		first, err := repertoire.EnsureReference(ctx, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		if first.French == nil || first.French.Communes.Created != 34969 || first.Partners.Created != 214 || first.Feeds == nil || first.Feeds.Created != 32 {
			t.Fatalf("first start: %+v", first)
		}
		t.Logf("French collectivités loaded in %v", first.French.Duration)
		total := db.Client.LocalAuthority.Query().CountX(ctx)
		if want := 34969 + 1255 + 109 + 26 + 214; total != want {
			t.Errorf("authorities: %d, want %d", total, want)
		}

		// The next start finds everything there and loads nothing, even after staff removed
		// a feed.
		db.Client.Feed.DeleteOneID(db.Client.Feed.Query().FirstIDX(ctx)).ExecX(ctx)
		db.Statements.Store(0)
		again, err := repertoire.EnsureReference(ctx, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		if again.French != nil || again.Feeds != nil || again.Partners.Created+again.Partners.Updated != 0 {
			t.Errorf("second start loaded: %+v", again)
		}
		if n := db.Statements.Load(); n > 8 {
			t.Errorf("second start sent %d statements", n)
		}
		if n := db.Client.LocalAuthority.Query().Where(localauthority.LevelEQ(localauthority.LevelCommune)).CountX(ctx); n != 34969 {
			t.Errorf("communes after the second start: %d", n)
		}
	})
}
