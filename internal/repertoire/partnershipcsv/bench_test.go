package partnershipcsv_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"coopdesk/internal/repertoire/partnershipcsv"
	"coopdesk/internal/testdb"
)

// TenThousandRows returns a partnerships file of n rows in the layout of Excel's French
// CSV: ";" separators, a BOM, themes and funders.
func tenThousandRows(n int) []byte {
	french := []string{"75056", "Saint-Denis (93)", "200054781", "Saint-Denis (Aude)", "97411", "93001"}
	partners := []struct{ name, country string }{{"Alger", "DZ"}, {"Oran", "Algérie"}, {"Tunis", "TN"}, {"Sfax", "Tunisie"},
		{"Tyr (Sour)", "LB"}, {"Beqaa", "Liban"}, {"Fès-Meknès", "MA"}, {"Marrakech", "Maroc"}}
	kinds := []string{"jumelage", "convention de coopération", "action ponctuelle", "réseau/programme"}
	var b bytes.Buffer
	b.WriteString("\uFEFFréférence;titre;collectivité française;collectivité partenaire;pays;type;statut;thématiques;date de début;budget;cofinanceurs;description\r\n")
	for i := range n {
		p := partners[i%len(partners)]
		fmt.Fprintf(&b, "BENCH-%05d;Coopération n° %d;%s;%s;%s;%s;actif;\"Eau et assainissement; Culture\";%02d/%02d/20%02d;%d,50;\"AFD; Région\";Projet de coopération décentralisée numéro %d\r\n",
			i, i, french[i%len(french)], p.name, p.country, kinds[i%len(kinds)], 1+i%28, 1+i%12, i%25, 1000+i, i)
	}
	return b.Bytes()
}

// BenchmarkImport10k imports 10,000 new partnerships into a database holding the French
// and partner authorities they name.
func BenchmarkImport10k(b *testing.B) {
	data := tenThousandRows(10_000)
	for _, engine := range testdb.Engines {
		b.Run(engine, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				b.StopTimer()
				db := testdb.Open(b, engine, testdb.Options{})
				prepared(b, db)
				b.StartTimer()
				rep, err := partnershipcsv.Import(context.Background(), db.Client, bytes.NewReader(data), partnershipcsv.Options{})
				if err != nil || rep.Created != 10_000 {
					b.Fatal(err, rep)
				}
			}
		})
	}
}

// BenchmarkReimport10k imports the same 10,000 rows again: all unchanged.
func BenchmarkReimport10k(b *testing.B) {
	data := tenThousandRows(10_000)
	for _, engine := range testdb.Engines {
		b.Run(engine, func(b *testing.B) {
			db := testdb.Open(b, engine, testdb.Options{})
			prepared(b, db)
			if _, err := partnershipcsv.Import(context.Background(), db.Client, bytes.NewReader(data), partnershipcsv.Options{}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				rep, err := partnershipcsv.Import(context.Background(), db.Client, bytes.NewReader(data), partnershipcsv.Options{})
				if err != nil || rep.Unchanged != 10_000 {
					b.Fatal(err, rep)
				}
			}
		})
	}
}
