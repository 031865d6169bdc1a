package export

import (
	"context"
	"fmt"
	"io"
	"strings"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/countrygroup"
	"coopdesk/ent/dossier"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/ent/predicate"
	"coopdesk/ent/theme"
)

// Filter narrows an export; empty fields do not filter.
type Filter struct {
	Group   string // country group slug: its partner countries, and its member authorities
	Country string // ISO code of the partner authorities' country (the authority's own for authorities)
	Theme   string // theme slug
	Status  string // partnership, dossier or authority status
}

// Options tunes an export.
type Options struct {
	Format Format
	Sep    rune // CSV field separator, ',' by default
	Filter Filter
}

// pageSize is the number of records read at a time.
const pageSize = 1000

func (o Options) sheet(w io.Writer, name string, cols []column) (sheet, error) {
	sep := o.Sep
	if sep == 0 {
		sep = ','
	}
	return newSheet(w, o.Format, sep, name, cols)
}

// groupCountries returns the ids of the countries of group slug.
func groupCountries(ctx context.Context, c *ent.Client, slug string) (*ent.CountryGroup, []int, error) {
	g, err := c.CountryGroup.Query().Where(countrygroup.Slug(slug)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, fmt.Errorf("unknown group %q", slug)
	}
	if err != nil {
		return nil, nil, err
	}
	ids, err := g.QueryCountries().IDs(ctx)
	return g, ids, err
}

func checkCountry(ctx context.Context, c *ent.Client, code string) error {
	ok, err := c.Country.Query().Where(country.Code(strings.ToUpper(code))).Exist(ctx)
	if err == nil && !ok {
		err = fmt.Errorf("unknown country %q (want an ISO code such as MA)", code)
	}
	return err
}

func checkTheme(ctx context.Context, c *ent.Client, slug string) error {
	ok, err := c.Theme.Query().Where(theme.Slug(slug)).Exist(ctx)
	if err == nil && !ok {
		err = fmt.Errorf("unknown theme %q (want a theme slug such as eau-assainissement)", slug)
	}
	return err
}

var partnershipColumns = []column{
	{"référence", text, 14}, {"titre", text, 40}, {"collectivité française", text, 32}, {"département", text, 8},
	{"collectivité partenaire", text, 32}, {"niveau partenaire", text, 10}, {"pays", text, 14},
	{"type", text, 24}, {"statut", text, 11}, {"thématiques", text, 36}, {"date de signature", date, 12},
	{"date de début", date, 12}, {"date de fin", date, 12}, {"description", text, 60}, {"budget", amount, 14},
	{"cofinanceurs", text, 30}, {"source", text, 10},
}

// KindLabels and StatusLabels are the French words of partnership kinds and statuses, as
// the import reads them.
var (
	KindLabels = map[partnership.Kind]string{
		partnership.KindJumelage: "jumelage", partnership.KindConventionCooperation: "convention de coopération",
		partnership.KindActionPonctuelle: "action ponctuelle", partnership.KindReseauProgramme: "réseau/programme",
	}
	StatusLabels = map[partnership.Status]string{
		partnership.StatusActive: "actif", partnership.StatusDormant: "en sommeil",
		partnership.StatusEnded: "terminé", partnership.StatusProject: "en projet",
	}
)

func partnershipFilter(ctx context.Context, c *ent.Client, f Filter) ([]predicate.Partnership, error) {
	var ps []predicate.Partnership
	if f.Status != "" {
		s := partnership.Status(f.Status)
		for k, v := range StatusLabels {
			if strings.EqualFold(v, f.Status) {
				s = k
			}
		}
		if err := partnership.StatusValidator(s); err != nil {
			return nil, fmt.Errorf("unknown status %q (want active, dormant, ended or project)", f.Status)
		}
		ps = append(ps, partnership.StatusEQ(s))
	}
	if f.Country != "" {
		if err := checkCountry(ctx, c, f.Country); err != nil {
			return nil, err
		}
		ps = append(ps, partnership.HasPartnerAuthoritiesWith(localauthority.HasCountryWith(country.Code(strings.ToUpper(f.Country)))))
	}
	if f.Theme != "" {
		if err := checkTheme(ctx, c, f.Theme); err != nil {
			return nil, err
		}
		ps = append(ps, partnership.HasThemesWith(theme.Slug(f.Theme)))
	}
	if f.Group != "" {
		g, countries, err := groupCountries(ctx, c, f.Group)
		if err != nil {
			return nil, err
		}
		ps = append(ps, partnership.Or(
			partnership.HasPartnerAuthoritiesWith(localauthority.CountryIDIn(countries...)),
			partnership.HasFrenchAuthoritiesWith(localauthority.HasGroupsWith(countrygroup.ID(g.ID))),
		))
	}
	return ps, nil
}

// Partnerships writes the partnerships that pass the filter, in the columns of the
// partnerships import: an export read back by `coopdesk import partnerships` changes
// nothing. It returns the number of rows written.
func Partnerships(ctx context.Context, c *ent.Client, w io.Writer, o Options) (int, error) {
	where, err := partnershipFilter(ctx, c, o.Filter)
	if err != nil {
		return 0, err
	}
	s, err := o.sheet(w, "Partenariats", partnershipColumns)
	if err != nil {
		return 0, err
	}
	n, last := 0, 0
	cells := make([]any, len(partnershipColumns))
	for {
		page, err := c.Partnership.Query().Where(append(where, partnership.IDGT(last))...).
			Order(partnership.ByID()).Limit(pageSize).
			WithFrenchAuthorities(func(q *ent.LocalAuthorityQuery) { q.WithParent() }).
			WithPartnerAuthorities(func(q *ent.LocalAuthorityQuery) { q.WithCountry() }).
			WithThemes().WithFunders().All(ctx)
		if err != nil {
			return n, fmt.Errorf("export partnerships: %w", err)
		}
		for _, p := range page {
			var french, partners, themes, funders []string
			countryName := ""
			for _, a := range p.Edges.FrenchAuthorities {
				french = append(french, frenchName(a))
			}
			for _, a := range p.Edges.PartnerAuthorities {
				partners = append(partners, fmt.Sprintf("%s (%s)", a.Name, a.Level))
				if a.Edges.Country != nil {
					countryName = a.Edges.Country.NameFr
				}
			}
			for _, t := range p.Edges.Themes {
				themes = append(themes, t.Label)
			}
			for _, f := range p.Edges.Funders {
				funders = append(funders, f.Name)
			}
			ref := ""
			if p.Reference != nil {
				ref = *p.Reference
			}
			cells = append(cells[:0], ref, p.Title, strings.Join(french, "; "), "", strings.Join(partners, "; "), "",
				countryName, KindLabels[p.Kind], StatusLabels[p.Status], strings.Join(themes, "; "),
				p.SignedOn, p.StartOn, p.EndOn, p.Description, p.Budget, strings.Join(funders, "; "), p.Source)
			if err := s.row(cells); err != nil {
				return n, fmt.Errorf("export partnerships: %w", err)
			}
			n++
		}
		if len(page) < pageSize {
			break
		}
		last = page[len(page)-1].ID
	}
	return n, s.close()
}

// frenchName names a French authority so that the import finds it again: a commune with
// its département's code, a département or a région with its level.
func frenchName(a *ent.LocalAuthority) string {
	switch a.Level {
	case localauthority.LevelCommune:
		if a.Edges.Parent != nil {
			return fmt.Sprintf("%s (%s)", a.Name, a.Edges.Parent.Code)
		}
		if a.Code != "" {
			return a.Code
		}
	case localauthority.LevelEpci:
		if a.Siren != "" {
			return a.Siren
		}
	case localauthority.LevelDepartement, localauthority.LevelRegion:
		return fmt.Sprintf("%s (%s)", a.Name, a.Level)
	}
	return a.Name
}

var authorityColumns = []column{
	{"nom", text, 36}, {"niveau", text, 14}, {"code", text, 10}, {"SIREN", text, 11}, {"population", integer, 11},
	{"zone", text, 6}, {"pays", text, 14}, {"parent", text, 28}, {"code parent", text, 10}, {"statut", text, 10},
	{"alias", text, 40}, {"membre CUF depuis", date, 12},
}

// Authorities writes the local authorities that pass the filter: Country is their own
// country, Group their group's countries or membership, Theme a theme of one of their
// partnerships, Status their status (e.g. announced).
func Authorities(ctx context.Context, c *ent.Client, w io.Writer, o Options) (int, error) {
	var where []predicate.LocalAuthority
	f := o.Filter
	if f.Status != "" {
		where = append(where, localauthority.Status(f.Status))
	}
	if f.Country != "" {
		if err := checkCountry(ctx, c, f.Country); err != nil {
			return 0, err
		}
		where = append(where, localauthority.HasCountryWith(country.Code(strings.ToUpper(f.Country))))
	}
	if f.Theme != "" {
		if err := checkTheme(ctx, c, f.Theme); err != nil {
			return 0, err
		}
		where = append(where, localauthority.Or(
			localauthority.HasPartnershipsAsFrenchWith(partnership.HasThemesWith(theme.Slug(f.Theme))),
			localauthority.HasPartnershipsAsPartnerWith(partnership.HasThemesWith(theme.Slug(f.Theme)))))
	}
	if f.Group != "" {
		g, countries, err := groupCountries(ctx, c, f.Group)
		if err != nil {
			return 0, err
		}
		where = append(where, localauthority.Or(localauthority.CountryIDIn(countries...), localauthority.HasGroupsWith(countrygroup.ID(g.ID))))
	}
	countries, err := c.Country.Query().Select(country.FieldNameFr).All(ctx)
	if err != nil {
		return 0, err
	}
	countryName := make(map[int]string, len(countries))
	for _, k := range countries {
		countryName[k.ID] = k.NameFr
	}
	s, err := o.sheet(w, "Collectivités", authorityColumns)
	if err != nil {
		return 0, err
	}
	n, last := 0, 0
	cells := make([]any, len(authorityColumns))
	for {
		page, err := c.LocalAuthority.Query().Where(append(where, localauthority.IDGT(last))...).
			Order(localauthority.ByID()).Limit(pageSize).
			WithParent(func(q *ent.LocalAuthorityQuery) { q.Select(localauthority.FieldName, localauthority.FieldCode) }).
			All(ctx)
		if err != nil {
			return n, fmt.Errorf("export authorities: %w", err)
		}
		for _, a := range page {
			parent, parentCode, zone := "", "", ""
			if p := a.Edges.Parent; p != nil {
				parent, parentCode = p.Name, p.Code
			}
			if a.Zone != nil {
				zone = string(*a.Zone)
			}
			cells = append(cells[:0], a.Name, string(a.Level), a.Code, a.Siren, a.Population, zone,
				countryName[a.CountryID], parent, parentCode, a.Status, strings.Join(a.Aliases, "; "), a.CufMemberSince)
			if err := s.row(cells); err != nil {
				return n, fmt.Errorf("export authorities: %w", err)
			}
			n++
		}
		if len(page) < pageSize {
			break
		}
		last = page[len(page)-1].ID
	}
	return n, s.close()
}

var dossierColumns = []column{
	{"titre", text, 40}, {"appel", text, 12}, {"accompagnement", text, 14}, {"statut", text, 16},
	{"collectivité", text, 32}, {"code collectivité", text, 11}, {"montant demandé", amount, 14},
	{"montant accordé", amount, 14}, {"reçu le", date, 12}, {"décision le", date, 12},
	{"début accompagnement", date, 12}, {"fin accompagnement", date, 12},
}

// Dossiers writes the DCOL dossiers that pass the filter: Status is the dossier's,
// Group, Country and Theme those of the applicant (a member of the group, or with
// partnerships in the country or on the theme).
func Dossiers(ctx context.Context, c *ent.Client, w io.Writer, o Options) (int, error) {
	var where []predicate.Dossier
	f := o.Filter
	if f.Status != "" {
		if err := dossier.StatusValidator(dossier.Status(f.Status)); err != nil {
			return 0, fmt.Errorf("unknown dossier status %q", f.Status)
		}
		where = append(where, dossier.StatusEQ(dossier.Status(f.Status)))
	}
	if f.Country != "" {
		if err := checkCountry(ctx, c, f.Country); err != nil {
			return 0, err
		}
		where = append(where, dossier.HasApplicantWith(localauthority.HasPartnershipsAsFrenchWith(
			partnership.HasPartnerAuthoritiesWith(localauthority.HasCountryWith(country.Code(strings.ToUpper(f.Country)))))))
	}
	if f.Theme != "" {
		if err := checkTheme(ctx, c, f.Theme); err != nil {
			return 0, err
		}
		where = append(where, dossier.HasApplicantWith(localauthority.HasPartnershipsAsFrenchWith(partnership.HasThemesWith(theme.Slug(f.Theme)))))
	}
	if f.Group != "" {
		g, countries, err := groupCountries(ctx, c, f.Group)
		if err != nil {
			return 0, err
		}
		where = append(where, dossier.HasApplicantWith(localauthority.Or(
			localauthority.HasGroupsWith(countrygroup.ID(g.ID)),
			localauthority.HasPartnershipsAsFrenchWith(partnership.HasPartnerAuthoritiesWith(localauthority.CountryIDIn(countries...))))))
	}
	s, err := o.sheet(w, "Dossiers DCOL", dossierColumns)
	if err != nil {
		return 0, err
	}
	n, last := 0, 0
	cells := make([]any, len(dossierColumns))
	for {
		page, err := c.Dossier.Query().Where(append(where, dossier.IDGT(last))...).
			Order(dossier.ByID()).Limit(pageSize).WithApplicant().All(ctx)
		if err != nil {
			return n, fmt.Errorf("export dossiers: %w", err)
		}
		for _, d := range page {
			name, code := "", ""
			if a := d.Edges.Applicant; a != nil {
				name, code = a.Name, a.Code
			}
			cells = append(cells[:0], d.Title, d.Call, string(d.SupportKind), string(d.Status), name, code,
				d.RequestedAmount, d.GrantedAmount, d.ReceivedOn, d.DecisionOn, d.AccompanimentStart, d.AccompanimentEnd)
			if err := s.row(cells); err != nil {
				return n, fmt.Errorf("export dossiers: %w", err)
			}
			n++
		}
		if len(page) < pageSize {
			break
		}
		last = page[len(page)-1].ID
	}
	return n, s.close()
}
