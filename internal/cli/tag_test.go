package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/internal/repertoire/partnerunits"
	"coopdesk/internal/seed"
	"coopdesk/internal/testdb"
	"coopdesk/worker"
)

// TestTagCommand runs `coopdesk tag` in-process on both databases: tags, malformed lines,
// id round trip and unknown fields kept, then --retag.
func TestTagCommand(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := t.Context()
		if _, err := seed.Minimal(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := partnerunits.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		tn := db.Client.Country.Query().Where(country.Code("TN")).OnlyX(ctx)
		fr := db.Client.Country.Query().Where(country.Code("FR")).OnlyX(ctx)
		sfax := db.Client.LocalAuthority.Create().SetName("Municipalité de Sfax").SetLevel(localauthority.LevelMunicipalite).
			SetCountry(tn).SaveX(ctx)
		lyon := db.Client.LocalAuthority.Create().SetName("Ville de Lyon").SetLevel(localauthority.LevelCommune).SetCountry(fr).SaveX(ctx)
		db.Client.Partnership.Create().SetTitle("Lyon – Sfax").SetKind(partnership.KindConventionCooperation).
			AddFrenchAuthorities(lyon).AddPartnerAuthorities(sfax).ExecX(ctx)

		run := func(stdin string, args ...string) (int, string, string) {
			var out, errb bytes.Buffer
			env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
				switch k {
				case "COOPDESK_DATABASE_URL":
					return db.URL
				case "COOPDESK_LOG_LEVEL":
					return "error"
				}
				return ""
			}}
			code := Run(ctx, append([]string{"tag"}, args...), env)
			return code, out.String(), errb.String()
		}

		in := strings.Join([]string{
			`{"id": "a1", "title": "Sfax : le conseil municipal adopte son budget", "summary": "Réunis en session, les élus municipaux ont voté le plan d'investissement.", "country": "TN", "source": {"name": "La Presse"}}`,
			`{"id": 2, "title": "Tripoli : nouveaux affrontements entre milices", "summary": "Des combats ont éclaté près de l'aéroport de Mitiga, dans la capitale libyenne.", "lang": "fr"}`,
			`{"id": "bad-json", "title": `,
			``,
			`{"id": "a4", "title": 42}`,
			`["not", "an", "object"]`,
			`{"id": "a6", "summary": "Orange : le festival des Chorégies affiche complet dans le Vaucluse.", "groups": ["stale"]}`,
		}, "\n")
		code, out, errs := run(in)
		if code != 1 || !strings.Contains(errs, "3 of 7 lines malformed") {
			t.Errorf("exit %d, stderr %q; want 1 and the count of malformed lines", code, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 7 {
			t.Fatalf("%d output lines for 7 input lines:\n%s", len(lines), out)
		}
		type mention struct {
			Kind        string `json:"kind"`
			AuthorityID int    `json:"authority_id"`
		}
		type result struct {
			ID       any             `json:"id"`
			Source   json.RawMessage `json:"source"`
			Groups   []string        `json:"groups"`
			Topics   []string        `json:"topics"`
			Mentions []mention       `json:"mentions"`
			Evidence map[string]map[string]struct {
				Terms []string `json:"terms"`
			} `json:"evidence"`
			Error string `json:"error"`
			Line  int    `json:"line"`
		}
		var got []result
		for i, l := range lines {
			var r result
			if l != "" {
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, l)
				}
			}
			got = append(got, r)
		}
		if !strings.HasPrefix(lines[0], `{"id":"a1","title":`) || string(got[0].Source) != `{"name":"La Presse"}` {
			t.Errorf("fields not kept in order: %s", lines[0])
		}
		if !slices.Equal(got[0].Groups, []string{"tunisie"}) || !slices.Contains(got[0].Topics, "territorial_local") ||
			!slices.Contains(got[0].Mentions, mention{"authority", sfax.ID}) || len(got[0].Evidence["groups"]["tunisie"].Terms) == 0 {
			t.Errorf("Sfax: %s", lines[0])
		}
		if got[1].ID != 2.0 || len(got[1].Groups) != 0 || got[1].Groups == nil {
			t.Errorf("Tripoli (Libya): %s", lines[1])
		}
		if got[2].Error == "" || got[2].Line != 3 || got[2].ID != nil {
			t.Errorf("bad JSON: %s", lines[2])
		}
		if lines[3] != "" {
			t.Errorf("blank line: %q", lines[3])
		}
		if got[4].ID != "a4" || !strings.Contains(got[4].Error, "title must be a string") {
			t.Errorf("bad title: %s", lines[4])
		}
		if got[5].Error == "" || got[5].Line != 6 {
			t.Errorf("array: %s", lines[5])
		}
		if got[6].ID != "a6" || len(got[6].Groups) != 0 || strings.Contains(lines[6], "stale") {
			t.Errorf("Orange: %s", lines[6])
		}

		if code, _, errs := run("", "--since", "2026-01-01"); code != 2 {
			t.Errorf("--since without --retag: exit %d (%s)", code, errs)
		}

		// --retag: an article stored untagged is tagged; --since leaves older ones alone.
		feed, err := worker.AddFeed(ctx, db.Client, "https://lapresse.test/feed", "", "TN", "fr")
		if err != nil {
			t.Fatal(err)
		}
		mk := func(url, title string, published time.Time) int {
			return db.Client.Article.Create().SetURL(url).SetGUID(url).SetTitle(title).SetSummaryText("Les élus municipaux ont voté.").
				SetPublishedAt(published).SetContentHash("h").SetFeedID(feed.ID).SaveX(context.Background()).ID
		}
		recent := mk("https://lapresse.test/1", "Sfax : le conseil municipal adopte son budget", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		old := mk("https://lapresse.test/2", "Sfax : le conseil municipal se réunit", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
		code, _, errs = run("", "--retag", "--since", "2026-01-01")
		if code != 0 || !strings.Contains(errs, "1 articles re-tagged") {
			t.Fatalf("retag: exit %d, %s", code, errs)
		}
		a := db.Client.Article.GetX(ctx, recent)
		b := db.Client.Article.GetX(ctx, old)
		if a.TaggedAt == nil || b.TaggedAt != nil {
			t.Errorf("tagged_at after --retag --since: %v, %v", a.TaggedAt, b.TaggedAt)
		}
		if n := db.Client.Article.QueryGroupTags(a).CountX(ctx); n != 1 {
			t.Errorf("%d group tags on the re-tagged article, want 1", n)
		}
	})
}
