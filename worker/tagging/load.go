package tagging

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/reference"
	"coopdesk/worker/tag"
)

// snapshot is what one load of the répertoire gives the stage besides the Tagger: the
// ids it writes tags against. It is swapped whole, like the Tagger.
type snapshot struct {
	version string
	groups  map[string]int // country group slug → id
	units   unitIndex
	auths   int // authorities given to the tagger (logs)
	// byPlace finds the répertoire authorities named like a place, per country: the
	// tagger reports "Sfax" once, as the gazetteer place, while staff also want the
	// partnership's "Municipalité de Sfax" it names.
	byPlace   map[string]map[string][]int
	authNames map[int]string
}

// unitLevels are the levels of the partner-country units that partnerunits creates from
// the gazetteer: a gazetteer place mention resolves to one of these rows, never to a
// partner municipality (those come in as authorities, by id).
var unitLevels = []localauthority.Level{
	localauthority.LevelRegion, localauthority.LevelPrefectureProvince, localauthority.LevelWilaya,
	localauthority.LevelGouvernorat, localauthority.LevelMohafazat, localauthority.LevelCaza,
}

// partnerCountries are the countries whose units partnerunits loads.
var partnerCountries = []string{"MA", "DZ", "TN", "LB"}

type unitRef struct {
	id   int
	code string
}

// unitIndex finds the unit row of a gazetteer place mention, per ISO country.
type unitIndex struct {
	byName map[string]map[string][]unitRef // country → normalised name or alias → units
	byCode map[string]map[string]int       // country → code → id
}

// resolve returns the LocalAuthority id of a place mention, or 0. The mention's name
// decides (a caza carries its mohafazat's code, "Tyr" → LB-JA, so the code alone would
// name the wrong unit); the code breaks ties between units of one name (the mohafazat
// and the caza of Beyrouth) and is the fallback for a city that is not a unit itself but
// the seat of the one whose code the gazetteer gives it (Martil → Tétouan, MA-TET).
func (ix unitIndex) resolve(m tag.Mention) int {
	code := m.Code
	if m.Country == "DZ" {
		code = strings.TrimPrefix(code, "DZ-") // partnerunits stores the wilaya number alone
	}
	cands := ix.byName[m.Country][tag.Normalize(m.Name)]
	switch {
	case len(cands) == 1:
		return cands[0].id
	case len(cands) > 1:
		for _, c := range cands {
			if c.code == code {
				return c.id
			}
		}
		return cands[0].id
	}
	return ix.byCode[m.Country][code]
}

// legalPrefixes are the normalised legal prefixes of authority names, as the tagger
// strips them to match the short name ("Municipalité de Sfax" → "Sfax").
var legalPrefixes = []string{
	"commune urbaine de ", "commune urbaine d ", "commune rurale de ", "commune rurale d ",
	"commune de ", "commune d ", "municipalite de ", "municipalite d ", "municipalite du ",
	"ville de ", "ville d ", "conseil regional de ", "conseil regional du ", "conseil regional d ",
	"conseil communal de ", "conseil communal d ", "conseil provincial de ", "region de ",
	"region du ", "region d ", "region ", "wilaya de ", "wilaya d ", "apc de ", "apc d ",
	"gouvernorat de ", "gouvernorat du ", "province de ", "province d ", "prefecture de ",
	"union des municipalites de ", "union des municipalites du ", "union des municipalites d ",
	"metropole de ", "metropole d ", "city of ", "municipality of ",
}

// placeName is the normalised name of the place an authority governs, or "".
func placeName(name string) string {
	n := tag.Normalize(name)
	for _, p := range legalPrefixes {
		if rest, ok := strings.CutPrefix(n, p); ok && len(rest) >= 3 {
			return rest
		}
	}
	return ""
}

// loadSnapshot reads the répertoire: the authorities the tagger looks for (partners of a
// partnership, CUF members) with their aliases, the partner-country units and the
// country groups. Three small queries plus ent's eager loads: with 2,000 authorities it
// is a few milliseconds next to the tagger's build.
func loadSnapshot(ctx context.Context, client *ent.Client) (snapshot, []tag.Authority, error) {
	var snap snapshot
	groups, err := client.CountryGroup.Query().All(ctx)
	if err != nil {
		return snap, nil, fmt.Errorf("load country groups: %w", err)
	}
	snap.groups = make(map[string]int, len(groups))
	for _, g := range groups {
		snap.groups[g.Slug] = g.ID
	}

	known := map[string]bool{}
	if list, err := reference.Countries(); err == nil {
		for _, c := range list {
			known[c.ISO2] = true
		}
	}
	rows, err := client.LocalAuthority.Query().
		Where(localauthority.Or(localauthority.HasPartnershipsAsPartner(), localauthority.CufMemberSinceNotNil())).
		WithCountry(func(q *ent.CountryQuery) { q.Select(country.FieldCode) }).
		Order(localauthority.ByID()).All(ctx)
	if err != nil {
		return snap, nil, fmt.Errorf("load répertoire authorities: %w", err)
	}
	auths := make([]tag.Authority, 0, len(rows))
	for _, a := range rows {
		if a.Edges.Country == nil || !known[a.Edges.Country.Code] {
			// The tagger refuses unknown countries; one odd row must not stop tagging.
			continue
		}
		auths = append(auths, tag.Authority{ID: a.ID, Name: a.Name, Aliases: a.Aliases,
			Country: a.Edges.Country.Code, Level: string(a.Level)})
	}
	snap.auths = len(auths)
	snap.byPlace = map[string]map[string][]int{}
	snap.authNames = make(map[int]string, len(auths))
	for _, a := range auths {
		snap.authNames[a.ID] = a.Name
		if snap.byPlace[a.Country] == nil {
			snap.byPlace[a.Country] = map[string][]int{}
		}
		seen := map[string]bool{}
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			for _, k := range []string{tag.Normalize(n), placeName(n)} {
				if k != "" && !seen[k] {
					seen[k] = true
					snap.byPlace[a.Country][k] = append(snap.byPlace[a.Country][k], a.ID)
				}
			}
		}
	}

	units, err := client.LocalAuthority.Query().
		Where(localauthority.LevelIn(unitLevels...), localauthority.HasCountryWith(country.CodeIn(partnerCountries...))).
		WithCountry(func(q *ent.CountryQuery) { q.Select(country.FieldCode) }).
		Order(localauthority.ByID()).All(ctx)
	if err != nil {
		return snap, nil, fmt.Errorf("load partner-country units: %w", err)
	}
	snap.units = unitIndex{byName: map[string]map[string][]unitRef{}, byCode: map[string]map[string]int{}}
	for _, u := range units {
		cc := u.Edges.Country.Code
		if snap.units.byName[cc] == nil {
			snap.units.byName[cc] = map[string][]unitRef{}
			snap.units.byCode[cc] = map[string]int{}
		}
		ref := unitRef{id: u.ID, code: u.Code}
		seen := map[string]bool{}
		for _, n := range append([]string{u.Name}, u.Aliases...) {
			k := tag.Normalize(n)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			snap.units.byName[cc][k] = append(snap.units.byName[cc][k], ref)
			// "Tyr (Sour)": the tagger names the unit by the part before the brackets.
			if i := strings.Index(n, " ("); i > 0 {
				if k := tag.Normalize(n[:i]); k != "" && !seen[k] {
					seen[k] = true
					snap.units.byName[cc][k] = append(snap.units.byName[cc][k], ref)
				}
			}
		}
		if u.Code != "" {
			if _, dup := snap.units.byCode[cc][u.Code]; !dup {
				snap.units.byCode[cc][u.Code] = u.ID
			}
		}
	}
	return snap, auths, nil
}

// version is the cheap change detector of the répertoire: counts and latest updates of
// the tables a snapshot reads (every ent update, edges included, bumps updated_at; a
// deletion changes a count). One round trip, polled once a minute by the worker.
func version(ctx context.Context, db *sql.DB) (string, error) {
	var cols []string
	for _, t := range []string{"local_authorities", "partnerships", "country_groups", "tag_rules"} {
		cols = append(cols, "(SELECT COUNT(*) FROM "+t+")", "(SELECT MAX(updated_at) FROM "+t+")")
	}
	cols = append(cols, "(SELECT COUNT(*) FROM partnership_partner_authorities)")
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ", ")).Scan(dest...); err != nil {
		return "", fmt.Errorf("répertoire version: %w", err)
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = v.String
	}
	return strings.Join(parts, "|"), nil
}
