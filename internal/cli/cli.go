// Package cli implements coopdesk's subcommands: each parses its flags and calls the domain
// packages, the same functions the GraphQL API calls.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"coopdesk/internal/config"
	"coopdesk/internal/database"
	"coopdesk/internal/repertoire"
	"coopdesk/internal/search"
	"coopdesk/internal/seed"
)

// Env is the process's outside world, passed in so that tests can run commands in-process.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         func(string) string
}

type command struct {
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, env Env, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

// errUsage marks errors whose message is a usage line: exit status 2.
var errUsage = errors.New("usage")

// Run runs the subcommand named by args[0] and returns the process exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "coopdesk: unknown command %q\n\n", args[0])
		usage(env.Stderr)
		return 2
	}
	err := cmd.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(env.Stderr, "coopdesk %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "coopdesk %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "coopdesk — répertoire, DCOL, groupes-pays and veille for decentralised cooperation")
	fmt.Fprintln(w, "\nUsage: coopdesk <command> [flags]   (coopdesk <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEnvironment:")
	for _, o := range config.Options {
		def := o.Default
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(w, "  %-28s %s (default: %s)\n", o.Env, o.Help, def)
	}
}

// newFlags returns a flag set whose --help prints the command's summary and flags.
func newFlags(env Env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: coopdesk %s %s\n\n%s\n", name, args, commands[strings.Fields(name)[0]].summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// setup reads the configuration, sets up logging and opens the database.
func setup(ctx context.Context, env Env) (*config.Config, *database.DB, error) {
	cfg, err := config.Load(env.Getenv)
	if err != nil {
		return nil, nil, err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	slog.SetDefault(slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level})))
	db, err := database.Open(ctx, cfg.DatabaseURL, database.Options{MaxOpenConns: cfg.MaxOpenConns, MaxIdleConns: cfg.MaxIdleConns})
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

// prepare migrates the schema and loads the reference data that is missing.
func prepare(ctx context.Context, db *database.DB) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	// The full-text index of the veille: a generated tsvector on PostgreSQL, an FTS5 table
	// kept by triggers on SQLite.
	if err := search.New(db).Migrate(ctx); err != nil {
		return err
	}
	res, err := seed.Minimal(ctx, db.Client)
	if err != nil {
		return err
	}
	if res.Countries+res.Groups+res.Themes > 0 {
		slog.Info("reference data loaded", "countries", res.Countries, "groups", res.Groups, "themes", res.Themes)
	}
	// The French collectivités, partner-country units and feed catalogue, when missing.
	_, err = repertoire.EnsureReference(ctx, db)
	return err
}
