// Package partnerunits loads the administrative units of the partner countries (Morocco,
// Algeria, Tunisia, Lebanon) from the embedded gazetteer into the répertoire as
// LocalAuthority records, with their French name, their Arabic name and the usual other
// spellings as aliases, so that partnerships can point at them and the tagger can find
// them in the news.
package partnerunits

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/reference"
	"coopdesk/internal/repertoire/names"
)

// StatusAnnounced marks a unit created by decision but not yet in law (the 11 Algerian
// wilayas approved by the Conseil des ministres in November 2025).
const StatusAnnounced = "announced"

// Unit is one administrative unit to load.
type Unit struct {
	Country string // ISO 3166-1 alpha-2
	Level   localauthority.Level
	// Code is the ISO 3166-2 code where there is one (MA-01, TN-11, LB-BA), the national
	// number of Algerian wilayas (01–69), and otherwise a slug of the French name (the
	// Lebanese cazas and Kesrouan-Jbeil have no code of their own).
	Code    string
	Name    string
	Aliases []string
	Status  string
	Parent  string // code of the parent unit, same country
}

// Units returns the units of the embedded gazetteer, parents before children.
func Units() ([]Unit, error) {
	g, err := reference.Gazetteer()
	if err != nil {
		return nil, err
	}
	var units []Unit
	add := func(cc string, level localauthority.Level, code, parent string, u reference.Unit, status string) {
		if code == "" {
			code = slug(u.FR)
		}
		units = append(units, Unit{Country: cc, Level: level, Code: code, Name: u.FR, Aliases: aliases(u), Status: status, Parent: parent})
	}
	ma := g["MA"]
	for _, u := range ma.Regions {
		add("MA", localauthority.LevelRegion, u.Code, "", u, "")
	}
	for _, u := range ma.PrefecturesProvinces {
		add("MA", localauthority.LevelPrefectureProvince, u.Code, "", u, "")
	}
	dz := g["DZ"]
	for _, u := range dz.Wilayas {
		add("DZ", localauthority.LevelWilaya, u.Code, "", u, "")
	}
	for _, u := range dz.WilayasAnnounced2025 {
		add("DZ", localauthority.LevelWilaya, u.Code, "", u, StatusAnnounced)
	}
	for _, u := range g["TN"].Gouvernorats {
		add("TN", localauthority.LevelGouvernorat, u.Code, "", u, "")
	}
	for _, m := range g["LB"].Mohafazats {
		add("LB", localauthority.LevelMohafazat, m.Code, "", m, "")
		parent := units[len(units)-1].Code
		for _, c := range m.Cazas {
			add("LB", localauthority.LevelCaza, "", parent, c, "")
		}
	}
	return units, nil
}

// slug turns a French name into a code: "Jbeil (Byblos)" → "jbeil-byblos".
func slug(s string) string {
	return strings.ReplaceAll(names.Key(s), " ", "-")
}

// usual lists other spellings found in the press and in partners' own documents, by
// French name (the gazetteer's "keep aliases when matching").
var usual = map[string][]string{
	"Beyrouth":                  {"Beirut", "Bayrut"},
	"Mont-Liban":                {"Mount Lebanon", "Jabal Loubnan"},
	"Liban-Nord":                {"Nord-Liban", "North Lebanon", "Nord"},
	"Liban-Sud":                 {"Sud-Liban", "South Lebanon", "Sud"},
	"Békaa":                     {"Beqaa", "Bekaa", "Bequaa", "Biqa"},
	"Békaa-Ouest":               {"Ouest-Békaa", "West Bekaa", "Beqaa Ouest"},
	"Baalbek-Hermel":            {"Baalbeck-Hermel"},
	"Nabatieh":                  {"Nabatiyeh", "Nabatiye", "Nabatiyé"},
	"Zghorta":                   {"Zgharta"},
	"Tyr (Sour)":                {"Tyr", "Sour", "Tyre"},
	"Jbeil (Byblos)":            {"Jbeil", "Byblos", "Jbail"},
	"Saïda":                     {"Sidon", "Saida"},
	"Bcharré":                   {"Bcharre", "Bsharri", "Becharré"},
	"Metn":                      {"Matn", "El Metn"},
	"Chouf":                     {"Shouf"},
	"Kesrouan":                  {"Keserwan", "Kisrawan"},
	"Marjayoun":                 {"Marjeyoun", "Marjayoun"},
	"Hasbaya":                   {"Hasbaiya"},
	"Rachaya":                   {"Rashaya"},
	"Minié-Denniyé":             {"Minieh-Danniyeh", "Miniyeh-Danniyeh"},
	"Tanger-Tétouan-Al Hoceïma": {"Tangier-Tetouan-Al Hoceima", "Tanger-Tetouan-Al Hoceima"},
	"Fès-Meknès":                {"Fez-Meknes"},
	"Marrakech-Safi":            {"Marrakesh-Safi"},
	"Fès":                       {"Fez"},
	"Marrakech":                 {"Marrakesh"},
	"Alger":                     {"Algiers", "El Djazaïr", "Alger-Centre"},
	"Oran":                      {"Wahran"},
	"Béjaïa":                    {"Bougie", "Bgayet"},
	"Annaba":                    {"Bône"},
	"Constantine":               {"Qacentina"},
	"Le Kef":                    {"El Kef", "Kef"},
}

// aliases lists the other names of u: Arabic, without accents, the parts of a name in
// brackets, and the usual spellings.
func aliases(u reference.Unit) []string {
	var out []string
	seen := map[string]bool{u.FR: true}
	addAlias := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	addAlias(u.AR)
	addAlias(names.ASCII(u.FR))
	if i := strings.Index(u.FR, " ("); i > 0 && strings.HasSuffix(u.FR, ")") {
		addAlias(u.FR[:i])
		addAlias(u.FR[i+2 : len(u.FR)-1])
	}
	for _, s := range usual[u.FR] {
		addAlias(s)
		addAlias(names.ASCII(s))
	}
	return out
}

// Result counts what Load did.
type Result struct {
	Created, Updated, Unchanged int
}

// Load creates the units that are missing, in one transaction. A unit already there
// keeps its name (staff may have corrected it); it only gains the gazetteer's aliases it
// lacks and the gazetteer's status (an announced wilaya becomes official when a newer
// gazetteer drops the mark).
func Load(ctx context.Context, client *ent.Client) (Result, error) {
	var res Result
	units, err := Units()
	if err != nil {
		return res, err
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return res, fmt.Errorf("load partner-country units: %w", err)
	}
	res, err = load(ctx, tx.Client(), units)
	if err != nil {
		_ = tx.Rollback()
		return Result{}, fmt.Errorf("load partner-country units: %w", err)
	}
	return res, tx.Commit()
}

type unitKey struct {
	country string
	level   localauthority.Level
	code    string
}

func load(ctx context.Context, client *ent.Client, units []Unit) (Result, error) {
	var res Result
	codes := []string{"MA", "DZ", "TN", "LB"}
	countries, err := client.Country.Query().Where(country.CodeIn(codes...)).All(ctx)
	if err != nil {
		return res, err
	}
	countryID := map[string]int{}
	for _, c := range countries {
		countryID[c.Code] = c.ID
	}
	for _, cc := range codes {
		if countryID[cc] == 0 {
			return res, fmt.Errorf("country %s is missing (run coopdesk migrate first)", cc)
		}
	}
	ids := make([]int, 0, len(countries))
	byID := map[int]string{}
	for cc, id := range countryID {
		ids = append(ids, id)
		byID[id] = cc
	}
	stored, err := client.LocalAuthority.Query().Where(localauthority.CountryIDIn(ids...), localauthority.CodeNotNil()).
		Select(localauthority.FieldCountryID, localauthority.FieldLevel, localauthority.FieldCode,
			localauthority.FieldAliases, localauthority.FieldStatus).All(ctx)
	if err != nil {
		return res, err
	}
	have := map[unitKey]*ent.LocalAuthority{}
	for _, a := range stored {
		have[unitKey{byID[a.CountryID], a.Level, a.Code}] = a
	}
	// Units come parents first: each level is written before the next needs its ids.
	var batch []*ent.LocalAuthorityCreate
	var batchKeys []unitKey
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		saved, err := client.LocalAuthority.CreateBulk(batch...).Save(ctx)
		if err != nil {
			return err
		}
		for i, a := range saved {
			have[batchKeys[i]] = a
		}
		res.Created += len(saved)
		batch, batchKeys = batch[:0], batchKeys[:0]
		return nil
	}
	var level localauthority.Level
	for _, u := range units {
		if u.Level != level {
			if err := flush(); err != nil {
				return res, err
			}
			level = u.Level
		}
		k := unitKey{u.Country, u.Level, u.Code}
		a, ok := have[k]
		if !ok {
			b := client.LocalAuthority.Create().SetCountryID(countryID[u.Country]).SetLevel(u.Level).
				SetCode(u.Code).SetName(u.Name).SetAliases(u.Aliases)
			if u.Status != "" {
				b.SetStatus(u.Status)
			}
			if u.Parent != "" {
				p, ok := have[unitKey{u.Country, parentLevel(u.Level), u.Parent}]
				if !ok {
					return res, fmt.Errorf("%s %s: parent %s not found", u.Country, u.Code, u.Parent)
				}
				b.SetParentID(p.ID)
			}
			batch = append(batch, b)
			batchKeys = append(batchKeys, k)
			continue
		}
		missing := false
		for _, s := range u.Aliases {
			if !slices.Contains(a.Aliases, s) {
				missing = true
				break
			}
		}
		if !missing && a.Status == u.Status {
			res.Unchanged++
			continue
		}
		merged := append(slices.Clone(a.Aliases), u.Aliases...)
		sort.Strings(merged)
		merged = slices.Compact(merged)
		upd := client.LocalAuthority.UpdateOneID(a.ID).SetAliases(merged)
		if u.Status == "" {
			upd.ClearStatus()
		} else {
			upd.SetStatus(u.Status)
		}
		if err := upd.Exec(ctx); err != nil {
			return res, err
		}
		res.Updated++
	}
	return res, flush()
}

func parentLevel(l localauthority.Level) localauthority.Level {
	if l == localauthority.LevelCaza {
		return localauthority.LevelMohafazat
	}
	return ""
}
