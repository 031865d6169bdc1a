// Command coopdesk is the one binary of coopdesk: the GraphQL server, the veille worker and
// the administration commands. main only wires the process to the command line.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"coopdesk/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := profile(os.Getenv("COOPDESK_CPUPROFILE"))
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv})
	stopProfile()
	stop()
	os.Exit(code)
}

// profile writes a CPU profile of the whole command to path, when set (for measuring a
// command such as `fetch --all`; read it with `go tool pprof`). The returned function ends it.
func profile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "coopdesk: COOPDESK_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
