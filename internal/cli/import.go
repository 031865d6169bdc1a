package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"coopdesk/internal/repertoire/collectivites"
	"coopdesk/internal/repertoire/partnershipcsv"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func init() {
	register("import", "import data: import collectivites [PATH] | partnerships FILE.csv | feeds FILE.opml", importCmd)
}

const importUsage = "coopdesk import collectivites [PATH] | coopdesk import partnerships [--dry-run] [--create-missing-partners] FILE.csv | coopdesk import feeds FILE.opml"

func importCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, importUsage)
	}
	switch args[0] {
	case "collectivites", "collectivités":
		return importCollectivites(ctx, env, args[1:])
	case "partnerships", "partenariats":
		return importPartnerships(ctx, env, args[1:])
	case "feeds":
		return importFeeds(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintf(env.Stderr, "Usage: %s\n\n(coopdesk import KIND --help for details)\n", importUsage)
		return nil
	}
	return fmt.Errorf("%w: unknown import %q: %s", errUsage, args[0], importUsage)
}

func importCollectivites(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "import collectivites", "[PATH]")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, `Usage: coopdesk import collectivites [PATH]

Loads the French régions, départements, EPCI and current communes from the JSON files of
the @etalab/decoupage-administratif package: PATH is a folder holding regions.json,
departements.json, epci.json and communes.json (or some of them), or one of those files.
Without PATH, loads the release embedded in coopdesk. Records are matched by official code
(INSEE, or SIREN for EPCI): new ones are created, changed ones updated in place (their
partnerships, contacts and group memberships stay), unchanged ones are not written.
Every file is checked before anything is written, and the load is one transaction.
`)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: one PATH at most", errUsage)
	}
	var ds *collectivites.Dataset
	var err error
	if fs.NArg() == 1 {
		ds, err = collectivites.Read(fs.Arg(0))
	} else {
		ds, err = collectivites.Embedded()
	}
	if err != nil {
		return err
	}
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	var opt collectivites.Options
	if bar := newProgressBar(env, "collectivités"); bar != nil {
		opt.Progress = func(done, total int) {
			bar.ChangeMax(total)
			_ = bar.Set(done)
		}
		defer bar.Finish() //nolint:errcheck // a terminal write
	}
	var res collectivites.Result
	err = db.Exclusive(ctx, func() error {
		if err := prepare(ctx, db); err != nil {
			return err
		}
		res, err = collectivites.Load(ctx, db, ds, opt)
		return err
	})
	if err != nil {
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "%-14s %8s %8s %10s %8s\n", "level", "created", "updated", "unchanged", "absent")
	for _, l := range []struct {
		name string
		c    collectivites.Counts
	}{{"régions", res.Regions}, {"départements", res.Departements}, {"EPCI", res.EPCI}, {"communes", res.Communes}} {
		fmt.Fprintf(w, "%-14s %8d %8d %10d %8d\n", l.name, l.c.Created, l.c.Updated, l.c.Unchanged, l.c.Absent)
	}
	fmt.Fprintf(w, "EPCI members: %d added, %d removed; %v\n", res.MembersAdded, res.MembersRemoved, res.Duration.Round(time.Millisecond))
	if res.Communes.Absent+res.EPCI.Absent > 0 {
		fmt.Fprintln(w, "(absent: in the database but not in this release; kept with their partnerships and contacts)")
	}
	return nil
}

// newProgressBar returns a progress bar on stderr when it is a terminal, nil otherwise
// (logs and pipes stay quiet).
func newProgressBar(env Env, what string) *progressbar.ProgressBar {
	f, ok := env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func importPartnerships(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "import partnerships", "[--dry-run] [--create-missing-partners] FILE.csv")
	dryRun := fs.Bool("dry-run", false, "check every row and report, but write nothing")
	createPartners := fs.Bool("create-missing-partners", false, "create the partner authorities the répertoire lacks instead of refusing their rows")
	source := fs.String("source", "csv", "source recorded on new partnerships whose row has no source column")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, `Usage: coopdesk import partnerships [--dry-run] [--create-missing-partners] FILE.csv

Imports one partnership per row. The file is CSV in UTF-8 (with or without BOM) or
Windows-1252 (Excel's "CSV"), with "," or ";" between fields (both detected), and a header
row naming its columns, in French or English, in any order, without regard to case or
accents. FILE "-" reads standard input. Each row is checked: a refused row writes nothing
and is listed with its line number and the reason. Rows are matched by référence, or
without one by their French and partner authorities and type, so importing a file again
changes nothing. See docs/import-partnerships.md.

Columns:
%s
Flags:
`, partnershipcsv.Help())
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: coopdesk import partnerships [--dry-run] [--create-missing-partners] FILE.csv", errUsage)
	}
	var in io.Reader = env.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		defer f.Close()
		in = f
	}
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	rep, err := partnershipcsv.Import(ctx, db.Client, in, partnershipcsv.Options{
		DryRun: *dryRun, CreateMissingPartners: *createPartners, Source: *source,
	})
	var fe *partnershipcsv.FileError
	if errors.As(err, &fe) {
		return fmt.Errorf("%s: %v", fs.Arg(0), fe)
	}
	if err != nil {
		return err
	}
	w := env.Stdout
	verb := "imported"
	if rep.DryRun {
		verb = "checked (dry run: nothing written)"
	}
	fmt.Fprintf(w, "%s: %d rows %s (%s, separator %q) in %v\n", fs.Arg(0), rep.Rows, verb, rep.Encoding, rep.Separator, rep.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  created %d, updated %d, unchanged %d, refused %d\n", rep.Created, rep.Updated, rep.Unchanged, len(rep.Refused))
	if rep.PartnersCreated+rep.FundersCreated > 0 {
		fmt.Fprintf(w, "  new partner authorities %d, new funders %d\n", rep.PartnersCreated, rep.FundersCreated)
	}
	for _, r := range rep.Refused {
		fmt.Fprintf(w, "  line %d refused: %s\n", r.Line, r.Reason)
	}
	if len(rep.Refused) > 0 {
		return fmt.Errorf("%d of %d rows refused (listed above); the others were %s", len(rep.Refused), rep.Rows, verb)
	}
	return nil
}
