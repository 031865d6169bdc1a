package normalize

// This file keeps a frozen copy of the implementations of Signature,
// foldWords, PlainText, collapse, SanitizeHTML and Normalize as they were
// before they were optimised for CPU. Signatures are stored and stories are
// grouped on them, so the optimised code must give byte-identical results:
// equivalence_test.go compares both on a corpus and by fuzzing. Do not
// "fix" or modernise this file; it is the specification.

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"coopdesk/worker/parse"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

func refSignature(text string) (sig uint64, shingles int) {
	words := refFoldWords(text)
	if len(words) == 0 {
		return 0, 0
	}
	var counts [64]int
	add := func(h uint64) {
		for i := range 64 {
			if h&(1<<i) != 0 {
				counts[i]++
			} else {
				counts[i]--
			}
		}
		shingles++
	}
	if len(words) < 3 {
		for _, w := range words {
			add(refHashString(w))
		}
	} else {
		for i := 0; i+3 <= len(words); i++ {
			h := uint64(14695981039346656037)
			for _, w := range words[i : i+3] {
				h = refFnvAdd(h, w)
				h = refFnvAddByte(h, ' ')
			}
			add(refMix(h))
		}
	}
	for i, c := range counts {
		if c > 0 {
			sig |= 1 << i
		}
	}
	return sig, shingles
}

func refFnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = refFnvAddByte(h, s[i])
	}
	return h
}

func refFnvAddByte(h uint64, c byte) uint64 {
	h ^= uint64(c)
	return h * 1099511628211
}

func refHashString(s string) uint64 { return refMix(refFnvAdd(14695981039346656037, s)) }

func refMix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

func refFoldWords(text string) []string {
	var words []string
	var w strings.Builder
	letters := 0
	flush := func() {
		if letters > 1 {
			words = append(words, w.String())
		}
		w.Reset()
		letters = 0
	}
	for _, r := range norm.NFKD.String(text) {
		if unicode.Is(unicode.Mn, r) || r == 'ـ' {
			continue
		}
		r = refFoldArabic(unicode.ToLower(r))
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			w.WriteRune(r)
			letters++
			continue
		}
		flush()
	}
	flush()
	return words
}

func refFoldArabic(r rune) rune {
	switch r {
	case 'أ', 'إ', 'آ', 'ٱ':
		return 'ا'
	case 'ة':
		return 'ه'
	case 'ى', 'ئ':
		return 'ي'
	case 'ؤ':
		return 'و'
	}
	if r >= '٠' && r <= '٩' {
		return '0' + (r - '٠')
	}
	if r >= '۰' && r <= '۹' {
		return '0' + (r - '۰')
	}
	return r
}

var refPolicy = func() *bluemonday.Policy {
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

func refSanitizeHTML(s, base string) string {
	if s == "" {
		return ""
	}
	if base != "" && strings.Contains(s, "href") {
		s = refResolveLinks(s, base)
	}
	return strings.TrimSpace(refPolicy.Sanitize(s))
}

func refResolveLinks(s, base string) string {
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
		tok := z.Token()
		if tok.DataAtom != atom.A {
			b.Write(raw)
			continue
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

var refBlockElements = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Div: true, atom.Li: true, atom.Tr: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Dt: true, atom.Dd: true,
	atom.Figcaption: true, atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Section: true,
	atom.Article: true, atom.Header: true, atom.Footer: true, atom.Caption: true,
}

var refSkipContent = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Math: true,
}

func refPlainText(s string) string {
	if s == "" {
		return ""
	}
	if !strings.ContainsAny(s, "<&") {
		return refCollapse(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return refCollapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if refSkipContent[a] {
				skip++
			} else if refBlockElements[a] {
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if refSkipContent[a] && skip > 0 {
				skip--
			} else if refBlockElements[a] {
				b.WriteByte('\n')
			}
		}
	}
}

var refDoubleEscaped = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|quot|apos|nbsp);`)

func refCollapse(s string) string {
	if strings.IndexByte(s, '&') >= 0 && refDoubleEscaped.MatchString(s) {
		s = refDoubleEscaped.ReplaceAllStringFunc(s, html.UnescapeString)
	}
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace, pendingLine := false, false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			pendingLine = true
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			pendingSpace = true
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		default:
			if b.Len() > 0 {
				if pendingLine {
					b.WriteByte('\n')
				} else if pendingSpace {
					b.WriteByte(' ')
				}
			}
			pendingSpace, pendingLine = false, false
			b.WriteRune(r)
		}
	}
	return b.String()
}

func refOneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}

func refNormalize(feedSiteURL string, it parse.Item, fetchedAt time.Time) (Article, error) {
	a := Article{
		Title:        refOneLine(refPlainText(it.Title)),
		Author:       refOneLine(refPlainText(it.Author)),
		PublishedAt:  it.Published.UTC(),
		DateFromFeed: it.DateFromFeed,
		Categories:   refCleanCategories(it.Categories),
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = fetchedAt.UTC()
	}
	if !it.Updated.IsZero() {
		a.UpdatedAt = it.Updated.UTC()
	}
	if u, err := CanonicalURL(it.Link, feedSiteURL); err == nil && len(u) <= maxURLBytes {
		a.URL = u
	} else if u, err := CanonicalURL(it.GUID, feedSiteURL); err == nil && len(u) <= maxURLBytes && refLooksLikeURL(it.GUID) {
		a.URL = u
	}
	if img, err := CanonicalURL(it.ImageURL, feedSiteURL); err == nil && len(img) <= maxURLBytes {
		a.ImageURL = img
	}

	base := a.URL
	if base == "" {
		base = feedSiteURL
	}
	a.ContentHTML = refSanitizeHTML(refToValidUTF8(it.Content), base)
	a.Text = refPlainText(a.ContentHTML)
	if a.Text == "" {
		a.ContentHTML = refSanitizeHTML(refToValidUTF8(it.Summary), base)
		a.Text = refPlainText(a.ContentHTML)
	}
	a.Summary = refTruncateRunes(refOneLine(refPlainText(refToValidUTF8(it.Summary))), SummaryMaxRunes)
	if a.Summary == "" {
		a.Summary = refTruncateRunes(refOneLine(a.Text), SummaryMaxRunes)
	}
	a.Title = refToValidUTF8(a.Title)
	a.Author = refToValidUTF8(a.Author)

	if a.Title == "" && a.URL == "" && a.Text == "" && strings.TrimSpace(it.GUID) == "" {
		return Article{}, ErrEmptyItem
	}

	a.ContentHash = refContentHash(a.Title, a.Text)
	a.Signature, a.Shingles = refSignature(a.Title + "\n" + a.Text)
	a.Key, a.KeySource = refItemKey(it, a)
	return a, nil
}

func refItemKey(it parse.Item, a Article) (string, KeySource) {
	if g := strings.TrimSpace(refToValidUTF8(it.GUID)); g != "" {
		if len(g) > maxKeyBytes {
			return "sha256:" + refSha256Hex(g), KeyFromGUID
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
	return "sha256:" + refSha256Hex(a.Title+"\x00"+stable), KeyFromHash
}

func refContentHash(title, text string) string {
	return refSha256Hex(norm.NFC.String(title) + "\n" + norm.NFC.String(text))
}

func refSha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func refLooksLikeURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func refCleanCategories(in []string) []string {
	var out []string
	seen := make(map[string]bool, len(in))
	for _, c := range in {
		c = refOneLine(refPlainText(refToValidUTF8(c)))
		key := strings.ToLower(c)
		if c == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, c)
	}
	return out
}

func refTruncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	n--
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	s = s[:cut]
	if i := strings.LastIndexByte(s, ' '); i > len(s)*3/4 {
		s = s[:i]
	}
	return s + "…"
}

func refToValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
