// Package opml reads and writes OPML subscription lists, the format feed
// readers exchange, for `coopdesk import feeds` and `coopdesk export feeds`.
// Besides the usual outline attributes (xmlUrl, htmlUrl, title, text) it
// reads and writes two of ours, country and language, which a folder outline
// passes on to the feeds inside it.
package opml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// Entry is one feed of a subscription list.
type Entry struct {
	FeedURL string // xmlUrl
	SiteURL string // htmlUrl
	Title   string // title, else text
	// Country is an ISO 3166 alpha-2 code, upper case; Language a BCP 47
	// tag. Both come from the feed's outline or the nearest folder with one.
	Country  string
	Language string
	// Category is the path of folder outlines around the feed, joined by
	// " / ", empty at top level.
	Category string
}

// Limits against hostile files; real lists are far below them.
const (
	MaxBytes = 10 << 20
	maxDepth = 32
)

// maxBytes is MaxBytes, lowered by tests to keep them fast.
var maxBytes int64 = MaxBytes

var (
	// ErrNotOPML is returned for a well-formed document whose root is not
	// <opml>.
	ErrNotOPML = errors.New("not an OPML document")
	// ErrMalformed is returned for a document that cannot be read.
	ErrMalformed = errors.New("malformed OPML")
)

type folder struct {
	title, country, language string
	isFolder                 bool
}

// Read returns the feeds of an OPML 1.0 or 2.0 document in document order.
// Outlines without xmlUrl are folders. Attribute names are matched without
// regard to case (exports spell xmlUrl, xmlurl and XMLURL). Duplicates are
// kept: refusing them is the importer's decision.
func Read(r io.Reader) ([]Entry, error) {
	lr := &io.LimitedReader{R: r, N: maxBytes + 1}
	d := xml.NewDecoder(lr)
	// Hand-edited lists often carry a raw & in a URL; tolerate it rather
	// than reject the whole list.
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel

	var (
		entries  []Entry
		stack    []folder
		depth    int
		sawRoot  bool
		rootDone bool
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if lr.N <= 0 {
				return nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, maxBytes)
			}
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return nil, fmt.Errorf("%w: content after </opml>", ErrMalformed)
			}
			depth++
			if depth > maxDepth {
				return nil, fmt.Errorf("%w: outlines nested deeper than %d", ErrMalformed, maxDepth)
			}
			if !sawRoot {
				if !strings.EqualFold(t.Name.Local, "opml") {
					return nil, fmt.Errorf("%w: root element is <%s>", ErrNotOPML, t.Name.Local)
				}
				sawRoot = true
				continue
			}
			if !strings.EqualFold(t.Name.Local, "outline") {
				continue
			}
			f, entry := readOutline(t.Attr, stack)
			if entry != nil {
				entries = append(entries, *entry)
			}
			stack = append(stack, f)
		case xml.EndElement:
			depth--
			if strings.EqualFold(t.Name.Local, "outline") && len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if depth == 0 && sawRoot {
				rootDone = true
			}
		}
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, maxBytes)
	}
	if !sawRoot {
		return nil, fmt.Errorf("%w: no <opml> element", ErrNotOPML)
	}
	if !rootDone {
		return nil, fmt.Errorf("%w: truncated document", ErrMalformed)
	}
	return entries, nil
}

// readOutline interprets one <outline>: the folder context it opens for its
// children, and the entry it declares when it has an xmlUrl.
func readOutline(attrs []xml.Attr, stack []folder) (folder, *Entry) {
	get := func(name string) string {
		for _, a := range attrs {
			if strings.EqualFold(a.Name.Local, name) {
				return strings.TrimSpace(a.Value)
			}
		}
		return ""
	}
	f := folder{
		title:    get("title"),
		country:  strings.ToUpper(get("country")),
		language: get("language"),
	}
	if f.title == "" {
		f.title = get("text")
	}
	var parentCountry, parentLanguage string
	var path []string
	for _, p := range stack {
		if p.country != "" {
			parentCountry = p.country
		}
		if p.language != "" {
			parentLanguage = p.language
		}
		if p.isFolder && p.title != "" {
			path = append(path, p.title)
		}
	}
	if f.country == "" {
		f.country = parentCountry
	}
	if f.language == "" {
		f.language = parentLanguage
	}
	feedURL := get("xmlUrl")
	if feedURL == "" {
		f.isFolder = true
		return f, nil
	}
	return f, &Entry{
		FeedURL:  feedURL,
		SiteURL:  get("htmlUrl"),
		Title:    f.title,
		Country:  f.country,
		Language: f.language,
		Category: strings.Join(path, " / "),
	}
}

type document struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Title   string    `xml:"head>title"`
	Body    []outline `xml:"body>outline"`
}

type outline struct {
	Type     string    `xml:"type,attr,omitempty"`
	Text     string    `xml:"text,attr"`
	Title    string    `xml:"title,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string    `xml:"htmlUrl,attr,omitempty"`
	Country  string    `xml:"country,attr,omitempty"`
	Language string    `xml:"language,attr,omitempty"`
	Children []outline `xml:"outline"`
}

// Write writes entries as an OPML 2.0 document titled title. Entries with a
// Category go into one folder outline per category, in order of first
// appearance; the others stay at top level. Entries without FeedURL are
// skipped. Read gives the same entries back, grouped by category.
func Write(w io.Writer, title string, entries []Entry) error {
	doc := document{Version: "2.0", Title: title}
	folderIndex := map[string]int{}
	for _, e := range entries {
		if strings.TrimSpace(e.FeedURL) == "" {
			continue // an outline without xmlUrl would read back as a folder
		}
		o := outline{
			Type: "rss", Text: e.Title, Title: e.Title,
			XMLURL: e.FeedURL, HTMLURL: e.SiteURL,
			Country: e.Country, Language: e.Language,
		}
		if e.Category == "" {
			doc.Body = append(doc.Body, o)
			continue
		}
		i, ok := folderIndex[e.Category]
		if !ok {
			i = len(doc.Body)
			folderIndex[e.Category] = i
			doc.Body = append(doc.Body, outline{Text: e.Category, Title: e.Category})
		}
		doc.Body[i].Children = append(doc.Body[i].Children, o)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
