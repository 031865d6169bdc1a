package export_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"coopdesk/internal/repertoire/export"
	"coopdesk/internal/repertoire/partnershipcsv"
	"coopdesk/internal/testdb"
)

// BenchmarkPartnerships10k exports 10,000 partnerships (with their authorities, themes
// and funders) as XLSX and as CSV.
func BenchmarkPartnerships10k(b *testing.B) {
	var csv bytes.Buffer
	csv.WriteString("référence;collectivité française;collectivité partenaire;pays;type;thématiques;date de signature;budget;cofinanceurs;description\n")
	partners := []string{"Alger;DZ", "Tunis;TN", "Tyr (Sour);LB", "Fès-Meknès;MA"}
	for i := range 10_000 {
		fmt.Fprintf(&csv, "X-%05d;75056;%s;jumelage;\"Santé; Culture\";2019-03-11;%d;AFD;Coopération numéro %d\n", i, partners[i%len(partners)], 1000+i, i)
	}
	for _, engine := range testdb.Engines {
		db := testdb.Open(b, engine, testdb.Options{})
		prepared(b, db)
		rep, err := partnershipcsv.Import(context.Background(), db.Client, bytes.NewReader(csv.Bytes()), partnershipcsv.Options{})
		if err != nil || rep.Created != 10_000 {
			b.Fatal(err, rep)
		}
		for _, f := range []export.Format{export.XLSX, export.CSV} {
			b.Run(engine+"/"+string(f), func(b *testing.B) {
				for b.Loop() {
					n, err := export.Partnerships(context.Background(), db.Client, io.Discard, export.Options{Format: f})
					if err != nil || n != 10_005 {
						b.Fatal(n, err)
					}
				}
			})
		}
	}
}
