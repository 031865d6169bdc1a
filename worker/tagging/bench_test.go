package tagging_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/internal/testdb"
	"coopdesk/worker"
	"coopdesk/worker/fetch"
	"coopdesk/worker/pipeline"
	"coopdesk/worker/store"
	"coopdesk/worker/tagging"
)

// benchFeed is a copy of newsFeed in worker/helpers_test.go, the feeds of the ingestion
// benchmark of #5 (BenchmarkIngest): WordPress-shaped items whose headlines name partner
// places, with 40 words drawn from a local-news vocabulary.
func benchFeed(site string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>%s</title><link>https://%s/</link><language>fr-FR</language>
`, site, site)
	base := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for i := range n {
		topic := benchTopics[i%len(benchTopics)]
		date := base.Add(-time.Duration(i) * time.Minute).Format(time.RFC1123Z)
		rng := rand.New(rand.NewPCG(uint64(len(site))*7919+uint64(i), uint64(sha256.Sum256([]byte(site))[0])))
		ws := make([]string, 40)
		for k := range ws {
			ws[k] = benchWords[rng.IntN(len(benchWords))]
		}
		words := strings.Join(ws, " ")
		fmt.Fprintf(&b, `<item><title><![CDATA[ %s (%d) ]]></title><link>https://%s/politique/article-%d/?utm_source=rss&amp;utm_medium=rss</link><dc:creator><![CDATA[Rédaction]]></dc:creator><pubDate>%s</pubDate><guid isPermaLink="false">https://%s/?p=%d</guid><description><![CDATA[<p>Réuni en session, %s.</p>]]></description><content:encoded><![CDATA[<p>Réuni en session ordinaire, %s. Référence %s. Les élus ont débattu des priorités de l’année, de la voirie aux transports scolaires, et du rôle de la <a href="/tag/cooperation/">coopération décentralisée</a>.</p>]]></content:encoded></item>
`, topic, i, site, i, date, site, i, topic, topic, words)
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

var benchTopics = []string{
	"le conseil régional de l’Oriental adopte son budget de fonctionnement et d’investissement",
	"les maires de Sfax et de Marseille signent un accord sur la gestion de l’eau potable",
	"la loi sur les collectivités locales est adoptée en séance plénière par les députés",
	"Beyrouth : les municipalités réclament le versement de leurs dotations en retard",
	"Oran lance un programme de coopération décentralisée avec plusieurs villes françaises",
	"Tanger-Tétouan-Al Hoceïma présente un nouveau plan de développement régional",
}

var benchWords = strings.Fields(strings.Join(benchTopics, " ") + ` eau voirie budget région commune
	maire élus conseil séance vote transport école santé marché port route forêt pêche tourisme
	jeunesse sport culture patrimoine festival jumelage coopération partenariat financement projet
	formation emploi agriculture irrigation déchets assainissement énergie solaire électricité
	logement quartier habitat urbanisme mobilité numérique internet hôpital dispensaire bibliothèque
	musée université lycée stade piscine parc jardin marché souk médina littoral montagne désert oasis`)

// benchRepertoire adds 2,000 partner authorities with two aliases each to one partnership.
func benchRepertoire(b *testing.B, db *testdb.DB) {
	ctx := context.Background()
	setup(b, db)
	cs := db.Client.Country.Query().Where(country.CodeIn("MA", "DZ", "TN", "LB")).AllX(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	syl := []string{"ta", "ma", "ben", "sidi", "ain", "el", "bou", "ras", "ka", "ze", "ra", "mou", "lal", "chi", "da", "fa", "ne", "tou", "gue", "har"}
	word := func() string {
		var s strings.Builder
		for range 2 + rng.IntN(3) {
			s.WriteString(syl[rng.IntN(len(syl))])
		}
		return strings.ToUpper(s.String()[:1]) + s.String()[1:]
	}
	var ids []int
	for range 10 {
		creates := make([]*ent.LocalAuthorityCreate, 200)
		for i := range creates {
			w := word() + " " + word()
			creates[i] = db.Client.LocalAuthority.Create().SetName("Commune de " + w).SetAliases([]string{w + "-" + word(), "Ville de " + w}).
				SetLevel(localauthority.LevelCommune).SetCountryID(cs[rng.IntN(len(cs))].ID)
		}
		for _, a := range db.Client.LocalAuthority.CreateBulk(creates...).SaveX(ctx) {
			ids = append(ids, a.ID)
		}
	}
	db.Client.Partnership.Create().SetTitle("Réseau").SetKind(partnership.KindReseauProgramme).AddPartnerAuthorityIDs(ids...).ExecX(ctx)
}

// timed measures the tagging stage inside the pipeline: Tag (CPU) and Save (in the
// store's transaction).
type timed struct {
	stage     *tagging.Stage
	tag, save atomic.Int64
}

func (t *timed) Tag(ctx context.Context, feed pipeline.Feed, items []store.Item) (store.Tagging, error) {
	start := time.Now()
	tg, err := t.stage.Tag(ctx, feed, items)
	t.tag.Add(int64(time.Since(start)))
	if err != nil {
		return nil, err
	}
	return timedSave{tg, &t.save}, nil
}

type timedSave struct {
	store.Tagging
	d *atomic.Int64
}

func (s timedSave) Save(ctx context.Context, client *ent.Client, articles []store.TaggedArticle) error {
	start := time.Now()
	err := s.Tagging.Save(ctx, client, articles)
	s.d.Add(int64(time.Since(start)))
	return err
}

// Join keeps the stage's joining of feed batches (the store's group commit).
func (s timedSave) Join(next store.Tagging) (store.Tagging, bool) {
	n, ok := next.(timedSave)
	if !ok {
		return nil, false
	}
	j, ok := s.Tagging.(store.JoinableTagging)
	if !ok {
		return nil, false
	}
	both, ok := j.Join(n.Tagging)
	if !ok {
		return nil, false
	}
	return timedSave{both, s.d}, true
}

// BenchmarkIngestTagging runs one worker pass over 100 loopback feeds of 50 items into a
// fresh PostgreSQL schema, without and then with the tagging stage (2,000 répertoire
// authorities), each iteration on new schemas, and reports the overhead of tagging.
// The tagger's build is startup cost, outside the timings (see BenchmarkLoad).
//
//	go test -run '^$' -bench IngestTagging -benchtime 3x ./worker/tagging/
func BenchmarkIngestTagging(b *testing.B) {
	const feeds, items = 100, 50
	mux := http.NewServeMux()
	for i := range feeds {
		body := benchFeed(fmt.Sprintf("site%d.test", i), items)
		mux.HandleFunc(fmt.Sprintf("/f%d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			w.Write(body)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var off, on, tagCPU, tagSave time.Duration
	run := func(tagged bool) {
		b.StopTimer()
		db := testdb.Open(b, "postgres", testdb.Options{})
		benchRepertoire(b, db)
		for i := range feeds {
			if _, err := worker.AddFeed(context.Background(), db.Client, fmt.Sprintf("%s/f%d", srv.URL, i), "", "", ""); err != nil {
				b.Fatal(err)
			}
		}
		cfg := worker.Config{Concurrency: 4, Logger: slog.New(slog.DiscardHandler),
			Fetch: fetch.Config{TotalTimeout: 30 * time.Second, AllowedNetworks: worker.LoopbackOnly}}
		var tm *timed
		if tagged {
			stage := newStage(db)
			if err := stage.Load(context.Background()); err != nil {
				b.Fatal(err)
			}
			tm = &timed{stage: stage}
			cfg.Tagger = tm
		}
		w, err := worker.New(db.DB, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		b.StartTimer()
		start := time.Now()
		res, err := w.Pass(context.Background(), worker.PassOptions{All: true})
		d := time.Since(start)
		b.StopTimer()
		if err != nil || res.Failed > 0 || res.Counts.New != feeds*items {
			b.Fatalf("pass: %+v, %v", res, err)
		}
		if tagged {
			on += d
			tagCPU += time.Duration(tm.tag.Load())
			tagSave += time.Duration(tm.save.Load())
			var n int
			db.SQL.QueryRow(`SELECT count(*) FROM articles WHERE tagged_at IS NULL`).Scan(&n)
			if n != 0 {
				b.Fatalf("%d articles untagged", n)
			}
		} else {
			off += d
		}
	}
	for range b.N {
		run(false)
		run(true)
	}
	n := float64(b.N * feeds * items)
	b.ReportMetric(n/off.Seconds(), "items/s-untagged")
	b.ReportMetric(n/on.Seconds(), "items/s-tagged")
	b.ReportMetric(100*(on.Seconds()/off.Seconds()-1), "%-overhead")
	b.ReportMetric(100*tagCPU.Seconds()/on.Seconds(), "%-in-Tag")
	b.ReportMetric(100*tagSave.Seconds()/on.Seconds(), "%-in-Save")
}

// BenchmarkLoad is the stage's startup and rebuild cost with 2,000 répertoire authorities:
// reading them, the units and the groups, and building the tagger.
//
//	go test -run '^$' -bench Load -benchtime 5x ./worker/tagging/
func BenchmarkLoad(b *testing.B) {
	db := testdb.Open(b, "postgres", testdb.Options{})
	benchRepertoire(b, db)
	stage := newStage(db)
	b.ResetTimer()
	for range b.N {
		if err := stage.Load(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
