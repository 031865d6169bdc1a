package digest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"coopdesk/ent"
	"coopdesk/ent/article"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articlemention"
	"coopdesk/ent/articletopic"
	"coopdesk/ent/countrygroup"
	entdigest "coopdesk/ent/digest"
	"coopdesk/ent/digestsubscription"
	"coopdesk/ent/feed"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/ent/savedsearch"
	"coopdesk/ent/user"
)

// Options tunes Build.
type Options struct {
	// Location is COOPDESK_TZ: digest dates are days there. Nil means UTC.
	Location *time.Location
	// Now is the cutoff of a digest built during its own day (the cron's scheduled time, so
	// that two workers build the same window). Zero means time.Now().
	Now time.Time
	// SavedSearches runs the subscribers' saved searches; nil leaves that section out.
	SavedSearches SavedSearchRunner
	// MaxPerTopic caps the stories shown per topic (default 12): a digest is read in a few
	// minutes; the rest is counted and left to the web.
	MaxPerTopic int
	// MaxPerSavedSearch caps the matches shown per saved search (default 10).
	MaxPerSavedSearch int
}

// Freshness is how long before the cutoff an article may have been published and still
// appear: older news first seen today (a feed catching up) is not news.
const Freshness = 72 * time.Hour

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Window returns the first-seen window of group's digest for date: from the cutoff of the
// group's latest digest before date (or a day before the cutoff for a first digest) to
// the end of date, or now when date is today.
func Window(ctx context.Context, client *ent.Client, groupID int, date string, opt Options) (since, until time.Time, err error) {
	day, err := ParseDate(date, opt.location())
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	until = day.AddDate(0, 0, 1)
	if now := opt.now(); now.Before(until) {
		until = now
	}
	until = until.UTC()
	prev, err := client.Digest.Query().
		Where(entdigest.GroupID(groupID), entdigest.DateLT(date)).
		Order(ent.Desc(entdigest.FieldDate)).
		Select(entdigest.FieldBuiltAt).
		First(ctx)
	switch {
	case ent.IsNotFound(err):
		since = until.Add(-24 * time.Hour)
	case err != nil:
		return time.Time{}, time.Time{}, fmt.Errorf("previous digest: %w", err)
	default:
		since = prev.BuiltAt.UTC()
	}
	if since.After(until) {
		since = until
	}
	return since, until, nil
}

// Group returns the country group of slug, or ErrUnknownGroup.
func Group(ctx context.Context, client *ent.Client, slug string) (*ent.CountryGroup, error) {
	g, err := client.CountryGroup.Query().Where(countrygroup.Slug(slug)).Only(ctx)
	if ent.IsNotFound(err) {
		known, kerr := client.CountryGroup.Query().Order(ent.Asc(countrygroup.FieldSlug)).Select(countrygroup.FieldSlug).Strings(ctx)
		if kerr != nil || len(known) == 0 {
			return nil, fmt.Errorf("%w %q", ErrUnknownGroup, slug)
		}
		return nil, fmt.Errorf("%w %q (known groups: %s)", ErrUnknownGroup, slug, strings.Join(known, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", slug, err)
	}
	return g, nil
}

// Build assembles group's digest for date. It reads a bounded number of statements
// whatever the number of articles (about ten, plus one per subscriber's saved search).
func Build(ctx context.Context, client *ent.Client, groupSlug, date string, opt Options) (*Digest, error) {
	if _, err := ParseDate(date, opt.location()); err != nil {
		return nil, err
	}
	g, err := Group(ctx, client, groupSlug)
	if err != nil {
		return nil, err
	}
	return buildGroup(ctx, client, g, date, opt)
}

func buildGroup(ctx context.Context, client *ent.Client, g *ent.CountryGroup, date string, opt Options) (*Digest, error) {
	since, until, err := Window(ctx, client, g.ID, date, opt)
	if err != nil {
		return nil, fmt.Errorf("digest %s %s: %w", g.Slug, date, err)
	}
	d := &Digest{GroupID: g.ID, GroupSlug: g.Slug, GroupName: g.Name, Date: date, Since: since, Until: until}
	arts, err := client.Article.Query().
		Where(
			article.FetchedAtGTE(since), article.FetchedAtLT(until),
			article.PublishedAtGTE(until.Add(-Freshness)),
			article.HasGroupTagsWith(articlegrouptag.GroupID(g.ID), articlegrouptag.Removed(false)),
		).
		Select(article.FieldID, article.FieldTitle, article.FieldURL, article.FieldSummaryText,
			article.FieldPublishedAt, article.FieldFeedID, article.FieldStoryID).
		WithGroupTags(func(q *ent.ArticleGroupTagQuery) {
			q.Where(articlegrouptag.GroupID(g.ID), articlegrouptag.Removed(false))
		}).
		WithFeed(feedColumns).
		WithStory().
		WithTopics(func(q *ent.ArticleTopicQuery) { q.Where(articletopic.Removed(false)) }).
		WithMentions(func(q *ent.ArticleMentionQuery) {
			q.Where(articlemention.Removed(false)).WithAuthority(func(q *ent.LocalAuthorityQuery) {
				q.Select(localauthority.FieldID, localauthority.FieldName)
			})
		}).
		WithSources(func(q *ent.ArticleSourceQuery) { q.WithFeed(feedColumns) }).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("digest %s %s: articles: %w", g.Slug, date, err)
	}
	d.Articles = len(arts)

	entries := make(map[int]*Entry, len(arts))
	var authorityIDs []int
	for _, a := range arts {
		e := entryOf(a, until)
		entries[a.ID] = e
		for _, m := range a.Edges.Mentions {
			authorityIDs = append(authorityIDs, m.AuthorityID)
		}
	}
	if err := addPartnerships(ctx, client, arts, entries, authorityIDs); err != nil {
		return nil, fmt.Errorf("digest %s %s: %w", g.Slug, date, err)
	}

	// One entry per story: the best-ranked article stands for it.
	best := map[int]*Entry{}
	var reps []*Entry
	for _, a := range arts {
		e := entries[a.ID]
		if e.StoryID == 0 {
			reps = append(reps, e)
			continue
		}
		if b, ok := best[e.StoryID]; !ok || better(e, b) {
			best[e.StoryID] = e
		}
	}
	for _, e := range best {
		reps = append(reps, e)
	}
	if err := addOtherSources(ctx, client, arts, reps); err != nil {
		return nil, fmt.Errorf("digest %s %s: %w", g.Slug, date, err)
	}
	slices.SortFunc(reps, func(a, b *Entry) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	maxPer := cmp.Or(opt.MaxPerTopic, 12)
	byTopic := map[string]*Section{}
	for _, e := range reps {
		s := byTopic[e.Topic]
		if s == nil {
			s = &Section{Topic: e.Topic, Label: TopicLabel(e.Topic)}
			byTopic[e.Topic] = s
		}
		if len(s.Entries) < maxPer {
			s.Entries = append(s.Entries, *e)
		} else {
			s.More++
		}
	}
	for _, t := range Topics {
		if s := byTopic[t.Slug]; s != nil {
			d.Sections = append(d.Sections, *s)
		}
	}
	if opt.SavedSearches != nil && len(arts) > 0 {
		if err := addSavedSearches(ctx, client, d, opt, arts, entries); err != nil {
			return nil, fmt.Errorf("digest %s %s: %w", g.Slug, date, err)
		}
	}
	return d, nil
}

func feedColumns(q *ent.FeedQuery) {
	q.Select(feed.FieldID, feed.FieldTitle, feed.FieldURL, feed.FieldSiteURL)
}

// better orders entries: higher rank first, then the more recent, then the smaller id so
// that the order is total and builds are reproducible.
func better(a, b *Entry) bool {
	if a.Rank != b.Rank {
		return a.Rank > b.Rank
	}
	if !a.PublishedAt.Equal(b.PublishedAt) {
		return a.PublishedAt.After(b.PublishedAt)
	}
	return a.ArticleID < b.ArticleID
}

// rank weighs the tagger's confidence for the group (0.5 to 1), how many outlets carried
// the story (up to +0.75 for 32 or more) and recency (up to +0.3 for just published):
// a confident, widely reprinted, fresh story first.
func rank(score float64, storySize int, published, until time.Time) float64 {
	size := math.Log2(float64(min(max(storySize, 1), 32))) * 0.15
	age := until.Sub(published).Hours() / Freshness.Hours()
	recency := 0.3 * (1 - min(max(age, 0), 1))
	return math.Round((score+size+recency)*1e4) / 1e4
}

func entryOf(a *ent.Article, until time.Time) *Entry {
	e := &Entry{
		ArticleID:   a.ID,
		Title:       oneLine(a.Title),
		URL:         a.URL,
		Source:      feedName(a.Edges.Feed, a.URL),
		Summary:     shorten(oneLine(a.SummaryText), 320),
		PublishedAt: a.PublishedAt.UTC(),
		StorySize:   1,
	}
	if a.StoryID != nil {
		e.StoryID = *a.StoryID
	}
	if s := a.Edges.Story; s != nil {
		e.StorySize = max(s.Size, 1)
	}
	for _, t := range a.Edges.GroupTags {
		e.Score = max(e.Score, t.Score)
	}
	var topScore float64 = -1
	for _, t := range a.Edges.Topics {
		// The strongest topic; ties go to the earlier topic of the list, for stable builds.
		if t.Score > topScore || t.Score == topScore && topicIndex(string(t.Topic)) < topicIndex(e.Topic) {
			topScore, e.Topic = t.Score, string(t.Topic)
		}
	}
	seen := map[int]bool{}
	for _, m := range a.Edges.Mentions {
		if au := m.Edges.Authority; au != nil && !seen[au.ID] {
			seen[au.ID] = true
			e.Authorities = append(e.Authorities, AuthorityRef{ID: au.ID, Name: au.Name})
		}
	}
	slices.SortFunc(e.Authorities, func(x, y AuthorityRef) int { return strings.Compare(x.Name, y.Name) })
	e.Rank = rank(e.Score, e.StorySize, e.PublishedAt, until)
	return e
}

func topicIndex(slug string) int {
	for i, t := range Topics {
		if t.Slug == slug {
			return i
		}
	}
	return len(Topics)
}

// addPartnerships attaches to each entry the live partnerships (not ended) of the
// authorities it mentions: two statements for the whole digest.
func addPartnerships(ctx context.Context, client *ent.Client, arts []*ent.Article, entries map[int]*Entry, authorityIDs []int) error {
	if len(authorityIDs) == 0 {
		return nil
	}
	slices.Sort(authorityIDs)
	authorityIDs = slices.Compact(authorityIDs)
	ps, err := client.Partnership.Query().
		Where(partnership.StatusNEQ(partnership.StatusEnded), partnership.Or(
			partnership.HasPartnerAuthoritiesWith(localauthority.IDIn(authorityIDs...)),
			partnership.HasFrenchAuthoritiesWith(localauthority.IDIn(authorityIDs...)),
		)).
		Select(partnership.FieldID, partnership.FieldTitle, partnership.FieldKind, partnership.FieldStatus).
		WithPartnerAuthorities(func(q *ent.LocalAuthorityQuery) { q.Select(localauthority.FieldID) }).
		WithFrenchAuthorities(func(q *ent.LocalAuthorityQuery) { q.Select(localauthority.FieldID) }).
		Order(ent.Asc(partnership.FieldTitle), ent.Asc(partnership.FieldID)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("partnerships: %w", err)
	}
	byAuthority := map[int][]PartnershipRef{}
	for _, p := range ps {
		ref := PartnershipRef{ID: p.ID, Title: oneLine(p.Title), Kind: string(p.Kind), Status: string(p.Status)}
		for _, a := range append(slices.Clone(p.Edges.PartnerAuthorities), p.Edges.FrenchAuthorities...) {
			byAuthority[a.ID] = append(byAuthority[a.ID], ref)
		}
	}
	for _, a := range arts {
		e := entries[a.ID]
		seen := map[int]bool{}
		for _, au := range e.Authorities {
			for _, p := range byAuthority[au.ID] {
				if !seen[p.ID] {
					seen[p.ID] = true
					e.Partnerships = append(e.Partnerships, p)
				}
			}
		}
	}
	return nil
}

// maxOtherSources bounds the "autres sources" line of an entry.
const maxOtherSources = 8

// addOtherSources lists, for each story's entry, the other outlets that carried it: the
// other articles of its story (in the window or not) and the other feeds that carried the
// same URL. Two statements for the whole digest.
func addOtherSources(ctx context.Context, client *ent.Client, arts []*ent.Article, reps []*Entry) error {
	byArticle := make(map[int]*ent.Article, len(arts))
	for _, a := range arts {
		byArticle[a.ID] = a
	}
	var storyIDs, repIDs []int
	byStory := map[int]*Entry{}
	for _, e := range reps {
		repIDs = append(repIDs, e.ArticleID)
		if e.StoryID != 0 && e.StorySize > 1 {
			storyIDs = append(storyIDs, e.StoryID)
			byStory[e.StoryID] = e
		}
	}
	add := func(e *Entry, name, link string) {
		if name == "" || name == e.Source || len(e.OtherSources) >= maxOtherSources || !webURL(link) {
			return
		}
		for _, s := range e.OtherSources {
			if s.Name == name {
				return
			}
		}
		e.OtherSources = append(e.OtherSources, Source{Name: name, URL: link})
	}
	for _, e := range reps {
		for _, s := range byArticle[e.ArticleID].Edges.Sources {
			add(e, feedName(s.Edges.Feed, e.URL), cmp.Or(s.Link, e.URL))
		}
	}
	if len(storyIDs) == 0 {
		return nil
	}
	slices.Sort(storyIDs)
	siblings, err := client.Article.Query().
		Where(article.StoryIDIn(storyIDs...), article.IDNotIn(repIDs...)).
		Select(article.FieldID, article.FieldURL, article.FieldFeedID, article.FieldStoryID, article.FieldPublishedAt).
		WithFeed(feedColumns).
		Order(ent.Asc(article.FieldPublishedAt), ent.Asc(article.FieldID)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("other sources: %w", err)
	}
	for _, s := range siblings {
		if s.StoryID == nil {
			continue
		}
		if e := byStory[*s.StoryID]; e != nil {
			add(e, feedName(s.Edges.Feed, s.URL), s.URL)
		}
	}
	return nil
}

// addSavedSearches runs the saved searches of the group's subscribers over the window's
// articles: one statement for the searches, then one call of the runner per search.
func addSavedSearches(ctx context.Context, client *ent.Client, d *Digest, opt Options, arts []*ent.Article, entries map[int]*Entry) error {
	searches, err := client.SavedSearch.Query().
		Where(savedsearch.HasUserWith(user.Disabled(false),
			user.HasSubscriptionsWith(digestsubscription.HasGroupsWith(countrygroup.ID(d.GroupID))))).
		WithUser(func(q *ent.UserQuery) { q.Select(user.FieldID, user.FieldName) }).
		Order(ent.Asc(savedsearch.FieldUserID), ent.Asc(savedsearch.FieldName)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("saved searches: %w", err)
	}
	ids := make([]int, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	maxPer := cmp.Or(opt.MaxPerSavedSearch, 10)
	for _, s := range searches {
		matched, err := opt.SavedSearches.Matches(ctx, s.ID, ids)
		if err != nil {
			return fmt.Errorf("saved search %d: %w", s.ID, err)
		}
		m := SavedSearchMatches{SavedSearchID: s.ID, UserID: s.UserID, Name: oneLine(s.Name)}
		if u := s.Edges.User; u != nil {
			m.Owner = u.Name
		}
		for _, id := range matched {
			if e := entries[id]; e != nil {
				m.Entries = append(m.Entries, *e)
			}
		}
		if len(m.Entries) == 0 {
			continue
		}
		slices.SortFunc(m.Entries, func(a, b Entry) int {
			if better(&a, &b) {
				return -1
			}
			return 1
		})
		m.Entries = m.Entries[:min(len(m.Entries), maxPer)]
		d.SavedSearches = append(d.SavedSearches, m)
	}
	return nil
}

// feedName is how a reader knows an outlet: the feed's title, else its site's host.
func feedName(f *ent.Feed, fallback string) string {
	if f != nil {
		if t := oneLine(f.Title); t != "" {
			return shorten(t, 80)
		}
		fallback = cmp.Or(f.SiteURL, f.URL)
	}
	u, err := url.Parse(fallback)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// webURL reports whether s is an http(s) URL: anything else (javascript:, data:) never
// becomes a link.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// shorten cuts s to at most n runes at a word boundary, with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-–") + "…"
}
