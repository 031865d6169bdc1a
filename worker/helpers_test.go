package worker_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"coopdesk/internal/testdb"
	"coopdesk/worker"
	"coopdesk/worker/fetch"
)

var topics = []string{
	"le conseil régional de l’Oriental adopte son budget de fonctionnement et d’investissement",
	"les maires de Sfax et de Marseille signent un accord sur la gestion de l’eau potable",
	"la loi sur les collectivités locales est adoptée en séance plénière par les députés",
	"Beyrouth : les municipalités réclament le versement de leurs dotations en retard",
	"Oran lance un programme de coopération décentralisée avec plusieurs villes françaises",
	"Tanger-Tétouan-Al Hoceïma présente un nouveau plan de développement régional",
}

var vocabulary = strings.Fields(strings.Join(topics, " ") + ` eau voirie budget région commune
	maire élus conseil séance vote transport école santé marché port route forêt pêche tourisme
	jeunesse sport culture patrimoine festival jumelage coopération partenariat financement projet
	formation emploi agriculture irrigation déchets assainissement énergie solaire électricité
	logement quartier habitat urbanisme mobilité numérique internet hôpital dispensaire bibliothèque
	musée université lycée stade piscine parc jardin marché souk médina littoral montagne désert oasis`)

// newsFeed builds an RSS 2.0 feed shaped like a WordPress export (CDATA, content:encoded,
// dc:creator, utm-tagged links) with n items whose text is distinct per site and item.
func newsFeed(site string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>%s</title><link>https://%s/</link><language>fr-FR</language>
`, site, site)
	base := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for i := range n {
		topic := topics[i%len(topics)]
		date := base.Add(-time.Duration(i) * time.Minute).Format(time.RFC1123Z)
		// Words drawn at random per site and item keep unrelated items out of one story.
		seed := sha256.Sum256(fmt.Appendf(nil, "%s/%d", site, i))
		rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:16])))
		ws := make([]string, 60)
		for k := range ws {
			ws[k] = vocabulary[rng.IntN(len(vocabulary))]
			if k%2 == 0 {
				ws[k] = fmt.Sprintf("réf%x", rng.Uint32())
			}
		}
		words := strings.Join(ws, " ")
		fmt.Fprintf(&b, `<item><title><![CDATA[ %s (%d) ]]></title><link>https://%s/politique/article-%d/?utm_source=rss&amp;utm_medium=rss</link><dc:creator><![CDATA[Rédaction]]></dc:creator><pubDate>%s</pubDate><guid isPermaLink="false">https://%s/?p=%d</guid><description><![CDATA[<p>Réuni en session, %s.</p>]]></description><content:encoded><![CDATA[<p>%s : %s, selon la <a href="/tag/cooperation/">coopération décentralisée</a>.</p>]]></content:encoded></item>
`, topic, i, site, i, date, site, i, topic, topic, words)
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// servedFeed serves body with an ETag and answers 304 to a matching If-None-Match, and
// counts the requests it receives.
type servedFeed struct {
	mu       sync.Mutex
	body     []byte
	ctype    string
	requests int
}

func (f *servedFeed) set(body []byte) {
	f.mu.Lock()
	f.body = body
	f.mu.Unlock()
}

func (f *servedFeed) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *servedFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	body := f.body
	f.mu.Unlock()
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	ct := f.ctype
	if ct == "" {
		ct = "application/rss+xml; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Write(body)
}

// newWorker returns a worker on db that may fetch loopback feeds only.
func newWorker(t testing.TB, db *testdb.DB, mod func(*worker.Config)) *worker.Worker {
	t.Helper()
	cfg := worker.Config{
		Concurrency: 6,
		Logger:      slog.New(slog.DiscardHandler),
		Fetch:       fetch.Config{TotalTimeout: 2 * time.Second, AllowedNetworks: worker.LoopbackOnly},
	}
	if mod != nil {
		mod(&cfg)
	}
	w, err := worker.New(db.DB, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

func addFeed(t testing.TB, db *testdb.DB, url string) int {
	t.Helper()
	f, err := worker.AddFeed(context.Background(), db.Client, url, "", "", "")
	if err != nil {
		t.Fatalf("add %s: %v", url, err)
	}
	return f.ID
}

// pressText makes press-like feed items: a headline and first sentence of the tagger's
// labelled set (worker/tag/testdata/labelled.jsonl), then words drawn from a Zipf
// distribution over a synthetic vocabulary, so that items differ as news items do
// (without forming stories) while their vocabulary grows as a news corpus's does.
type pressText struct {
	items []struct {
		Title   string `json:"title"`
		Summary string `json:"summary"`
	}
}

func newPressText(tb testing.TB) *pressText {
	data, err := os.ReadFile("tag/testdata/labelled.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	p := &pressText{}
	for line := range bytes.Lines(data) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var it struct {
			Title   string `json:"title"`
			Summary string `json:"summary"`
		}
		if err := json.Unmarshal(line, &it); err != nil {
			tb.Fatal(err)
		}
		p.items = append(p.items, it)
	}
	return p
}

// feed is newsFeed's WordPress shape with press-like items.
func (p *pressText) feed(site string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>%s</title><link>https://%s/</link><language>fr-FR</language>
`, site, site)
	base := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for i := range n {
		seed := sha256.Sum256(fmt.Appendf(nil, "%s/%d", site, i))
		rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:16])))
		zipf := rand.NewZipf(rng, 1.1, 1, 99_999)
		it := p.items[rng.IntN(len(p.items))]
		ws := make([]string, 40)
		for k := range ws {
			ws[k] = "terme" + strconv.FormatUint(zipf.Uint64(), 36)
		}
		date := base.Add(-time.Duration(i) * time.Minute).Format(time.RFC1123Z)
		fmt.Fprintf(&b, `<item><title><![CDATA[ %s ]]></title><link>https://%s/actualite/article-%d/?utm_source=rss&amp;utm_medium=rss</link><dc:creator><![CDATA[Rédaction]]></dc:creator><pubDate>%s</pubDate><guid isPermaLink="false">https://%s/?p=%d</guid><description><![CDATA[<p>%s</p>]]></description><content:encoded><![CDATA[<p>%s</p><p>%s, selon la <a href="/tag/cooperation/">rédaction</a>.</p>]]></content:encoded></item>
`, it.Title, site, i, date, site, i, it.Summary, it.Summary, strings.Join(ws, " "))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}
