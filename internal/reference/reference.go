// Package reference holds the public reference data that coopdesk embeds in its binary:
// the world's countries, the partner countries' administrative units (the gazetteer), the
// default news-feed catalogue and the themes of decentralised cooperation. Each data file
// keeps its licence note beside it in data/.
package reference

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"
)

//go:embed data
var files embed.FS

// Demonyms holds the feminine and masculine forms of a demonym.
type Demonyms struct {
	F string `json:"f"`
	M string `json:"m"`
}

// Country is one entry of countries.json (npm world-countries, ODbL-1.0).
type Country struct {
	ISO2         string   `json:"iso2"`
	ISO3         string   `json:"iso3"`
	NameEN       string   `json:"name_en"`
	OfficialEN   string   `json:"official_en"`
	NameFR       string   `json:"name_fr"`
	OfficialFR   string   `json:"official_fr"`
	NameAR       string   `json:"name_ar"`
	OfficialAR   string   `json:"official_ar"`
	DemonymsEN   Demonyms `json:"demonyms_en"`
	DemonymsFR   Demonyms `json:"demonyms_fr"`
	CapitalEN    []string `json:"capital_en"`
	AltSpellings []string `json:"alt_spellings"`
	Region       string   `json:"region"`
	Subregion    string   `json:"subregion"`
}

// Unit is one administrative unit of a partner country in the gazetteer.
type Unit struct {
	Code         string `json:"code"`
	FR           string `json:"fr"`
	AR           string `json:"ar"`
	Type         string `json:"type,omitempty"`
	DetachedFrom string `json:"detached_from,omitempty"`
	Status       string `json:"status,omitempty"`
	Cazas        []Unit `json:"cazas,omitempty"`
}

// District is one of Tunisia's 2023 districts, grouping gouvernorats.
type District struct {
	N            int      `json:"n"`
	FR           string   `json:"fr"`
	Gouvernorats []string `json:"gouvernorats"`
}

// PartnerCountry is the gazetteer entry of one partner country. Only the lists that
// exist for that country are filled.
type PartnerCountry struct {
	CountryFR            string     `json:"country_fr"`
	CountryAR            string     `json:"country_ar"`
	Regions              []Unit     `json:"regions"`
	PrefecturesProvinces []Unit     `json:"prefectures_provinces"`
	Wilayas              []Unit     `json:"wilayas"`
	WilayasAnnounced2025 []Unit     `json:"wilayas_announced_2025"`
	Gouvernorats         []Unit     `json:"gouvernorats"`
	Districts2023        []District `json:"districts_2023"`
	Mohafazats           []Unit     `json:"mohafazats"`
	VocabularyFR         []string   `json:"vocabulary_fr"`
}

// NewsSource is one candidate feed of news-sources.json.
type NewsSource struct {
	Country      string   `json:"country"`
	Name         string   `json:"name"`
	Site         string   `json:"site"`
	FeedURL      string   `json:"feed_url"`
	Lang         string   `json:"lang"`
	Confidence   string   `json:"confidence"`
	Evidence     string   `json:"evidence"`
	SectionFeeds []string `json:"section_feeds"`
	Notes        string   `json:"notes"`
}

// Theme is one theme of the starting taxonomy of decentralised cooperation.
type Theme struct {
	Slug  string
	Label string
}

// Group is one of the Mediterranean country groups seeded at first start.
type Group struct {
	Slug      string
	Name      string
	Countries []string
}

var (
	loadOnce  sync.Once
	loadErr   error
	countries []Country
	gazetteer map[string]PartnerCountry
	sources   []NewsSource
)

func load() {
	var c struct {
		Countries []Country `json:"countries"`
	}
	if loadErr = decode("data/countries.json", &c); loadErr != nil {
		return
	}
	countries = c.Countries
	raw := map[string]json.RawMessage{}
	if loadErr = decode("data/partner-countries-gazetteer.json", &raw); loadErr != nil {
		return
	}
	gazetteer = map[string]PartnerCountry{}
	for code, msg := range raw {
		if code == "_note" {
			continue
		}
		var pc PartnerCountry
		if err := json.Unmarshal(msg, &pc); err != nil {
			loadErr = fmt.Errorf("gazetteer %s: %w", code, err)
			return
		}
		gazetteer[code] = pc
	}
	var s struct {
		Sources []NewsSource `json:"sources"`
	}
	if loadErr = decode("data/news-sources.json", &s); loadErr != nil {
		return
	}
	sources = s.Sources
}

func decode(name string, v any) error {
	b, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("reference %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("reference %s: %w", name, err)
	}
	return nil
}

// Countries returns all countries (250), sorted by ISO code as in the source file.
func Countries() ([]Country, error) {
	loadOnce.Do(load)
	return countries, loadErr
}

// Gazetteer returns the partner countries' administrative units keyed by ISO code
// (MA, DZ, TN, LB).
func Gazetteer() (map[string]PartnerCountry, error) {
	loadOnce.Do(load)
	return gazetteer, loadErr
}

// NewsSources returns the default feed catalogue.
func NewsSources() ([]NewsSource, error) {
	loadOnce.Do(load)
	return sources, loadErr
}

// Groups returns the four Mediterranean country groups.
func Groups() []Group {
	return []Group{
		{Slug: "maroc", Name: "Maroc", Countries: []string{"MA"}},
		{Slug: "algerie", Name: "Algérie", Countries: []string{"DZ"}},
		{Slug: "tunisie", Name: "Tunisie", Countries: []string{"TN"}},
		{Slug: "liban", Name: "Liban", Countries: []string{"LB"}},
	}
}

// Themes returns the starting taxonomy of themes used in the field (domain notes).
func Themes() []Theme {
	return []Theme{
		{"gouvernance-locale", "Gouvernance locale / appui institutionnel"},
		{"finances-locales", "Finances locales"},
		{"eau-assainissement", "Eau et assainissement"},
		{"dechets", "Déchets"},
		{"environnement-climat-energie", "Environnement / climat / énergie"},
		{"agriculture-securite-alimentaire", "Agriculture / sécurité alimentaire"},
		{"developpement-economique", "Développement économique / emploi / ESS"},
		{"urbanisme-habitat-mobilite", "Urbanisme / habitat / mobilité"},
		{"sante", "Santé"},
		{"education-formation", "Éducation / formation"},
		{"jeunesse-sport", "Jeunesse / sport"},
		{"culture-patrimoine", "Culture / patrimoine"},
		{"tourisme", "Tourisme"},
		{"egalite-femmes-hommes", "Égalité femmes-hommes"},
		{"migrations-codeveloppement", "Migrations / co-développement"},
		{"numerique", "Numérique"},
		{"aide-urgence-reconstruction", "Aide d'urgence / reconstruction"},
		{"francophonie", "Francophonie"},
		{"ecsi", "ECSI (éducation à la citoyenneté et à la solidarité internationale)"},
	}
}
