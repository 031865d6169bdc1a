// Package normalize turns a parsed feed item into an Article ready to store:
// a canonical URL, a key that is unique within its feed, sanitised HTML,
// plain text for search and tagging, a content hash to skip unchanged items
// and a near-duplicate signature to group one story told by several outlets.
// It is pure: no I/O, no clock, no database.
package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"coopdesk/worker/parse"

	"golang.org/x/text/unicode/norm"
)

// Article is a normalised item. Every string is valid UTF-8.
type Article struct {
	// Key identifies the item within its feed: the feed's GUID, else the
	// canonical URL, else a hash (see KeySource). Store it under a unique
	// (feed, key) constraint.
	Key       string
	KeySource KeySource
	// URL is the canonical link ("" when the item has none usable). The
	// same URL from two feeds is one article with two sources.
	URL         string
	Title       string // plain text, one line
	Summary     string // plain text of the feed's summary, at most SummaryMaxRunes
	ContentHTML string // sanitised HTML of the richest body the feed gave
	Text        string // plain text of ContentHTML, for search and tagging
	Author      string
	PublishedAt time.Time // never zero, UTC
	// DateFromFeed is false when PublishedAt is the fetch time.
	DateFromFeed bool
	UpdatedAt    time.Time // zero when the feed gave none
	Categories   []string
	ImageURL     string // canonical, http(s) only
	// ContentHash is the hex SHA-256 of the title and text: when it equals
	// the stored one, the item is unchanged and needs no write.
	ContentHash string
	// Signature is the SimHash of title and text; Shingles says how much
	// text it rests on. Group two articles into one story when
	// Similar(a.Signature, b.Signature) and both have at least MinShingles.
	Signature uint64
	Shingles  int
}

// KeySource says where Article.Key came from.
type KeySource string

const (
	KeyFromGUID KeySource = "guid"
	KeyFromURL  KeySource = "url"
	KeyFromHash KeySource = "hash"
)

// Limits that keep one item from bloating a row or an index.
const (
	SummaryMaxRunes = 500
	maxKeyBytes     = 512
	maxURLBytes     = 2048
)

// ErrEmptyItem is returned for an item with nothing to identify or show.
var ErrEmptyItem = errors.New("normalize: item has no title, link, GUID or text")

// Normalize builds the Article for one item of a feed whose site URL is
// feedSiteURL (the base for relative links; may be empty). fetchedAt is only
// used for the key of items that have neither GUID nor link nor date.
func Normalize(feedSiteURL string, it parse.Item, fetchedAt time.Time) (Article, error) {
	a := Article{
		Title:        oneLine(PlainText(it.Title)),
		Author:       oneLine(PlainText(it.Author)),
		PublishedAt:  it.Published.UTC(),
		DateFromFeed: it.DateFromFeed,
		Categories:   cleanCategories(it.Categories),
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = fetchedAt.UTC()
	}
	if !it.Updated.IsZero() {
		a.UpdatedAt = it.Updated.UTC()
	}
	if u, err := CanonicalURL(it.Link, feedSiteURL); err == nil && len(u) <= maxURLBytes {
		a.URL = u
	} else if u, err := CanonicalURL(it.GUID, feedSiteURL); err == nil && len(u) <= maxURLBytes && looksLikeURL(it.GUID) {
		// RSS guids with isPermaLink are the link when <link> is missing.
		a.URL = u
	}
	if img, err := CanonicalURL(it.ImageURL, feedSiteURL); err == nil && len(img) <= maxURLBytes {
		a.ImageURL = img
	}

	base := a.URL
	if base == "" {
		base = feedSiteURL
	}
	// The richest body wins: content:encoded or Atom content, else the
	// summary, also when the content is only markup (an image, an embed).
	a.ContentHTML = SanitizeHTML(toValidUTF8(it.Content), base)
	a.Text = PlainText(a.ContentHTML)
	if a.Text == "" {
		a.ContentHTML = SanitizeHTML(toValidUTF8(it.Summary), base)
		a.Text = PlainText(a.ContentHTML)
	}
	a.Summary = truncateRunes(oneLine(PlainText(toValidUTF8(it.Summary))), SummaryMaxRunes)
	if a.Summary == "" {
		a.Summary = truncateRunes(oneLine(a.Text), SummaryMaxRunes)
	}
	a.Title = toValidUTF8(a.Title)
	a.Author = toValidUTF8(a.Author)

	if a.Title == "" && a.URL == "" && a.Text == "" && strings.TrimSpace(it.GUID) == "" {
		return Article{}, ErrEmptyItem
	}

	a.ContentHash = contentHash(a.Title, a.Text)
	a.Signature, a.Shingles = titleTextSignature(a.Title, a.Text) // = Signature(a.Title + "\n" + a.Text)
	a.Key, a.KeySource = itemKey(it, a)
	return a, nil
}

// itemKey picks the unique key of an item in its feed. A GUID is kept as
// given (it is opaque; rewriting it would split one item in two), unless it
// is too long for an index. Without GUID, the canonical URL. Without either,
// a hash of the title and the feed's date; when the date is the fetch time
// it would change at every fetch, so the text is hashed instead.
func itemKey(it parse.Item, a Article) (string, KeySource) {
	if g := strings.TrimSpace(toValidUTF8(it.GUID)); g != "" {
		if len(g) > maxKeyBytes {
			return "sha256:" + sha256Hex(g), KeyFromGUID
		}
		return g, KeyFromGUID
	}
	if a.URL != "" {
		return a.URL, KeyFromURL
	}
	stable := a.Text
	if a.DateFromFeed {
		stable = a.PublishedAt.Format(time.RFC3339)
	}
	return "sha256:" + sha256Hex(a.Title+"\x00"+stable), KeyFromHash
}

// Dedup keeps the first article for each Key, in order. Feeds do repeat a
// GUID (a corrected item published twice); the first is the newest in the
// usual newest-first order, and one batch must not upsert a key twice.
func Dedup(articles []Article) []Article {
	seen := make(map[string]bool, len(articles))
	out := articles[:0:0]
	for _, a := range articles {
		if seen[a.Key] {
			continue
		}
		seen[a.Key] = true
		out = append(out, a)
	}
	return out
}

// DedupItems keeps the first item for each non-empty GUID, in order; items
// without a GUID are all kept (Normalize gives them a key, then Dedup).
func DedupItems(items []parse.Item) []parse.Item {
	seen := make(map[string]bool, len(items))
	out := items[:0:0]
	for _, it := range items {
		g := strings.TrimSpace(it.GUID)
		if g != "" {
			if seen[g] {
				continue
			}
			seen[g] = true
		}
		out = append(out, it)
	}
	return out
}

func contentHash(title, text string) string {
	// The SHA-256 of NFC(title) + "\n" + NFC(text), the input assembled in
	// a pooled buffer rather than a new string and its []byte copy.
	bp := textBuffers.Get().(*[]byte)
	defer putTextBuffer(bp)
	b := append((*bp)[:0], norm.NFC.String(title)...)
	b = append(b, '\n')
	b = append(b, norm.NFC.String(text)...)
	*bp = b
	return hexSum(sha256.Sum256(b))
}

func sha256Hex(s string) string {
	return hexSum(sha256.Sum256([]byte(s)))
}

// hexSum is hex.EncodeToString(sum[:]) with one allocation instead of two.
func hexSum(sum [sha256.Size]byte) string {
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], sum[:])
	return string(buf[:])
}

func looksLikeURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func cleanCategories(in []string) []string {
	var out []string
	seen := make(map[string]bool, len(in))
	for _, c := range in {
		c = oneLine(PlainText(toValidUTF8(c)))
		key := strings.ToLower(c)
		if c == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, c)
	}
	return out
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	n-- // room for the ellipsis
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	s = s[:cut]
	// Cut at a word boundary when one is near, for a clean ellipsis.
	if i := strings.LastIndexByte(s, ' '); i > len(s)*3/4 {
		s = s[:i]
	}
	return s + "…"
}

func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
