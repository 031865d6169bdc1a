// Package countrygroup answers what a groupe-pays is made of: its member authorities (those
// with partnerships in the group's countries, plus those added by hand, each with the
// reason shown) and its diplomatic and ministry desks.
package countrygroup

import (
	"context"
	"sort"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/countrygroup"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/organization"
	"coopdesk/ent/partnership"
)

// Member is a French authority of a group and why it belongs there.
type Member struct {
	Authority *ent.LocalAuthority
	// Manual is true when staff added the authority to the group by hand.
	Manual bool
	// Partnerships counts its partnerships with authorities of the group's countries.
	Partnerships int
}

// Reasons says in words why the authority is a member.
func (m Member) Reasons() []string {
	var r []string
	if m.Partnerships > 0 {
		r = append(r, "partnership")
	}
	if m.Manual {
		r = append(r, "manual")
	}
	return r
}

// Members returns the members of each group in groupIDs, in a fixed number of statements
// whatever the number of groups, sorted by authority name.
func Members(ctx context.Context, client *ent.Client, groupIDs []int) (map[int][]Member, error) {
	groups, err := client.CountryGroup.Query().Where(countrygroup.IDIn(groupIDs...)).
		WithCountries(func(q *ent.CountryQuery) { q.Select(country.FieldID) }).
		WithMembers().All(ctx)
	if err != nil {
		return nil, err
	}
	countryGroups := map[int][]int{} // country → groups
	var countryIDs []int
	for _, g := range groups {
		for _, c := range g.Edges.Countries {
			if len(countryGroups[c.ID]) == 0 {
				countryIDs = append(countryIDs, c.ID)
			}
			countryGroups[c.ID] = append(countryGroups[c.ID], g.ID)
		}
	}
	members := map[int]map[int]*Member{}
	add := func(group int, a *ent.LocalAuthority) *Member {
		if members[group] == nil {
			members[group] = map[int]*Member{}
		}
		m := members[group][a.ID]
		if m == nil {
			m = &Member{Authority: a}
			members[group][a.ID] = m
		}
		return m
	}
	if len(countryIDs) > 0 {
		ps, err := client.Partnership.Query().
			Where(partnership.HasPartnerAuthoritiesWith(localauthority.CountryIDIn(countryIDs...))).
			WithFrenchAuthorities().
			WithPartnerAuthorities(func(q *ent.LocalAuthorityQuery) {
				q.Where(localauthority.CountryIDIn(countryIDs...)).Select(localauthority.FieldID, localauthority.FieldCountryID)
			}).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			inGroup := map[int]bool{}
			for _, pa := range p.Edges.PartnerAuthorities {
				for _, g := range countryGroups[pa.CountryID] {
					inGroup[g] = true
				}
			}
			for g := range inGroup {
				for _, fa := range p.Edges.FrenchAuthorities {
					add(g, fa).Partnerships++
				}
			}
		}
	}
	for _, g := range groups {
		for _, a := range g.Edges.Members {
			add(g.ID, a).Manual = true
		}
	}
	out := make(map[int][]Member, len(groupIDs))
	for _, id := range groupIDs {
		list := make([]Member, 0, len(members[id]))
		for _, m := range members[id] {
			list = append(list, *m)
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].Authority.Name != list[j].Authority.Name {
				return list[i].Authority.Name < list[j].Authority.Name
			}
			return list[i].Authority.ID < list[j].Authority.ID
		})
		out[id] = list
	}
	return out, nil
}

// DeskKinds are the organisation kinds a group works with: the French embassy and
// consulates, and ministry desks.
var DeskKinds = []organization.Kind{organization.KindEmbassy, organization.KindConsulate, organization.KindMinistry}

// Desks returns, for each group, the embassies, consulates and ministries located in its
// countries, sorted by kind then name.
func Desks(ctx context.Context, client *ent.Client, groupIDs []int) (map[int][]*ent.Organization, error) {
	groups, err := client.CountryGroup.Query().Where(countrygroup.IDIn(groupIDs...)).
		WithCountries(func(q *ent.CountryQuery) { q.Select(country.FieldID) }).All(ctx)
	if err != nil {
		return nil, err
	}
	byCountry := map[int][]int{}
	var countryIDs []int
	for _, g := range groups {
		for _, c := range g.Edges.Countries {
			byCountry[c.ID] = append(byCountry[c.ID], g.ID)
			countryIDs = append(countryIDs, c.ID)
		}
	}
	out := map[int][]*ent.Organization{}
	if len(countryIDs) == 0 {
		return out, nil
	}
	orgs, err := client.Organization.Query().
		Where(organization.CountryIDIn(countryIDs...), organization.KindIn(DeskKinds...)).
		Order(organization.ByKind(), organization.ByName()).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if o.CountryID == nil {
			continue
		}
		for _, g := range byCountry[*o.CountryID] {
			out[g] = append(out[g], o)
		}
	}
	return out, nil
}
