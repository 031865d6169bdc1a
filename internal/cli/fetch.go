package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"coopdesk/worker"
	"coopdesk/worker/pipeline"
)

func init() {
	register("fetch", "fetch the due feeds once, then exit: fetch [--all] [--feed ID] [--no-tag]", fetchCmd)
}

func fetchCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "fetch", "[--all] [--feed ID[,ID…]] [--no-tag]")
	all := fs.Bool("all", false, "fetch every enabled feed, due or not (requests stay conditional)")
	feedList := fs.String("feed", "", "fetch only these feeds (comma-separated ids), due or not")
	noTag := fs.Bool("no-tag", false, "store the new articles untagged (e.g. a first import of many feeds); `coopdesk tag --retag --untagged` tags them later")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	var ids []int
	for s := range strings.SplitSeq(*feedList, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.Atoi(s)
		if err != nil || id <= 0 {
			return fmt.Errorf("%w: --feed wants feed ids, got %q", errUsage, s)
		}
		ids = append(ids, id)
	}
	if *all && len(ids) > 0 {
		return fmt.Errorf("%w: --all and --feed exclude each other", errUsage)
	}
	cfg, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	limitWorkerMemory(env)
	w, err := newWorker(ctx, cfg, db, nil, !*noTag)
	if err != nil {
		return err
	}
	defer w.Close()

	if len(ids) > 0 {
		for _, id := range ids {
			r, err := w.RefreshFeed(ctx, id)
			if err != nil {
				return err
			}
			printFeedResult(env, r)
		}
		return ctx.Err()
	}
	res, err := w.Pass(ctx, worker.PassOptions{All: *all})
	if err != nil {
		return err
	}
	statuses := make([]string, 0, len(res.ByStatus))
	for _, s := range slices.Sorted(maps.Keys(res.ByStatus)) {
		statuses = append(statuses, fmt.Sprintf("%s %d", s, res.ByStatus[s]))
	}
	fmt.Fprintf(env.Stdout, "%d feeds in %s (%s); items: %d new, %d updated, %d unchanged\n",
		res.Feeds, res.Duration.Round(1e6), strings.Join(statuses, ", "), res.Counts.New, res.Counts.Updated, res.Counts.Unchanged)
	return ctx.Err()
}

func printFeedResult(env Env, r pipeline.Result) {
	msg := ""
	if r.Message != "" {
		msg = ": " + r.Message
	}
	fmt.Fprintf(env.Stdout, "feed %d %s: %s%s; items: %d new, %d updated, %d unchanged\n",
		r.FeedID, r.URL, r.Status, msg, r.Counts.New, r.Counts.Updated, r.Counts.Unchanged)
}
