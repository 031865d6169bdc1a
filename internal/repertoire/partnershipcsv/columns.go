package partnershipcsv

import (
	"fmt"
	"strings"

	"coopdesk/internal/repertoire/names"
)

// column is one column a partnerships file may have.
type column struct {
	key      string   // the English name, also accepted as a header
	header   string   // the French header staff are given
	aliases  []string // other headers accepted (compared without case, accents or punctuation)
	required bool
	help     string
}

// Columns is the documented layout of a partnerships file, in the order of the export.
var columns = []column{
	{key: "reference", header: "référence", aliases: []string{"ref", "réf", "identifiant", "id"},
		help: "identifier of the partnership in the source (e.g. the Atlas's project number); the key of re-imports"},
	{key: "title", header: "titre", aliases: []string{"intitulé", "projet"},
		help: "title; by default \"French authorities – partner authorities\""},
	{key: "french_authority", header: "collectivité française", aliases: []string{"collectivités françaises", "collectivité", "french authorities"}, required: true,
		help: "INSEE code (commune), SIREN (commune or EPCI) or name; several separated by \";\"; a name may end with (93) or (département)"},
	{key: "departement", header: "département", aliases: []string{"dept", "département collectivité française"},
		help: "code or name of the département, to tell apart French authorities of the same name"},
	{key: "partner_authority", header: "collectivité partenaire", aliases: []string{"collectivités partenaires", "partenaire", "partner authorities"}, required: true,
		help: "name, usual spelling or official code of the authority abroad; several separated by \";\""},
	{key: "partner_level", header: "niveau partenaire", aliases: []string{"niveau collectivité partenaire", "type collectivité partenaire"},
		help: "level of partner authorities created with --create-missing-partners: commune, municipalite, wilaya, province… (default other)"},
	{key: "country", header: "pays", aliases: []string{"pays partenaire"}, required: true,
		help: "country of the partner authority: ISO code (MA, DZA) or name in French or English"},
	{key: "kind", header: "type", aliases: []string{"type de lien", "nature", "nature du lien"}, required: true,
		help: "jumelage, convention de coopération, action ponctuelle or réseau/programme"},
	{key: "status", header: "statut", aliases: []string{"état", "etat"},
		help: "actif, en sommeil, terminé or en projet (default actif)"},
	{key: "themes", header: "thématiques", aliases: []string{"thématique", "thèmes", "thème", "themes"},
		help: "themes by name or slug, separated by \";\""},
	{key: "signed_on", header: "date de signature", aliases: []string{"signature", "signé le"},
		help: "date: 2019-03-11, 11/03/2019 or a year alone (2019: 1 January)"},
	{key: "start_on", header: "date de début", aliases: []string{"début", "date début"}, help: "date, as above"},
	{key: "end_on", header: "date de fin", aliases: []string{"fin", "date fin"}, help: "date, as above; not before the start"},
	{key: "description", header: "description", aliases: []string{"résumé"}, help: "free text"},
	{key: "budget", header: "budget", aliases: []string{"budget (€)", "budget en euros", "montant"},
		help: "amount in euros: 12500, 12 500,50 or 12500.50 €"},
	{key: "funders", header: "cofinanceurs", aliases: []string{"co-financeurs", "financeurs", "cofinancements"},
		help: "co-funders by name (AFD, MEAE, Union européenne…), separated by \";\"; new ones are created as funders"},
	{key: "source", header: "source", help: "where the record comes from (default: csv)"},
}

// byHeader maps the key of every accepted header to its column.
var byHeader = func() map[string]*column {
	m := map[string]*column{}
	for i := range columns {
		c := &columns[i]
		for _, h := range append([]string{c.key, c.header}, c.aliases...) {
			m[names.Key(h)] = c
		}
	}
	return m
}()

// Help describes the columns, for --help and the documentation.
func Help() string {
	var b strings.Builder
	for _, c := range columns {
		req := ""
		if c.required {
			req = " (required)"
		}
		fmt.Fprintf(&b, "  %-26s %s%s\n", c.header, c.help, req)
	}
	return b.String()
}

// expected lists the French headers, for error messages.
func expected() string {
	hs := make([]string, len(columns))
	for i, c := range columns {
		hs[i] = c.header
	}
	return strings.Join(hs, ", ")
}

// Headers returns the French headers in the documented order: the header row of exports.
func Headers() []string {
	hs := make([]string, len(columns))
	for i, c := range columns {
		hs[i] = c.header
	}
	return hs
}
