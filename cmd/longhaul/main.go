// Command longhaul is the Longhaul server and command-line tool.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/longhaul/longhaul/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Getenv, cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
