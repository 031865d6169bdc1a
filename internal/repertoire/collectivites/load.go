package collectivites

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/database"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// Counts says what a load did to the records of one level.
type Counts struct {
	Created, Updated, Unchanged int
	// Absent counts the records in the database that the release no longer lists (a
	// commune merged into a commune nouvelle, say): they are kept, with their edges.
	Absent int
}

// Result is what a load did, level by level.
type Result struct {
	Regions, Departements, EPCI, Communes Counts
	MembersAdded, MembersRemoved          int
	Duration                              time.Duration
}

// Written reports whether the load changed anything.
func (r Result) Written() bool {
	for _, c := range []Counts{r.Regions, r.Departements, r.EPCI, r.Communes} {
		if c.Created+c.Updated > 0 {
			return true
		}
	}
	return r.MembersAdded+r.MembersRemoved > 0
}

// Options tunes Load.
type Options struct {
	// Progress, when set, is called as records are compared and written.
	Progress func(done, total int)
}

// batchSize bounds the rows of one INSERT: about 10 parameters a row stays well under
// SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement.
const batchSize = 1000

// Load upserts ds into the database in one transaction: all of it or, on any error, none.
func Load(ctx context.Context, db *database.DB, ds *Dataset, opt Options) (Result, error) {
	start := time.Now()
	res, err := load(ctx, db, ds, opt)
	res.Duration = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("load collectivités: %w", err)
	}
	return res, nil
}

// key identifies a French authority: its level and official code.
type key struct {
	level localauthority.Level
	code  string
}

// row is the state of one authority, as stored or as the release wants it. Empty or nil
// fields in a wanted row mean "keep what is stored".
type row struct {
	id         int
	name       string
	siren      string
	population *int
	zone       string
	parentID   *int
}

type loader struct {
	ctx      context.Context
	client   *ent.Client
	tx       *stdsql.Tx
	dialect  string
	france   int
	stored   map[key]row
	res      *Result
	progress func(done, total int)
	done     int
	total    int
}

func load(ctx context.Context, db *database.DB, ds *Dataset, opt Options) (Result, error) {
	var res Result
	if err := ds.Validate(); err != nil {
		return res, err
	}
	france, err := db.Client.Country.Query().Where(country.Code("FR")).OnlyID(ctx)
	if err != nil {
		return res, fmt.Errorf("country FR is missing (run coopdesk migrate first): %w", err)
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// An ent client bound to this transaction, for bulk upserts; raw statements (the EPCI
	// membership table has no entity of its own) go through tx directly.
	client := ent.NewClient(ent.Driver(entsql.NewDriver(db.Dialect, entsql.Conn{ExecQuerier: tx})))
	l := &loader{ctx: ctx, client: client, tx: tx, dialect: db.Dialect, france: france, res: &res, progress: opt.Progress}
	l.total = len(ds.Regions) + len(ds.Departements) + len(ds.EPCI) + len(ds.Communes)
	for _, e := range ds.EPCI {
		l.total += len(e.Members)
	}
	if err := l.readStored(); err != nil {
		return res, err
	}
	if err := l.run(ds); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, err
	}
	return res, nil
}

func (l *loader) readStored() error {
	stored, err := l.client.LocalAuthority.Query().
		Where(localauthority.CountryID(l.france), localauthority.LevelIn(
			localauthority.LevelRegion, localauthority.LevelDepartement, localauthority.LevelEpci, localauthority.LevelCommune),
			localauthority.CodeNotNil()).
		Select(localauthority.FieldLevel, localauthority.FieldCode, localauthority.FieldName, localauthority.FieldSiren,
			localauthority.FieldPopulation, localauthority.FieldZone, localauthority.FieldParentID).
		All(l.ctx)
	if err != nil {
		return fmt.Errorf("read stored collectivités: %w", err)
	}
	l.stored = make(map[key]row, len(stored))
	for _, a := range stored {
		r := row{id: a.ID, name: a.Name, siren: a.Siren, population: a.Population, parentID: a.ParentID}
		if a.Zone != nil {
			r.zone = string(*a.Zone)
		}
		l.stored[key{a.Level, a.Code}] = r
	}
	return nil
}

// populations sums the municipal populations of the communes by département and by
// région: the release gives none for them, and the sum is their municipal population.
func populations(ds *Dataset) (byDept, byRegion map[string]int) {
	byDept = map[string]int{}
	for _, c := range ds.Communes {
		if c.Population != nil {
			byDept[c.Departement] += *c.Population
		}
	}
	byRegion = map[string]int{}
	for _, d := range ds.Departements {
		if p, ok := byDept[d.Code]; ok {
			byRegion[d.Region] += p
		}
	}
	return byDept, byRegion
}

func (l *loader) run(ds *Dataset) error {
	byDept, byRegion := populations(ds)
	withCommunes := len(ds.Communes) > 0
	popOf := func(m map[string]int, code string) *int {
		if !withCommunes {
			return nil
		}
		p := m[code]
		return &p
	}

	regions := make(map[string]row, len(ds.Regions))
	for _, r := range ds.Regions {
		regions[r.Code] = row{name: r.Name, zone: r.Zone, population: popOf(byRegion, r.Code)}
	}
	if err := l.upsert(localauthority.LevelRegion, regions, &l.res.Regions); err != nil {
		return err
	}

	depts := make(map[string]row, len(ds.Departements))
	for _, d := range ds.Departements {
		parent, err := l.parent(localauthority.LevelRegion, d.Region, "département "+d.Code, "regions.json")
		if err != nil {
			return err
		}
		depts[d.Code] = row{name: d.Name, zone: d.Zone, population: popOf(byDept, d.Code), parentID: parent}
	}
	if err := l.upsert(localauthority.LevelDepartement, depts, &l.res.Departements); err != nil {
		return err
	}

	communes := make(map[string]row, len(ds.Communes))
	zoneOf := make(map[string]string, len(ds.Communes))
	for _, c := range ds.Communes {
		parent, err := l.parent(localauthority.LevelDepartement, c.Departement, "commune "+c.Code, "departements.json")
		if err != nil {
			return err
		}
		communes[c.Code] = row{name: c.Name, siren: c.SIREN, zone: c.Zone, population: c.Population, parentID: parent}
		zoneOf[c.Code] = c.Zone
	}
	if err := l.upsert(localauthority.LevelCommune, communes, &l.res.Communes); err != nil {
		return err
	}

	epcis := make(map[string]row, len(ds.EPCI))
	for _, e := range ds.EPCI {
		// An EPCI lies in one zone: that of its communes.
		zone := ""
		for _, m := range e.Members {
			if z := zoneOf[m.Code]; z != "" {
				zone = z
				break
			}
		}
		epcis[e.Code] = row{name: e.Name, siren: e.Code, zone: zone, population: e.Population}
	}
	if err := l.upsert(localauthority.LevelEpci, epcis, &l.res.EPCI); err != nil {
		return err
	}
	return l.members(ds.EPCI)
}

// parent returns the id of the stored (or just written) authority of level and code.
func (l *loader) parent(level localauthority.Level, code, child, file string) (*int, error) {
	if code == "" {
		return nil, nil
	}
	p, ok := l.stored[key{level, code}]
	if !ok {
		return nil, fmt.Errorf("%s: its %s %s is unknown (load %s too)", child, level, code, file)
	}
	id := p.id
	return &id, nil
}

func (l *loader) tick(n int) {
	l.done += n
	if l.progress != nil {
		l.progress(l.done, l.total)
	}
}

// upsert writes the rows of one level that are new or changed, in batches, and records
// the ids of the new ones.
func (l *loader) upsert(level localauthority.Level, want map[string]row, counts *Counts) error {
	if len(want) == 0 {
		return nil
	}
	codes := make([]string, 0, len(want))
	for code := range want {
		codes = append(codes, code)
	}
	sort.Strings(codes) // stable ids from one run to the next
	var created, updated []*ent.LocalAuthorityCreate
	var createdCodes []string
	for _, code := range codes {
		w := want[code]
		have, ok := l.stored[key{level, code}]
		switch {
		case !ok:
			created = append(created, l.builder(level, code, w))
			createdCodes = append(createdCodes, code)
		case differs(have, w):
			updated = append(updated, l.builder(level, code, w))
			counts.Updated++
			l.stored[key{level, code}] = merge(have, w)
		default:
			counts.Unchanged++
		}
	}
	for k := range l.stored {
		if k.level == level {
			if _, ok := want[k.code]; !ok {
				counts.Absent++
			}
		}
	}
	l.tick(counts.Unchanged)
	for i := 0; i < len(created); i += batchSize {
		j := min(i+batchSize, len(created))
		saved, err := l.client.LocalAuthority.CreateBulk(created[i:j]...).Save(l.ctx)
		if err != nil {
			return fmt.Errorf("create %s: %w", level, err)
		}
		for n, a := range saved {
			w := want[createdCodes[i+n]]
			w.id = a.ID
			l.stored[key{level, createdCodes[i+n]}] = w
		}
		counts.Created += len(saved)
		l.tick(len(saved))
	}
	for i := 0; i < len(updated); i += batchSize {
		j := min(i+batchSize, len(updated))
		err := l.client.LocalAuthority.CreateBulk(updated[i:j]...).
			OnConflictColumns(localauthority.FieldCountryID, localauthority.FieldLevel, localauthority.FieldCode).
			UpdateNewValues().Exec(l.ctx)
		if err != nil {
			return fmt.Errorf("update %s: %w", level, err)
		}
		l.tick(j - i)
	}
	return nil
}

func (l *loader) builder(level localauthority.Level, code string, w row) *ent.LocalAuthorityCreate {
	b := l.client.LocalAuthority.Create().SetCountryID(l.france).SetLevel(level).SetCode(code).SetName(w.name)
	if w.siren != "" {
		b.SetSiren(w.siren)
	}
	if w.population != nil {
		b.SetPopulation(*w.population)
	}
	if w.zone != "" {
		b.SetZone(localauthority.Zone(w.zone))
	}
	if w.parentID != nil {
		b.SetParentID(*w.parentID)
	}
	return b
}

// differs reports whether writing w would change the stored row have.
func differs(have, w row) bool {
	switch {
	case have.name != w.name:
		return true
	case w.siren != "" && have.siren != w.siren:
		return true
	case w.zone != "" && have.zone != w.zone:
		return true
	case w.population != nil && (have.population == nil || *have.population != *w.population):
		return true
	case w.parentID != nil && (have.parentID == nil || *have.parentID != *w.parentID):
		return true
	}
	return false
}

func merge(have, w row) row {
	have.name = w.name
	if w.siren != "" {
		have.siren = w.siren
	}
	if w.zone != "" {
		have.zone = w.zone
	}
	if w.population != nil {
		have.population = w.population
	}
	if w.parentID != nil {
		have.parentID = w.parentID
	}
	return have
}

// pair is one EPCI membership.
type pair struct{ epci, commune int }

// members makes the membership of the EPCI of the release what the release says: it adds
// the missing links and removes those the release dropped, leaving the others alone.
func (l *loader) members(epcis []EPCI) error {
	if len(epcis) == 0 {
		return nil
	}
	want := make(map[pair]bool)
	for _, e := range epcis {
		ep := l.stored[key{localauthority.LevelEpci, e.Code}]
		for _, m := range e.Members {
			c, ok := l.stored[key{localauthority.LevelCommune, m.Code}]
			if !ok {
				return fmt.Errorf("EPCI %s: member commune %s is unknown (load communes.json too)", e.Code, m.Code)
			}
			want[pair{ep.id, c.id}] = true
		}
	}
	epciCol, communeCol := localauthority.MemberCommunesPrimaryKey[0], localauthority.MemberCommunesPrimaryKey[1]
	// Only the memberships of the EPCI of this release are compared.
	inRelease := make(map[int]bool, len(epcis))
	for _, e := range epcis {
		inRelease[l.stored[key{localauthority.LevelEpci, e.Code}].id] = true
	}
	q := fmt.Sprintf(`SELECT m.%[1]s, m.%[2]s FROM %[3]s m JOIN %[4]s a ON a.id = m.%[1]s WHERE a.%[5]s = %[6]s AND a.%[7]s = 'epci'`,
		epciCol, communeCol, localauthority.MemberCommunesTable, localauthority.Table,
		localauthority.FieldCountryID, placeholder(l.dialect, 1), localauthority.FieldLevel)
	rows, err := l.tx.QueryContext(l.ctx, q, l.france)
	if err != nil {
		return fmt.Errorf("read EPCI members: %w", err)
	}
	var drop []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.epci, &p.commune); err != nil {
			rows.Close()
			return fmt.Errorf("read EPCI members: %w", err)
		}
		if want[p] {
			delete(want, p)
			l.tick(1)
		} else if inRelease[p.epci] {
			drop = append(drop, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read EPCI members: %w", err)
	}
	add := make([]pair, 0, len(want))
	for p := range want {
		add = append(add, p)
	}
	sort.Slice(add, func(i, j int) bool {
		if add[i].epci != add[j].epci {
			return add[i].epci < add[j].epci
		}
		return add[i].commune < add[j].commune
	})
	const pairsPerInsert = 5000
	for i := 0; i < len(add); i += pairsPerInsert {
		j := min(i+pairsPerInsert, len(add))
		var b strings.Builder
		args := make([]any, 0, 2*(j-i))
		fmt.Fprintf(&b, "INSERT INTO %s (%s, %s) VALUES ", localauthority.MemberCommunesTable, epciCol, communeCol)
		for n, p := range add[i:j] {
			if n > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%s, %s)", placeholder(l.dialect, len(args)+1), placeholder(l.dialect, len(args)+2))
			args = append(args, p.epci, p.commune)
		}
		if _, err := l.tx.ExecContext(l.ctx, b.String(), args...); err != nil {
			return fmt.Errorf("add EPCI members: %w", err)
		}
		l.res.MembersAdded += j - i
		l.tick(j - i)
	}
	del := fmt.Sprintf("DELETE FROM %s WHERE %s = %s AND %s = %s", localauthority.MemberCommunesTable,
		epciCol, placeholder(l.dialect, 1), communeCol, placeholder(l.dialect, 2))
	for _, p := range drop {
		if _, err := l.tx.ExecContext(l.ctx, del, p.epci, p.commune); err != nil {
			return fmt.Errorf("remove EPCI member: %w", err)
		}
		l.res.MembersRemoved++
	}
	return nil
}

func placeholder(d string, n int) string {
	if d == dialect.Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}
