// Package repertoire completes the répertoire's reference data at start: every French
// collectivité, the partner countries' administrative units and the default feed
// catalogue, each loaded when it is missing. Its sub-packages load each kind of data and
// import and export the répertoire in the formats staff use.
package repertoire

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"coopdesk/ent/country"
	"coopdesk/ent/localauthority"
	"coopdesk/internal/database"
	"coopdesk/internal/repertoire/collectivites"
	"coopdesk/internal/repertoire/feedcatalogue"
	"coopdesk/internal/repertoire/partnerunits"
)

// Loaded says what EnsureReference loaded.
type Loaded struct {
	French   *collectivites.Result // nil when France's collectivités were there already
	Partners partnerunits.Result
	Feeds    *feedcatalogue.Result // nil when feeds were there already
}

// EnsureReference loads the reference data that is missing; on a database that has it,
// it costs three small queries. It needs the countries (seed.Minimal) first.
//
//   - French collectivités: loaded from the embedded release when France has no commune
//     yet (the load is one transaction, so some communes means all of them). Later
//     releases come in through `coopdesk import collectivites`, never behind staff's back.
//   - Partner-country units: every unit of the gazetteer that is missing is created, so a
//     newer binary brings its new units.
//   - Feeds: the catalogue is loaded when there is no feed at all, so that the feeds
//     staff removed do not come back at the next start.
func EnsureReference(ctx context.Context, db *database.DB) (Loaded, error) {
	var out Loaded
	start := time.Now()
	hasFrench, err := db.Client.LocalAuthority.Query().
		Where(localauthority.LevelEQ(localauthority.LevelCommune), localauthority.HasCountryWith(country.Code("FR"))).Exist(ctx)
	if err != nil {
		return out, fmt.Errorf("reference data: %w", err)
	}
	if !hasFrench {
		ds, err := collectivites.Embedded()
		if err != nil {
			return out, err
		}
		res, err := collectivites.Load(ctx, db, ds, collectivites.Options{})
		if err != nil {
			return out, err
		}
		out.French = &res
		slog.Info("French collectivités loaded", "regions", res.Regions.Created, "departements", res.Departements.Created,
			"epci", res.EPCI.Created, "communes", res.Communes.Created, "duration", res.Duration.Round(time.Millisecond))
	}
	out.Partners, err = partnerunits.Load(ctx, db.Client)
	if err != nil {
		return out, err
	}
	if out.Partners.Created+out.Partners.Updated > 0 {
		slog.Info("partner-country units loaded", "created", out.Partners.Created, "updated", out.Partners.Updated)
	}
	hasFeeds, err := db.Client.Feed.Query().Exist(ctx)
	if err != nil {
		return out, fmt.Errorf("reference data: %w", err)
	}
	if !hasFeeds {
		res, err := feedcatalogue.Load(ctx, db.Client)
		if err != nil {
			return out, err
		}
		out.Feeds = &res
		slog.Info("default feed catalogue loaded", "feeds", res.Created)
	}
	slog.Debug("reference data checked", "duration", time.Since(start))
	return out, nil
}
