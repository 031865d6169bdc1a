package model

import "sync"

// Dashboard is the root of the dashboard aggregates. Aggregates computed together by one
// statement (the dossier counts, the partnership counts) are kept here for the request, so
// that asking for several of their fields runs the statement once.
type Dashboard struct {
	mu   sync.Mutex
	memo map[string]any
}

// Memo returns the value computed under key for this request, computing it the first time.
func (d *Dashboard) Memo(key string, compute func() (any, error)) (any, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.memo[key]; ok {
		return v, nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	if d.memo == nil {
		d.memo = map[string]any{}
	}
	d.memo[key] = v
	return v, nil
}
