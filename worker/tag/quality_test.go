package tag

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// labelledItem is one line of testdata/labelled.jsonl: a headline and first sentence as the
// partner countries' outlets and the French press publish them, with the groups a member of
// staff expects. The set was written from what the articles are about, not from the
// tagger's output; items the tagger gets wrong stay in it.
type labelledItem struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Lang    string   `json:"lang"`
	Country string   `json:"country"`
	Groups  []string `json:"groups"`
}

func loadLabelled(t testing.TB) []labelledItem {
	t.Helper()
	f, err := os.Open("testdata/labelled.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []labelledItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it labelledItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("labelled.jsonl:%d: %v", line, err)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return items
}

// TestQuality measures micro precision and recall of group tags on the labelled set.
func TestQuality(t *testing.T) {
	items := loadLabelled(t)
	if len(items) < 150 {
		t.Fatalf("labelled set has %d items, want at least 150", len(items))
	}
	tg := newTestTagger(t)
	var tp, fp, fn int
	for _, it := range items {
		got := tg.Tag(Input{Title: it.Title, Summary: it.Summary, Lang: it.Lang, Country: it.Country}).Slugs()
		for _, g := range got {
			if slices.Contains(it.Groups, g) {
				tp++
			} else {
				fp++
				t.Logf("false positive %s %q: got %s (want %v)", it.ID, it.Title, g, it.Groups)
			}
		}
		for _, g := range it.Groups {
			if !slices.Contains(got, g) {
				fn++
				t.Logf("miss %s %q: want %s (got %v)", it.ID, it.Title, g, got)
			}
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	t.Logf("%d items: precision %.3f, recall %.3f (tp %d, fp %d, fn %d)", len(items), precision, recall, tp, fp, fn)
	if precision < 0.95 || recall < 0.90 {
		t.Errorf("precision %.3f (want ≥ 0.95), recall %.3f (want ≥ 0.90)", precision, recall)
	}
}
