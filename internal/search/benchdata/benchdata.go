// Package benchdata builds the veille the search and dashboard benchmarks run on: a
// deterministic stream of articles written in realistic French news prose about local
// authorities and decentralised cooperation, spread over three years and sixty feeds in
// twenty countries, with group tags, mentioned authorities, dossiers and partnerships.
//
// Loading a million articles takes minutes, so a loaded database is kept between runs:
// PostgreSQL in a schema of the test database named after the size and the generator
// version, SQLite in a file under the temporary directory. Change Version when the
// generator changes.
package benchdata

import (
	"fmt"
	"strings"
	"time"
)

// Version names the generator's output; cached databases of another version are rebuilt.
// 2: tag and mention rows carry the article's published_at (schema of commit 52dca68).
const Version = 2

// Now is the generated veille's present: the newest article is published just before it.
var Now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// Span is the period the articles are spread over.
const Span = 3 * 365 * 24 * time.Hour

// Sizes of the generated reference data.
const (
	Feeds       = 60
	Authorities = 500
	Countries   = 20
)

// CountryCodes are the generated feeds' countries; feed f is in CountryCodes[f % 20].
var CountryCodes = []string{"FR", "SN", "ML", "BF", "CI", "NE", "BJ", "TG", "CM", "MG", "MA", "DZ", "TN", "LB", "PS", "HT", "VN", "KH", "LA", "AM"}

// Groups maps the benchmark's country groups to their countries.
var Groups = map[string][]string{
	"afrique-ouest":  {"SN", "ML", "BF", "CI", "NE", "BJ", "TG"},
	"afrique-centre": {"CM", "MG"},
	"maghreb":        {"MA", "DZ", "TN"},
	"proche-orient":  {"LB", "PS"},
	"caraibes":       {"HT"},
	"asie":           {"VN", "KH", "LA", "AM"},
}

var places = strings.Split("Dakar|Saint-Louis|Thiès|Ziguinchor|Tambacounda|Kaolack|Bamako|Ségou|Kayes|Mopti|Ouagadougou|Bobo-Dioulasso|Koudougou|Abidjan|Bouaké|Yamoussoukro|Niamey|Zinder|Maradi|Cotonou|Porto-Novo|Parakou|Abomey|Lomé|Kara|Sokodé|Douala|Yaoundé|Bafoussam|Antananarivo|Toamasina|Fianarantsoa|Rabat|Casablanca|Marrakech|Fès|Agadir|Tanger|Oujda|Alger|Oran|Constantine|Annaba|Tlemcen|Tunis|Sfax|Sousse|Kairouan|Bizerte|Beyrouth|Tripoli|Saïda|Tyr|Zahlé|Byblos|Ramallah|Naplouse|Hébron|Bethléem|Jéricho|Port-au-Prince|Jacmel|Cap-Haïtien|Les Cayes|Hanoï|Hué|Da Nang|Hô Chi Minh-Ville|Phnom Penh|Siem Reap|Battambang|Vientiane|Luang Prabang|Erevan|Gyumri|Lyon|Marseille|Lille|Nantes|Bordeaux|Toulouse|Rennes|Grenoble|Strasbourg|Montpellier|Dijon|Besançon|Poitiers|Limoges|Chambéry|Annecy|Angers|Tours|Orléans|Metz|Nancy|Brest|Lorient|Pau|Bayonne|Perpignan|Nîmes|Avignon|Valence|Clermont-Ferrand|Saint-Étienne|Rouen|Caen|Le Havre|Amiens|Reims|Troyes|Évry|Cergy|Créteil|Nanterre|Montreuil|Saint-Denis|la Réunion|la Guadeloupe|la Martinique|la Guyane|Mayotte", "|")

var themes = strings.Split("l'eau potable|l'assainissement|la gestion des déchets|la santé|l'éducation|la formation des agents|l'agriculture urbaine|la sécurité alimentaire|l'énergie solaire|la mobilité urbaine|le patrimoine|la culture|la jeunesse|le sport|l'égalité femmes-hommes|l'état civil|la fiscalité locale|le développement économique|le tourisme|la gouvernance locale|la résilience climatique|la gestion des risques|l'urbanisme|le numérique|la francophonie", "|")

var titles = []string{
	"{lieu} : la municipalité lance un programme pour {theme}",
	"Coopération décentralisée : {lieu} et {lieu2} signent une convention",
	"{lieu} : le conseil municipal adopte son budget",
	"Les élus de {lieu} en mission à {lieu2}",
	"{lieu} : nouvelle station de traitement des eaux inaugurée",
	"Jumelage : {lieu} accueille une délégation de {lieu2}",
	"Décentralisation : les communes réclament davantage de moyens",
	"{lieu} : le maire présente le plan d'investissement",
	"Élections locales : campagne ouverte à {lieu}",
	"{lieu} : forum des collectivités territoriales sur {theme}",
	"Intercommunalité : {lieu} rejoint le syndicat mixte",
	"{lieu} : la région soutient les projets de {theme}",
	"Aide au développement : {lieu} reçoit un financement pour {theme}",
	"{lieu} : grève des agents municipaux",
	"Crise : {lieu} décrète l'état d'urgence après les inondations",
	"{lieu} : le préfet suspend une délibération",
	"Partenariat : {lieu2} forme les agents de {lieu}",
	"{lieu} : réunion du conseil régional sur {theme}",
	"Sécurité : la police municipale de {lieu} renforcée",
	"{lieu} : les habitants consultés sur {theme}",
}

var sentences = []string{
	"Le conseil municipal de {lieu} a adopté à l'unanimité une délibération relative à {theme}.",
	"La convention de coopération décentralisée signée avec {lieu2} prévoit un appui technique pendant trois ans.",
	"Le maire a rappelé que la commune ne peut pas financer seule des équipements de cette ampleur.",
	"Les services techniques de la ville ont été mobilisés dès les premières heures.",
	"Une délégation d'élus de {lieu2} a visité les installations et rencontré les agents.",
	"Le budget primitif prévoit {nombre} millions de francs CFA d'investissement, en hausse par rapport à l'an dernier.",
	"Selon le président du conseil régional, le transfert de compétences reste incomplet faute de ressources.",
	"Les associations de quartier demandent à être associées aux décisions.",
	"Le projet, soutenu par l'Agence française de développement, doit bénéficier à {nombre} 000 habitants.",
	"La direction générale des collectivités locales a publié une circulaire précisant le calendrier.",
	"Les deux collectivités partagent une longue histoire de jumelage et d'échanges scolaires.",
	"La préfecture a convoqué les maires du département pour une réunion de crise.",
	"Le syndicat intercommunal assure désormais la collecte des ordures ménagères dans {nombre} communes.",
	"Des formations destinées aux secrétaires généraux de mairie seront organisées à {lieu2}.",
	"L'opposition municipale dénonce un manque de transparence dans l'attribution des marchés publics.",
	"Les travaux de réhabilitation du marché central devraient s'achever avant la saison des pluies.",
	"La ministre de la Décentralisation a salué une initiative exemplaire pour {theme}.",
	"Les recettes fiscales de la commune ont progressé grâce à la modernisation du cadastre.",
	"Un comité de pilotage réunissant élus, techniciens et partenaires se réunira chaque trimestre.",
	"Les jeunes de {lieu} bénéficieront d'un programme d'insertion professionnelle financé par la région.",
	"La coopération entre {lieu} et {lieu2} porte aussi sur {theme}.",
	"Les inondations ont endommagé plusieurs écoles et centres de santé de la commune.",
	"Le gouvernement a annoncé le report des élections municipales à une date ultérieure.",
	"Le réseau des villes partenaires se réunira en assemblée générale à {lieu2} au mois de novembre.",
	"Le conseil départemental a voté une subvention exceptionnelle de {nombre} 000 euros.",
	"Les femmes élues locales ont créé un réseau pour favoriser leur participation à la vie publique.",
	"Le schéma directeur d'assainissement couvre l'ensemble des quartiers périphériques.",
	"Les partenaires ont convenu d'évaluer le projet à mi-parcours avec les habitants.",
	"Plusieurs communes rurales n'ont toujours pas accès à l'électricité.",
	"La mairie a ouvert un guichet unique pour simplifier les démarches d'état civil.",
	"Le président de l'association des maires a plaidé pour une fiscalité locale plus juste.",
	"Des volontaires de solidarité internationale accompagneront la mise en œuvre du programme.",
	"La gestion des déchets reste le principal défi de la ville selon une enquête récente.",
	"Les élus ont visité la station d'épuration construite avec l'appui de {lieu2}.",
	"Le plan communal de développement a été validé après six mois de concertation.",
	"Les autorités sanitaires ont lancé une campagne de vaccination dans les quartiers de {lieu}.",
	"La police municipale a procédé à plusieurs interpellations lors du marché hebdomadaire.",
	"Le tribunal administratif a annulé la délibération contestée par l'opposition.",
	"Les agriculteurs de la commune bénéficieront de nouveaux périmètres irrigués.",
	"La bibliothèque municipale rouvre ses portes après deux ans de travaux.",
}

// hash mixes the article number and a salt into a well-spread value (SplitMix64).
func hash(i, salt uint64) uint64 {
	z := i*0x9E3779B97F4A7C15 + salt*0xBF58476D1CE4E5B9 + 0x94D049BB133111EB
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// place picks a place name with a skew: the press names a few big cities far more often.
func place(i, salt uint64) string {
	n := uint64(len(places))
	a, b := hash(i, salt)%n, hash(i, salt+1)%n
	return places[a*b/n]
}

func fill(s string, i, salt uint64) string {
	r := strings.NewReplacer(
		"{lieu2}", place(i, salt+10),
		"{lieu}", place(i, salt),
		"{theme}", themes[hash(i, salt+20)%uint64(len(themes))],
		"{nombre}", fmt.Sprint(2+hash(i, salt+30)%98),
	)
	return r.Replace(s)
}

// Article is the i-th generated article (i from 0).
type Article struct {
	Title, Summary string
	PublishedAt    time.Time
	Feed           int // 0 … Feeds-1
}

// Make returns the i-th of n generated articles: published in order over Span before Now
// (with a few hours of jitter), a title and three to six sentences.
func Make(i, n int) Article {
	u := uint64(i)
	step := Span / time.Duration(n)
	jitter := time.Duration(hash(u, 1)%(6*3600)) * time.Second
	a := Article{
		Title:       fill(titles[hash(u, 2)%uint64(len(titles))], u, 100),
		PublishedAt: Now.Add(-time.Duration(n-i)*step - jitter),
		Feed:        int(hash(u, 3) % Feeds),
	}
	var b strings.Builder
	k := 3 + int(hash(u, 4)%4)
	for j := range k {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fill(sentences[hash(u, uint64(10+j))%uint64(len(sentences))], u, uint64(200+10*j)))
	}
	a.Summary = b.String()
	return a
}
