package search

import (
	"html"
	"strings"
)

// snippetWords is the length of a snippet, in words.
const snippetWords = 30

// Snippet returns the passage of an article that best matches the query words: the
// window of the summary (or, when the summary does not match, of the title) with the most
// distinct query words, the matched words in <mark>, everything else HTML-escaped. Words
// match as the index matches them: folded and stemmed in the article's language, against
// every form of the query word. With no match (an empty query), it is the summary's start.
//
// Snippets are built here rather than by ts_headline or FTS5's snippet(): the two engines
// then highlight alike, and FTS5's contentless index has no text to cut from.
func Snippet(title, summary string, lang Language, queryWords []string) string {
	want := map[string]int{} // form → index of the query word
	for i, w := range queryWords {
		for _, f := range forms(w) {
			if _, ok := want[f]; !ok {
				want[f] = i
			}
		}
	}
	text := summary
	if strings.TrimSpace(text) == "" {
		text = title
	}
	if s, ok := highlight(text, lang, want); ok {
		return s
	}
	if text != title {
		if s, ok := highlight(title, lang, want); ok {
			return s
		}
	}
	s, _ := highlight(text, lang, nil)
	return s
}

// highlight cuts the best window of text; ok says whether it holds a match.
func highlight(text string, lang Language, want map[string]int) (string, bool) {
	spans := wordSpans(text)
	if len(spans) == 0 {
		return html.EscapeString(strings.TrimSpace(text)), false
	}
	match := make([]int, len(spans)) // query word index + 1, 0: no match
	found := false
	if len(want) > 0 {
		for i, s := range spans {
			w := fold(text[s.start:s.end])
			q, ok := want[stem(w, lang)]
			if !ok {
				q, ok = want[w]
			}
			if ok {
				match[i] = q + 1
				found = true
			}
		}
	}
	// The best window: most distinct query words, then most matches, earliest first.
	start := 0
	if found && len(spans) > snippetWords {
		// Slide a window over the words, counting matches per query word.
		counts := map[int]int{}
		distinct, total := 0, 0
		add := func(j, d int) {
			if q := match[j]; q > 0 {
				if counts[q] == 0 && d > 0 {
					distinct++
				}
				counts[q] += d
				if counts[q] == 0 && d < 0 {
					distinct--
				}
				total += d
			}
		}
		for j := 0; j < snippetWords; j++ {
			add(j, 1)
		}
		best, bestDistinct, bestTotal := 0, distinct, total
		for i := 1; i+snippetWords <= len(spans); i++ {
			add(i-1, -1)
			add(i+snippetWords-1, 1)
			if distinct > bestDistinct || (distinct == bestDistinct && total > bestTotal) {
				best, bestDistinct, bestTotal = i, distinct, total
			}
		}
		// Start a few words before the window's first match, for context.
		start = best
		for j := best; j < best+snippetWords; j++ {
			if match[j] > 0 {
				start = max(0, min(j-5, len(spans)-snippetWords))
				break
			}
		}
	}
	end := min(start+snippetWords, len(spans))
	var b strings.Builder
	from := spans[start].start
	if start > 0 {
		b.WriteString("… ")
	} else {
		from = 0
	}
	for i := start; i < end; i++ {
		s := spans[i]
		b.WriteString(html.EscapeString(text[from:s.start]))
		if match[i] > 0 {
			b.WriteString("<mark>")
			b.WriteString(html.EscapeString(text[s.start:s.end]))
			b.WriteString("</mark>")
		} else {
			b.WriteString(html.EscapeString(text[s.start:s.end]))
		}
		from = s.end
	}
	if end < len(spans) {
		b.WriteString(" …")
	} else {
		b.WriteString(html.EscapeString(strings.TrimRight(text[from:], " \t\r\n")))
	}
	return strings.TrimSpace(b.String()), found
}
