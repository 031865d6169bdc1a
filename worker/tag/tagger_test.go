package tag

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func slugs(r Result) string { return strings.Join(r.Slugs(), ",") }

// sortedSlugs compares group sets regardless of score order.
func sortedSlugs(r Result) string {
	s := r.Slugs()
	slices.Sort(s)
	return strings.Join(s, ",")
}

func TestHardCases(t *testing.T) {
	tg := newTestTagger(t)
	tests := []struct {
		name    string
		in      Input
		want    string // sorted group slugs, comma-separated
		mention string // "Name/ISO2" that must be among the mentions, if any
	}{
		// Tripoli: Lebanon or Libya.
		{"Tripoli with Libyan cues", Input{Title: "Tripoli : Dbeibah limoge le chef de la sécurité après des combats", Country: "FR"}, "", "Tripoli/LY"},
		{"Tripoli with Libya named", Input{Title: "Affrontements à Tripoli, la Libye au bord du chaos"}, "", "Tripoli/LY"},
		{"Tripoli in northern Lebanon", Input{Title: "Tripoli : la municipalité rénove les souks", Summary: "La grande ville du Nord libanais attend des fonds."}, "liban", "Tripoli/LB"},
		{"Tripoli from a Lebanese outlet", Input{Title: "Tripoli : coupure d'eau dans plusieurs quartiers", Country: "LB"}, "liban", "Tripoli/LB"},
		{"Tripoli alone is unresolved", Input{Title: "Tripoli : coupure d'eau dans plusieurs quartiers", Country: "FR"}, "", ""},
		{"Arabic Libyan Tripoli", Input{Title: "طرابلس الليبية: اشتباكات بين مجموعات مسلحة"}, "", "Tripoli/LY"},
		// Constantine: Algerian city, first name, band.
		{"wilaya de Constantine", Input{Title: "La wilaya de Constantine lance un appel d'offres", Country: "FR"}, "algerie", "Constantine/DZ"},
		{"Constantine from an Algerian outlet", Input{Title: "Constantine : le tramway prolongé", Country: "DZ"}, "algerie", "Constantine/DZ"},
		{"Constantine Karamanlis", Input{Title: "Constantine Karamanlis, le père de la démocratie grecque", Country: "FR"}, "", ""},
		{"Belgian band Constantine", Input{Title: "The Belgian band Constantine announces a European tour"}, "", ""},
		{"Constantine the first name", Input{Title: "Le cycliste Constantine Kovac gagne au sprint", Summary: "Le Slovène devance le Français."}, "", ""},
		// Oran / Orange.
		{"Oran", Input{Title: "Oran : le port bat un record"}, "algerie", "Oran/DZ"},
		{"Orange the town", Input{Title: "Orange : le théâtre antique rouvre", Summary: "La ville du Vaucluse accueille les Chorégies."}, "", ""},
		{"Orange the telecom", Input{Title: "Orange augmente ses forfaits", Country: "MA"}, "", ""},
		// Béja / Beja.
		{"Béja from a Tunisian outlet", Input{Title: "Béja : la moisson commence", Country: "TN"}, "tunisie", "Béja/TN"},
		{"Béja with its gouvernorat", Input{Title: "Le gouvernorat de Béja lance la campagne céréalière"}, "tunisie", "Béja/TN"},
		{"Beja in Portugal", Input{Title: "Beja : canicule record dans l'Alentejo", Summary: "Le sud du Portugal suffoque."}, "", "Beja/PT"},
		// Tyr / Sour.
		{"Tyr from a Tunisian outlet", Input{Title: "Frappes israéliennes sur Tyr", Country: "TN"}, "liban", "Tyr/LB"},
		{"Sour in Lebanon", Input{Title: "Sour : l'hôpital débordé après les frappes israéliennes"}, "liban", "Tyr/LB"},
		{"sour the English word", Input{Title: "Relations between Algeria and France turn sour", Lang: "en"}, "algerie", ""},
		{"tyre the English word", Input{Title: "Michelin to close tyre plant", Summary: "The French tyre maker blamed costs.", Lang: "en"}, "", ""},
		{"Faroese band Týr", Input{Title: "Týr, les Vikings du metal féroïen, en concert", Country: "FR"}, "", ""},
		// Saïda: Lebanon or Algeria.
		{"Saïda with a wali", Input{Title: "Saïda : le wali inspecte les chantiers de logements"}, "algerie", "Saïda/DZ"},
		{"Saïda in south Lebanon", Input{Title: "Saïda : le château de la Mer rouvre", Summary: "Le monument de la capitale du Liban-Sud a été restauré."}, "liban", "Saïda/LB"},
		{"Saïda from an Algerian outlet", Input{Title: "Saïda : pénurie de lait", Country: "DZ"}, "algerie", "Saïda/DZ"},
		{"Saïda and Tyr together", Input{Title: "Saïda et Tyr sous les bombes"}, "liban", "Saïda/LB"},
		{"Saïda alone is unresolved", Input{Title: "Saïda : pénurie de lait", Country: "FR"}, "", ""},
		// Tunis / Tunisie.
		{"Tunis the city", Input{Title: "Tunis : la médina interdite aux voitures"}, "tunisie", "Tunis/TN"},
		{"Tunisie the country", Input{Title: "La Tunisie et le FMI dans l'impasse"}, "tunisie", "Tunisie/TN"},
		// Demonyms.
		{"libanais in a French person's story", Input{Title: "Lyon : un chef libanais décroche une étoile", Country: "FR"}, "", ""},
		{"franco-libanais", Input{Title: "Un restaurateur franco-libanais récompensé", Summary: "Il tient une table libanaise à Lyon.", Country: "FR"}, "", ""},
		{"libanais after an institution", Input{Title: "Le gouvernement libanais adopte le budget"}, "liban", ""},
		{"English demonym before an institution", Input{Title: "Lebanese army deploys along the border", Lang: "en"}, "liban", ""},
		{"demonym backed by the feed", Input{Title: "Les Marocains du monde ont transféré un record", Country: "MA"}, "maroc", ""},
		// Maghreb and several countries.
		{"Maghreb", Input{Title: "Sécheresse historique au Maghreb"}, "algerie,maroc,tunisie", ""},
		{"AQMI is not the Maghreb", Input{Title: "Al-Qaïda au Maghreb islamique revendique une attaque au Mali"}, "", ""},
		{"several countries named", Input{Title: "Le Maroc, l'Algérie et le Liban face à l'inflation"}, "algerie,liban,maroc", ""},
		// Feed country is a prior only.
		{"Moroccan outlet about Paris", Input{Title: "Paris : la maire annonce un plan vélo", Country: "MA"}, "", "Paris/FR"},
		{"feed country alone", Input{Title: "Le conseil adopte le budget de l'année", Country: "DZ"}, "", ""},
		// Other countries win over priors.
		{"Libya from a Tunisian outlet", Input{Title: "Libye : Haftar rencontre Dbeibah", Country: "TN"}, "", "Libye/LY"},
		{"Syria from a Lebanese outlet", Input{Title: "Syrie : nouveaux gouverneurs à Alep et Homs", Country: "LB"}, "", "Syrie/SY"},
		{"Mauritania from a Moroccan outlet", Input{Title: "Mauritanie : Ghazouani lance la décentralisation", Country: "MA"}, "", "Mauritanie/MR"},
		{"Mali from an Algerian outlet", Input{Title: "Mali : la junte dissout les partis", Country: "DZ"}, "", "Mali/ML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tg.Tag(tt.in)
			if got := sortedSlugs(r); got != tt.want {
				t.Errorf("groups = %q, want %q\n%+v", got, tt.want, r)
			}
			if tt.mention != "" && !hasMention(r, tt.mention) {
				t.Errorf("no mention %s in %+v", tt.mention, r.Mentions)
			}
		})
	}
}

func hasMention(r Result, nameISO string) bool {
	name, iso, _ := strings.Cut(nameISO, "/")
	for _, m := range r.Mentions {
		if m.Name == name && m.Country == iso {
			return true
		}
	}
	return false
}

func TestWordBoundaries(t *testing.T) {
	tg := newTestTagger(t)
	tests := []struct {
		text, want string
	}{
		{"Orange et Oranger", ""},             // Oran inside a word
		{"Oran", "algerie"},                   // at both ends of the text
		{"« Oran »", "algerie"},               // quotes
		{"d'Oran", "algerie"},                 // elision
		{"l'Algérie", "algerie"},              // elision
		{"qu'au Liban", "liban"},              // elision
		{"LIBAN", "liban"},                    // case
		{"Liban-Sud", "liban"},                // hyphen
		{"Tizi-Ouzou", "algerie"},             // hyphenated place
		{"Tizi Ouzou", "algerie"},             // same with a space
		{"Tunisiennes", ""},                   // demonym alone is not enough
		{"Sfaxien", ""},                       // not Sfax
		{"Marocco", ""},                       // misspelling is not Maroc
		{"Tanger, Tétouan", "maroc"},          // names across a comma
		{"Alger.Oran", "algerie"},             // no space after the full stop
		{"Fès-Meknès", "maroc"},               // region
		{"Béni Mellal-Khénifra", "maroc"},     // region with space and hyphen
		{"Beqaa", "liban"},                    // alias
		{"Zgharta", "liban"},                  // alias
		{"Tangier", "maroc"},                  // English alias
		{"Casablanca", "maroc"},               // city
		{"casa de papel", ""},                 // Casa needs context
		{"ميناء بيروت", "liban"},              // Arabic
		{"في بيروت", "liban"},                 // Arabic, with a preposition word
		{"وبيروت", "liban"},                   // proclitic و
		{"ببيروت", "liban"},                   // proclitic ب
		{"للجزائر", "algerie"},                // لل + article
		{"والجزائر", "algerie"},               // وال
		{"بالمغرب", "maroc"},                  // بال
		{"ولبنان", "liban"},                   // و before a name without article
		{"بيروتي", ""},                        // a longer word is not Beirut
		{"مراكشي", ""},                        // nor Marrakech
		{"Al-Qaïda au Maghreb islamique", ""}, // block term hides Maghreb
		{"Le Caire et Tunis", "tunisie"},      // multi-word capital elsewhere
		{"La Marsa", "tunisie"},               // multi-word place with article
		{"Saint-Denis", ""},                   // dropped capital spelling
		{"ex-Yougoslavie", ""},                // other country
		{"Libanais", ""},                      // plain demonym
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := sortedSlugs(tg.Tag(Input{Title: tt.text})); got != tt.want {
				t.Errorf("Tag(%q) groups = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestAuthoritiesAndMethods(t *testing.T) {
	tg := newTestTagger(t)
	r := tg.Tag(Input{Title: "La Commune urbaine de Marrakech signe avec la Métropole de Lyon"})
	if slugs(r) != "maroc" {
		t.Fatalf("groups = %q, want maroc", slugs(r))
	}
	if r.Groups[0].Method != MethodAuthorityName {
		t.Errorf("method = %q, want %q (evidence %v)", r.Groups[0].Method, MethodAuthorityName, r.Groups[0].Evidence)
	}
	var ids []int
	for _, m := range r.Mentions {
		if m.Kind == KindAuthority {
			ids = append(ids, m.AuthorityID)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int{2, 6}) {
		t.Errorf("authority mentions = %v, want [2 6]", ids)
	}

	// The short name of an authority and its aliases match.
	r = tg.Tag(Input{Title: "UMC Chouf : réunion des présidents"})
	if slugs(r) != "liban" || !hasAuthority(r, 4) {
		t.Errorf("alias: %+v", r)
	}
	// An authority of an ambiguous name follows the disambiguation.
	r = tg.Tag(Input{Title: "Tripoli : Dbeibah annonce un remaniement"})
	if hasAuthority(r, 3) {
		t.Errorf("Libyan Tripoli matched the Lebanese municipality: %+v", r.Mentions)
	}
	r = tg.Tag(Input{Title: "Tripoli : la municipalité vote son budget", Country: "LB"})
	if !hasAuthority(r, 3) || slugs(r) != "liban" {
		t.Errorf("Lebanese Tripoli: %+v", r)
	}
	// The feed's country as the strongest evidence is reported as such.
	r = tg.Tag(Input{Title: "Les Marocains du monde ont transféré un record", Country: "MA"})
	if len(r.Groups) != 1 || r.Groups[0].Method != MethodSourceCountry || !slices.Contains(r.Groups[0].Evidence, "source_country:MA") {
		t.Errorf("prior-backed tag: %+v", r.Groups)
	}
	for _, g := range tg.Tag(Input{Title: "Le Maroc et l'Algérie"}).Groups {
		if g.Score < 0.5 || g.Score >= 1 {
			t.Errorf("score %v out of [0.5, 1)", g.Score)
		}
		if g.Method != MethodGazetteer || len(g.Evidence) == 0 {
			t.Errorf("group %+v: want gazetteer method with evidence", g)
		}
	}
}

func hasAuthority(r Result, id int) bool {
	for _, m := range r.Mentions {
		if m.Kind == KindAuthority && m.AuthorityID == id {
			return true
		}
	}
	return false
}

func TestTopics(t *testing.T) {
	tg := newTestTagger(t)
	tests := []struct {
		text string
		want []string
	}{
		{"Élections municipales : le conseil municipal de Sfax dissous", []string{"politique", "territorial-local"}},
		{"Décentralisation : le code des collectivités locales révisé", []string{"administration-decentralisation"}},
		{"Inflation : la banque centrale relève son taux directeur", []string{"economie"}},
		{"Frappes israéliennes : trois morts dans un bombardement", []string{"securite"}},
		{"Grève dans les hôpitaux et les écoles", []string{"societe"}},
		{"انتخابات البرلمان", []string{"politique"}},
		{"Municipal elections postponed", []string{"politique", "territorial-local"}},
	}
	for _, tt := range tests {
		r := tg.Tag(Input{Title: tt.text})
		var got []string
		for _, tp := range r.Topics {
			got = append(got, tp.Slug)
			if len(tp.Evidence) == 0 {
				t.Errorf("%q: topic %s without evidence", tt.text, tp.Slug)
			}
		}
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: topics %v, missing %s", tt.text, got, w)
			}
		}
	}
	if r := tg.Tag(Input{Title: "Tanger, Tétouan"}); len(r.Topics) != 0 {
		t.Errorf("place names alone gave topics %+v", r.Topics)
	}
}

func TestRules(t *testing.T) {
	tg, err := New(Config{Rules: []Rule{
		{Pattern: "Orange Maroc", Group: "maroc", Weight: -5},
		{Pattern: "Cités Unies France", Topic: "territorial-local"},
		{Pattern: "Chefchaouen*", Group: "maroc"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r := tg.Tag(Input{Title: "Orange Maroc lance la 5G"}); len(r.Groups) != 0 {
		t.Errorf("negative rule did not veto: %+v", r.Groups)
	}
	r := tg.Tag(Input{Title: "Les chefchaouenis fêtent la ville bleue"})
	if slugs(r) != "maroc" || r.Groups[0].Method != MethodStaffRule {
		t.Errorf("prefix rule: %+v", r.Groups)
	}
	r = tg.Tag(Input{Title: "Cités Unies France réunit ses adhérents"})
	if len(r.Topics) == 0 || r.Topics[0].Slug != "territorial-local" {
		t.Errorf("topic rule: %+v", r.Topics)
	}
	for _, bad := range []Rule{
		{Pattern: "x", Group: "bretagne"},
		{Pattern: "x", Topic: "meteo"},
		{Pattern: "x"},
		{Pattern: "!!!", Group: "maroc"},
	} {
		if _, err := New(Config{Rules: []Rule{bad}}); err == nil {
			t.Errorf("New accepted rule %+v", bad)
		}
	}
}

func TestNewRejectsBadAuthorities(t *testing.T) {
	for _, a := range []Authority{
		{ID: 1, Name: "Sfax", Country: "XX"},
		{ID: 2, Name: "  ", Country: "TN"},
	} {
		if _, err := New(Config{Authorities: []Authority{a}}); err == nil {
			t.Errorf("New accepted %+v", a)
		}
	}
	if _, err := New(Config{Authorities: []Authority{{ID: 3, Name: "Sfax", Country: "tn"}}}); err != nil {
		t.Errorf("lower-case ISO code rejected: %v", err)
	}
}

func TestShortAuthorityName(t *testing.T) {
	tests := map[string]string{
		"Commune urbaine de Marrakech":     "Marrakech",
		"Municipalité de Sfax":             "Sfax",
		"Union des municipalités du Chouf": "Chouf",
		"Commune d'Oran":                   "Oran",
		"Sfax":                             "",
		"Ville de Té":                      "", // too short to match safely
	}
	for in, want := range tests {
		if got := shortAuthorityName(in); got != want {
			t.Errorf("shortAuthorityName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConcurrentTagAndSwap runs taggers from several goroutines while the Holder swaps in
// rebuilt taggers; run with -race.
func TestConcurrentTagAndSwap(t *testing.T) {
	h := NewHolder(newTestTagger(t))
	items := loadLabelled(t)
	want := make([]string, len(items))
	for i, it := range items {
		want[i] = sortedSlugs(h.Tag(Input{Title: it.Title, Summary: it.Summary, Country: it.Country}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for i, it := range items {
					got := sortedSlugs(h.Tag(Input{Title: it.Title, Summary: it.Summary, Country: it.Country}))
					if got != want[i] {
						errs <- fmt.Errorf("goroutine %d round %d item %s: %q, want %q", g, round, it.ID, got, want[i])
						return
					}
				}
			}
		}()
	}
	for range 3 {
		if err := h.Rebuild(Config{Authorities: testAuthorities}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	old := h.Load()
	if err := h.Rebuild(Config{Authorities: []Authority{{ID: 1, Name: "x", Country: "??"}}}); err == nil {
		t.Error("Rebuild accepted a bad config")
	}
	if h.Load() != old {
		t.Error("failed Rebuild replaced the tagger")
	}
	if r := (&Holder{}).Tag(Input{Title: "Sfax"}); len(r.Groups) != 0 {
		t.Error("empty Holder tagged")
	}
}

func FuzzTag(f *testing.F) {
	tg, err := New(Config{Authorities: testAuthorities})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"Tripoli", "للجزائر", "la wilaya de Constantine", "Saïda et Tyr", "\xff\xfe", "وال", "لل", "ل", "و ب"} {
		f.Add(s, "MA")
	}
	f.Fuzz(func(t *testing.T, text, country string) {
		r := tg.Tag(Input{Title: text, Summary: text, Country: country})
		for _, g := range r.Groups {
			if g.Score < 0.5 || g.Score >= 1 || g.Slug == "" || g.Method == "" {
				t.Fatalf("bad group tag %+v for %q", g, text)
			}
		}
		for _, m := range r.Mentions {
			if m.Country == "" || m.Name == "" || len(m.Evidence) == 0 {
				t.Fatalf("bad mention %+v for %q", m, text)
			}
		}
	})
}

func TestLongAndEmptyInputs(t *testing.T) {
	tg := newTestTagger(t)
	if r := tg.Tag(Input{}); len(r.Groups)+len(r.Mentions)+len(r.Topics) != 0 {
		t.Errorf("empty input tagged: %+v", r)
	}
	long := strings.Repeat("Le conseil municipal de Sfax se réunit. ", 40000) // ~1.6 MB
	r := tg.Tag(Input{Title: "Revue", Summary: long})
	if slugs(r) != "tunisie" {
		t.Errorf("long text: %q", slugs(r))
	}
	// The pooled scratch must not keep the long buffer, and tagging still works after it.
	if r := tg.Tag(Input{Title: "Oran"}); slugs(r) != "algerie" {
		t.Errorf("after long text: %q", slugs(r))
	}
}
