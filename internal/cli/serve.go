package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"coopdesk/ent"
	"coopdesk/ent/user"
	"coopdesk/internal/auth"
	"coopdesk/internal/server"
)

func init() {
	register("serve", "serve the GraphQL API, the IDE and the health and metrics endpoints", serve)
	register("migrate", "create or update the database schema and load the reference data", migrate)
}

func serve(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "serve", "[--addr HOST:PORT] [--worker]")
	addr := fs.String("addr", "", "listen address (default $COOPDESK_ADDR or 127.0.0.1:8080)")
	withWorker := fs.Bool("worker", false, "also run the veille worker in this process (stops with the server)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if *addr != "" {
		cfg.Addr = *addr
	}
	var token string
	err = db.Exclusive(ctx, func() error {
		if err := prepare(ctx, db); err != nil {
			return err
		}
		token, err = bootstrapAdmin(ctx, db.Client)
		return err
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := server.New(db, cfg)
	fmt.Fprintf(env.Stdout, "coopdesk listening on http://%s/ (GraphQL at http://%s/graphql)\n", ln.Addr(), ln.Addr())
	if token != "" {
		fmt.Fprintf(env.Stdout, "First start: bootstrap admin token (shown once, keep it safe):\n%s\n", token)
	}
	if !*withWorker {
		err = srv.Serve(ctx, ln)
		slog.Info("server stopped")
		return err
	}
	w, err := newWorker(ctx, cfg, db, srv.Metrics().Registry(), true)
	if err != nil {
		ln.Close()
		return err
	}
	defer w.Close()
	workerCtx, stopWorker := context.WithCancel(ctx)
	stopDigests, err := startDigests(workerCtx, cfg, db)
	if err != nil {
		stopWorker()
		ln.Close()
		return err
	}
	defer stopDigests()
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		_ = w.Run(workerCtx)
	}()
	err = srv.Serve(ctx, ln)
	stopWorker()
	<-workerDone
	slog.Info("server stopped")
	return err
}

func migrate(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "migrate", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "database is up to date")
	return nil
}

// bootstrapAdmin creates the first admin and returns its token when the database has no
// user yet; otherwise it returns "".
func bootstrapAdmin(ctx context.Context, client *ent.Client) (string, error) {
	n, err := client.User.Query().Count(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	token, _, err := auth.CreateUserWithToken(ctx, client, "admin", user.RoleAdmin)
	return token, err
}
