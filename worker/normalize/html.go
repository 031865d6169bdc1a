package normalize

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// policy is the allowlist for article HTML: text structure, emphasis, lists,
// quotes, tables and links. No images (tracking pixels, mixed content: the
// article's lead image is kept apart in ImageURL), no scripts, styles,
// frames, forms or event attributes. Links open in a new tab with
// rel="nofollow noopener". A bluemonday Policy is safe for concurrent use
// once built.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "b", "strong", "i", "em", "u", "s", "del", "ins",
		"sub", "sup", "small", "mark", "blockquote", "q", "cite", "abbr",
		"ul", "ol", "li", "dl", "dt", "dd", "pre", "code",
		"h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption",
		"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").OnElements("a", "abbr")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AddSpaceWhenStrippingTag(true)
	return p
}()

// SanitizeHTML returns s with relative links resolved against base and
// everything outside the allowlist removed.
func SanitizeHTML(s, base string) string {
	if s == "" {
		return ""
	}
	if base != "" && strings.Contains(s, "href") {
		s = resolveLinks(s, base)
	}
	return strings.TrimSpace(policy.Sanitize(s))
}

// resolveLinks makes <a href> absolute and canonical, so that links to the
// outlet's own pages survive the sanitiser, which refuses relative URLs.
func resolveLinks(s, base string) string {
	var b strings.Builder
	b.Grow(len(s) + 64)
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if tt != html.StartTagToken {
			b.Write(raw)
			continue
		}
		// Only links are rewritten. The name is checked before building
		// the token, which copies every attribute of every tag.
		name, moreAttr := z.TagName()
		if atom.Lookup(name) != atom.A {
			b.Write(raw)
			continue
		}
		// The rest of what z.Token() does for a start tag.
		tok := html.Token{Type: html.StartTagToken, DataAtom: atom.A, Data: atom.A.String()}
		for moreAttr {
			var key, val []byte
			key, val, moreAttr = z.TagAttr()
			tok.Attr = append(tok.Attr, html.Attribute{Key: atom.String(key), Val: string(val)})
		}
		for i, a := range tok.Attr {
			if a.Key == "href" {
				if abs, err := CanonicalURL(a.Val, base); err == nil {
					tok.Attr[i].Val = abs
				}
			}
		}
		b.WriteString(tok.String())
	}
	return b.String()
}

// blockElements end a line of plain text.
var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Div: true, atom.Li: true, atom.Tr: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Dt: true, atom.Dd: true,
	atom.Figcaption: true, atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Section: true,
	atom.Article: true, atom.Header: true, atom.Footer: true, atom.Caption: true,
}

// skipContent are elements whose text is never article text.
var skipContent = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Math: true,
}

// doubleEscaped finds entities left after one decoding: several CMSs
// (Drupal, some WordPress plugins) escape titles twice ("l&amp;#039;emploi").
var doubleEscaped = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|quot|apos|nbsp);`)

// PlainText returns the text of an HTML fragment: entities decoded, script
// and style contents dropped, one line per block element, runs of spaces
// (including no-break spaces) collapsed to one.
func PlainText(s string) string {
	if s == "" {
		return ""
	}
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	// The text before collapsing is scratch: it is gathered in a pooled
	// buffer rather than a fresh one per call.
	bp := textBuffers.Get().(*[]byte)
	defer putTextBuffer(bp)
	b := (*bp)[:0]
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			*bp = b
			// The string view of b is safe: collapse never returns its
			// argument or a part of it, so nothing refers to b once the
			// buffer goes back to the pool.
			return collapse(unsafe.String(unsafe.SliceData(b), len(b)))
		case html.TextToken:
			if skip == 0 {
				b = append(b, z.Text()...)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipContent[a] {
				skip++
			} else if blockElements[a] {
				b = append(b, '\n')
			}
			// Inline tags add nothing, as in a browser: "1<sup>er</sup>" is "1er".
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipContent[a] && skip > 0 {
				skip--
			} else if blockElements[a] {
				b = append(b, '\n')
			}
		}
	}
}

// textBuffers holds scratch buffers for PlainText and contentHash.
var textBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledText bounds the buffers kept in textBuffers, so that one huge
// page does not pin its buffer for good.
const maxPooledText = 64 << 10

func putTextBuffer(bp *[]byte) {
	if cap(*bp) <= maxPooledText {
		textBuffers.Put(bp)
	}
}

// collapse decodes leftover double-escaped entities and normalises spaces:
// spaces and tabs collapse to one space, line breaks to one newline, control
// characters go. The result is always a new string (PlainText relies on it).
func collapse(s string) string {
	if strings.IndexByte(s, '&') >= 0 && doubleEscaped.MatchString(s) {
		s = doubleEscaped.ReplaceAllStringFunc(s, html.UnescapeString)
	}
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace, pendingLine := false, false
	// separate writes the space or line break pending before a character.
	separate := func() {
		if b.Len() > 0 {
			if pendingLine {
				b.WriteByte('\n')
			} else if pendingSpace {
				b.WriteByte(' ')
			}
		}
		pendingSpace, pendingLine = false, false
	}
	for i := 0; i < len(s); {
		// Printable ASCII, most of the text, is copied a run at a time
		// rather than rune by rune.
		j := i
		for j < len(s) && ' ' < s[j] && s[j] < 0x7f {
			j++
		}
		if j > i {
			separate()
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			pendingLine = true
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			pendingSpace = true
		case unicode.IsControl(r) || r == utf8.RuneError:
			// dropped
		default:
			separate()
			b.WriteString(s[i : i+size]) // r is valid here: its bytes are its encoding
		}
		i += size
	}
	return b.String()
}

// oneLine turns a multi-line plain text into one line (titles).
func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}
