package tag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"coopdesk/internal/reference"
)

// Authority is one authority of the répertoire (a partner of a partnership, a CUF member),
// as the caller loads it from the database.
type Authority struct {
	ID      int
	Name    string   // e.g. "Commune urbaine de Marrakech"; the prefix is also stripped to match "Marrakech"
	Aliases []string // other spellings: "Marrakesh", "مراكش"
	Country string   // ISO 3166-1 alpha-2 ("MA"); French authorities ("FR") give mentions but no group
	Level   string   // informational: commune, province, wilaya, region…
}

// Rule is a staff rule: a pattern that, when found, adds weight to a group and/or a topic.
// A negative weight vetoes ("Orange Maroc" is about a telecom operator, say).
type Rule struct {
	Pattern string  // matched like every name; a trailing '*' matches the start of a word
	Group   string  // group slug ("maroc"), or ""
	Topic   string  // topic slug ("economie"), or ""
	Weight  float64 // 0 means the default: 3 for a group (enough on its own), 1 for a topic
}

// RuleError is New's error for a rule it cannot use: which one (its index in
// Config.Rules) and why.
type RuleError struct {
	Index   int
	Pattern string
	Err     error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("tag: rule %d (%q): %v", e.Index, e.Pattern, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

// Config is everything a Tagger is built from besides the embedded reference data.
type Config struct {
	Authorities []Authority
	Rules       []Rule
}

// Input is one article. Country is the ISO code of the source feed's country: a prior,
// never enough on its own. Lang is the feed's language; matching does not depend on it
// (feeds mix languages), it is accepted so that callers pass what they have.
type Input struct {
	Title   string
	Summary string
	Lang    string
	Country string
}

// Methods say how a group tag was reached (product.md §5). Staff corrections
// ("staff_correction") are applied by the caller, never by the tagger.
const (
	MethodSourceCountry = "source_country"
	MethodGazetteer     = "gazetteer"
	MethodAuthorityName = "authority_name"
	MethodStaffRule     = "staff_rule"
)

// Mention kinds.
const (
	KindCountry   = "country"
	KindPlace     = "place"
	KindAuthority = "authority"
)

// GroupTag ties the article to a country group.
type GroupTag struct {
	Slug     string   `json:"slug"`
	Score    float64  `json:"score"`  // confidence in [0.5, 1): tags below 0.5 are not returned
	Method   string   `json:"method"` // the method of the strongest evidence
	Evidence []string `json:"evidence"`
}

// Mention is a country, place or authority named in the article, after disambiguation.
type Mention struct {
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`                   // canonical name (gazetteer French name, authority name)
	Code        string   `json:"code,omitempty"`         // gazetteer code ("TN-61") or ISO2 for countries
	AuthorityID int      `json:"authority_id,omitempty"` // for KindAuthority
	Country     string   `json:"country"`                // ISO2
	Score       float64  `json:"score"`                  // how strongly the name alone points there
	Evidence    []string `json:"evidence"`               // spellings found
}

// TopicTag is one of the six topics.
type TopicTag struct {
	Slug     string   `json:"slug"`
	Score    float64  `json:"score"`
	Evidence []string `json:"evidence"`
}

// Result is the tagging of one article. Slices are sorted by decreasing score.
type Result struct {
	Groups   []GroupTag `json:"groups"`
	Mentions []Mention  `json:"mentions"`
	Topics   []TopicTag `json:"topics"`
}

// Slugs returns the group slugs of r, in score order.
func (r Result) Slugs() []string {
	out := make([]string, len(r.Groups))
	for i, g := range r.Groups {
		out[i] = g.Slug
	}
	return out
}

// topicSlugs are the topics of product.md §5, in the order of topicLexicons.
var topicSlugs = func() []string {
	out := make([]string, len(topicLexicons))
	for i, t := range topicLexicons {
		out[i] = t.slug
	}
	return out
}()

// Topics returns the topic slugs the tagger can produce.
func Topics() []string { return append([]string(nil), topicSlugs...) }

func topicIndex(slug string) int8 {
	for i, s := range topicSlugs {
		if s == slug {
			return int8(i)
		}
	}
	return -1
}

// Evidence weights. A tag needs a score of threshold: one country name, one place or one
// authority is enough; a demonym, vocabulary or the feed's country only support.
const (
	wCountry       = 3.0
	wPlace         = 2.5
	wAuthority     = 2.5
	wDemonym       = 1.0
	wDemonymInst   = 2.5  // "le gouvernement libanais"
	wDemonymPerson = 0.25 // "un chef libanais", "d'origine marocaine"
	demonymCap     = 1.5  // plain demonyms never add up to a tag on their own
	wPrior         = 1.0  // the feed's country, only when the text names it in some way
	resolvedFactor = 0.8  // an ambiguous name settled by context counts a little less
	threshold      = 2.0
)

// Tagger tags articles. It is immutable once built and safe for concurrent use; build a
// new one when the répertoire or the rules change and swap it in with a Holder.
type Tagger struct {
	trie  *trie
	terms []term
	// surfaceID[term] numbers the distinct evidence strings (term surfaces), which are
	// surfaces[id]: the result's drafts dedup and store ids rather than strings.
	surfaceID []int32
	surfaces  []string
	countries []countryInfo
	byISO     map[string]int16
	isoIndex  [26 * 26]int16 // byISO for "AA".."ZZ", -1 where none
	// priorEvidence[c] is "source_country:XX", built once rather than per tag.
	priorEvidence []string
	nSub          int
	groups        []reference.Group
	// groupCountries[g] are the countries of groups[g], as indices in countries.
	groupCountries [][]int16
	inst           map[string]struct{}
	person         map[string]struct{}
	placeNoun      map[string]struct{}
	nounSkip       map[string]struct{}
	patterns       int
	pool           sync.Pool
}

// New builds a Tagger over the embedded reference data plus cfg. It fails on an authority
// with an unknown country or an empty name, and on a rule naming an unknown group or topic.
func New(cfg Config) (*Tagger, error) {
	countries, err := reference.Countries()
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	gz, err := reference.Gazetteer()
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	lb := newLexBuilder()
	for _, s := range countryNameSkip {
		lb.skip[Normalize(s)] = true
	}
	lb.addCountries(countries)
	t := &Tagger{countries: lb.countries, byISO: lb.byISO, groups: reference.Groups()}
	t.groupCountries = make([][]int16, len(t.groups))
	for gi, g := range t.groups {
		for _, iso := range g.Countries {
			ci, ok := lb.byISO[iso]
			if !ok {
				return nil, fmt.Errorf("tag: group %s: unknown country %q", g.Slug, iso)
			}
			t.countries[ci].group = int8(gi)
			t.groupCountries[gi] = append(t.groupCountries[gi], ci)
		}
	}
	steps := []func() error{
		func() error { return lb.addGazetteer(gz) },
		func() error { return lb.addPlaceLists(extraPlaces, wPlace) },
		func() error { return lb.addPlaceLists(otherPlaces, wPlace) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
	}
	for _, c := range cues {
		if err := lb.addWeighted(senseCue, c.names, c.weights, c.topic); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
	}
	for _, c := range regionTerms {
		if err := lb.addWeighted(senseRegion, c.names, c.weights, c.topic); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
	}
	for _, v := range vocabulary {
		if err := lb.addWeighted(senseVocab, v.names, v.weights, v.topic); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
	}
	for _, b := range blockTerms {
		lb.add(b, false, 0, sense{kind: senseBlock, country: -1, topic: -1})
	}
	lb.addTopics()
	for _, a := range cfg.Authorities {
		if err := lb.addAuthority(a); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
	}
	for i, r := range cfg.Rules {
		if err := t.addRule(lb, r); err != nil {
			return nil, &RuleError{Index: i, Pattern: r.Pattern, Err: err}
		}
	}
	t.trie = lb.finish()
	t.terms = lb.terms
	t.surfaceID = make([]int32, len(t.terms))
	ids := make(map[string]int32, len(t.terms))
	for i, tm := range t.terms {
		id, ok := ids[tm.surface]
		if !ok {
			id = int32(len(t.surfaces))
			ids[tm.surface] = id
			t.surfaces = append(t.surfaces, tm.surface)
		}
		t.surfaceID[i] = id
	}
	t.patterns = len(lb.keys)
	for _, c := range t.countries {
		if int(c.subregion) >= t.nSub {
			t.nSub = int(c.subregion) + 1
		}
	}
	t.inst = wordSet(institutionWords)
	t.person = wordSet(personWords)
	t.placeNoun = wordSet(placeNouns)
	t.nounSkip = wordSet(placeNounSkip)
	for i := range t.isoIndex {
		t.isoIndex[i] = -1
	}
	for iso, ci := range t.byISO {
		if len(iso) == 2 && iso[0]-'A' < 26 && iso[1]-'A' < 26 {
			t.isoIndex[int(iso[0]-'A')*26+int(iso[1]-'A')] = ci
		}
	}
	t.priorEvidence = make([]string, len(t.countries))
	for i, c := range t.countries {
		t.priorEvidence[i] = MethodSourceCountry + ":" + c.iso2
	}
	t.pool.New = func() any { return t.newScratch() }
	return t, nil
}

func (t *Tagger) addRule(lb *lexBuilder, r Rule) error {
	pat := strings.TrimSpace(r.Pattern)
	prefix := strings.HasSuffix(pat, "*")
	pat = strings.TrimSuffix(pat, "*")
	if r.Group == "" && r.Topic == "" {
		return fmt.Errorf("neither group nor topic")
	}
	added := false
	if r.Group != "" {
		gi := -1
		for i, g := range t.groups {
			if g.Slug == r.Group {
				gi = i
			}
		}
		if gi < 0 {
			return fmt.Errorf("unknown group %q", r.Group)
		}
		wt := r.Weight
		if wt == 0 {
			wt = 3
		}
		for _, iso := range t.groups[gi].Countries {
			added = lb.add(pat, prefix, 0, sense{kind: senseRule, country: lb.byISO[iso], topic: -1, weight: float32(wt), name: r.Pattern, code: r.Group})
		}
	}
	if r.Topic != "" {
		ti := topicIndex(r.Topic)
		if ti < 0 {
			return fmt.Errorf("unknown topic %q", r.Topic)
		}
		wt := r.Weight
		if wt == 0 {
			wt = 1
		}
		added = lb.add(pat, prefix, 0, sense{kind: senseRule, country: -1, topic: ti, weight: float32(wt), name: r.Pattern})
	}
	if !added {
		return fmt.Errorf("pattern has no letters to match")
	}
	return nil
}

func wordSet(words []string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[Normalize(w)] = struct{}{}
	}
	return m
}

// Patterns returns the number of distinct normalised patterns in the automaton.
func (t *Tagger) Patterns() int { return t.patterns }

// scratch is the per-call working memory, pooled so that tagging allocates little more
// than its result.
type scratch struct {
	buf      []byte
	starts   []int32
	ms       []match
	shadow   []bool
	contribs []contrib
	topics   []topicHit
	amb      []ambHit
	hard     []float32 // per country: names, places, cues, vocabulary, rules
	demo     []float32 // per country: plain demonyms, capped later
	resolved []float32 // per country: ambiguous names settled by context
	region   []float32 // per subregion
	touched  []int16
	isTouch  []bool
	// Per-term heads of the contribution and topic-hit lists, valid when stamp[term] ==
	// gen: deduplication stays linear in long texts without clearing per call.
	gen   uint32
	stamp []uint32
	headC []int32
	headT []int32
	// Result drafts (see result).
	ev         []int32
	idx        []int32
	nextSame   []int32
	groupOut   []groupDraft
	mentionOut []mentionDraft
	topicOut   []topicDraft
}

type contrib struct {
	country int16
	sense   int16
	term    int32
	weight  float32
	same    int32 // previous contribution of the same term, or -1
}

type topicHit struct {
	topic  int8
	term   int32
	weight float32
	same   int32 // previous hit of the same term, or -1
}

type ambHit struct {
	term     int32
	placeCue bool
}

func (t *Tagger) newScratch() any {
	n := len(t.countries)
	nt := len(t.terms)
	return &scratch{
		hard: make([]float32, n), demo: make([]float32, n), resolved: make([]float32, n),
		isTouch: make([]bool, n), region: make([]float32, t.nSub),
		stamp: make([]uint32, nt), headC: make([]int32, nt), headT: make([]int32, nt),
	}
}

func (sc *scratch) touch(c int16) {
	if !sc.isTouch[c] {
		sc.isTouch[c] = true
		sc.touched = append(sc.touched, c)
	}
}

func (sc *scratch) reset() {
	for _, c := range sc.touched {
		sc.hard[c], sc.demo[c], sc.resolved[c], sc.isTouch[c] = 0, 0, 0, false
	}
	for i := range sc.region {
		sc.region[i] = 0
	}
	sc.touched = sc.touched[:0]
	sc.gen++
	if sc.gen == 0 { // wrapped: old stamps could look current
		clear(sc.stamp)
		sc.gen = 1
	}
	sc.contribs = sc.contribs[:0]
	sc.topics = sc.topics[:0]
	sc.amb = sc.amb[:0]
}

// Tag tags one article.
func (t *Tagger) Tag(in Input) Result {
	sc := t.pool.Get().(*scratch)
	defer t.release(sc)
	prior := t.evidence(sc, in)
	return t.result(sc, prior)
}

// evidence normalises and scans in, weighs what it finds into sc and settles the ambiguous
// names; it returns the feed's country (-1 if none or unknown).
func (t *Tagger) evidence(sc *scratch, in Input) int16 {
	sc.reset()
	sc.starts = sc.starts[:0]
	buf := append(sc.buf[:0], hardBreak)
	buf = appendNormalized(buf, in.Title, &sc.starts)
	buf = append(buf, hardBreak)
	buf = appendNormalized(buf, in.Summary, &sc.starts)
	buf = append(buf, hardBreak)
	sc.buf = buf
	sc.ms = t.trie.scan(buf, sc.starts, sc.ms[:0])
	t.shadow(sc)

	prior := t.countryOf(in.Country)

	for k, m := range sc.ms {
		tm := &t.terms[m.term]
		ambDone := false
		for si := range tm.senses {
			s := &tm.senses[si]
			if s.kind == senseTopic || (s.kind == senseRule && s.country < 0) {
				sc.addTopic(s.topic, m.term, s.weight)
				continue
			}
			if sc.shadow[k] || s.kind == senseBlock {
				continue
			}
			if tm.ambiguous && s.kind.placeLike() {
				if !ambDone { // all its place senses are weighed together in resolve
					sc.addAmb(m.term, t.placeCueBefore(buf, m.word))
					ambDone = true
				}
				continue
			}
			wt := s.weight
			switch s.kind {
			case senseDemonym:
				wt = t.demonymWeight(buf, m)
			case senseVocab, senseCue, senseRegion:
				wt *= 1 - tm.q
			}
			sc.addContrib(s.country, m.term, int16(si), wt)
		}
	}
	t.sumEvidence(sc)
	t.resolve(sc, prior)
	return prior
}

// countryOf is the index of the feed's country, or -1. Codes as feeds carry them (two
// capitals) are read from a table; the map and the cleaning are for the others.
func (t *Tagger) countryOf(iso string) int16 {
	if len(iso) == 2 && iso[0]-'A' < 26 && iso[1]-'A' < 26 {
		return t.isoIndex[int(iso[0]-'A')*26+int(iso[1]-'A')]
	}
	if iso == "" {
		return -1
	}
	if ci, ok := t.byISO[iso]; ok {
		return ci
	}
	if ci, ok := t.byISO[strings.ToUpper(strings.TrimSpace(iso))]; ok {
		return ci
	}
	return -1
}

// release returns sc to the pool, without the buffers an unusually long article grew:
// the pool should not pin megabytes for the sake of one outlier.
func (t *Tagger) release(sc *scratch) {
	const keep = 1 << 20
	if cap(sc.buf) > keep {
		sc.buf, sc.starts, sc.ms, sc.shadow = nil, nil, nil, nil
	}
	t.pool.Put(sc)
}

// shadow marks the geographic matches contained in a longer one: "Tanger-Tétouan-Al
// Hoceïma" is one region, not three places; "franco-libanais" hides "libanais".
func (t *Tagger) shadow(sc *scratch) {
	ms := sc.ms
	if cap(sc.shadow) < len(ms) {
		sc.shadow = make([]bool, len(ms), 2*len(ms))
	}
	sc.shadow = sc.shadow[:len(ms)]
	maxEnd := int32(-1)
	for i := 0; i < len(ms); {
		j, groupEnd := i, int32(-1)
		for ; j < len(ms) && ms[j].word == ms[i].word; j++ {
			if t.terms[ms[j].term].geo && ms[j].end > groupEnd {
				groupEnd = ms[j].end
			}
		}
		for k := i; k < j; k++ {
			sc.shadow[k] = t.terms[ms[k].term].geo && (ms[k].end < groupEnd || groupEnd <= maxEnd)
		}
		if groupEnd > maxEnd {
			maxEnd = groupEnd
		}
		i = j
	}
}

// heads makes the per-term list heads of term current.
func (sc *scratch) heads(term int32) {
	if sc.stamp[term] != sc.gen {
		sc.stamp[term] = sc.gen
		sc.headC[term], sc.headT[term] = -1, -1
	}
}

func (sc *scratch) addTopic(topic int8, term int32, wt float32) {
	sc.heads(term)
	for i := sc.headT[term]; i >= 0; i = sc.topics[i].same {
		if h := &sc.topics[i]; h.topic == topic {
			h.weight = max(h.weight, wt)
			return
		}
	}
	sc.topics = append(sc.topics, topicHit{topic, term, wt, sc.headT[term]})
	sc.headT[term] = int32(len(sc.topics) - 1)
}

func (sc *scratch) addAmb(term int32, placeCue bool) {
	for i := range sc.amb {
		if sc.amb[i].term == term {
			sc.amb[i].placeCue = sc.amb[i].placeCue || placeCue
			return
		}
	}
	sc.amb = append(sc.amb, ambHit{term, placeCue})
}

// addContrib records evidence, once per term and country: a name repeated in the summary
// confirms the title but is not new evidence.
func (sc *scratch) addContrib(country int16, term int32, si int16, wt float32) {
	sc.heads(term)
	for i := sc.headC[term]; i >= 0; i = sc.contribs[i].same {
		if c := &sc.contribs[i]; c.country == country {
			c.weight = max(c.weight, wt)
			return
		}
	}
	sc.contribs = append(sc.contribs, contrib{country: country, sense: si, term: term, weight: wt, same: sc.headC[term]})
	sc.headC[term] = int32(len(sc.contribs) - 1)
	sc.touch(country)
}

// sumEvidence fills hard and demo from the recorded contributions.
func (t *Tagger) sumEvidence(sc *scratch) {
	for _, c := range sc.contribs {
		if t.terms[c.term].senses[c.sense].kind == senseDemonym && c.weight < wDemonymInst {
			sc.demo[c.country] += c.weight
		} else {
			sc.hard[c.country] += c.weight
		}
	}
}

// textScore is a country's in-text evidence before ambiguous names are settled.
func (sc *scratch) textScore(c int16) float32 {
	return sc.hard[c] + min(sc.demo[c], demonymCap)
}

// resolve settles ambiguous names. Support for a candidate country comes from the text's
// other evidence for it, from its neighbours (Libyan cues help the Libyan Tripoli, Israeli
// ones the Lebanese Tyr), from the feed's country, and from the other ambiguous names that
// could be there too ("Saïda et Tyr").
func (t *Tagger) resolve(sc *scratch, prior int16) {
	if len(sc.amb) == 0 {
		return
	}
	if prior >= 0 {
		sc.touch(prior)
	}
	for _, c := range sc.touched {
		sc.region[t.countries[c].subregion] += sc.textScore(c)
		if c == prior {
			sc.region[t.countries[c].subregion] += wPrior
		}
	}
	for _, a := range sc.amb {
		tm := &t.terms[a.term]
		var cands [8]int16
		nc := 0
		for _, s := range tm.senses {
			if !s.kind.placeLike() || containsCountry(cands[:nc], s.country) || nc == len(cands) {
				continue
			}
			cands[nc] = s.country
			nc++
		}
		best, bestSup, bestText, second := int16(-1), float32(-1), float32(0), float32(-1)
		for _, c := range cands[:nc] {
			text := sc.textScore(c)
			own := text
			if c == prior {
				own += wPrior
			}
			sub := t.countries[c].subregion
			neighbours := sc.region[sub] - own
			textSup := text + 0.5*(neighbours-priorIn(t, prior, sub, c))
			sup := own + 0.5*neighbours + t.softSupport(sc, a.term, c)
			textSup += t.softSupport(sc, a.term, c)
			if sup > bestSup {
				second, best, bestSup, bestText = bestSup, c, sup, textSup
			} else if sup > second {
				second = sup
			}
		}
		if best < 0 {
			continue
		}
		clear := bestSup >= 0.5 && bestSup >= second+0.25
		ok := false
		switch {
		case nc == 1 && a.placeCue:
			ok = true // "la wilaya de Constantine": the place reading, and only one country has it
		case tm.q >= qStrong:
			// A first name or common word: needs the text itself to point there, or the
			// feed's country with nothing in the text pointing elsewhere.
			ok = clear && (bestText >= 0.5 || (best == prior && !t.competing(sc, best, prior)))
		case clear:
			ok = true
		case nc == 1 && !t.competing(sc, best, prior):
			ok = true // a weak doubt (Tyr): a place unless the text is about somewhere else
		}
		if !ok {
			continue
		}
		for si, s := range tm.senses {
			if s.kind.placeLike() && s.country == best {
				sc.contribs = append(sc.contribs, contrib{country: best, sense: int16(si), term: a.term, weight: s.weight * resolvedFactor, same: -1})
				sc.touch(best)
				sc.resolved[best] = max(sc.resolved[best], s.weight*resolvedFactor)
			}
		}
	}
}

// priorIn is the prior's share of a subregion's total, when the prior is a neighbour of c.
func priorIn(t *Tagger, prior int16, sub int16, c int16) float32 {
	if prior >= 0 && prior != c && t.countries[prior].subregion == sub {
		return wPrior
	}
	return 0
}

// softSupport is what the other ambiguous names lend to country c.
func (t *Tagger) softSupport(sc *scratch, self int32, c int16) float32 {
	var s float32
	for _, a := range sc.amb {
		if a.term == self {
			continue
		}
		tm := &t.terms[a.term]
		for _, sn := range tm.senses {
			if sn.kind.placeLike() && sn.country == c {
				s += 0.5 * wPlace * (1 - tm.q)
				break
			}
		}
	}
	return s
}

// competing reports whether the text has solid evidence for a country of another
// subregion than c (other than the feed's own country).
func (t *Tagger) competing(sc *scratch, c, prior int16) bool {
	for _, o := range sc.touched {
		if o == c || o == prior || t.countries[o].subregion == t.countries[c].subregion {
			continue
		}
		if sc.textScore(o) >= 1 {
			return true
		}
	}
	return false
}

func containsCountry(list []int16, c int16) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// demonymWeight reads the words around a demonym.
func (t *Tagger) demonymWeight(buf []byte, m match) float32 {
	if prev := prevWord(buf, m.word); prev != nil {
		if _, ok := t.person[string(prev)]; ok {
			return wDemonymPerson
		}
		if _, ok := t.inst[string(prev)]; ok {
			return wDemonymInst
		}
	}
	if next := nextWord(buf, m.end); next != nil {
		if _, ok := t.inst[string(next)]; ok {
			return wDemonymInst
		}
	}
	return wDemonym
}

// placeCueBefore looks back over small words for a place noun: "la wilaya de", "ville de".
func (t *Tagger) placeCueBefore(buf []byte, at int32) bool {
	for range 3 {
		w := prevWord(buf, at)
		if w == nil {
			return false
		}
		if _, ok := t.placeNoun[string(w)]; ok {
			return true
		}
		if _, ok := t.nounSkip[string(w)]; !ok {
			return false
		}
		at -= int32(len(w)) + 1
	}
	return false
}

// prevWord returns the word before the one starting at at, if only a soft break separates them.
func prevWord(buf []byte, at int32) []byte {
	if at < 2 || buf[at-1] != softBreak {
		return nil
	}
	e := at - 1
	s := e
	for s > 0 && isWordByte(buf[s-1]) {
		s--
	}
	return buf[s:e]
}

// nextWord returns the word after end, if only a soft break separates them.
func nextWord(buf []byte, end int32) []byte {
	if int(end) >= len(buf)-1 || buf[end] != softBreak {
		return nil
	}
	s := end + 1
	e := s
	for int(e) < len(buf) && isWordByte(buf[e]) {
		e++
	}
	return buf[s:e]
}

func confidence(s float32) float64 { return float64(s) / float64(s+threshold) }

// result assembles the output from the evidence. The lists are drafted in sc without a
// string or a pointer (evidence as surface ids, mentions as their senses), then written
// out with one allocation of exactly the needed size per list and one for all their
// evidence strings, of which each list gets a capped window. Drafts without pointers cost
// no write barriers while the collector runs, and the output is written once.
func (t *Tagger) result(sc *scratch, prior int16) Result {
	var r Result
	if len(sc.contribs) == 0 && len(sc.topics) == 0 {
		return r
	}
	sc.ev = sc.ev[:0]
	sc.groupOut = sc.groupOut[:0]
	for gi := range t.groups {
		var best float32
		bestC := int16(-1)
		for _, c := range t.groupCountries[gi] {
			if !sc.isTouch[c] {
				continue
			}
			s := sc.textScore(c) + sc.resolved[c]
			if s > 0 && c == prior {
				s += wPrior
			}
			if s > best {
				best, bestC = s, c
			}
		}
		if best < threshold {
			continue
		}
		sc.groupOut = append(sc.groupOut, t.groupTag(sc, gi, bestC, best, prior))
	}
	slices.SortStableFunc(sc.groupOut, func(a, b groupDraft) int { return cmp.Compare(b.score, a.score) })
	t.mentions(sc)
	t.topicTags(sc)

	ev := make([]string, len(sc.ev))
	for i, v := range sc.ev {
		if v >= 0 {
			ev[i] = t.surfaces[v]
		} else {
			ev[i] = t.priorEvidence[-v-1]
		}
	}
	if len(sc.groupOut) > 0 {
		r.Groups = make([]GroupTag, len(sc.groupOut))
		for i, d := range sc.groupOut {
			g := &r.Groups[i]
			g.Slug = t.groups[d.group].Slug
			g.Score = d.score
			g.Method = d.method
			g.Evidence = ev[d.ev0:d.ev1:d.ev1]
		}
	}
	if len(sc.mentionOut) > 0 {
		r.Mentions = make([]Mention, len(sc.mentionOut))
		for i, d := range sc.mentionOut {
			s := &t.terms[d.term].senses[d.sense]
			m := &r.Mentions[i]
			iso := t.countries[d.country].iso2
			switch s.kind {
			case senseCountry:
				m.Kind, m.Code = KindCountry, iso
			case senseCapital, sensePlace:
				m.Kind, m.Code = KindPlace, s.code
			default:
				m.Kind, m.Code = KindAuthority, s.code
			}
			m.Name = s.name
			m.AuthorityID = s.authority
			m.Country = iso
			m.Score = d.score
			m.Evidence = ev[d.ev0:d.ev1:d.ev1]
		}
	}
	if len(sc.topicOut) > 0 {
		r.Topics = make([]TopicTag, len(sc.topicOut))
		for i, d := range sc.topicOut {
			tt := &r.Topics[i]
			tt.Slug = topicSlugs[d.topic]
			tt.Score = d.score
			tt.Evidence = ev[d.ev0:d.ev1:d.ev1]
		}
	}
	return r
}

// Drafts of the result's lists: the evidence of each is sc.ev[ev0:ev1], where a value
// v >= 0 is t.surfaces[v] and v < 0 is t.priorEvidence[-v-1].
type groupDraft struct {
	score    float64
	method   string // one of the Method constants: no allocation, set once per group
	group    int
	ev0, ev1 int32
}

type mentionDraft struct {
	score    float64
	term     int32 // the sense of its first contribution
	sense    int16
	country  int16
	id       int32 // sense.mention
	first    int32 // first contribution naming it; the others follow sc.nextSame
	last     int32
	ev0, ev1 int32
}

type topicDraft struct {
	score    float64
	topic    int
	ev0, ev1 int32
}

func (t *Tagger) groupTag(sc *scratch, gi int, c int16, score float32, prior int16) groupDraft {
	d := groupDraft{group: gi, score: confidence(score)}
	var strongest float32
	idx := sc.idx[:0]
	for i, ct := range sc.contribs {
		if ct.country == c && ct.weight > 0 {
			idx = append(idx, int32(i))
		}
	}
	sc.idx = idx
	slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(sc.contribs[b].weight, sc.contribs[a].weight) })
	start := len(sc.ev)
	for _, i := range idx {
		ct := sc.contribs[i]
		tm := &t.terms[ct.term]
		method := MethodGazetteer
		switch tm.senses[ct.sense].kind {
		case senseAuthority:
			method = MethodAuthorityName
		case senseRule:
			method = MethodStaffRule
		}
		if ct.weight > strongest || (ct.weight == strongest && method == MethodAuthorityName) {
			strongest, d.method = ct.weight, method
		}
		if sid := t.surfaceID[ct.term]; !slices.Contains(sc.ev[start:], sid) {
			sc.ev = append(sc.ev, sid)
		}
	}
	if c == prior {
		sc.ev = append(sc.ev, -int32(c)-1)
		if wPrior >= strongest || score-wPrior < threshold {
			// The feed's country carried the tag over the threshold: say so, staff weigh
			// such tags differently.
			d.method = MethodSourceCountry
		}
	}
	d.ev0, d.ev1 = int32(start), int32(len(sc.ev))
	return d
}

// mentions lists the countries, places and authorities the article names. Demonyms,
// vocabulary and cues are evidence, not mentions; unresolved ambiguous names are dropped.
// Contributions of the same mention (same kind, name, country and authority: the ids of
// lexBuilder.mentionIDs) merge, keeping the highest score and every spelling found.
func (t *Tagger) mentions(sc *scratch) {
	sc.mentionOut = sc.mentionOut[:0]
	if cap(sc.nextSame) < len(sc.contribs) {
		sc.nextSame = make([]int32, len(sc.contribs), 2*len(sc.contribs))
	}
	sc.nextSame = sc.nextSame[:len(sc.contribs)]
	for k, ct := range sc.contribs {
		s := &t.terms[ct.term].senses[ct.sense]
		if !s.kind.placeLike() {
			continue
		}
		sc.nextSame[k] = -1
		found := false
		for i := range sc.mentionOut {
			d := &sc.mentionOut[i]
			if d.id == s.mention {
				d.score = max(d.score, confidence(ct.weight))
				sc.nextSame[d.last] = int32(k)
				d.last = int32(k)
				found = true
				break
			}
		}
		if !found {
			sc.mentionOut = append(sc.mentionOut, mentionDraft{score: confidence(ct.weight),
				term: ct.term, sense: ct.sense, country: ct.country,
				id: s.mention, first: int32(k), last: int32(k)})
		}
	}
	for i := range sc.mentionOut {
		d := &sc.mentionOut[i]
		d.ev0 = int32(len(sc.ev))
		for k := d.first; k >= 0; k = sc.nextSame[k] {
			if sid := t.surfaceID[sc.contribs[k].term]; !slices.Contains(sc.ev[d.ev0:], sid) {
				sc.ev = append(sc.ev, sid)
			}
		}
		d.ev1 = int32(len(sc.ev))
	}
	slices.SortStableFunc(sc.mentionOut, func(a, b mentionDraft) int { return cmp.Compare(b.score, a.score) })
}

// topicTags reports the topics whose keywords add up to at least 1.
func (t *Tagger) topicTags(sc *scratch) {
	sc.topicOut = sc.topicOut[:0]
	var sums [8]float32
	for _, h := range sc.topics {
		sums[h.topic] += h.weight
	}
	for ti, s := range sums[:len(topicSlugs)] {
		if s < 1 {
			continue
		}
		// Hits are unique per topic and term already; the evidence needs no dedup.
		d := topicDraft{topic: ti, score: float64(s) / float64(s+1), ev0: int32(len(sc.ev))}
		for _, h := range sc.topics {
			if int(h.topic) == ti {
				sc.ev = append(sc.ev, t.surfaceID[h.term])
			}
		}
		d.ev1 = int32(len(sc.ev))
		sc.topicOut = append(sc.topicOut, d)
	}
	slices.SortStableFunc(sc.topicOut, func(a, b topicDraft) int { return cmp.Compare(b.score, a.score) })
}
