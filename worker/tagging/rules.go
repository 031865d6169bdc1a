package tagging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"coopdesk/ent"
	"coopdesk/ent/tagrule"
	"coopdesk/worker/tag"
)

// storedRules reads the enabled staff rules (TagRule) as the tagger takes them, in id
// order, with their ids.
func storedRules(ctx context.Context, client *ent.Client) ([]tag.Rule, []int, error) {
	rows, err := client.TagRule.Query().Where(tagrule.Enabled(true)).WithGroup().Order(ent.Asc(tagrule.FieldID)).All(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load tag rules: %w", err)
	}
	rules := make([]tag.Rule, len(rows))
	ids := make([]int, len(rows))
	for i, r := range rows {
		rules[i], ids[i] = RuleOf(r), r.ID
	}
	return rules, ids, nil
}

// RuleOf converts a stored rule to the tagger's (its group loaded, or absent).
func RuleOf(r *ent.TagRule) tag.Rule {
	out := tag.Rule{Pattern: r.Pattern, Weight: r.Weight}
	if g := r.Edges.Group; g != nil {
		out.Group = g.Slug
	} else if r.GroupID != nil {
		out.Group = fmt.Sprintf("#%d", *r.GroupID) // not loaded: unknown to the tagger
	}
	if r.Topic != nil {
		out.Topic = strings.ReplaceAll(string(*r.Topic), "_", "-")
	}
	return out
}

// ErrBadRule is the error of a rule the tagger cannot use.
var ErrBadRule = errors.New("invalid tag rule")

// CheckRule says why the tagger could not use a rule, or nil: a rule needs a group or a
// topic the tagger knows (the groups of the reference data), and a pattern with letters.
// It builds a tagger with the reference data and that rule alone (≈ 40 ms).
func CheckRule(r tag.Rule) error {
	if r.Group == "" && r.Topic == "" {
		return fmt.Errorf("%w %q: it needs a group or a topic", ErrBadRule, r.Pattern)
	}
	if _, err := tag.New(tag.Config{Rules: []tag.Rule{r}}); err != nil {
		var re *tag.RuleError
		if errors.As(err, &re) {
			return fmt.Errorf("%w %q: %v", ErrBadRule, r.Pattern, re.Err)
		}
		return err
	}
	return nil
}

// CheckStoredRule checks the rule with the given id as stored (CheckRule). The GraphQL
// mutations call it after saving, in their transaction, which an error rolls back.
func CheckStoredRule(ctx context.Context, client *ent.Client, id int) error {
	r, err := client.TagRule.Query().Where(tagrule.ID(id)).WithGroup().Only(ctx)
	if err != nil {
		return err
	}
	return CheckRule(RuleOf(r))
}

// buildTagger builds the tagger from the authorities and the rules, leaving out (and
// reporting) any stored rule it cannot use, such as one whose group was deleted since:
// a bad rule must not stop the tagging of every feed. The code's own rules (first in
// rules) must build.
func buildTagger(auths []tag.Authority, rules []tag.Rule, stored []int) (*tag.Tagger, []string, error) {
	var skipped []string
	own := len(rules) - len(stored)
	for {
		t, err := tag.New(tag.Config{Authorities: auths, Rules: rules})
		var re *tag.RuleError
		if err == nil || !errors.As(err, &re) || re.Index < own {
			return t, skipped, err
		}
		k := re.Index - own
		skipped = append(skipped, fmt.Sprintf("rule %d (%q): %v", stored[k], re.Pattern, re.Err))
		rules = slices.Delete(slices.Clone(rules), re.Index, re.Index+1)
		stored = slices.Delete(slices.Clone(stored), k, k+1)
	}
}
