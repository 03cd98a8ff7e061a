// Command fluxd is the Flux reference server: it wires Flux's packages into
// one HTTP server implementing the whole Flux API.
//
// Usage:
//
//	fluxd [serve]                       start the server (the default)
//	fluxd migrate                       apply the database migrations and exit
//	fluxd token --user ID|EMAIL [--ttl 24h]   print a local-mode token
//	fluxd ingest DIR                    index the article files (.md, .txt) under DIR
//	fluxd version                       print the version
//
// With no configuration at all it serves on 127.0.0.1:8000 from an embedded
// SQLite database in ./data; see the README for every setting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fluxlife/flux/internal/gctune"
	"github.com/joho/godotenv"
)

// gcHeapFloor is the heap goal gctune keeps while the live heap is below
// half of it.
const gcHeapFloor = 64 << 20

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A .env file in the working directory fills in what the environment
	// does not set.
	if err := godotenv.Load(); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "fluxd: reading .env: %v\n", err)
		os.Exit(2)
	}
	// Unless GOGC is set, the heap may grow to 64 MiB before a collection
	// while the live heap is small (gctune): fewer collections under load.
	if os.Getenv("GOGC") == "" {
		defer gctune.Start(gcHeapFloor)()
	}
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "fluxd: %v\n", err)
		os.Exit(1)
	}
}

// run is fluxd without the process: arguments, environment and output are
// passed in, so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("fluxd "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch cmd {
	case "serve":
		cfg, err := loadConfig(fs, args, getenv)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stderr, nil)
	case "migrate":
		cfg, err := loadConfig(fs, args, getenv)
		if err != nil {
			return err
		}
		return migrate(ctx, cfg, stdout, stderr)
	case "token":
		user := fs.String("user", "", "user id (UUID) or e-mail address; created when unknown")
		ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
		cfg, err := loadConfig(fs, args, getenv)
		if err != nil {
			return err
		}
		return token(ctx, cfg, *user, *ttl, stdout, stderr)
	case "ingest":
		cfg, err := loadConfig(fs, args, getenv)
		if err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("ingest: want one directory, got %d arguments\n%s", fs.NArg(), usage)
		}
		return ingest(ctx, cfg, fs.Arg(0), stdout, stderr)
	case "version":
		_, err := fmt.Fprintln(stdout, "fluxd", version)
		return err
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  fluxd [serve]                              start the server (default)
  fluxd migrate                              apply database migrations and exit
  fluxd token --user ID|EMAIL [--ttl 24h]    print a local-mode token
  fluxd ingest DIR                           index the article files (.md, .txt) under DIR
  fluxd version                              print the version
Settings come from the environment, a .env file, or flags (fluxd serve -h).
`
