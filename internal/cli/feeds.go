package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"coopdesk/worker"
)

// importFeeds is `coopdesk import feeds FILE.opml [--country XX] [--lang fr]`; the import
// command dispatches its "feeds" subcommand here (args are what follows "feeds").
func importFeeds(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "import feeds", "FILE.opml [--country XX] [--lang fr]")
	country := fs.String("country", "", "ISO country code for the outlines without a country attribute")
	lang := fs.String("lang", "", "language for the outlines without a language attribute")
	// The file may come before or after the flags.
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("%w: coopdesk import feeds FILE.opml [--country XX] [--lang fr]", errUsage)
	}
	if file == "" {
		return fmt.Errorf("%w: coopdesk import feeds FILE.opml [--country XX] [--lang fr]", errUsage)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	res, err := worker.ImportOPML(ctx, db.Client, f, worker.ImportDefaults{Country: *country, Language: *lang})
	if err != nil {
		return fmt.Errorf("import %s: %w", file, err)
	}
	for _, msg := range res.Invalid {
		fmt.Fprintln(env.Stderr, "refused:", msg)
	}
	fmt.Fprintf(env.Stdout, "%d feeds added, %d already present, %d refused\n", res.Added, res.Duplicate, len(res.Invalid))
	return nil
}

// exportFeeds is `coopdesk export feeds`: the catalogue as OPML on stdout.
func exportFeeds(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "export feeds", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: coopdesk export feeds", errUsage)
	}
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	out := bufio.NewWriter(env.Stdout)
	if err := worker.ExportOPML(ctx, db.Client, out); err != nil {
		return err
	}
	return out.Flush()
}
