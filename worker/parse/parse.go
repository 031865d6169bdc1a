// Package parse turns a fetched feed body (RSS 0.9x/2.0, RDF, Atom, JSON
// Feed) into plain Items for the veille worker. It wraps gofeed and adds what
// real partner-country feeds need: charset repair (windows-1256 Arabic,
// ISO-8859-1 and windows-1252 French, wrong declarations), dates that are
// never missing nor in the future, and typed errors for bodies that are not
// feeds. It does not clean URLs or HTML: that is worker/normalize.
package parse

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
)

// FutureTolerance is how far in the future a date may be before it is
// clamped to the fetch time. It absorbs clock skew; anything beyond is a
// CMS or timezone bug that would pin the item at the top of every list.
const FutureTolerance = 10 * time.Minute

// oldestPlausible is the earliest date taken at face value: older dates come
// from empty CMS fields ("0000-00-00", Unix epoch), not from news.
var oldestPlausible = time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)

// Feed is a parsed feed.
type Feed struct {
	Format   string // "rss", "atom" or "json"
	Title    string
	SiteURL  string // the site's home page, the base for relative item links
	FeedURL  string // the feed's self link when it declares one
	Language string
	// TTL is the RSS <ttl>, zero when absent: a lower bound on the interval
	// between fetches that the publisher asks for.
	TTL time.Duration
	// Charset is the charset the body was decoded from, for diagnostics.
	Charset string
	Items   []Item
}

// Item is one entry, with text as the feed gave it (HTML not sanitised).
type Item struct {
	GUID    string // as in the feed, may be empty
	Link    string // as in the feed, may be relative or empty
	Title   string
	Summary string // description / summary, often HTML
	Content string // content:encoded / Atom content, often HTML
	Author  string
	// Published is never zero: the item's own date (publication, else
	// update), else the fetch time. See DateFromFeed.
	Published time.Time
	// DateFromFeed is false when Published is the fetch time because the
	// feed's date was missing, unparseable, implausibly old or in the future.
	DateFromFeed bool
	Updated      time.Time // zero when absent
	Categories   []string
	ImageURL     string
}

// ErrorKind is the class of a parse failure, a value from the same
// vocabulary as fetch.ErrorKind so both can be stored as a feed's status.
type ErrorKind string

const (
	KindNotAFeed  ErrorKind = "not_a_feed"
	KindMalformed ErrorKind = "malformed"
)

// Error is the only error type Parse returns.
type Error struct {
	Kind ErrorKind
	// Reason is a plain-words detail for users ("an HTML page", "empty").
	Reason string
	Err    error // the underlying parser error, for logs
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("parse feed: %s (%s): %v", e.Kind, e.Reason, e.Err)
	}
	return fmt.Sprintf("parse feed: %s (%s)", e.Kind, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

// Message returns a short sentence for the API's lastError.
func (e *Error) Message() string {
	if e.Kind == KindMalformed {
		return "The feed is not well-formed (" + e.Reason + ")."
	}
	return "The address does not serve a feed (" + e.Reason + ")."
}

// KindOf returns the kind of a parse error, or "" when err is not one.
func KindOf(err error) ErrorKind {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	return ""
}

// Parse decodes body, whose HTTP Content-Type was contentType (may be
// empty), into a Feed. fetchedAt replaces missing or implausible dates. A
// valid feed without items is not an error.
func Parse(body []byte, contentType string, fetchedAt time.Time) (*Feed, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF}))
	if len(trimmed) == 0 {
		return nil, &Error{Kind: KindNotAFeed, Reason: "empty document"}
	}
	utf8Body, charsetName := toUTF8(skipLeadingJunk(body), contentType)

	fp := gofeed.NewParser()
	// The original RSS is kept only for <ttl>, which the universal feed
	// drops; strings are shared, so this costs item structs, not text.
	fp.KeepOriginalFeed = true
	gf, err := fp.Parse(bytes.NewReader(utf8Body))
	if err != nil {
		return nil, classify(utf8Body, err)
	}

	feed := &Feed{
		Format:   gf.FeedType,
		Title:    strings.TrimSpace(gf.Title),
		SiteURL:  strings.TrimSpace(gf.Link),
		FeedURL:  strings.TrimSpace(gf.FeedLink),
		Language: strings.TrimSpace(gf.Language),
		Charset:  charsetName,
		Items:    make([]Item, 0, len(gf.Items)),
	}
	if rf, ok := gf.OriginalFeed().(*rss.Feed); ok {
		if minutes, err := strconv.Atoi(strings.TrimSpace(rf.TTL)); err == nil && minutes > 0 && minutes <= 7*24*60 {
			feed.TTL = time.Duration(minutes) * time.Minute
		}
	}
	for _, gi := range gf.Items {
		if gi == nil {
			continue
		}
		feed.Items = append(feed.Items, convertItem(gi, fetchedAt))
	}
	return feed, nil
}

func convertItem(gi *gofeed.Item, fetchedAt time.Time) Item {
	it := Item{
		GUID:       strings.TrimSpace(gi.GUID),
		Link:       strings.TrimSpace(gi.Link),
		Title:      strings.TrimSpace(gi.Title),
		Summary:    strings.TrimSpace(gi.Description),
		Content:    strings.TrimSpace(gi.Content),
		Categories: cleanCategories(gi.Categories),
	}
	if it.Link == "" && len(gi.Links) > 0 {
		it.Link = strings.TrimSpace(gi.Links[0])
	}
	for _, p := range gi.Authors {
		if p == nil {
			continue
		}
		if name := strings.TrimSpace(p.Name); name != "" {
			it.Author = name
			break
		}
		if email := strings.TrimSpace(p.Email); email != "" {
			it.Author = email
			break
		}
	}
	if gi.Image != nil {
		it.ImageURL = strings.TrimSpace(gi.Image.URL)
	}
	if it.ImageURL == "" {
		for _, enc := range gi.Enclosures {
			if enc != nil && strings.HasPrefix(enc.Type, "image/") {
				it.ImageURL = strings.TrimSpace(enc.URL)
				break
			}
		}
	}

	if gi.UpdatedParsed != nil && plausible(*gi.UpdatedParsed, fetchedAt) {
		it.Updated = gi.UpdatedParsed.UTC()
	}
	switch {
	case gi.PublishedParsed != nil && plausible(*gi.PublishedParsed, fetchedAt):
		it.Published, it.DateFromFeed = gi.PublishedParsed.UTC(), true
	case !it.Updated.IsZero():
		it.Published, it.DateFromFeed = it.Updated, true
	default:
		it.Published = fetchedAt.UTC()
	}
	return it
}

func plausible(t, fetchedAt time.Time) bool {
	return !t.Before(oldestPlausible) && !t.After(fetchedAt.Add(FutureTolerance))
}

func cleanCategories(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, c := range in {
		c = strings.TrimSpace(c)
		if c == "" || seen[strings.ToLower(c)] {
			continue
		}
		seen[strings.ToLower(c)] = true
		out = append(out, c)
	}
	return out
}

// skipLeadingJunk drops bytes before the XML declaration when a server
// prints something first (PHP notices are the usual culprit): the XML
// decoder refuses a declaration that is not at the very start.
func skipLeadingJunk(body []byte) []byte {
	first := bytes.TrimLeft(body, " \t\r\n\xef\xbb\xbf")
	if len(first) == 0 || first[0] == '<' || first[0] == '{' {
		return body
	}
	if i := bytes.Index(head(body, 2048), []byte("<?xml")); i > 0 {
		return body[i:]
	}
	return body
}

// classify turns a gofeed failure into an *Error, telling a document that is
// not a feed at all from a feed that is broken.
func classify(body []byte, err error) *Error {
	start := bytes.ToLower(head(bytes.TrimSpace(body), 1024))
	looksHTML := bytes.Contains(start, []byte("<!doctype html")) || bytes.Contains(start, []byte("<html"))
	looksFeed := bytes.Contains(start, []byte("<rss")) || bytes.Contains(start, []byte("<feed")) ||
		bytes.Contains(start, []byte("<rdf:rdf")) || bytes.Contains(start, []byte(`"version"`)) && bytes.Contains(start, []byte("jsonfeed"))
	switch {
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected) && looksHTML:
		return &Error{Kind: KindNotAFeed, Reason: "an HTML page", Err: err}
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected) && !looksFeed:
		return &Error{Kind: KindNotAFeed, Reason: "unknown format", Err: err}
	case looksHTML && !looksFeed:
		return &Error{Kind: KindNotAFeed, Reason: "an HTML page", Err: err}
	default:
		return &Error{Kind: KindMalformed, Reason: "truncated or invalid XML/JSON", Err: err}
	}
}
