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
// Layout: nodes are laid out in depth-first pre-order, so a node's first child (in label
// order) is always the next node: walking down a chain of single-child nodes reads
// consecutive memory and follows no pointer. Each node carries up to four edge labels
// inline; the targets of the second to fourth child are in trie.next. Nodes with more
// children (the first letters of words) and the root use a dense 256-entry table.
// Node 0 is the root.
type trie struct {
	root  [256]int32 // child of the root per byte; 0 = none
	dense []int32    // 256-entry blocks for nodes with more than maxInline children
	nodes []trieNode
	outs  []termsHere
	next  []int32 // targets of children 2..n of inline nodes
	// alArticle is the node reached by the Arabic article "ال", used for "لل" (li- + al-,
	// whose alef is dropped in writing) so that "للجزائر" reaches the pattern "الجزائر".
	alArticle int32
}

// maxInline is the number of edge labels a node stores itself; past it, a dense table
// costs less time than a scan and the few such nodes make its size harmless.
const maxInline = 4

// trieNode is 16 bytes: four to a cache line.
type trieNode struct {
	label [maxInline]byte
	next  int32 // index in trie.next of child 2, or for a dense node its block number
	out   int32 // index in trie.outs of the terms ending here, or -1
	n     uint8 // number of children
	dense bool
}

// termsHere are the terms that end at a node: the exact one needs a word boundary after
// it; the stem (pref) may continue as a word prefix. -1 when absent.
type termsHere struct {
	exact, pref int32
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

// build flattens the builder depth-first: a walk that goes deep follows a chain of
// single-child nodes, and in pre-order those sit next to each other in memory, so the
// hardware prefetcher keeps up. (Breadth-first order measured slower: it scatters chains
// across the whole array.)
func (tb *trieBuilder) build() *trie {
	t := &trie{nodes: make([]trieNode, 0, len(tb.nodes))}
	newID := make([]int32, len(tb.nodes))
	order := make([]int32, 0, len(tb.nodes))
	stack := []int32{0}
	for len(stack) > 0 {
		old := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		newID[old] = int32(len(order))
		order = append(order, old)
		kids := tb.nodes[old].kids
		sort.Slice(kids, func(a, b int) bool { return kids[a].b < kids[b].b })
		for k := len(kids) - 1; k >= 0; k-- { // pushed in reverse: visited in label order
			stack = append(stack, kids[k].to)
		}
	}
	for _, old := range order {
		bn := &tb.nodes[old]
		nd := trieNode{n: uint8(len(bn.kids)), out: -1}
		if bn.exact >= 0 || bn.pref >= 0 {
			nd.out = int32(len(t.outs))
			t.outs = append(t.outs, termsHere{bn.exact, bn.pref})
		}
		if len(bn.kids) > maxInline {
			nd.dense = true
			nd.next = int32(len(t.dense) / 256)
			t.dense = append(t.dense, make([]int32, 256)...)
			for _, e := range bn.kids {
				t.dense[int(nd.next)<<8|int(e.b)] = newID[e.to]
			}
		} else {
			nd.next = int32(len(t.next))
			for k, e := range bn.kids {
				nd.label[k] = e.b
				if k > 0 {
					t.next = append(t.next, newID[e.to])
				}
			}
		}
		t.nodes = append(t.nodes, nd)
	}
	for _, e := range tb.nodes[0].kids {
		t.root[e.b] = newID[e.to]
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
	if nd.dense {
		return t.dense[int(nd.next)<<8|int(b)]
	}
	for k := 0; k < int(nd.n); k++ {
		if nd.label[k] == b {
			if k == 0 {
				return st + 1
			}
			return t.next[int(nd.next)+k-1]
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

// scan appends to ms every boundary-aligned occurrence of a pattern in buf, trying each
// word start in starts. buf must end with a separator byte (the caller puts a hardBreak
// at both ends).
func (t *trie) scan(buf []byte, starts []int32, ms []match) []match {
	for _, i := range starts {
		b := buf[i]
		ms = t.walk(buf, t.root[b], i, i, ms)
		if b >= 0x80 {
			ms = t.proclitics(buf, i, ms)
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
		if nd.out >= 0 {
			o := t.outs[nd.out]
			if o.exact >= 0 && !isWordByte(buf[j]) {
				ms = append(ms, match{term: o.exact, word: w, start: s, end: j})
			}
			if o.pref >= 0 {
				e := j
				for isWordByte(buf[e]) {
					e++
				}
				ms = append(ms, match{term: o.pref, word: w, start: s, end: e})
			}
		}
		b := buf[j]
		if nd.dense {
			st = t.dense[int(nd.next)<<8|int(b)]
			continue
		}
		if nd.n > 0 && nd.label[0] == b {
			st++ // the first child follows its parent
			continue
		}
		next := int32(0)
		for k := 1; k < int(nd.n); k++ {
			if nd.label[k] == b {
				next = t.next[int(nd.next)+k-1]
				break
			}
		}
		st = next
	}
	return ms
}
