package collectivites_test

import (
	"context"
	"testing"

	"coopdesk/internal/repertoire/collectivites"
	"coopdesk/internal/testdb"
)

// BenchmarkLoadFull loads every French collectivité (the embedded release) into a fresh
// database: 26 régions, 109 départements, 34,969 communes, 1,255 EPCI and their 34,871
// memberships.
func BenchmarkLoadFull(b *testing.B) {
	ds, err := collectivites.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, engine := range testdb.Engines {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testdb.Open(b, engine, testdb.Options{})
				seeded(b, db)
				b.StartTimer()
				if _, err := collectivites.Load(context.Background(), db.DB, ds, collectivites.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadUnchanged loads the same release again: everything is compared, nothing
// written.
func BenchmarkLoadUnchanged(b *testing.B) {
	ds, err := collectivites.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, engine := range testdb.Engines {
		b.Run(engine, func(b *testing.B) {
			db := testdb.Open(b, engine, testdb.Options{})
			seeded(b, db)
			if _, err := collectivites.Load(context.Background(), db.DB, ds, collectivites.Options{}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				res, err := collectivites.Load(context.Background(), db.DB, ds, collectivites.Options{})
				if err != nil || res.Written() {
					b.Fatal(err, res)
				}
			}
		})
	}
}

// BenchmarkEmbedded decodes the embedded release.
func BenchmarkEmbedded(b *testing.B) {
	for b.Loop() {
		if _, err := collectivites.Embedded(); err != nil {
			b.Fatal(err)
		}
	}
}
