// Package partnershipcsv imports partnerships from the CSV files staff have: exports of the
// foreign ministry's Atlas of decentralised cooperation, of a country group's répertoire,
// or Excel sheets, in UTF-8 or Windows-1252, with "," or ";" between fields.
//
// Every row is checked before anything of it is written: a refused row writes nothing and
// is reported with its line and the reason. The file is streamed and imported in one
// transaction, so a problem with the file itself (not CSV, wrong columns, mixed encodings)
// changes nothing. Rows are keyed by their référence, or when they have none by their
// French and partner authorities and kind, so importing a file again changes nothing.
package partnershipcsv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/organization"
	"coopdesk/ent/partnership"
)

// Options tunes Import.
type Options struct {
	// DryRun checks and reports everything, then rolls the transaction back.
	DryRun bool
	// CreateMissingPartners creates the partner authorities the répertoire lacks, instead
	// of refusing their rows.
	CreateMissingPartners bool
	// Source is the source recorded on new partnerships whose row has none (default "csv").
	Source string
}

// Refusal is a refused row.
type Refusal struct {
	Line   int
	Reason string
}

// Report says what an import did (or, in a dry run, would do).
type Report struct {
	Encoding  string
	Separator string
	DryRun    bool
	Rows      int // data rows read
	Created   int
	Updated   int
	Unchanged int
	// PartnersCreated and FundersCreated count the authorities abroad and the funders
	// the import created.
	PartnersCreated, FundersCreated int
	Refused                         []Refusal
	Duration                        time.Duration
}

// batchSize is the number of rows written together.
const batchSize = 500

// Import reads a partnerships file from r and imports its rows. The error is a *FileError
// when the file itself is unusable; nothing is written then.
func Import(ctx context.Context, client *ent.Client, r io.Reader, opt Options) (*Report, error) {
	start := time.Now()
	if opt.Source == "" {
		opt.Source = "csv"
	}
	in, err := open(r)
	if err != nil {
		return nil, err
	}
	rep := &Report{Encoding: in.encoding, Separator: string(in.sep), DryRun: opt.DryRun}
	if in.sep == '\t' {
		rep.Separator = "tab"
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("import partnerships: %w", err)
	}
	im := &importer{ctx: ctx, tx: tx, in: in, opt: opt, rep: rep,
		refs: map[string]int{}, natural: map[string]int{}}
	if err := im.run(); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	rep.Duration = time.Since(start)
	if opt.DryRun {
		return rep, tx.Rollback()
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import partnerships: %w", err)
	}
	return rep, nil
}

type importer struct {
	ctx context.Context
	tx  *ent.Tx
	in  *input
	opt Options
	rep *Report
	res *resolver

	refs    map[string]int // référence → line, for duplicates within the file
	natural map[string]int // natural key → line
	batch   []*row
}

// row is a checked row, ready to write.
type row struct {
	line                              int
	reference                         *string
	title                             string
	hasTitle                          bool
	kind                              partnership.Kind
	status                            partnership.Status
	signedOn, startOn, endOn          *time.Time
	hasSigned, hasStart, hasEnd       bool
	description                       string
	hasDescription                    bool
	budget                            *float64
	hasBudget                         bool
	source                            string
	hasSource                         bool
	french, partners, themes, funders []int
	hasStatus, hasThemes, hasFunders  bool
	missingPartners                   []missingPartner
	missingFunders                    []string
}

func (im *importer) run() error {
	var err error
	im.res, err = newResolver(im.ctx, im.tx.Client())
	if err != nil {
		return fmt.Errorf("import partnerships: %w", err)
	}
	for {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		rec, err := im.in.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *rowError
		if errors.As(err, &re) {
			im.rep.Rows++
			im.refuse(re.line, re.msg)
			continue
		}
		if err != nil {
			return err
		}
		if blank(rec.fields) {
			continue
		}
		im.rep.Rows++
		r, reason, err := im.check(rec)
		if err != nil {
			return fmt.Errorf("import partnerships: line %d: %w", rec.line, err)
		}
		if reason != "" {
			im.refuse(rec.line, reason)
			continue
		}
		if err := im.createMissing(r); err != nil {
			return fmt.Errorf("import partnerships: line %d: %w", rec.line, err)
		}
		im.batch = append(im.batch, r)
		if len(im.batch) >= batchSize {
			if err := im.flush(); err != nil {
				return err
			}
		}
	}
	if im.rep.Rows == 0 {
		return fileErrorf("the file has a header row but no data rows")
	}
	return im.flush()
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func (im *importer) refuse(line int, reason string) {
	im.rep.Refused = append(im.rep.Refused, Refusal{Line: line, Reason: reason})
}

// check turns a record into a row, or gives the reason to refuse it. The error is for
// database failures only.
func (im *importer) check(rec record) (*row, string, error) {
	in, res := im.in, im.res
	get := func(key string) (string, bool) { return rec.get(in, key) }
	r := &row{line: rec.line, status: partnership.StatusActive, source: im.opt.Source}
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if v, _ := get("reference"); v != "" {
		if len(v) > 100 {
			fail("référence longer than 100 characters")
		}
		r.reference = &v
	}
	kindText, _ := get("kind")
	if k, ok := parseKind(kindText); ok {
		r.kind = k
	} else if kindText == "" {
		fail("type is empty (want jumelage, convention de coopération, action ponctuelle or réseau/programme)")
	} else {
		fail("unknown type %q (want jumelage, convention de coopération, action ponctuelle or réseau/programme)", kindText)
	}
	if v, ok := get("status"); ok {
		r.hasStatus = true
		if v != "" {
			if s, ok := parseStatus(v); ok {
				r.status = s
			} else {
				fail("unknown statut %q (want actif, en sommeil, terminé or en projet)", v)
			}
		}
	}
	for _, d := range []struct {
		key string
		at  **time.Time
		has *bool
		fr  string
	}{{"signed_on", &r.signedOn, &r.hasSigned, "date de signature"}, {"start_on", &r.startOn, &r.hasStart, "date de début"}, {"end_on", &r.endOn, &r.hasEnd, "date de fin"}} {
		v, ok := get(d.key)
		*d.has = ok
		if v == "" {
			continue
		}
		t, err := parseDate(v)
		if err != nil {
			fail("%s: %v", d.fr, err)
			continue
		}
		*d.at = &t
	}
	if r.startOn != nil && r.endOn != nil && r.endOn.Before(*r.startOn) {
		fail("date de fin %s is before date de début %s", r.endOn.Format(time.DateOnly), r.startOn.Format(time.DateOnly))
	}
	if v, ok := get("budget"); ok {
		r.hasBudget = true
		if v != "" {
			b, err := parseAmount(v)
			if err != nil {
				fail("budget: %v", err)
			} else {
				r.budget = &b
			}
		}
	}
	r.description, r.hasDescription = get("description")
	if len(r.description) > 20000 {
		fail("description longer than 20,000 characters")
	}
	if v, ok := get("source"); ok && v != "" {
		r.source, r.hasSource = v, true
	}

	// The authorities.
	countryText, _ := get("country")
	c, reason := res.country(countryText)
	if reason != "" {
		fail("%s", reason)
	}
	frenchText, _ := get("french_authority")
	dept, _ := get("departement")
	var frenchNames []string
	if frenchText == "" {
		fail("collectivité française is empty")
	}
	for _, entry := range split(frenchText) {
		a, reason, err := res.french(entry, dept)
		if err != nil {
			return nil, "", err
		}
		if reason != "" {
			fail("%s", reason)
			continue
		}
		r.french = append(r.french, a.id)
		frenchNames = append(frenchNames, a.name)
	}
	partnerText, _ := get("partner_authority")
	levelText, _ := get("partner_level")
	level, levelOK := parseLevel(levelText)
	if !levelOK {
		fail("unknown niveau partenaire %q (commune, municipalite, wilaya, province, gouvernorat, caza…)", levelText)
	}
	var wantLevel localauthority.Level // "" matches any level
	if levelText != "" {
		wantLevel = level
	}
	var partnerNames []string
	if partnerText == "" {
		fail("collectivité partenaire is empty")
	}
	if c != nil && levelOK {
		for _, entry := range split(partnerText) {
			a, reason, err := res.partner(c, entry, wantLevel)
			if err != nil {
				return nil, "", err
			}
			switch {
			case reason != "":
				fail("%s", reason)
			case a != nil:
				r.partners = append(r.partners, a.id)
				partnerNames = append(partnerNames, a.name)
			case !im.opt.CreateMissingPartners:
				fail("partner authority %q is not in the répertoire for %s: check the spelling, or import with --create-missing-partners", entry, c.NameFr)
			default:
				lv := level
				if _, q := qualifier(entry); q != "" {
					if l, ok := parseLevel(q); ok {
						lv = l
					}
				}
				r.missingPartners = append(r.missingPartners, missingPartner{country: c, name: cleanName(entry), level: lv})
				partnerNames = append(partnerNames, cleanName(entry))
			}
		}
	}
	if v, ok := get("themes"); ok {
		r.hasThemes = true
		for _, t := range split(v) {
			id, ok := res.themes[key(t)]
			if !ok {
				fail("unknown thématique %q (known: %s)", t, res.themeList)
				continue
			}
			r.themes = append(r.themes, id)
		}
	}
	if v, ok := get("funders"); ok {
		r.hasFunders = true
		for _, f := range split(v) {
			if id, ok := res.funders[key(f)]; ok {
				r.funders = append(r.funders, id)
			} else if len(f) > 300 {
				fail("cofinanceur %q is longer than 300 characters", f[:40]+"…")
			} else {
				r.missingFunders = append(r.missingFunders, f)
			}
		}
	}
	if v, ok := get("title"); ok && v != "" {
		r.title, r.hasTitle = v, true
	} else {
		r.title = defaultTitle(frenchNames, partnerNames)
	}
	if len([]rune(r.title)) > 300 {
		if r.hasTitle {
			fail("titre longer than 300 characters")
		}
		r.title = string([]rune(r.title)[:299]) + "…"
	}
	if len(problems) > 0 {
		return nil, strings.Join(problems, "; "), nil
	}

	// The same authority, theme or funder named twice counts once.
	r.french, r.partners = dedupe(r.french), dedupe(r.partners)
	r.themes, r.funders = dedupe(r.themes), dedupe(r.funders)

	// Duplicates within the file.
	if r.reference != nil {
		if first, dup := im.refs[*r.reference]; dup {
			return nil, fmt.Sprintf("duplicate of line %d (same référence %q)", first, *r.reference), nil
		}
		im.refs[*r.reference] = r.line
	} else {
		k := naturalKey(r)
		if first, dup := im.natural[k]; dup {
			return nil, fmt.Sprintf("duplicate of line %d (same French and partner authorities and type, and no référence)", first), nil
		}
		im.natural[k] = r.line
	}
	return r, "", nil
}

// naturalKey identifies a partnership without référence: its kind and its authorities.
func naturalKey(r *row) string {
	f, p := sortedCopy(r.french), sortedCopy(r.partners)
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%v|%v", r.kind, f, p)
	for _, m := range r.missingPartners {
		fmt.Fprintf(&b, "|new:%d:%s", m.country.ID, key(m.name))
	}
	return b.String()
}

func sortedCopy(ids []int) []int {
	s := slices.Clone(ids)
	sort.Ints(s)
	return s
}

func dedupe(ids []int) []int {
	return slices.Compact(sortedCopy(ids))
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func defaultTitle(french, partners []string) string {
	return strings.Join(french, ", ") + " – " + strings.Join(partners, ", ")
}

// createMissing creates the partner authorities and funders of a checked row.
func (im *importer) createMissing(r *row) error {
	for _, m := range r.missingPartners {
		a, err := im.res.createPartner(m)
		if err != nil {
			return err
		}
		if a.created {
			im.rep.PartnersCreated++
		}
		r.partners = append(r.partners, a.id)
	}
	r.missingPartners = nil
	r.partners = dedupe(r.partners)
	for _, f := range r.missingFunders {
		k := key(f)
		id, ok := im.res.funders[k]
		if !ok {
			o, err := im.tx.Organization.Create().SetName(f).SetKind(organization.KindFunder).Save(im.ctx)
			if err != nil {
				return fmt.Errorf("create funder %q: %w", f, err)
			}
			id = o.ID
			im.res.funders[k] = id
			im.rep.FundersCreated++
		}
		r.funders = append(r.funders, id)
	}
	r.missingFunders = nil
	r.funders = dedupe(r.funders)
	return nil
}

// flush writes the batch: existing partnerships are compared and updated when they
// differ, new ones created together.
func (im *importer) flush() error {
	if len(im.batch) == 0 {
		return nil
	}
	defer func() { im.batch = im.batch[:0] }()
	var refs []string
	for _, r := range im.batch {
		if r.reference != nil {
			refs = append(refs, *r.reference)
		}
	}
	existing := map[string]*ent.Partnership{}
	if len(refs) > 0 {
		ps, err := withEdges(im.tx.Partnership.Query().Where(partnership.ReferenceIn(refs...))).All(im.ctx)
		if err != nil {
			return fmt.Errorf("import partnerships: %w", err)
		}
		for _, p := range ps {
			existing[*p.Reference] = p
		}
	}
	var creates []*ent.PartnershipCreate
	for _, r := range im.batch {
		var p *ent.Partnership
		if r.reference != nil {
			p = existing[*r.reference]
		} else {
			var err error
			if p, err = im.findNatural(r); err != nil {
				return fmt.Errorf("import partnerships: line %d: %w", r.line, err)
			}
		}
		if p == nil {
			creates = append(creates, im.create(r))
			continue
		}
		if same(p, r) {
			im.rep.Unchanged++
			continue
		}
		if err := im.update(p, r); err != nil {
			return fmt.Errorf("import partnerships: line %d: %w", r.line, err)
		}
		im.rep.Updated++
	}
	if len(creates) > 0 {
		if err := im.tx.Partnership.CreateBulk(creates...).Exec(im.ctx); err != nil {
			return fmt.Errorf("import partnerships: %w", err)
		}
		im.rep.Created += len(creates)
	}
	return nil
}

func withEdges(q *ent.PartnershipQuery) *ent.PartnershipQuery {
	ids := func(q *ent.LocalAuthorityQuery) { q.Select(localauthority.FieldID) }
	return q.WithFrenchAuthorities(ids).WithPartnerAuthorities(ids).
		WithThemes(func(q *ent.ThemeQuery) { q.Select("id") }).
		WithFunders(func(q *ent.OrganizationQuery) { q.Select(organization.FieldID) })
}

// findNatural finds the partnership without référence that has r's kind and authorities.
func (im *importer) findNatural(r *row) (*ent.Partnership, error) {
	if len(r.french) == 0 || len(r.partners) == 0 {
		return nil, nil
	}
	candidates, err := withEdges(im.tx.Partnership.Query().Where(
		partnership.ReferenceIsNil(), partnership.KindEQ(r.kind),
		partnership.HasFrenchAuthoritiesWith(localauthority.ID(r.french[0])),
		partnership.HasPartnerAuthoritiesWith(localauthority.ID(r.partners[0])),
	)).All(im.ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range candidates {
		if sameIDs(authorityIDs(p.Edges.FrenchAuthorities), r.french) && sameIDs(authorityIDs(p.Edges.PartnerAuthorities), r.partners) {
			return p, nil
		}
	}
	return nil, nil
}

func (im *importer) create(r *row) *ent.PartnershipCreate {
	b := im.tx.Partnership.Create().SetTitle(r.title).SetKind(r.kind).SetStatus(r.status).
		SetNillableSignedOn(r.signedOn).SetNillableStartOn(r.startOn).SetNillableEndOn(r.endOn).
		SetNillableBudget(r.budget).SetNillableReference(r.reference).SetSource(r.source).
		AddFrenchAuthorityIDs(r.french...).AddPartnerAuthorityIDs(r.partners...).
		AddThemeIDs(r.themes...).AddFunderIDs(r.funders...)
	if r.description != "" {
		b.SetDescription(r.description)
	}
	return b
}

// same reports whether writing r would leave p as it is. Columns the file does not have
// are left alone, so they do not count.
func same(p *ent.Partnership, r *row) bool {
	switch {
	case r.hasTitle && p.Title != r.title,
		p.Kind != r.kind,
		r.hasStatus && p.Status != r.status,
		r.hasSigned && !sameDate(p.SignedOn, r.signedOn),
		r.hasStart && !sameDate(p.StartOn, r.startOn),
		r.hasEnd && !sameDate(p.EndOn, r.endOn),
		r.hasDescription && p.Description != r.description,
		r.hasBudget && !sameAmount(p.Budget, r.budget),
		r.hasSource && p.Source != r.source,
		!sameIDs(authorityIDs(p.Edges.FrenchAuthorities), r.french),
		!sameIDs(authorityIDs(p.Edges.PartnerAuthorities), r.partners),
		r.hasThemes && !sameIDs(themeIDs(p.Edges.Themes), r.themes),
		r.hasFunders && !sameIDs(orgIDs(p.Edges.Funders), r.funders):
		return false
	}
	return true
}

func (im *importer) update(p *ent.Partnership, r *row) error {
	u := im.tx.Partnership.UpdateOneID(p.ID).SetKind(r.kind).
		ClearFrenchAuthorities().AddFrenchAuthorityIDs(r.french...).
		ClearPartnerAuthorities().AddPartnerAuthorityIDs(r.partners...)
	if r.hasTitle {
		u.SetTitle(r.title)
	}
	if r.hasStatus {
		u.SetStatus(r.status)
	}
	for _, d := range []struct {
		has  bool
		at   *time.Time
		set  func(time.Time) *ent.PartnershipUpdateOne
		clr  func() *ent.PartnershipUpdateOne
		name string
	}{
		{r.hasSigned, r.signedOn, u.SetSignedOn, u.ClearSignedOn, "signed"},
		{r.hasStart, r.startOn, u.SetStartOn, u.ClearStartOn, "start"},
		{r.hasEnd, r.endOn, u.SetEndOn, u.ClearEndOn, "end"},
	} {
		switch {
		case !d.has:
		case d.at == nil:
			d.clr()
		default:
			d.set(*d.at)
		}
	}
	if r.hasDescription {
		u.SetDescription(r.description)
	}
	if r.hasBudget {
		if r.budget == nil {
			u.ClearBudget()
		} else {
			u.SetBudget(*r.budget)
		}
	}
	if r.hasSource {
		u.SetSource(r.source)
	}
	if r.hasThemes {
		u.ClearThemes().AddThemeIDs(r.themes...)
	}
	if r.hasFunders {
		u.ClearFunders().AddFunderIDs(r.funders...)
	}
	return u.Exec(im.ctx)
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	y1, m1, d1 := a.UTC().Date()
	y2, m2, d2 := b.UTC().Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

func sameAmount(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return strconv.FormatFloat(*a, 'f', 2, 64) == strconv.FormatFloat(*b, 'f', 2, 64)
}

func sameIDs(a, b []int) bool {
	return slices.Equal(sortedCopy(a), slices.Compact(sortedCopy(b)))
}

func authorityIDs(as []*ent.LocalAuthority) []int {
	ids := make([]int, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func themeIDs(ts []*ent.Theme) []int {
	ids := make([]int, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

func orgIDs(os []*ent.Organization) []int {
	ids := make([]int, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	return ids
}
