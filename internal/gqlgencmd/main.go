// Command gqlgencmd runs gqlgen (`go generate ./graph`) with coopdesk's one plugin,
// serialFields.
//
// gqlgen resolves every field bound to a method that takes a context in a goroutine of its
// own. For entgql's edge methods that is pure cost: the root lists eager-load the edges a
// query asks for (CollectFields), so the method only returns what is already in memory, and
// a page of 50 partnerships with both authority sides and their themes started about a
// thousand goroutines, whose stack growth and bookkeeping were a third of the request's CPU
// (docs/benchmarks.md). serialFields resolves those fields on the parent's goroutine.
// Objects whose resolvers batch through a dataloader (graph/loaders.go) keep concurrent
// fields: a dataloader gathers the keys of fields that wait for it at the same time.
package main

import (
	"fmt"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// concurrent lists the GraphQL objects whose fields must stay concurrent: their resolvers
// call a dataloader.
var concurrent = map[string]bool{
	"Query":        true,
	"CountryGroup": true,
}

type serialFields struct{}

func (serialFields) Name() string { return "serialfields" }

func (serialFields) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !concurrent[o.Name] {
			o.DisableConcurrency = true
		}
	}
	return nil
}

func main() {
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(2)
	}
	if err := api.Generate(cfg, api.AddPlugin(serialFields{})); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(3)
	}
}
