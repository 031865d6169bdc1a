package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/country"
	"coopdesk/ent/feed"
	"coopdesk/worker/fetch"
	"coopdesk/worker/opml"
)

// Errors of the catalogue functions, to test with errors.Is; their messages are plain
// words fit for API users.
var (
	ErrInvalidFeed   = errors.New("invalid feed")
	ErrDuplicateFeed = errors.New("a feed with this address already exists")
	ErrFeedNotFound  = errors.New("no such feed")
	ErrFeedBusy      = errors.New("the feed is being fetched right now; try again in a moment")
)

// AddFeed adds a feed to the veille catalogue, due at once. url must be an absolute http or
// https address (whether its host is public is checked when it is fetched, after DNS
// resolution); countryCode is an ISO 3166-1 alpha-2 code of the reference data or "";
// lang a language tag such as "fr" or "". A feed whose address is already in the
// catalogue is refused with ErrDuplicateFeed.
func AddFeed(ctx context.Context, client *ent.Client, url, title, countryCode, lang string) (*ent.Feed, error) {
	url = strings.TrimSpace(url)
	if err := fetch.ValidateURL(url); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFeed, err)
	}
	if len(url) > 2000 {
		return nil, fmt.Errorf("%w: the address is longer than 2000 characters", ErrInvalidFeed)
	}
	title = strings.TrimSpace(title)
	if len([]rune(title)) > 500 {
		return nil, fmt.Errorf("%w: the title is longer than 500 characters", ErrInvalidFeed)
	}
	language, err := cleanLanguage(lang)
	if err != nil {
		return nil, err
	}
	countryID, err := countryByCode(ctx, client, countryCode)
	if err != nil {
		return nil, err
	}
	if exists, err := client.Feed.Query().Where(feed.URL(url)).Exist(ctx); err != nil {
		return nil, fmt.Errorf("add feed: %w", err)
	} else if exists {
		return nil, ErrDuplicateFeed
	}
	create := client.Feed.Create().SetURL(url).SetNextFetchAt(time.Now())
	if title != "" {
		create.SetTitle(title)
	}
	if language != "" {
		create.SetLanguage(language)
	}
	if countryID != 0 {
		create.SetCountryID(countryID)
	}
	f, err := create.Save(ctx)
	switch {
	case ent.IsConstraintError(err):
		return nil, ErrDuplicateFeed // added meanwhile
	case ent.IsValidationError(err):
		return nil, fmt.Errorf("%w: %v", ErrInvalidFeed, err)
	case err != nil:
		return nil, fmt.Errorf("add feed: %w", err)
	}
	return f, nil
}

// FeedChanges are the fields UpdateFeed changes; nil fields are kept. An empty Country or
// Language clears it.
type FeedChanges struct {
	URL             *string
	Title           *string
	Country         *string
	Language        *string
	Enabled         *bool
	IntervalMinutes *int
}

// UpdateFeed changes a feed of the catalogue. A new address is validated like AddFeed's
// and resets the fetch state (validators, errors) so that it is fetched afresh at once;
// re-enabling a feed makes it due at once.
func UpdateFeed(ctx context.Context, client *ent.Client, id int, ch FeedChanges) (*ent.Feed, error) {
	cur, err := client.Feed.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, ErrFeedNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("update feed %d: %w", id, err)
	}
	up := client.Feed.UpdateOneID(id)
	if ch.URL != nil && strings.TrimSpace(*ch.URL) != cur.URL {
		url := strings.TrimSpace(*ch.URL)
		if err := fetch.ValidateURL(url); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidFeed, err)
		}
		if exists, err := client.Feed.Query().Where(feed.URL(url), feed.IDNEQ(id)).Exist(ctx); err != nil {
			return nil, fmt.Errorf("update feed %d: %w", id, err)
		} else if exists {
			return nil, ErrDuplicateFeed
		}
		up.SetURL(url).ClearEtag().ClearLastModified().SetConsecutiveErrors(0).ClearLastError().
			ClearLastStatus().SetNextFetchAt(time.Now())
	}
	if ch.Title != nil {
		if t := strings.TrimSpace(*ch.Title); t == "" {
			up.ClearTitle()
		} else {
			up.SetTitle(t)
		}
	}
	if ch.Country != nil {
		cid, err := countryByCode(ctx, client, *ch.Country)
		if err != nil {
			return nil, err
		}
		if cid == 0 {
			up.ClearCountryID()
		} else {
			up.SetCountryID(cid)
		}
	}
	if ch.Language != nil {
		lang, err := cleanLanguage(*ch.Language)
		if err != nil {
			return nil, err
		}
		if lang == "" {
			up.ClearLanguage()
		} else {
			up.SetLanguage(lang)
		}
	}
	if ch.Enabled != nil {
		up.SetEnabled(*ch.Enabled)
		if *ch.Enabled && !cur.Enabled {
			up.SetNextFetchAt(time.Now())
		}
	}
	if ch.IntervalMinutes != nil {
		up.SetIntervalMinutes(*ch.IntervalMinutes)
	}
	f, err := up.Save(ctx)
	switch {
	case ent.IsConstraintError(err):
		return nil, ErrDuplicateFeed
	case ent.IsValidationError(err):
		return nil, fmt.Errorf("%w: %v", ErrInvalidFeed, err)
	case err != nil:
		return nil, fmt.Errorf("update feed %d: %w", id, err)
	}
	return f, nil
}

// RequestRefresh makes a feed due now, for the next pass of any worker: what a process
// without an in-process worker (serve alone) can do. Worker.RefreshFeed fetches at once.
func RequestRefresh(ctx context.Context, client *ent.Client, id int) error {
	n, err := client.Feed.Update().Where(feed.ID(id)).SetNextFetchAt(time.Now()).Save(ctx)
	if err != nil {
		return fmt.Errorf("refresh feed %d: %w", id, err)
	}
	if n == 0 {
		return ErrFeedNotFound
	}
	return nil
}

func cleanLanguage(lang string) (string, error) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	if lang == "" {
		return "", nil
	}
	if len(lang) < 2 || len(lang) > 8 || strings.Trim(lang, "abcdefghijklmnopqrstuvwxyz") != "" {
		return "", fmt.Errorf("%w: %q is not a language code such as fr or ar", ErrInvalidFeed, lang)
	}
	return lang, nil
}

// countryByCode returns the id of the country whose ISO code is code, 0 for "".
func countryByCode(ctx context.Context, client *ent.Client, code string) (int, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return 0, nil
	}
	id, err := client.Country.Query().Where(country.Code(code)).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return 0, fmt.Errorf("%w: unknown country code %q", ErrInvalidFeed, code)
	}
	if err != nil {
		return 0, fmt.Errorf("country %s: %w", code, err)
	}
	return id, nil
}

// ImportDefaults apply to the outlines of an OPML list that carry no country or language.
type ImportDefaults struct {
	Country  string
	Language string
}

// ImportResult sums up an import.
type ImportResult struct {
	Added     int
	Duplicate int      // already in the catalogue (or twice in the list)
	Invalid   []string // "URL: reason" for each refused outline
}

// ImportOPML adds the feeds of an OPML list. Feeds already in the catalogue are counted,
// not changed; an invalid outline is reported and the others are still imported.
func ImportOPML(ctx context.Context, client *ent.Client, r io.Reader, def ImportDefaults) (ImportResult, error) {
	var res ImportResult
	entries, err := opml.Read(r)
	if err != nil {
		return res, err
	}
	for _, e := range entries {
		country, lang := e.Country, e.Language
		if country == "" {
			country = def.Country
		}
		if lang == "" {
			lang = def.Language
		}
		_, err := AddFeed(ctx, client, e.FeedURL, e.Title, country, lang)
		switch {
		case err == nil:
			res.Added++
		case errors.Is(err, ErrDuplicateFeed):
			res.Duplicate++
		case errors.Is(err, ErrInvalidFeed):
			res.Invalid = append(res.Invalid, fmt.Sprintf("%s: %v", e.FeedURL, err))
		default:
			return res, err
		}
	}
	return res, nil
}

// ExportOPML writes the whole catalogue as an OPML 2.0 list, each feed with its country
// and language.
func ExportOPML(ctx context.Context, client *ent.Client, w io.Writer) error {
	feeds, err := client.Feed.Query().WithCountry().Order(ent.Asc(feed.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("export feeds: %w", err)
	}
	entries := make([]opml.Entry, 0, len(feeds))
	for _, f := range feeds {
		e := opml.Entry{FeedURL: f.URL, SiteURL: f.SiteURL, Title: f.Title, Language: f.Language}
		if f.Edges.Country != nil {
			e.Country = f.Edges.Country.Code
		}
		if e.Title == "" {
			e.Title = f.URL
		}
		entries = append(entries, e)
	}
	return opml.Write(w, "coopdesk veille feeds", entries)
}
