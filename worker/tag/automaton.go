package tag

import (
	"slices"
)

// The automaton is a byte trie over the normalised patterns, walked only from word starts.
// Because every pattern must begin and end on a word boundary, a match can only start where
// a word starts; Aho–Corasick failure links would only find matches that start inside a
// word, which we would then throw away. Walking from each word start finds exactly the
// boundary-aligned matches, and in news text most walks die after two or three bytes, so
// the cost stays close to one trie step per input byte.
//
// Layout: a double array. Node s's child on byte b is cell base(s)+b, and it is a child of
// s only if that cell's check is s; so a step is one load of a cell, which also holds the
// child's own base, and one comparison, whatever the number of children. (The earlier
// layout, inline labels with dense tables for wide nodes, took two or three dependent loads
// at every branching node, and the first bytes of words are all branching nodes.) Bytes are
// used as they are, without a smaller code alphabet: the table lookup would cost a load per
// step, and the cells it would save are few. Nodes are placed in depth-first pre-order,
// each node's children as close after it as free cells allow, so that a walk down a chain
// of single-child nodes reads consecutive cells.
type trie struct {
	// cells are the double array, each cell packed in a word (see packCell) so that a
	// step is one load and one bounds check.
	cells []uint64
	// outAt holds the terms ending at each node whose base has hasOut set.
	outAt []termsHere
	// alArticle is the node reached by the Arabic article "ال", used for "لل" (li- + al-,
	// whose alef is dropped in writing) so that "للجزائر" reaches the pattern "الجزائر".
	alArticle int32
}

// trieCell is one double-array cell while the trie is built.
type trieCell struct {
	base  int32 // children are at base+b (base without hasOut); 0 for a leaf
	check int32 // the parent's index; -1 for a free cell
}

// packCell packs a cell into 8 bytes, eight to a cache line: the check in the high half,
// the base in the low half.
func packCell(c trieCell) uint64 { return uint64(uint32(c.check))<<32 | uint64(uint32(c.base)) }

func cellBase(c uint64) int32  { return int32(uint32(c)) }
func cellCheck(c uint64) int32 { return int32(c >> 32) }

// hasOut marks, in a cell's base, a node where terms end.
const hasOut = -1 << 31

// rootCell is the root's index. Cells 1..255 are never used, so that a leaf's base of 0
// sends every byte to a cell whose check is -1.
const rootCell = 0

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

// cellAlloc hands out free cells of the double array. nextFree[i] leads towards the first
// free cell at or after i (a union-find with path halving), so that finding room for a
// node's children never rescans the filled part of the array.
type cellAlloc struct {
	cells    []trieCell
	nextFree []int32
}

func (a *cellAlloc) grow(n int) {
	for len(a.cells) < n {
		a.nextFree = append(a.nextFree, int32(len(a.cells)))
		a.cells = append(a.cells, trieCell{check: -1})
	}
}

// free returns the first free cell at or after i.
func (a *cellAlloc) free(i int32) int32 {
	for {
		a.grow(int(i) + 1)
		n := a.nextFree[i]
		if n == i {
			return i
		}
		a.grow(int(n) + 1)
		a.nextFree[i] = a.nextFree[n]
		i = n
	}
}

func (a *cellAlloc) take(i int32) {
	a.grow(int(i) + 2)
	a.nextFree[i] = i + 1
}

// build flattens the builder into a double array, depth-first. Each node's children are
// placed at the first base, from just after the node itself, where all of them find a
// free cell.
func (tb *trieBuilder) build() *trie {
	// The array ends up barely larger than the trie (about 2% of cells stay free).
	n := len(tb.nodes) + len(tb.nodes)/16 + 512
	a := &cellAlloc{cells: make([]trieCell, 0, n), nextFree: make([]int32, 0, n)}
	a.grow(512)
	a.cells[rootCell] = trieCell{check: rootCell}
	a.take(rootCell)
	for i := int32(1); i < 256; i++ {
		a.take(i)
	}
	where := make([]int32, len(tb.nodes)) // builder node → cell
	type nodeOut struct {
		cell int32
		o    termsHere
	}
	var outs []nodeOut
	stack := []int32{0}
	for len(stack) > 0 {
		old := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s := where[old]
		bn := &tb.nodes[old]
		kids := bn.kids
		slices.SortFunc(kids, func(x, y buildEdge) int { return int(x.b) - int(y.b) })
		var base int32
		if len(kids) > 0 {
			lo := int32(kids[0].b)
			cand := a.free(max(s+1, 256))
			for {
				base = cand - lo
				ok := true
				for _, e := range kids[1:] {
					if c := base + int32(e.b); a.free(c) != c {
						ok = false
						break
					}
				}
				if ok {
					break
				}
				cand = a.free(cand + 1)
			}
			for _, e := range kids {
				c := base + int32(e.b)
				a.take(c)
				a.cells[c].check = s
				where[e.to] = c
			}
			for k := len(kids) - 1; k >= 0; k-- { // pushed in reverse: visited in label order
				stack = append(stack, kids[k].to)
			}
		}
		if bn.exact >= 0 || bn.pref >= 0 {
			outs = append(outs, nodeOut{s, termsHere{bn.exact, bn.pref}})
			base |= hasOut
		}
		a.cells[s].base = base
	}
	// Room for base+b of any node past the last used cell.
	end := len(a.cells)
	for end > 0 && a.cells[end-1].check < 0 {
		end--
	}
	cells := make([]uint64, end+256)
	for i := range cells {
		c := trieCell{check: -1}
		if i < end {
			c = a.cells[i]
		}
		cells[i] = packCell(c)
	}
	t := &trie{cells: cells, outAt: make([]termsHere, len(cells))}
	for _, o := range outs {
		t.outAt[o.cell] = o.o
	}
	t.alArticle = t.step(t.step(rootCell, arAlef), arLam)
	return t
}

// step follows one edge; it returns 0 (the root, never a child) when there is none.
func (t *trie) step(st int32, b byte) int32 {
	n := cellBase(t.cells[st])&^hasOut + int32(b)
	if cellCheck(t.cells[n]) != st || n == rootCell {
		return 0
	}
	return n
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
	cells := t.cells
	rootBase := cellBase(cells[rootCell]) &^ hasOut
	for _, i := range starts {
		// The walk from a word start, written out here rather than calling walk: most
		// words leave the trie after two or three bytes, and the call cost as much.
		b := buf[i]
		st := rootBase + int32(b)
		if c := cells[st]; cellCheck(c) == rootCell {
			for j := i + 1; ; j++ {
				base := cellBase(c)
				if base < 0 {
					ms = t.appendTerms(buf, st, i, i, j, ms)
					base &^= hasOut
				}
				n := base + int32(buf[j])
				c = cells[n]
				if cellCheck(c) != st {
					break
				}
				st = n
			}
		}
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
			ms = t.walk(buf, t.step(rootCell, buf[p]), p, w, ms)
		}
	}
	if buf[p] == arBa || buf[p] == arLam {
		lam := buf[p] == arLam
		p++
		if isWordByte(buf[p]) && isWordByte(buf[p+1]) {
			ms = t.walk(buf, t.step(rootCell, buf[p]), p, w, ms)
			if lam && buf[p] == arLam && t.alArticle != 0 {
				// li- + al- is written "لل": resume after the article's lam.
				ms = t.walk(buf, t.step(t.alArticle, buf[p+1]), p+1, w, ms)
			}
		}
	}
	return ms
}

// walk follows the trie from state st, whose first byte is at buf[s], and records the
// terms that end on a word boundary (or anywhere, for stems). The walk always ends inside
// buf, whose last byte is a break, which no pattern contains.
func (t *trie) walk(buf []byte, st int32, s, w int32, ms []match) []match {
	if st == 0 {
		return ms
	}
	cells := t.cells
	c := cells[st]
	for j := s + 1; ; j++ {
		base := cellBase(c)
		if base < 0 {
			ms = t.appendTerms(buf, st, s, w, j, ms)
			base &^= hasOut
		}
		n := base + int32(buf[j])
		c = cells[n]
		if cellCheck(c) != st {
			return ms
		}
		st = n
	}
}

// appendTerms records the terms ending at node st, reached at buf[j] by a walk that
// started at s in the word starting at w: the exact term if a word boundary follows, and
// the stem with the rest of its word.
func (t *trie) appendTerms(buf []byte, st, s, w, j int32, ms []match) []match {
	o := t.outAt[st]
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
	return ms
}
