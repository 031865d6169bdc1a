// Command coopdesk is the one binary of coopdesk: the GraphQL server, the veille worker and
// the administration commands. main only wires the process to the command line.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"coopdesk/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
