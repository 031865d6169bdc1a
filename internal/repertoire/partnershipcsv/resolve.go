package partnershipcsv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/organization"
	"coopdesk/ent/partnership"
	"coopdesk/internal/repertoire/names"
)

var key = names.Key

// authority is a LocalAuthority as the resolver knows it.
type authority struct {
	id      int
	name    string
	level   localauthority.Level
	code    string
	siren   string
	dept    string // for a commune, its département's code
	created bool   // created by this import
}

// missingPartner is a partner authority to create (--create-missing-partners).
type missingPartner struct {
	country *ent.Country
	name    string
	level   localauthority.Level
}

// index finds authorities by name, alias and code.
type index struct {
	list   []authority
	byKey  map[string][]int
	byCode map[string][]int
}

func newIndex() *index {
	return &index{byKey: map[string][]int{}, byCode: map[string][]int{}}
}

func (ix *index) add(a authority, aliases ...string) {
	i := len(ix.list)
	ix.list = append(ix.list, a)
	seen := map[string]bool{}
	for _, n := range append([]string{a.name}, aliases...) {
		if k := key(n); k != "" && !seen[k] {
			seen[k] = true
			ix.byKey[k] = append(ix.byKey[k], i)
		}
	}
	if a.code != "" {
		c := strings.ToUpper(a.code)
		ix.byCode[c] = append(ix.byCode[c], i)
	}
}

// resolver turns the names and codes of a file into ids, loading what it needs once.
type resolver struct {
	ctx       context.Context
	client    *ent.Client
	countries map[string]*ent.Country
	themes    map[string]int
	themeList string
	funders   map[string]int

	frenchIx *index
	bySiren  map[string][]int
	deptCode map[string]string // key of a département's name or code → code
	deptName map[string]string // code → name
	partners map[int]*index    // by country id
}

func newResolver(ctx context.Context, client *ent.Client) (*resolver, error) {
	res := &resolver{ctx: ctx, client: client, countries: map[string]*ent.Country{}, themes: map[string]int{},
		funders: map[string]int{}, partners: map[int]*index{}}
	cs, err := client.Country.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		for _, n := range []string{c.Code, c.Iso3, c.NameFr, c.NameEn} {
			if k := key(n); k != "" {
				res.countries[k] = c
			}
		}
	}
	ts, err := client.Theme.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	parts := map[string][]int{}
	var slugs []string
	for _, t := range ts {
		slugs = append(slugs, t.Slug)
		res.themes[key(t.Slug)] = t.ID
		res.themes[key(t.Label)] = t.ID
		label := t.Label
		if i := strings.Index(label, " ("); i > 0 {
			res.themes[key(label[:i])] = t.ID
		}
		for _, p := range strings.Split(label, "/") {
			parts[key(p)] = append(parts[key(p)], t.ID)
		}
	}
	for k, ids := range parts {
		if _, ok := res.themes[k]; !ok && len(ids) == 1 && k != "" {
			res.themes[k] = ids[0]
		}
	}
	res.themeList = strings.Join(slugs, ", ")
	fs, err := client.Organization.Query().Where(organization.KindEQ(organization.KindFunder)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		res.funders[key(f.Name)] = f.ID
	}
	return res, nil
}

func (res *resolver) country(s string) (*ent.Country, string) {
	if s == "" {
		return nil, "pays is empty"
	}
	c, ok := res.countries[key(s)]
	if !ok {
		return nil, fmt.Sprintf("unknown pays %q (give an ISO code such as MA or a name such as Maroc)", s)
	}
	return c, ""
}

// loadFrench reads every French authority once: a file names hundreds of them.
func (res *resolver) loadFrench() error {
	if res.frenchIx != nil {
		return nil
	}
	all, err := res.client.LocalAuthority.Query().
		Where(localauthority.HasCountryWith(country.Code("FR"))).
		Select(localauthority.FieldName, localauthority.FieldLevel, localauthority.FieldCode,
			localauthority.FieldSiren, localauthority.FieldParentID).All(res.ctx)
	if err != nil {
		return err
	}
	depts := map[int]string{}
	res.deptCode, res.deptName = map[string]string{}, map[string]string{}
	for _, a := range all {
		if a.Level == localauthority.LevelDepartement {
			depts[a.ID] = a.Code
			res.deptName[a.Code] = a.Name
			res.deptCode[key(a.Name)] = a.Code
			res.deptCode[key(a.Code)] = a.Code
		}
	}
	res.frenchIx, res.bySiren = newIndex(), map[string][]int{}
	for _, a := range all {
		x := authority{id: a.ID, name: a.Name, level: a.Level, code: a.Code, siren: a.Siren}
		if a.Level == localauthority.LevelCommune && a.ParentID != nil {
			x.dept = depts[*a.ParentID]
		}
		if a.Siren != "" {
			res.bySiren[a.Siren] = append(res.bySiren[a.Siren], len(res.frenchIx.list))
		}
		res.frenchIx.add(x)
	}
	return nil
}

var (
	sirenRe     = regexp.MustCompile(`^[0-9]{9}$`)
	inseeRe     = regexp.MustCompile(`^[0-9][0-9AB][0-9]{3}$`)
	qualifierRe = regexp.MustCompile(`^(.*\S)\s*\(([^()]+)\)$`)
	// codeRe matches what is written as a code (MA-03, LB-BA, 16), not a name.
	codeRe = regexp.MustCompile(`^(?:[A-Za-z]{2}-[A-Z0-9]{1,4}|[0-9]{1,6})$`)
)

// qualifier splits "Saint-Denis (93)" or "Akkar (caza)" into the name and what is in brackets.
func qualifier(s string) (string, string) {
	if m := qualifierRe.FindStringSubmatch(s); m != nil {
		return m[1], strings.TrimSpace(m[2])
	}
	return s, ""
}

// cleanName is the name of a partner authority to create: without a level in brackets.
func cleanName(s string) string {
	name, q := qualifier(s)
	if _, ok := parseLevel(q); ok && q != "" {
		return name
	}
	return s
}

// frenchPrefixes are the words before a name in staff's files, and the level they imply.
var frenchPrefixes = []struct {
	prefix string
	level  localauthority.Level
}{
	{"ville de ", localauthority.LevelCommune}, {"commune de ", localauthority.LevelCommune},
	{"mairie de ", localauthority.LevelCommune},
	{"conseil departemental de la ", localauthority.LevelDepartement}, {"conseil departemental de l ", localauthority.LevelDepartement},
	{"conseil departemental des ", localauthority.LevelDepartement}, {"conseil departemental du ", localauthority.LevelDepartement},
	{"conseil departemental de ", localauthority.LevelDepartement},
	{"departement de la ", localauthority.LevelDepartement}, {"departement de l ", localauthority.LevelDepartement},
	{"departement des ", localauthority.LevelDepartement}, {"departement du ", localauthority.LevelDepartement},
	{"departement de ", localauthority.LevelDepartement},
	{"conseil regional de ", localauthority.LevelRegion}, {"conseil regional d ", localauthority.LevelRegion},
	{"region ", localauthority.LevelRegion},
}

// french finds the French authority entry names, or says why it cannot.
func (res *resolver) french(entry, dept string) (*authority, string, error) {
	if err := res.loadFrench(); err != nil {
		return nil, "", err
	}
	ix := res.frenchIx
	switch {
	case sirenRe.MatchString(entry):
		return res.one(entry, res.bySiren[entry], fmt.Sprintf("no French collectivité has SIREN %s", entry))
	case inseeRe.MatchString(strings.ToUpper(entry)):
		var communes []int
		for _, i := range ix.byCode[strings.ToUpper(entry)] {
			if ix.list[i].level == localauthority.LevelCommune {
				communes = append(communes, i)
			}
		}
		return res.one(entry, communes, fmt.Sprintf("no current commune has INSEE code %s", entry))
	}
	name, q := qualifier(entry)
	var level localauthority.Level
	if q != "" {
		if l, ok := parseLevel(q); ok {
			level = l
		} else {
			dept = q
		}
	}
	cands := ix.byKey[key(name)]
	if len(cands) == 0 {
		k := key(name)
		for _, p := range frenchPrefixes {
			if rest, ok := strings.CutPrefix(k, p.prefix); ok {
				cands, level = ix.byKey[rest], p.level
				break
			}
		}
	}
	if level != "" {
		var kept []int
		for _, i := range cands {
			if ix.list[i].level == level {
				kept = append(kept, i)
			}
		}
		cands = kept
	}
	if len(cands) == 0 {
		return nil, fmt.Sprintf("unknown French collectivité %q", entry), nil
	}
	if dept != "" {
		code, ok := res.deptCode[key(dept)]
		if !ok {
			return nil, fmt.Sprintf("unknown département %q", dept), nil
		}
		var kept []int
		for _, i := range cands {
			a := ix.list[i]
			if (a.level == localauthority.LevelCommune && a.dept == code) || (a.level == localauthority.LevelDepartement && a.code == code) {
				kept = append(kept, i)
			}
		}
		if len(kept) == 0 {
			return nil, fmt.Sprintf("no French collectivité %q in département %s; candidates: %s", name, code, res.describe(cands)), nil
		}
		// "Paris (75)" is the commune, not the département of the same name.
		var communes []int
		for _, i := range kept {
			if ix.list[i].level == localauthority.LevelCommune {
				communes = append(communes, i)
			}
		}
		if len(communes) > 0 {
			kept = communes
		}
		cands = kept
	}
	return res.one(entry, cands, "")
}

// one returns the single candidate, or why there is none or more than one.
func (res *resolver) one(entry string, cands []int, notFound string) (*authority, string, error) {
	switch len(cands) {
	case 0:
		return nil, notFound, nil
	case 1:
		a := res.frenchIx.list[cands[0]]
		return &a, "", nil
	}
	return nil, fmt.Sprintf("ambiguous French collectivité %q: %s; give the INSEE code or SIREN, or the département", entry, res.describe(cands)), nil
}

func (res *resolver) describe(cands []int) string {
	cands = slices.Clone(cands)
	slices.SortFunc(cands, func(i, j int) int {
		return strings.Compare(res.frenchIx.list[i].code, res.frenchIx.list[j].code)
	})
	var parts []string
	for _, i := range cands {
		a := res.frenchIx.list[i]
		s := fmt.Sprintf("%s %s %s", a.name, a.level, a.code)
		if a.dept != "" {
			s += " (" + res.deptName[a.dept] + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// partner finds the partner authority entry names in country c, of the given level
// unless it is "": nil and no reason when the répertoire has none.
func (res *resolver) partner(c *ent.Country, entry string, level localauthority.Level) (*authority, string, error) {
	ix, err := res.partnerIndex(c)
	if err != nil {
		return nil, "", err
	}
	name, q := qualifier(entry)
	if l, ok := parseLevel(q); ok && q != "" {
		level = l
	} else {
		name = entry
	}
	var cands []int
	if codeRe.MatchString(name) {
		code := strings.ToUpper(name)
		cands = ix.byCode[code]
		if rest, ok := strings.CutPrefix(code, c.Code+"-"); ok && len(cands) == 0 {
			cands = ix.byCode[rest] // "DZ-16" for wilaya 16
		}
	}
	if len(cands) == 0 {
		cands = ix.byKey[key(name)]
	}
	if level != "" {
		var kept []int
		for _, i := range cands {
			if ix.list[i].level == level {
				kept = append(kept, i)
			}
		}
		cands = kept
	}
	switch len(cands) {
	case 0:
		return nil, "", nil
	case 1:
		a := ix.list[cands[0]]
		return &a, "", nil
	}
	var parts []string
	for _, i := range cands {
		a := ix.list[i]
		parts = append(parts, fmt.Sprintf("%s %s %s", a.name, a.level, a.code))
	}
	slices.Sort(parts)
	return nil, fmt.Sprintf("ambiguous partner authority %q: %s; add the level in brackets, e.g. %q",
		entry, strings.Join(parts, ", "), name+" ("+string(ix.list[cands[0]].level)+")"), nil
}

func (res *resolver) partnerIndex(c *ent.Country) (*index, error) {
	if ix, ok := res.partners[c.ID]; ok {
		return ix, nil
	}
	all, err := res.client.LocalAuthority.Query().Where(localauthority.CountryID(c.ID)).
		Select(localauthority.FieldName, localauthority.FieldAliases, localauthority.FieldLevel, localauthority.FieldCode).All(res.ctx)
	if err != nil {
		return nil, err
	}
	ix := newIndex()
	for _, a := range all {
		ix.add(authority{id: a.ID, name: a.Name, level: a.Level, code: a.Code}, a.Aliases...)
	}
	res.partners[c.ID] = ix
	return ix, nil
}

// createPartner creates a missing partner authority, once however many rows name it.
func (res *resolver) createPartner(m missingPartner) (authority, error) {
	ix, err := res.partnerIndex(m.country)
	if err != nil {
		return authority{}, err
	}
	for _, i := range ix.byKey[key(m.name)] {
		if ix.list[i].level == m.level {
			return ix.list[i], nil
		}
	}
	a, err := res.client.LocalAuthority.Create().SetCountryID(m.country.ID).SetName(m.name).SetLevel(m.level).Save(res.ctx)
	if err != nil {
		return authority{}, fmt.Errorf("create partner authority %q: %w", m.name, err)
	}
	x := authority{id: a.ID, name: a.Name, level: a.Level, created: true}
	ix.add(x)
	return x, nil
}

func parseKind(s string) (partnership.Kind, bool) {
	switch key(s) {
	case "jumelage", "twinning", "jumelage cooperation":
		return partnership.KindJumelage, true
	case "convention", "convention de cooperation", "convention cooperation", "accord de cooperation", "cooperation":
		return partnership.KindConventionCooperation, true
	case "action ponctuelle", "action", "ponctuelle", "ponctuel":
		return partnership.KindActionPonctuelle, true
	case "reseau programme", "reseau", "programme", "reseau ou programme":
		return partnership.KindReseauProgramme, true
	}
	return "", false
}

func parseStatus(s string) (partnership.Status, bool) {
	switch key(s) {
	case "active", "actif", "active e", "en cours":
		return partnership.StatusActive, true
	case "dormant", "en sommeil", "sommeil", "inactif", "inactive":
		return partnership.StatusDormant, true
	case "ended", "termine", "terminee", "acheve", "achevee", "clos", "close", "fini":
		return partnership.StatusEnded, true
	case "project", "projet", "en projet":
		return partnership.StatusProject, true
	}
	return "", false
}

// parseLevel reads a level in French or as spelt in the data model; "" is other.
func parseLevel(s string) (localauthority.Level, bool) {
	k := strings.ReplaceAll(key(s), " ", "_")
	switch k {
	case "":
		return localauthority.LevelOther, true
	case "municipalite", "municipalité", "municipality":
		return localauthority.LevelMunicipalite, true
	case "province", "prefecture":
		return localauthority.LevelPrefectureProvince, true
	case "conseil_regional":
		return localauthority.LevelRegion, true
	case "union_de_municipalites":
		return localauthority.LevelUnionMunicipalites, true
	}
	l := localauthority.Level(k)
	if localauthority.LevelValidator(l) == nil {
		return l, true
	}
	return "", false
}

var dateLayouts = []string{"2006-01-02", "02/01/2006", "2/1/2006", "02-01-2006", "02.01.2006", "2006/01/02"}

// parseDate reads the dates of French spreadsheets; a year alone is its 1 January.
func parseDate(s string) (time.Time, error) {
	if len(s) == 4 {
		if y, err := strconv.Atoi(s); err == nil && y >= 1900 && y <= 2100 {
			return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), nil
		}
	}
	// Excel's "2019-03-11 00:00:00".
	s = strings.TrimSuffix(s, " 00:00:00")
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			if t.Year() < 1900 || t.Year() > 2100 {
				return time.Time{}, fmt.Errorf("%q is out of range", s)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want 2019-03-11, 11/03/2019 or 2019)", s)
}

// parseAmount reads an amount in euros written the French or the English way.
func parseAmount(s string) (float64, error) {
	t := strings.NewReplacer("€", "", "EUR", "", "eur", "", " ", "", "\u00a0", "", "\u202f", "", "'", "").Replace(s)
	comma, dot := strings.LastIndex(t, ","), strings.LastIndex(t, ".")
	switch {
	case comma >= 0 && dot >= 0 && comma > dot: // 1.234,56
		t = strings.ReplaceAll(t, ".", "")
		t = strings.Replace(t, ",", ".", 1)
	case comma >= 0 && dot >= 0: // 1,234.56
		t = strings.ReplaceAll(t, ",", "")
	case comma >= 0 && strings.Count(t, ",") == 1: // 12500,50
		t = strings.Replace(t, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	if v < 0 {
		return 0, errors.New("a budget cannot be negative")
	}
	return v, nil
}
