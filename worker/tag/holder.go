package tag

import (
	"sync/atomic"
)

// Holder keeps the current Tagger and lets the worker swap in a rebuilt one without
// stopping: readers never block, and an article is tagged entirely by one Tagger.
type Holder struct {
	p atomic.Pointer[Tagger]
}

// NewHolder returns a Holder serving t.
func NewHolder(t *Tagger) *Holder {
	h := &Holder{}
	h.p.Store(t)
	return h
}

// Load returns the current Tagger (nil if none was ever stored).
func (h *Holder) Load() *Tagger { return h.p.Load() }

// Store swaps in t.
func (h *Holder) Store(t *Tagger) { h.p.Store(t) }

// Rebuild builds a Tagger from cfg and swaps it in. On error the current Tagger stays.
func (h *Holder) Rebuild(cfg Config) error {
	t, err := New(cfg)
	if err != nil {
		return err
	}
	h.p.Store(t)
	return nil
}

// Tag tags in with the current Tagger. It returns an empty Result if no Tagger was stored.
func (h *Holder) Tag(in Input) Result {
	t := h.p.Load()
	if t == nil {
		return Result{}
	}
	return t.Tag(in)
}
