// Package feedcatalogue loads the default news feeds of the veille from the embedded
// catalogue (news-sources.json): each candidate with a feed URL becomes a Feed attached to
// its country, enabled when its URL is well attested (confidence high or medium) and
// disabled otherwise, so that staff can check it before turning it on.
package feedcatalogue

import (
	"context"
	"fmt"
	"net/url"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/feed"
	"coopdesk/internal/reference"
)

// Feed is one feed of the catalogue.
type Feed struct {
	URL, Title, SiteURL, Language string
	Country                       string // ISO 3166-1 alpha-2, "" for international outlets
	Enabled                       bool
}

// Feeds returns the catalogue's feeds. Candidates without a feed URL (an outlet known to
// have no usable feed) are left out.
func Feeds() ([]Feed, error) {
	sources, err := reference.NewsSources()
	if err != nil {
		return nil, err
	}
	var out []Feed
	for _, s := range sources {
		if s.FeedURL == "" {
			continue
		}
		if u, err := url.Parse(s.FeedURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("feed catalogue: %s: bad feed URL %q", s.Name, s.FeedURL)
		}
		f := Feed{URL: s.FeedURL, Title: s.Name, SiteURL: s.Site, Language: s.Lang,
			Enabled: s.Confidence == "high" || s.Confidence == "medium"}
		if len(s.Country) == 2 { // "INT" marks international outlets
			f.Country = s.Country
		}
		out = append(out, f)
	}
	return out, nil
}

// Result counts what Load did.
type Result struct {
	Created, Existing int
}

// Load creates the catalogue's feeds whose URL is not there yet, in one statement; a feed
// already there is left as staff set it (enabled or not, its interval, its title).
func Load(ctx context.Context, client *ent.Client) (Result, error) {
	var res Result
	feeds, err := Feeds()
	if err != nil {
		return res, err
	}
	countries, err := client.Country.Query().Select(country.FieldCode).All(ctx)
	if err != nil {
		return res, fmt.Errorf("feed catalogue: %w", err)
	}
	countryID := map[string]int{}
	for _, c := range countries {
		countryID[c.Code] = c.ID
	}
	urls := make([]string, len(feeds))
	for i, f := range feeds {
		urls[i] = f.URL
	}
	existing, err := client.Feed.Query().Where(feed.URLIn(urls...)).Select(feed.FieldURL).Strings(ctx)
	if err != nil {
		return res, fmt.Errorf("feed catalogue: %w", err)
	}
	have := map[string]bool{}
	for _, u := range existing {
		have[u] = true
	}
	var builders []*ent.FeedCreate
	for _, f := range feeds {
		if have[f.URL] {
			res.Existing++
			continue
		}
		b := client.Feed.Create().SetURL(f.URL).SetTitle(f.Title).SetLanguage(f.Language).SetEnabled(f.Enabled)
		if f.SiteURL != "" {
			b.SetSiteURL(f.SiteURL)
		}
		if id, ok := countryID[f.Country]; ok {
			b.SetCountryID(id)
		}
		builders = append(builders, b)
	}
	if len(builders) == 0 {
		return res, nil
	}
	if err := client.Feed.CreateBulk(builders...).OnConflictColumns(feed.FieldURL).DoNothing().Exec(ctx); err != nil {
		return res, fmt.Errorf("feed catalogue: %w", err)
	}
	res.Created = len(builders)
	return res, nil
}
