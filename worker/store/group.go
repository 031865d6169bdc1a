package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// Group commit. The pipelines of a process hand their batches to Save concurrently; the
// batches that are ready together are written in one transaction, by one of the waiting
// goroutines (a leader), while the others wait for their outcome. A transaction costs a
// commit (an fsync on PostgreSQL) and a round trip per statement whatever its size: so
// the more batches share a transaction, the less each costs, and the busier the pipelines,
// the larger the groups. An idle pipeline's batch is written at once, alone. On
// PostgreSQL two leaders write groups at once (Options.Writers), each on its own
// connection: the database's share of the work then runs on two cores.
//
// A group's transaction commits all its batches or none. When it fails, each batch is
// written again alone, with retries (saveAlone): a batch that cannot be written fails on
// its own and the others are stored, each feed getting its own outcome.

// Group bounds: a group takes batches while their items stay under maxGroupItems (a
// batch larger than that forms a group of its own) and at most maxGroupBatches of them.
const (
	maxGroupItems   = 1000
	maxGroupBatches = 32
)

// JoinableTagging is a Tagging that can be written together with other feed batches'
// tags, so that a group transaction writes all its tags in one go.
type JoinableTagging interface {
	Tagging
	// Join returns the Tagging of this batch followed by next: its Save takes the two
	// batches' article ids, concatenated. It reports false when next cannot be joined.
	Join(next Tagging) (Tagging, bool)
}

// request is one Save waiting for its group.
type request struct {
	ctx     context.Context
	plan    *Plan
	fu      FeedUpdate
	tagging Tagging
	items   int
	done    chan outcome  // receives the outcome of the group transaction
	lead    chan struct{} // closed when this request's goroutine is to lead the next groups
	handed  bool          // lead is closed (guarded by committer.mu)
}

// outcome is a request's result in its group: its counts and ErrLeaseLost or nil; or, with
// retry set, the group failed and the batch must be written alone (err is the group's
// error when the batch was alone in it: that attempt counts as the first).
type outcome struct {
	counts Counts
	err    error
	retry  bool
}

// committer queues the requests and says who leads. Up to writers goroutines lead at
// once, each writing its own groups on its own connection.
type committer struct {
	mu      sync.Mutex
	queue   []*request
	writers int // the most goroutines leading at once
	leaders int // goroutines leading, including those handed the lead and not yet awake
	// queued and took, when set (tests), are told the queue's length after each Save
	// joins it and the size of each group taken from it. Called with mu held.
	queued, took func(n int)
}

// Save writes a plan and the feed's status, together with the other feeds' batches that
// are ready at the same moment (group commit), in one transaction: a crash loses all of
// them or none, and the next fetch writes again what was lost. tagging may be nil. It
// returns ErrLeaseLost (the items being committed) when the feed's lease had passed to
// another worker.
func (s *Store) Save(ctx context.Context, p *Plan, fu FeedUpdate, tagging Tagging) (Counts, error) {
	r := &request{ctx: ctx, plan: p, fu: fu, tagging: tagging, items: len(p.New) + len(p.Changed),
		done: make(chan outcome, 1), lead: make(chan struct{})}
	c := &s.group
	c.mu.Lock()
	c.queue = append(c.queue, r)
	lead := c.leaders < max(c.writers, 1)
	if lead {
		c.leaders++
	}
	if c.queued != nil {
		c.queued(len(c.queue))
	}
	c.mu.Unlock()
	var o outcome
	if lead {
		o = s.lead(r)
	} else {
		select {
		case o = <-r.done:
			// Handed the lead just as another leader wrote this request's group: pass
			// the lead on, or the slot would be lost.
			select {
			case <-r.lead:
				c.mu.Lock()
				c.release()
				c.mu.Unlock()
			default:
			}
		case <-r.lead:
			o = s.lead(r)
		}
	}
	if o.retry {
		return s.saveAlone(ctx, r, o.err)
	}
	return o.counts, o.err
}

// lead writes groups from the queue until own's is written (by this goroutine or another
// leader), then hands the lead to the next waiting request, if any.
func (s *Store) lead(own *request) outcome {
	c := &s.group
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			// Own's group is being written by another leader: nothing left to lead.
			c.leaders--
			c.mu.Unlock()
			return <-own.done
		}
		group := takeGroup(&c.queue)
		if c.took != nil {
			c.took(len(group))
		}
		c.mu.Unlock()
		s.writeGroup(group)
		select {
		case o := <-own.done:
			c.mu.Lock()
			c.release()
			c.mu.Unlock()
			return o
		default:
		}
	}
}

// release gives up a leader's slot: to the first waiting request not yet handed the lead,
// or, when there is none, back to the pool. Called with mu held.
func (c *committer) release() {
	for _, r := range c.queue {
		if !r.handed {
			r.handed = true
			close(r.lead)
			return
		}
	}
	c.leaders--
}

// takeGroup removes the next group from the head of the queue: at least one request, and
// more while the group's bounds allow (one batch per feed).
func takeGroup(queue *[]*request) []*request {
	q := *queue
	n, items := 1, q[0].items
	feeds := map[int]bool{q[0].fu.ID: true}
	for n < len(q) && n < maxGroupBatches && items+q[n].items <= maxGroupItems && !feeds[q[n].fu.ID] {
		items += q[n].items
		feeds[q[n].fu.ID] = true
		n++
	}
	group := q[:n:n]
	*queue = q[n:]
	return group
}

// writeGroup writes a group in one transaction and delivers each request's outcome.
// The transaction runs while any of the group's requests still wants it: it is canceled
// when all their contexts are (a shutdown), not when the leader's alone is.
func (s *Store) writeGroup(group []*request) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(group[0].ctx))
	defer cancel()
	var waiting atomic.Int64
	waiting.Store(int64(len(group)))
	for _, r := range group {
		stop := context.AfterFunc(r.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	out, err := s.saveGroup(ctx, group)
	for i, r := range group {
		switch {
		case err != nil && len(group) == 1:
			r.done <- outcome{retry: true, err: err}
		case err != nil:
			r.done <- outcome{retry: true}
		default:
			r.done <- out[i]
		}
	}
}
