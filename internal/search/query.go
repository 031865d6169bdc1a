package search

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxQueryLength is the longest query accepted, in characters. Saved searches store at
// most this much, and nobody types more: anything longer is refused, not truncated.
const MaxQueryLength = 1000

// MaxTerms bounds the words and phrases of a query, which bounds the statement built from
// it.
const MaxTerms = 32

// Errors of query parsing; their messages are meant for the user.
var (
	ErrQueryTooLong  = fmt.Errorf("the search query is too long (at most %d characters)", MaxQueryLength)
	ErrTooManyTerms  = fmt.Errorf("the search query has too many words (at most %d words or phrases)", MaxTerms)
	ErrNoWords       = errors.New("the search query has no words to look for")
	ErrOnlyStopWords = errors.New("the search query has only very common words (le, de, the…): add a more specific word")
	ErrOnlyExcluded  = errors.New("the search query only excludes words: add a word to look for")
)

// Term is a word or a quoted phrase, as folded words (accents, case and Arabic variants
// removed; syntax characters dropped).
type Term struct {
	Words []string
}

// Phrase says whether the term is a phrase of several words that must follow each other.
func (t Term) Phrase() bool { return len(t.Words) > 1 }

// Clause is a disjunction of terms ("a OR b"), or a single excluded term (Not).
type Clause struct {
	Any []Term
	Not bool
}

// Expr is a parsed query: every clause must hold. It is empty for an empty query, and
// has at least one positive clause otherwise.
type Expr struct {
	Clauses []Clause
}

// Empty says whether the query asked for nothing (the latest articles).
func (e Expr) Empty() bool { return len(e.Clauses) == 0 }

// String renders the expression in the query syntax, canonically.
func (e Expr) String() string {
	var b strings.Builder
	for i, c := range e.Clauses {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c.Not {
			b.WriteByte('-')
		}
		for j, t := range c.Any {
			if j > 0 {
				b.WriteString(" OR ")
			}
			if t.Phrase() {
				b.WriteByte('"')
				b.WriteString(strings.Join(t.Words, " "))
				b.WriteByte('"')
			} else {
				b.WriteString(t.Words[0])
			}
		}
	}
	return b.String()
}

// positiveWords returns the words the query looks for (for snippets).
func (e Expr) positiveWords() []string {
	var out []string
	for _, c := range e.Clauses {
		if c.Not {
			continue
		}
		for _, t := range c.Any {
			out = append(out, t.Words...)
		}
	}
	return out
}

// token is a lexical item of the query: a word or phrase (possibly negated) or OR.
type token struct {
	or     bool
	not    bool
	quoted bool
	text   string
}

// lex splits the raw query. A quote opens a phrase that runs to the next quote, or to the
// end of the query when it is unbalanced. A minus sign directly before a word or a quote
// excludes it; elsewhere it is a separator (so "Saint-Louis" is two words, as indexed).
// "OR" in capitals between two items is the operator; "or" in lower case is a word.
func lex(q string) []token {
	var toks []token
	i := 0
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case r == '"':
			end := strings.IndexByte(q[i+1:], '"')
			var text string
			if end < 0 {
				text, i = q[i+1:], len(q)
			} else {
				text, i = q[i+1:i+1+end], i+1+end+1
			}
			toks = append(toks, token{quoted: true, text: text})
		case r == '-' && (i == 0 || isSpaceBefore(q, i)) && i+1 < len(q) && (q[i+1] == '"' || startsWord(q[i+1:])):
			i++
			if q[i] == '"' {
				end := strings.IndexByte(q[i+1:], '"')
				var text string
				if end < 0 {
					text, i = q[i+1:], len(q)
				} else {
					text, i = q[i+1:i+1+end], i+1+end+1
				}
				toks = append(toks, token{not: true, quoted: true, text: text})
				continue
			}
			j := i
			for j < len(q) {
				r, s := utf8.DecodeRuneInString(q[j:])
				if isSpace(r) || r == '"' {
					break
				}
				j += s
			}
			toks = append(toks, token{not: true, text: q[i:j]})
			i = j
		case isSpace(r):
			i += size
		default:
			j := i
			for j < len(q) {
				r, s := utf8.DecodeRuneInString(q[j:])
				if isSpace(r) || r == '"' {
					break
				}
				j += s
			}
			if q[i:j] == "OR" {
				toks = append(toks, token{or: true})
			} else {
				toks = append(toks, token{text: q[i:j]})
			}
			i = j
		}
	}
	return toks
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\u3000' || r == '\u2009' || r == '\u202f'
}

func isSpaceBefore(q string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(q[:i])
	return isSpace(r)
}

func startsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// Parse parses a search query: words (all required), "quoted phrases", -excluded words
// or phrases, and OR between two words or phrases (binding tighter than the implicit AND:
// `mali OR niger eau` is (mali OR niger) AND eau). Everything that is not a letter or a
// digit separates words, so no syntax character of either engine survives parsing.
//
// An empty query (only spaces) parses to an empty Expr: the caller lists the latest
// articles. Common words (stop words) are dropped outside phrases; a query left without
// a word to look for is an error that says why.
func Parse(q string) (Expr, error) {
	if utf8.RuneCountInString(q) > MaxQueryLength {
		return Expr{}, ErrQueryTooLong
	}
	if !utf8.ValidString(q) {
		q = strings.ToValidUTF8(q, " ")
	}
	if strings.TrimFunc(q, isSpace) == "" {
		return Expr{}, nil
	}
	var (
		e           Expr
		sawWord     bool // some word at all, stop word or not
		sawPositive bool
		pendingOr   bool
		terms       int
	)
	for _, tok := range lex(q) {
		if tok.or {
			pendingOr = true
			continue
		}
		ws := words(tok.text)
		if len(ws) == 0 {
			continue // only syntax characters: nothing to look for, and no OR to join
		}
		sawWord = true
		if !tok.quoted {
			// An unquoted "Saint-Louis" or "l'État" is the phrase of its words, as
			// websearch_to_tsquery reads it; stop words go (l'État → État).
			kept := ws[:0:0]
			for _, w := range ws {
				if !isStopWord(w) {
					kept = append(kept, w)
				}
			}
			ws = kept
			if len(ws) == 0 {
				pendingOr = false
				continue
			}
		} else if allStopWords(ws) {
			pendingOr = false
			continue
		}
		terms++
		if terms > MaxTerms {
			return Expr{}, ErrTooManyTerms
		}
		t := Term{Words: ws}
		if tok.not {
			e.Clauses = append(e.Clauses, Clause{Any: []Term{t}, Not: true})
			pendingOr = false
			continue
		}
		sawPositive = true
		if last := len(e.Clauses) - 1; pendingOr && last >= 0 && !e.Clauses[last].Not {
			e.Clauses[last].Any = append(e.Clauses[last].Any, t)
		} else {
			e.Clauses = append(e.Clauses, Clause{Any: []Term{t}})
		}
		pendingOr = false
	}
	switch {
	case !sawWord:
		return Expr{}, ErrNoWords
	case len(e.Clauses) == 0:
		return Expr{}, ErrOnlyStopWords
	case !sawPositive:
		return Expr{}, ErrOnlyExcluded
	}
	return e, nil
}

func allStopWords(ws []string) bool {
	for _, w := range ws {
		if !isStopWord(w) {
			return false
		}
	}
	return true
}
