// Package seed loads coopdesk's reference data into the database at first start: all
// countries, the four Mediterranean country groups and the themes. It is idempotent: a
// second run changes nothing that staff edited.
package seed

import (
	"context"
	"fmt"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/countrygroup"
	"coopdesk/ent/theme"
	"coopdesk/internal/reference"

	"entgo.io/ent/dialect/sql"
)

// Result counts what a seed run created.
type Result struct {
	Countries, Groups, Themes int
}

// Minimal loads the countries, country groups and themes in one transaction.
func Minimal(ctx context.Context, client *ent.Client) (Result, error) {
	var res Result
	countries, err := reference.Countries()
	if err != nil {
		return res, err
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return res, err
	}
	fail := func(err error) (Result, error) {
		_ = tx.Rollback()
		return res, fmt.Errorf("seed: %w", err)
	}
	before, err := tx.Country.Query().Count(ctx)
	if err != nil {
		return fail(err)
	}
	builders := make([]*ent.CountryCreate, 0, len(countries))
	for _, c := range countries {
		b := tx.Country.Create().SetCode(c.ISO2).SetNameFr(c.NameFR).SetNameEn(c.NameEN).
			SetNameAr(c.NameAR).SetRegion(c.Region)
		if c.ISO3 != "" {
			b.SetIso3(c.ISO3)
		}
		builders = append(builders, b)
	}
	// Countries whose code exists are left as they are.
	if err := tx.Country.CreateBulk(builders...).OnConflict(sql.ConflictColumns(country.FieldCode)).DoNothing().Exec(ctx); err != nil {
		return fail(err)
	}
	after, err := tx.Country.Query().Count(ctx)
	if err != nil {
		return fail(err)
	}
	res.Countries = after - before

	for _, g := range reference.Groups() {
		exists, err := tx.CountryGroup.Query().Where(countrygroup.Slug(g.Slug)).Exist(ctx)
		if err != nil {
			return fail(err)
		}
		if exists {
			continue
		}
		ids, err := tx.Country.Query().Where(country.CodeIn(g.Countries...)).IDs(ctx)
		if err != nil {
			return fail(err)
		}
		if err := tx.CountryGroup.Create().SetSlug(g.Slug).SetName(g.Name).AddCountryIDs(ids...).Exec(ctx); err != nil {
			return fail(err)
		}
		res.Groups++
	}
	for _, t := range reference.Themes() {
		exists, err := tx.Theme.Query().Where(theme.Slug(t.Slug)).Exist(ctx)
		if err != nil {
			return fail(err)
		}
		if exists {
			continue
		}
		if err := tx.Theme.Create().SetSlug(t.Slug).SetLabel(t.Label).Exec(ctx); err != nil {
			return fail(err)
		}
		res.Themes++
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("seed: %w", err)
	}
	return res, nil
}
