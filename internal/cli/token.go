package cli

import (
	"context"
	"fmt"
	"strings"

	"coopdesk/internal/auth"
)

func init() {
	register("token", "manage API tokens: token create --name N --role admin|staff|viewer", tokenCmd)
}

func tokenCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(env.Stderr, "Usage: coopdesk token create --name NAME --role admin|staff|viewer")
			return nil
		}
		return fmt.Errorf("%w: coopdesk token create --name NAME --role admin|staff|viewer", errUsage)
	}
	fs := newFlags(env, "token create", "--name NAME --role admin|staff|viewer")
	name := fs.String("name", "", "who or what the token is for (a person, a dashboard)")
	roleName := fs.String("role", "", "admin, staff or viewer")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return fmt.Errorf("%w: --name is required", errUsage)
	}
	role, err := auth.ParseRole(*roleName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	token, _, err := auth.CreateUserWithToken(ctx, db.Client, strings.TrimSpace(*name), role)
	if err != nil {
		return err
	}
	// Only the token on stdout, so that scripts can capture it.
	fmt.Fprintln(env.Stdout, token)
	return nil
}
