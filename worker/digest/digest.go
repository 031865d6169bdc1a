// Package digest assembles, renders, stores and delivers the daily veille digest of each
// country group (product.md §7): Build picks and ranks the articles first seen since the
// group's previous digest, Render turns them into e-mail-safe HTML, plain text and
// Markdown in French, Store keeps one Digest per group and date, and Deliverer sends it to
// the subscribers over SMTP at most once per address. Daily.RunDaily is what the worker's
// cron calls.
//
// Choices worth knowing:
//   - A digest covers the articles first seen (fetched_at) in [previous digest's cutoff,
//     this digest's cutoff) and published at most three days before the cutoff. The cutoff
//     is stored as the Digest's built_at, so consecutive digests neither overlap nor leave
//     gaps, and rebuilding a date gives the same window.
//   - A group with no news gets a short "rien de nouveau" digest: it is stored and served on
//     the web and in the Atom feed (so staff see the veille ran), but RunDaily does not
//     e-mail it; `coopdesk digest --send` sends what it is asked to.
//   - Once a digest has deliveries its content is frozen: rebuilding returns the stored
//     one, so that what the web shows is what was sent.
//   - Delivery is at most once per (digest, address); see Deliverer.
package digest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Topics are the veille's topics in the order of the digest's sections, with their French
// headings. Articles without a topic go to a last section, "Autres actualités".
var Topics = []struct{ Slug, Label string }{
	{"politique", "Politique"},
	{"administration_decentralisation", "Administration et décentralisation"},
	{"territorial_local", "Territoires et collectivités locales"},
	{"economie", "Économie"},
	{"securite", "Sécurité"},
	{"societe", "Société"},
	{"", "Autres actualités"},
}

// TopicLabel returns the French heading of a topic slug.
func TopicLabel(slug string) string {
	for _, t := range Topics {
		if t.Slug == slug {
			return t.Label
		}
	}
	return slug
}

// Digest is one group's digest for one date, as built and as stored (in Digest.items).
type Digest struct {
	GroupID   int
	GroupSlug string
	GroupName string
	Date      string    // YYYY-MM-DD in the configured time zone
	Since     time.Time // first-seen window start (inclusive)
	Until     time.Time // first-seen window end (exclusive): the cutoff, stored as built_at
	// Articles counts the group's articles in the window, before one-per-story and caps.
	Articles      int
	Sections      []Section
	SavedSearches []SavedSearchMatches
}

// Section is one topic's entries, best first.
type Section struct {
	Topic   string  `json:"topic"`
	Label   string  `json:"label"`
	Entries []Entry `json:"entries"`
	// More counts the stories of this topic left out by the per-topic cap.
	More int `json:"more,omitempty"`
}

// Entry is one story: its best-ranked article and the other outlets that carried it.
type Entry struct {
	ArticleID    int              `json:"article_id"`
	StoryID      int              `json:"story_id,omitempty"`
	Title        string           `json:"title"`
	URL          string           `json:"url"`
	Source       string           `json:"source"`
	Summary      string           `json:"summary,omitempty"`
	PublishedAt  time.Time        `json:"published_at"`
	Topic        string           `json:"topic"`
	Score        float64          `json:"score"`
	StorySize    int              `json:"story_size"`
	Rank         float64          `json:"rank"`
	OtherSources []Source         `json:"other_sources,omitempty"`
	Authorities  []AuthorityRef   `json:"authorities,omitempty"`
	Partnerships []PartnershipRef `json:"partnerships,omitempty"`
}

// Source is another outlet's copy of a story.
type Source struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// AuthorityRef is a local authority an article mentions.
type AuthorityRef struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// PartnershipRef is a partnership of the répertoire that involves a mentioned authority.
type PartnershipRef struct {
	ID     int    `json:"id"`
	Title  string `json:"title"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
}

// SavedSearchMatches is one subscriber's saved search and the window's articles it matches.
type SavedSearchMatches struct {
	SavedSearchID int     `json:"saved_search_id"`
	UserID        int     `json:"user_id"`
	Name          string  `json:"name"`
	Owner         string  `json:"owner"`
	Entries       []Entry `json:"entries"`
}

// Entries returns how many stories the digest shows in its topic sections.
func (d *Digest) Entries() int {
	n := 0
	for _, s := range d.Sections {
		n += len(s.Entries)
	}
	return n
}

// Empty reports whether the digest has nothing to say: the "rien de nouveau" digest.
func (d *Digest) Empty() bool {
	if d.Entries() > 0 {
		return false
	}
	for _, s := range d.SavedSearches {
		if len(s.Entries) > 0 {
			return false
		}
	}
	return true
}

// View restricts a digest to one reader: the topics they subscribed to (none: all) and
// their own saved searches (UserID 0: every subscriber's, as on the web).
type View struct {
	Topics []string
	UserID int
	// AllSavedSearches keeps every subscriber's saved searches (the stored, web version).
	AllSavedSearches bool
}

// For returns the digest as v's reader sees it.
func (d *Digest) For(v View) *Digest {
	out := *d
	if len(v.Topics) > 0 {
		want := map[string]bool{}
		for _, t := range v.Topics {
			want[t] = true
		}
		out.Sections = nil
		for _, s := range d.Sections {
			if want[s.Topic] {
				out.Sections = append(out.Sections, s)
			}
		}
	}
	if !v.AllSavedSearches {
		out.SavedSearches = nil
		for _, s := range d.SavedSearches {
			if s.UserID == v.UserID && v.UserID != 0 {
				out.SavedSearches = append(out.SavedSearches, s)
			}
		}
	}
	return &out
}

// SavedSearchRunner runs saved searches (#7) over a set of articles. Build asks it, for
// each saved search of the group's subscribers, which of the window's articles match; a
// nil runner leaves the saved-search section out.
type SavedSearchRunner interface {
	Matches(ctx context.Context, savedSearchID int, articleIDs []int) ([]int, error)
}

// ErrUnknownGroup is returned for a group slug that does not exist.
var ErrUnknownGroup = errors.New("unknown group")

// ErrBadDate is returned for a date that is not YYYY-MM-DD.
var ErrBadDate = errors.New("malformed date")

// ErrNotFound is returned when no digest is stored for a group and date.
var ErrNotFound = errors.New("no digest")

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// ParseDate checks a YYYY-MM-DD date and returns the start of that day in loc.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if !datePattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("%w %q: want YYYY-MM-DD, e.g. 2026-11-26", ErrBadDate, s)
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q: no such day", ErrBadDate, s)
	}
	return t, nil
}

// DateOf returns the digest date of instant t in loc.
func DateOf(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }
