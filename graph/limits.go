package graph

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Page sizes of connections (anchor: GitHub's public GraphQL API).
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Limits refuses, before anything runs, operations that are too deep, too costly, or that ask
// for pages larger than MaxPageSize. The cost of a field is 1 times the product of the page
// sizes of the connections above it, so `first: 100` three levels deep costs over a million
// and is refused, while a dashboard page of 50 rows with their edges stays far below.
type Limits struct {
	MaxDepth int
	MaxCost  int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (l Limits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walker{vars: oc.Variables, fragments: oc.Doc.Fragments}
	cost, depth, err := w.selectionSet(oc.Operation.SelectionSet, 1, 1, false)
	if err != nil {
		return err
	}
	if l.MaxDepth > 0 && depth > l.MaxDepth {
		return limitError("QUERY_TOO_DEEP", fmt.Sprintf("the query is %d levels deep; the limit is %d", depth, l.MaxDepth))
	}
	if l.MaxCost > 0 && cost > l.MaxCost {
		return limitError("QUERY_TOO_COSTLY", fmt.Sprintf("the query could return up to %d values (page sizes multiplied through nested lists); the limit is %d: ask for smaller pages or fewer nested lists", cost, l.MaxCost))
	}
	return nil
}

func limitError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

type walker struct {
	vars      map[string]any
	fragments ast.FragmentDefinitionList
	seen      int
}

// selectionSet returns the cost and depth of set, where mult is the number of parent
// objects it is evaluated for.
// inConnection is true for the selections of a connection, whose edges and nodes lists are
// already counted by the connection's page size.
func (w *walker) selectionSet(set ast.SelectionSet, mult, depth int, inConnection bool) (cost, maxDepth int, err *gqlerror.Error) {
	maxDepth = depth
	// Fragments can be spread many times; bound the work of the walk itself.
	if w.seen++; w.seen > 100000 {
		return 0, 0, limitError("QUERY_TOO_COSTLY", "the query has too many selections")
	}
	for _, sel := range set {
		var c, d int
		switch s := sel.(type) {
		case *ast.Field:
			c, d, err = w.field(s, mult, depth, inConnection)
		case *ast.InlineFragment:
			c, d, err = w.selectionSet(s.SelectionSet, mult, depth, inConnection)
		case *ast.FragmentSpread:
			def := w.fragments.ForName(s.Name)
			if def == nil {
				continue
			}
			c, d, err = w.selectionSet(def.SelectionSet, mult, depth, inConnection)
		}
		if err != nil {
			return 0, 0, err
		}
		cost = saturatingAdd(cost, c)
		maxDepth = max(maxDepth, d)
	}
	return cost, maxDepth, nil
}

func (w *walker) field(f *ast.Field, mult, depth int, inConnection bool) (int, int, *gqlerror.Error) {
	cost := mult
	if len(f.SelectionSet) == 0 {
		return cost, depth, nil
	}
	size := 1
	if !inConnection || f.Name != "edges" && f.Name != "nodes" {
		var err *gqlerror.Error
		if size, err = w.pageSize(f); err != nil {
			return 0, 0, err
		}
	}
	connection := f.Definition != nil && isConnection(f.Definition.Type)
	child, d, err := w.selectionSet(f.SelectionSet, saturatingMul(mult, size), depth+1, connection)
	if err != nil {
		return 0, 0, err
	}
	return saturatingAdd(cost, child), d, nil
}

// pageSize is the number of items a field may return: its first/last argument, the default
// page for a connection without them, 1 for a plain object.
func (w *walker) pageSize(f *ast.Field) (int, *gqlerror.Error) {
	if f.Definition == nil || !isConnection(f.Definition.Type) {
		if f.Definition != nil && f.Definition.Type.Elem != nil {
			// A plain list (e.g. nodes(ids)): count its arguments' list length when known.
			if arg := f.Arguments.ForName("ids"); arg != nil {
				if v, err := arg.Value.Value(w.vars); err == nil {
					if l, ok := v.([]any); ok && len(l) > 0 {
						if len(l) > MaxPageSize {
							return 0, limitError("PAGE_TOO_LARGE", fmt.Sprintf("%s: at most %d ids at once", f.Name, MaxPageSize))
						}
						return len(l), nil
					}
				}
			}
			return DefaultPageSize, nil
		}
		return 1, nil
	}
	size := 0
	for _, name := range []string{"first", "last"} {
		arg := f.Arguments.ForName(name)
		if arg == nil {
			continue
		}
		v, err := arg.Value.Value(w.vars)
		if err != nil || v == nil {
			continue
		}
		n, ok := toInt(v)
		if !ok {
			continue
		}
		if n < 0 {
			return 0, limitError("BAD_USER_INPUT", fmt.Sprintf("%s: `%s` must not be negative", f.Name, name))
		}
		if n > MaxPageSize {
			return 0, limitError("PAGE_TOO_LARGE", fmt.Sprintf("%s: `%s` is %d; at most %d items can be asked for at once: page with `after`/`before`", f.Name, name, n, MaxPageSize))
		}
		size = max(size, int(n))
	}
	if size == 0 {
		size = DefaultPageSize
	}
	return size, nil
}

func isConnection(t *ast.Type) bool {
	return t != nil && t.Elem == nil && len(t.NamedType) > len("Connection") &&
		t.NamedType[len(t.NamedType)-len("Connection"):] == "Connection"
}

const costCeiling = 1 << 40

func saturatingAdd(a, b int) int {
	if a+b > costCeiling {
		return costCeiling
	}
	return a + b
}

func saturatingMul(a, b int) int {
	if b != 0 && a > costCeiling/b {
		return costCeiling
	}
	return a * b
}

// DefaultPage is a field middleware that gives every connection without `first` and `last`
// a first page of DefaultPageSize items: entgql would otherwise return the whole table.
func DefaultPage(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && fc.Field.Definition != nil && isConnection(fc.Field.Definition.Type) && fc.Args != nil {
		first, hasFirst := fc.Args["first"]
		last, hasLast := fc.Args["last"]
		if hasFirst && hasLast && isNilInt(first) && isNilInt(last) {
			n := DefaultPageSize
			fc.Args["first"] = &n
		}
	}
	return next(ctx)
}

func isNilInt(v any) bool {
	p, ok := v.(*int)
	return v == nil || ok && p == nil
}

// toInt reads an argument value: a literal (int64) or a variable (json.Number, float64 or
// int, depending on the transport).
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
