package tag

import (
	"sort"
)

// The automaton is a byte trie over the normalised patterns, walked only from word starts.
// Because every pattern must begin and end on a word boundary, a match can only start where
// a word starts; Aho–Corasick failure links would only find matches that start inside a
// word, which we would then throw away. Walking from each word start finds exactly the
// boundary-aligned matches, and in news text most walks die after two or three bytes, so
// the cost stays close to one trie step per input byte.
//
// Layout: a dense 256-entry table for the root (every word start looks it up), then for
// each node a contiguous, sorted run of edge labels and targets. Node 0 is the root.
type trie struct {
	root   [256]int32 // child of the root per byte; 0 = none
	nodes  []trieNode
	labels []byte  // edge labels, grouped per node, sorted
	next   []int32 // edge targets, parallel to labels
	// alArticle is the node reached by the Arabic article "ال", used for "لل" (li- + al-,
	// whose alef is dropped in writing) so that "للجزائر" reaches the pattern "الجزائر".
	alArticle int32
}

type trieNode struct {
	edge  int32 // first edge index
	n     int32 // number of edges
	exact int32 // term that ends here and needs a word boundary after it; -1 if none
	pref  int32 // term that ends here and may continue as a word prefix (stems); -1 if none
}

// match is one pattern occurrence in the normalised buffer.
type match struct {
	term  int32
	word  int32 // start of the word it was found in (before any Arabic proclitic)
	start int32 // start of the pattern itself
	end   int32 // end (exclusive); for stems, the end of the word
}

// trieBuilder collects patterns before flattening them into a trie.
type trieBuilder struct {
	nodes []buildNode
}

type buildNode struct {
	kids        []buildEdge
	exact, pref int32
}

type buildEdge struct {
	b  byte
	to int32
}

func newTrieBuilder() *trieBuilder {
	return &trieBuilder{nodes: []buildNode{{exact: -1, pref: -1}}}
}

// insert adds key and returns the node where it ends.
func (tb *trieBuilder) insert(key []byte) int32 {
	cur := int32(0)
	for _, b := range key {
		kids := tb.nodes[cur].kids
		next := int32(-1)
		for _, e := range kids {
			if e.b == b {
				next = e.to
				break
			}
		}
		if next < 0 {
			next = int32(len(tb.nodes))
			tb.nodes = append(tb.nodes, buildNode{exact: -1, pref: -1})
			tb.nodes[cur].kids = append(tb.nodes[cur].kids, buildEdge{b, next})
		}
		cur = next
	}
	return cur
}

// build flattens the builder breadth-first, so that the nodes near the root, which every
// walk touches, sit together in memory.
func (tb *trieBuilder) build() *trie {
	t := &trie{nodes: make([]trieNode, 0, len(tb.nodes))}
	newID := make([]int32, len(tb.nodes))
	order := make([]int32, 0, len(tb.nodes))
	order = append(order, 0)
	for i := 0; i < len(order); i++ {
		old := order[i]
		newID[old] = int32(i)
		kids := tb.nodes[old].kids
		sort.Slice(kids, func(a, b int) bool { return kids[a].b < kids[b].b })
		for _, e := range kids {
			order = append(order, e.to)
		}
	}
	for _, old := range order {
		bn := &tb.nodes[old]
		t.nodes = append(t.nodes, trieNode{edge: int32(len(t.labels)), n: int32(len(bn.kids)), exact: bn.exact, pref: bn.pref})
		for _, e := range bn.kids {
			t.labels = append(t.labels, e.b)
			t.next = append(t.next, newID[e.to])
		}
	}
	root := &t.nodes[0]
	for k := root.edge; k < root.edge+root.n; k++ {
		t.root[t.labels[k]] = t.next[k]
	}
	t.alArticle = t.step(t.step(0, arAlef), arLam)
	return t
}

// step follows one edge; it returns 0 (the root, never a child) when there is none.
func (t *trie) step(st int32, b byte) int32 {
	if st == 0 {
		return t.root[b]
	}
	nd := &t.nodes[st]
	labels := t.labels[nd.edge : nd.edge+nd.n]
	for k, l := range labels {
		if l == b {
			return t.next[nd.edge+int32(k)]
		}
		if l > b {
			break
		}
	}
	return 0
}

// Arabic letters in the private alphabet, for the proclitics.
var (
	arAlef = arabicByte('ا')
	arLam  = arabicByte('ل')
	arWaw  = arabicByte('و')
	arBa   = arabicByte('ب')
)

// scan appends to ms every boundary-aligned occurrence of a pattern in buf. buf must start
// and end with a separator byte (the caller puts a hardBreak at both ends).
func (t *trie) scan(buf []byte, ms []match) []match {
	n := len(buf)
	i := 1
	for i < n-1 {
		b := buf[i]
		if !isWordByte(b) {
			i++
			continue
		}
		ms = t.walk(buf, t.root[b], int32(i), int32(i), ms)
		if b >= 0x80 {
			ms = t.proclitics(buf, int32(i), ms)
		}
		i++
		for isWordByte(buf[i]) { // the trailing separator stops this loop
			i++
		}
	}
	return ms
}

// proclitics retries an Arabic word without the particles that are written joined to the
// next word: wa- (and), bi- (in/with), li- (for), in the combinations news text uses
// (و ب ل وب ول لل ولل). The article ال itself is part of the patterns.
func (t *trie) proclitics(buf []byte, w int32, ms []match) []match {
	p := w
	if buf[p] == arWaw {
		p++
		if isWordByte(buf[p]) && isWordByte(buf[p+1]) {
			ms = t.walk(buf, t.root[buf[p]], p, w, ms)
		}
	}
	if buf[p] == arBa || buf[p] == arLam {
		lam := buf[p] == arLam
		p++
		if isWordByte(buf[p]) && isWordByte(buf[p+1]) {
			ms = t.walk(buf, t.root[buf[p]], p, w, ms)
			if lam && buf[p] == arLam && t.alArticle != 0 {
				// li- + al- is written "لل": resume after the article's lam.
				ms = t.walk(buf, t.step(t.alArticle, buf[p+1]), p+1, w, ms)
			}
		}
	}
	return ms
}

// walk follows the trie from state st, whose first byte is at buf[s], and records the
// terms that end on a word boundary (or anywhere, for stems).
func (t *trie) walk(buf []byte, st int32, s, w int32, ms []match) []match {
	j := s
	for st != 0 {
		nd := &t.nodes[st]
		j++
		if nd.exact >= 0 && !isWordByte(buf[j]) {
			ms = append(ms, match{term: nd.exact, word: w, start: s, end: j})
		}
		if nd.pref >= 0 {
			e := j
			for isWordByte(buf[e]) {
				e++
			}
			ms = append(ms, match{term: nd.pref, word: w, start: s, end: e})
		}
		if nd.n == 0 {
			break
		}
		b := buf[j]
		next := int32(0)
		labels := t.labels[nd.edge : nd.edge+nd.n]
		for k, l := range labels {
			if l >= b {
				if l == b {
					next = t.next[nd.edge+int32(k)]
				}
				break
			}
		}
		st = next
	}
	return ms
}
