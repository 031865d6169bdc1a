package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"coopdesk/ent"
	"coopdesk/internal/repertoire/export"
)

func init() {
	register("export", "export partnerships|authorities|dossiers as CSV or XLSX (Excel), or feeds as OPML", exportCmd)
}

const exportUsage = "coopdesk export partnerships|authorities|dossiers [--format csv|xlsx] [--group SLUG] [--country CC] [--theme SLUG] [--status S] [--sep ';'] [-o FILE] | coopdesk export feeds"

func exportCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, exportUsage)
	}
	var write func(context.Context, *ent.Client, io.Writer, export.Options) (int, error)
	switch what := args[0]; what {
	case "partnerships", "partenariats":
		write = export.Partnerships
	case "authorities", "collectivites", "collectivités":
		write = export.Authorities
	case "dossiers":
		write = export.Dossiers
	case "feeds":
		return exportFeeds(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintf(env.Stderr, "Usage: %s\n", exportUsage)
		return nil
	default:
		return fmt.Errorf("%w: unknown export %q: %s", errUsage, what, exportUsage)
	}
	fs := newFlags(env, "export "+args[0], "[--format csv|xlsx] [--group SLUG] [--country CC] [--theme SLUG] [--status S] [--sep ';'] [-o FILE]")
	format := fs.String("format", "", "csv or xlsx (default: from the -o file's extension, else csv)")
	var f export.Filter
	fs.StringVar(&f.Group, "group", "", "country group slug (maroc, algerie, tunisie, liban): its countries and member authorities")
	fs.StringVar(&f.Country, "country", "", "ISO code of the partner country (for authorities: their country)")
	fs.StringVar(&f.Theme, "theme", "", "theme slug, e.g. eau-assainissement")
	fs.StringVar(&f.Status, "status", "", "status: active, dormant, ended, project for partnerships; a dossier status; an authority status (announced)")
	sep := fs.String("sep", ",", `CSV separator: "," or ";" (French Excel; decimals then use a comma)`)
	out := fs.String("o", "", "output file (default: standard output)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected %q: %s", errUsage, fs.Arg(0), exportUsage)
	}
	if *format == "" {
		*format = "csv"
		if strings.EqualFold(filepath.Ext(*out), ".xlsx") {
			*format = "xlsx"
		}
	}
	fmtValue, err := export.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *sep != "," && *sep != ";" && *sep != "\\t" {
		return fmt.Errorf(`%w: --sep must be "," or ";"`, errUsage)
	}
	opt := export.Options{Format: fmtValue, Sep: rune((*sep)[0]), Filter: f}
	if *sep == "\\t" {
		opt.Sep = '\t'
	}
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	if *out == "" {
		_, err := write(ctx, db.Client, env.Stdout, opt)
		return err
	}
	// Write beside the target and rename, so that a failed export leaves no half file.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".coopdesk-export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := write(ctx, db.Client, tmp, opt)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(env.Stderr, "%d rows written to %s\n", n, *out)
	return nil
}
