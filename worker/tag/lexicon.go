package tag

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"coopdesk/internal/reference"
)

// senseKind says what a matched term stands for.
type senseKind uint8

const (
	senseCountry   senseKind = iota + 1 // a country's name
	senseCapital                        // a capital city
	sensePlace                          // a partner-country place (gazetteer unit, city) or a cue place
	senseAuthority                      // a répertoire authority
	senseDemonym                        // "libanais", "Moroccan", "الجزائرية"
	senseVocab                          // local-government vocabulary
	senseCue                            // leaders, parties, institutions
	senseRegion                         // names of several countries at once ("Maghreb")
	senseBlock                          // shadows shorter names, no evidence
	senseTopic                          // topic keyword
	senseRule                           // staff rule
)

// placeLike senses are the ones a name can be torn between (Tripoli the Libyan capital or
// the Lebanese city): a term with such senses in two countries must be resolved.
func (k senseKind) placeLike() bool {
	return k == senseCountry || k == senseCapital || k == sensePlace || k == senseAuthority
}

type sense struct {
	kind      senseKind
	country   int16 // index in Tagger.countries; -1 for none
	topic     int8  // index in topicSlugs; -1 for none
	weight    float32
	name      string // what the mention is called (canonical, not the matched spelling)
	code      string // gazetteer code or ISO2
	authority int
	// mention identifies what the sense is a mention of (placeLike senses only): senses
	// with the same mention kind, name, country and authority share it. Set by finish.
	mention int32
}

type term struct {
	surface   string // first spelling that produced the term: shown as evidence
	senses    []sense
	q         float32 // probability that the word is not a place at all (a first name, a common word)
	ambiguous bool    // placeLike senses in several countries, or q > 0
	geo       bool    // has a non-topic sense: takes part in longest-match shadowing
}

// countryInfo is what the tagger keeps of each country.
type countryInfo struct {
	iso2      string
	name      string // French name, used in mentions
	subregion int16
	group     int8 // index in Tagger.groups, -1 if no country group
}

// lexBuilder turns every source of patterns into terms and a trie.
type lexBuilder struct {
	tb        *trieBuilder
	keys      map[string]int32
	terms     []term
	countries []countryInfo
	byISO     map[string]int16
	skip      map[string]bool
	buf       []byte
}

func newLexBuilder() *lexBuilder {
	return &lexBuilder{tb: newTrieBuilder(), keys: map[string]int32{}, byISO: map[string]int16{}, skip: map[string]bool{}}
}

// add registers one spelling for sense s. prefix makes it a stem that matches the start of
// a word; q is the probability of a non-place reading. It returns false when the spelling
// normalises to nothing usable.
func (lb *lexBuilder) add(surface string, prefix bool, q float32, s sense) bool {
	surface = strings.TrimSpace(surface)
	lb.buf = appendNormalized(lb.buf[:0], surface, nil)
	key := lb.buf
	if len(key) == 0 {
		return false
	}
	for _, b := range key {
		if b == hardBreak || b == otherLetter {
			return false // a pattern may not span punctuation, nor contain letters we fold away
		}
	}
	if s.kind != senseTopic && s.kind != senseRule && s.kind != senseBlock && lb.skip[string(key)] {
		return false
	}
	k := string(key)
	if prefix {
		k += "\x00*"
	}
	id, ok := lb.keys[k]
	if !ok {
		id = int32(len(lb.terms))
		lb.keys[k] = id
		lb.terms = append(lb.terms, term{surface: surface})
		node := lb.tb.insert(key)
		if prefix {
			lb.tb.nodes[node].pref = id
		} else {
			lb.tb.nodes[node].exact = id
		}
	}
	t := &lb.terms[id]
	if q > t.q {
		t.q = q
	}
	for i := range t.senses {
		o := &t.senses[i]
		if o.kind == s.kind && o.country == s.country && o.topic == s.topic && o.authority == s.authority && o.code == s.code {
			if s.weight > o.weight {
				o.weight = s.weight
			}
			return true
		}
	}
	t.senses = append(t.senses, s)
	return true
}

// splitMarked splits "Name|Alias*|Alias~" and reads the marks.
func splitMarked(list string) (names []string, qs []float32) {
	for _, n := range strings.Split(list, "|") {
		q := float32(0)
		switch {
		case strings.HasSuffix(n, "*"):
			n, q = strings.TrimSuffix(n, "*"), qStrong
		case strings.HasSuffix(n, "~"):
			n, q = strings.TrimSuffix(n, "~"), qWeak
		}
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
			qs = append(qs, q)
		}
	}
	return names, qs
}

// unitNames reads gazetteer spellings such as "Tyr (Sour)" or "Jbeil (Byblos)".
func unitNames(s string) []string {
	if i := strings.Index(s, "("); i > 0 {
		out := []string{strings.TrimSpace(s[:i])}
		inner := strings.TrimSuffix(strings.TrimSpace(s[i+1:]), ")")
		for _, p := range strings.Split(inner, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	return []string{s}
}

// Country-level spellings from countries.json that are mostly something else in news
// text: English words (Chad, Turkey, Male), first names (Maurice, Victoria) or places of
// the same name elsewhere. Dropping them costs little: the French names still match.
var countryNameSkip = []string{
	"Male", "Sucre", "Praia", "Victoria", "Kingston", "Hamilton", "Plymouth", "Jamestown",
	"George Town", "Georgetown", "The Valley", "Road Town", "Roseau", "Maurice", "Dominique",
	"Jersey", "Chad", "Jordan", "China", "Turkey", "Guinea", "Georgia", "Cayenne", "Saint-Denis",
	"Saint-Pierre", "Basse-Terre", "Marigot", "Gustavia", "West Island", "King Edward Point",
	"Flying Fish Cove", "Adamstown", "Alofi", "Douglas", "Nassau", "Kingstown", "Saint John's",
	"City of Victoria", "Santiago", "San José", "Wellington", "Polish", "Man", "Vienne",
	"مالي", "Saint Helier", "Avarua", "Apia", "Castries", "Basseterre", "Victoria",
}

// addCountries adds all countries' names, capitals and demonyms.
func (lb *lexBuilder) addCountries(list []reference.Country) {
	subs := map[string]int16{}
	for _, c := range list {
		sub, ok := subs[c.Subregion]
		if !ok {
			sub = int16(len(subs))
			subs[c.Subregion] = sub
		}
		lb.byISO[c.ISO2] = int16(len(lb.countries))
		lb.countries = append(lb.countries, countryInfo{iso2: c.ISO2, name: c.NameFR, subregion: sub, group: -1})
	}
	for _, c := range list {
		ci := lb.byISO[c.ISO2]
		country := sense{kind: senseCountry, country: ci, topic: -1, weight: wCountry, name: c.NameFR, code: c.ISO2}
		names := []string{c.NameFR, c.OfficialFR, c.NameEN, c.OfficialEN, c.NameAR, c.OfficialAR}
		for _, a := range c.AltSpellings {
			// Two- and three-letter codes ("MA", "US") are ordinary words in some language.
			if utf8.RuneCountInString(a) >= 4 {
				names = append(names, a)
			}
		}
		names = append(names, extraCountryNames[c.ISO2]...)
		for _, n := range names {
			lb.add(n, false, 0, country)
		}
		capitals := append([]string{}, c.CapitalEN...)
		if fr, ok := frenchCapitals[c.ISO2]; ok {
			capitals = append(capitals, fr)
		}
		if ar, ok := arabicCapitals[c.ISO2]; ok {
			capitals = append(capitals, ar)
		}
		for _, capName := range capitals {
			ns, qs := splitMarked(capName)
			for i, n := range ns {
				lb.add(n, false, qs[i], sense{kind: senseCapital, country: ci, topic: -1, weight: wPlace, name: capitalName(c), code: ""})
			}
		}
		dem := sense{kind: senseDemonym, country: ci, topic: -1, weight: wDemonym, name: c.NameFR, code: c.ISO2}
		for _, d := range demonymForms(c) {
			lb.add(d, false, 0, dem)
		}
		for _, d := range extraDemonyms[c.ISO2] {
			lb.add(strings.TrimRight(d, "*~"), false, 0, dem)
		}
	}
}

// capitalName is the name a capital's mention carries: the French one where we know it.
func capitalName(c reference.Country) string {
	if fr, ok := frenchCapitals[c.ISO2]; ok {
		return strings.TrimRight(fr, "*~")
	}
	if len(c.CapitalEN) > 0 {
		return c.CapitalEN[0]
	}
	return c.NameFR
}

// demonymForms derives the French, English and Arabic demonyms of a country, with the
// plurals news text uses.
func demonymForms(c reference.Country) []string {
	var out []string
	for _, d := range []string{c.DemonymsFR.M, c.DemonymsFR.F} {
		if d == "" {
			continue
		}
		out = append(out, d)
		if !strings.HasSuffix(d, "s") && !strings.HasSuffix(d, "x") {
			out = append(out, d+"s")
		}
	}
	for _, d := range []string{c.DemonymsEN.M, c.DemonymsEN.F} {
		if d == "" {
			continue
		}
		out = append(out, d)
		if strings.HasSuffix(d, "n") || strings.HasSuffix(d, "i") {
			out = append(out, d+"s")
		}
	}
	// Arabic nisba: المغرب → مغربي، المغربية، المغربيون… Only one-word names derive cleanly.
	ar := strings.TrimSpace(c.NameAR)
	if ar != "" && !strings.Contains(ar, " ") {
		base := strings.TrimPrefix(ar, "ال")
		sufs := []string{"ي", "ية", "يون", "يين", "يات"}
		if b, ok := strings.CutSuffix(base, "ا"); ok && strings.HasSuffix(b, "ي") {
			// ليبيا → ليبي: the nisba is already there once the final alef goes.
			base = strings.TrimSuffix(b, "ي")
		} else if strings.HasSuffix(base, "ي") {
			sufs = nil // مالي: the name is its own nisba and an everyday word ("financial")
		} else {
			base = strings.TrimSuffix(base, "ا")
		}
		if utf8.RuneCountInString(base) >= 2 {
			for _, suf := range sufs {
				out = append(out, base+suf, "ال"+base+suf)
			}
		}
	}
	return out
}

// addGazetteer adds the partner countries' administrative units.
func (lb *lexBuilder) addGazetteer(gz map[string]reference.PartnerCountry) error {
	// Arabic names of units that are ordinary words in Arabic news ("the East", "the North").
	arSkip := map[string]bool{"الشرق": true, "الشمال": true, "الجنوب": true}
	for iso, pc := range gz {
		ci, ok := lb.byISO[iso]
		if !ok {
			return fmt.Errorf("gazetteer country %q is not in the country list", iso)
		}
		add := func(u reference.Unit, code string) {
			for _, n := range unitNames(u.FR) {
				lb.add(n, false, 0, sense{kind: sensePlace, country: ci, topic: -1, weight: wPlace, name: unitNames(u.FR)[0], code: code})
			}
			if u.AR != "" && !arSkip[u.AR] {
				lb.add(u.AR, false, 0, sense{kind: sensePlace, country: ci, topic: -1, weight: wPlace, name: unitNames(u.FR)[0], code: code})
			}
		}
		for _, u := range pc.Regions {
			add(u, u.Code)
		}
		for _, u := range pc.PrefecturesProvinces {
			add(u, u.Code)
		}
		for _, u := range pc.Wilayas {
			add(u, "DZ-"+u.Code)
		}
		for _, u := range pc.WilayasAnnounced2025 {
			add(u, "DZ-"+u.Code)
		}
		for _, u := range pc.Gouvernorats {
			add(u, u.Code)
		}
		for _, u := range pc.Mohafazats {
			add(u, u.Code)
			for _, cz := range u.Cazas {
				add(cz, u.Code)
			}
		}
	}
	return nil
}

// addPlaceLists adds the curated place lists (data.go).
func (lb *lexBuilder) addPlaceLists(lists map[string][]string, weight float32) error {
	for iso, entries := range lists {
		ci, ok := lb.byISO[iso]
		if !ok {
			return fmt.Errorf("place list country %q is not in the country list", iso)
		}
		for _, e := range entries {
			code, rest, _ := strings.Cut(e, "|")
			names, qs := splitMarked(rest)
			for i, n := range names {
				lb.add(n, false, qs[i], sense{kind: sensePlace, country: ci, topic: -1, weight: weight, name: names[0], code: code})
			}
		}
	}
	return nil
}

// addWeighted adds cues, vocabulary and region names: one sense per country named.
func (lb *lexBuilder) addWeighted(kind senseKind, names string, weights map[string]float64, topic string) error {
	ns, qs := splitMarked(names)
	ti := topicIndex(topic)
	for iso, wt := range weights {
		ci, ok := lb.byISO[iso]
		if !ok {
			return fmt.Errorf("lexicon country %q is not in the country list", iso)
		}
		for i, n := range ns {
			lb.add(n, false, qs[i], sense{kind: kind, country: ci, topic: -1, weight: float32(wt), name: ns[0], code: iso})
		}
	}
	if ti >= 0 {
		for _, n := range ns {
			lb.add(n, false, 0, sense{kind: senseTopic, country: -1, topic: ti, weight: 1, name: ns[0]})
		}
	}
	return nil
}

// addTopics adds the topic keyword lexicons.
func (lb *lexBuilder) addTopics() {
	for ti, tl := range topicLexicons {
		for _, part := range []struct {
			list string
			w    float32
		}{{tl.strong, 1}, {tl.weak, 0.5}} {
			for _, n := range strings.Split(part.list, "|") {
				prefix := strings.HasSuffix(n, "*")
				n = strings.TrimSuffix(n, "*")
				lb.add(n, prefix, 0, sense{kind: senseTopic, country: -1, topic: int8(ti), weight: part.w, name: n})
			}
		}
	}
}

// addAuthority adds an authority's name, its aliases and the short form of its name
// without the administrative prefix ("Commune urbaine de Marrakech" → "Marrakech"), since
// news text says "Marrakech" far more often than the legal name.
func (lb *lexBuilder) addAuthority(a Authority) error {
	ci, ok := lb.byISO[strings.ToUpper(strings.TrimSpace(a.Country))]
	if !ok {
		return fmt.Errorf("authority %d (%q): unknown country %q", a.ID, a.Name, a.Country)
	}
	if strings.TrimSpace(a.Name) == "" {
		return fmt.Errorf("authority %d: empty name", a.ID)
	}
	s := sense{kind: senseAuthority, country: ci, topic: -1, weight: wAuthority, name: a.Name, code: lb.countries[ci].iso2, authority: a.ID}
	names := append([]string{a.Name}, a.Aliases...)
	for _, n := range names {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		lb.add(n, false, 0, s)
		if short := shortAuthorityName(n); short != "" {
			lb.add(short, false, 0, s)
		}
	}
	return nil
}

// authorityPrefixes are the legal prefixes of authority names, normalised.
var authorityPrefixes = []string{
	"commune urbaine de ", "commune urbaine d ", "commune rurale de ", "commune rurale d ",
	"commune de ", "commune d ", "municipalite de ", "municipalite d ", "municipalite du ",
	"ville de ", "ville d ", "conseil regional de ", "conseil regional du ", "conseil regional d ",
	"conseil communal de ", "conseil communal d ", "conseil provincial de ", "region de ",
	"region du ", "region d ", "region ", "wilaya de ", "wilaya d ", "apc de ", "apc d ",
	"gouvernorat de ", "gouvernorat du ", "province de ", "province d ", "prefecture de ",
	"union des municipalites de ", "union des municipalites du ", "union des municipalites d ",
	"federation des municipalites de ", "federation des municipalites du ", "metropole de ",
	"metropole d ", "departement de ", "departement du ", "departement des ", "departement d ",
	"communaute urbaine de ", "communaute d agglomeration de ", "city of ", "municipality of ",
}

func shortAuthorityName(name string) string {
	norm := Normalize(name)
	for _, p := range authorityPrefixes {
		if strings.HasPrefix(norm, p) {
			// Cut the same number of words from the original spelling, so evidence keeps
			// its accents.
			words := strings.Count(p, " ")
			fields := strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '\'' || r == '’' || r == '-' })
			if len(fields) <= words {
				return ""
			}
			short := strings.Join(fields[words:], " ")
			if utf8.RuneCountInString(short) < 3 {
				return ""
			}
			return short
		}
	}
	return ""
}

// finish computes the per-term flags and flattens the trie.
func (lb *lexBuilder) finish() *trie {
	for i := range lb.terms {
		t := &lb.terms[i]
		first := int16(-1)
		for _, s := range t.senses {
			if s.kind != senseTopic {
				t.geo = true
			}
			if !s.kind.placeLike() {
				continue
			}
			if first < 0 {
				first = s.country
			} else if s.country != first {
				t.ambiguous = true
			}
		}
		if t.q > 0 && first >= 0 {
			t.ambiguous = true
		}
	}
	lb.mentionIDs()
	return lb.tb.build()
}

// mentionIDs numbers the mentions the placeLike senses stand for, so that the result
// merges a mention's spellings by comparing one integer rather than four fields.
func (lb *lexBuilder) mentionIDs() {
	type key struct {
		place     bool // capitals and places are both KindPlace
		kind      senseKind
		name      string
		country   int16
		authority int
	}
	ids := map[key]int32{}
	for i := range lb.terms {
		for j := range lb.terms[i].senses {
			s := &lb.terms[i].senses[j]
			if !s.kind.placeLike() {
				s.mention = -1
				continue
			}
			k := key{kind: s.kind, name: s.name, country: s.country, authority: s.authority}
			if s.kind == senseCapital || s.kind == sensePlace {
				k.place, k.kind = true, sensePlace
			}
			id, ok := ids[k]
			if !ok {
				id = int32(len(ids))
				ids[k] = id
			}
			s.mention = id
		}
	}
}
