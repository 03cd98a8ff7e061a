package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/httpapi/auth/gotrue"
	"github.com/fluxlife/flux/httpapi/metrics"
	"github.com/fluxlife/flux/internal/logbuf"
	"github.com/fluxlife/flux/planner"
	plannerai "github.com/fluxlife/flux/planner/openai"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/jobs"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/sqlite"
)

// shutdownGrace is how long in-flight requests and jobs get to finish.
const shutdownGrace = 10 * time.Second

// jobWorkers is how many jobs fluxd works at once, and poolConns the
// PostgreSQL connections it opens (unless DATABASE_URL's pool_max_conns
// says otherwise). Sends wait on providers, not on the CPU, and hold no
// connection meanwhile, so the workers need few. More connections than the
// database has cores to run them only queue there: under wrk (64
// connections, two cores) today's tasks went from 0.21x the bare handler
// with a p99 of 63-80 ms at 20 connections to 0.24x and 21 ms at 8.
const (
	jobWorkers = 16
	poolConns  = 8
)

// queue is the job queue as fluxd drives it.
type queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Ping(ctx context.Context) error
}

// backend is the opened database with its job queue.
type backend struct {
	store flux.Store
	queue queue
	desc  string
}

// openStore opens the configured store (PostgreSQL when DATABASE_URL is
// set, else SQLite in the data directory), applying migrations.
func openStore(ctx context.Context, cfg *config, clock flux.Clock) (flux.Store, string, error) {
	if cfg.DatabaseURL != "" {
		opts := &postgres.Options{Clock: clock}
		if !strings.Contains(cfg.DatabaseURL, "pool_max_conns") {
			opts.MaxConns = poolConns
		}
		st, err := postgres.Open(ctx, cfg.DatabaseURL, opts)
		if err != nil {
			return nil, "", fmt.Errorf("open postgres: %w", err)
		}
		return st, "postgres (" + redactURL(cfg.DatabaseURL) + ")", nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "flux.db")
	st, err := sqlite.Open(ctx, path, &sqlite.Options{Clock: clock})
	if err != nil {
		return nil, "", fmt.Errorf("open sqlite: %w", err)
	}
	return st, "sqlite (" + path + ")", nil
}

// openBackend opens the store and its job queue with the given workers.
func openBackend(ctx context.Context, cfg *config, clock flux.Clock, log *slog.Logger, m *metrics.Metrics, workers func(flux.Store) (*jobs.Workers, []jobs.Periodic, error)) (*backend, error) {
	st, desc, err := openStore(ctx, cfg, clock)
	if err != nil {
		return nil, err
	}
	ws, periodic, err := workers(st)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	// Jobs due at a time (reminders, escalation steps) run within a poll
	// interval of it; a quarter second keeps them punctual for one cheap
	// query a poll.
	jc := jobs.Config{Workers: ws, Periodic: periodic, Logger: log.With("component", "jobs"), PollInterval: 250 * time.Millisecond,
		MaxWorkers: jobWorkers, Observer: m}
	b := &backend{store: st, desc: desc}
	// Each store opens (and attaches) its own queue.
	switch s := st.(type) {
	case *postgres.Store:
		b.queue, err = s.NewQueue(jc)
	case *sqlite.Store:
		b.queue, err = s.NewQueue(jc)
	}
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	return b, nil
}

// workersFor registers the jobs fluxd runs.
func workersFor(clock flux.Clock, log *slog.Logger) func(flux.Store) (*jobs.Workers, []jobs.Periodic, error) {
	return func(st flux.Store) (*jobs.Workers, []jobs.Periodic, error) {
		ws := jobs.NewWorkers()
		if err := jobs.Register(ws, auth.PruneTokens(st, clock, log)); err != nil {
			return nil, nil, err
		}
		if err := jobs.Register(ws, scheduler.DriftWorker(st, clock)); err != nil {
			return nil, nil, err
		}
		periodic := []jobs.Periodic{
			{Interval: time.Hour, RunOnStart: true, Args: func() flux.JobArgs { return auth.PruneTokensArgs{} }},
			{Interval: time.Minute, RunOnStart: true, Args: func() flux.JobArgs { return scheduler.DriftArgs{} }},
		}
		return ws, periodic, nil
	}
}

// serve runs the server until ctx ends. ln, when not nil, is the listener
// to serve on (tests pass one on port 0).
func serve(ctx context.Context, cfg *config, logOut io.Writer, ln net.Listener) error {
	log := cfg.logger(logOut)
	// The access log (a line per request) is written in batches, each line
	// at most LOG_ACCESS_FLUSH late; the last ones when serve returns.
	accessLog := log
	if d, _ := cfg.accessFlush(); d > 0 {
		accessOut := logbuf.New(logOut, d, 64<<10)
		defer accessOut.Close()
		accessLog = cfg.logger(accessOut)
	}
	clock := flux.SystemClock{}
	m := metrics.New()
	var nm *notifications
	b, err := openBackend(ctx, cfg, clock, log, m, func(st flux.Store) (*jobs.Workers, []jobs.Periodic, error) {
		ws, periodic, err := workersFor(clock, log)(st)
		if err != nil {
			return nil, nil, err
		}
		if nm, err = openNotifications(ctx, cfg, st, clock, log, m); err != nil {
			return nil, nil, err
		}
		more, err := nm.register(ws)
		return ws, append(periodic, more...), err
	})
	if err != nil {
		return err
	}
	defer b.store.Close()
	observeBackend(m, b)
	// Every service that writes tasks writes them through the notifier's
	// watch, so reminders follow the tasks.
	store := nm.store

	authn, err := auth.New(ctx, auth.Config{
		Store: store, SupabaseURL: cfg.SupabaseURL, SupabaseJWTSecret: cfg.SupabaseJWTSecret,
		AdminToken: cfg.AdminToken, Clock: clock, Logger: log.With("component", "auth"),
		Peers: authPeers(b.store),
	})
	if err != nil {
		return err
	}
	listenAuth(ctx, b.store, authn, log)
	store = authn.Watch(store) // users changed anywhere leave the auth cache
	lib, ragDesc, closeLib, err := openLibrary(ctx, cfg, b.store, clock, log, m.Client("embeddings", providerBackstop))
	if err != nil {
		return err
	}
	defer closeLib() // after the server and the jobs have stopped
	indexBundled(ctx, lib, log)
	sd, err := schedulerDefaultsFromEnv(cfg.env)
	if err != nil {
		var fe *flux.Error
		if errors.As(err, &fe) && len(fe.Fields) > 0 {
			return fmt.Errorf("%s %s", fe.Fields[0].Field, fe.Fields[0].Message)
		}
		return err
	}
	sched := scheduler.NewService(store, &scheduler.ServiceOptions{Clock: clock, Defaults: &sd, Logger: log.With("component", "scheduler"), Weights: nm.patterns})
	nm.tasks.s = sched
	if demo := cfg.demoUser(); demo != "" {
		log.Warn("the /scheduler/* routes act for the demo user when called without a token", "user", demo)
	}
	var signIn *gotrue.Handler
	if authn.Mode() == auth.ModeLocal {
		signIn, err = gotrue.New(gotrue.Config{Auth: authn, AnonKey: cfg.anonKey(), Clock: clock, Logger: log.With("component", "sign-in")})
		if err != nil {
			return err
		}
	}
	pc := plannerConfigFromEnv(cfg.env)
	pc.HTTPClient = m.Client("llm", providerBackstop)
	var pl planner.Planner = &planner.Offline{Retriever: plannerRetriever(lib), Clock: clock}
	if pc.APIKey != "" {
		pl = plannerai.NewPlanner(pc, planner.LLMConfig{Clock: clock, Logger: log.With("component", "planner"), Retriever: plannerRetriever(lib)})
	}
	goals := planner.NewService(store, pl, &planner.ServiceOptions{Clock: clock, Logger: log.With("component", "planner"), Placer: sched})
	vs, voiceCap, err := openVoice(cfg, store, goals, sched, clock, log, m.Client("deepgram", providerBackstop))
	if err != nil {
		return err
	}
	chat, chatCap := openChat(cfg, pc, goals, sched, log)
	dr := &httpapi.Drain{}
	paid := paidProviders(pc.APIKey != "", vs.Configured())
	perMinute, burst, _ := cfg.rateLimit()
	srv := httpapi.New(httpapi.Config{
		Paid: paid, ExpensivePerMinute: perMinute, ExpensiveBurst: burst, Metrics: m,
		Store: store, Auth: authn, Clock: clock, Logger: log, AccessLog: accessLog, Version: version, Planner: pl, Goals: goals,
		Scheduler: sched, DemoUser: cfg.demoUser(), SignIn: signIn,
		CORSOrigins:   httpapi.ParseOrigins(cfg.CORSOrigins),
		RAG:           lib,
		Voice:         vs,
		Notify:        nm.api,
		PhoneVerifier: nm.verifier,
		Chat:          chat,
		Patterns:      nm.patterns,
		Checks:        map[string]func(context.Context) error{"jobs": b.queue.Ping, "shutdown": dr.Ready},
	})

	stopMetrics, err := serveMetrics(cfg, m, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	// Bind before the job queue starts: a port already taken ends the start
	// here, with nothing running against a store about to close.
	if ln == nil {
		ln, err = net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	if err := b.queue.Start(ctx); err != nil {
		_ = ln.Close()
		return err
	}
	for _, c := range append(append(capabilities(cfg, b, authn), [2]string{"rag", ragDesc}, [2]string{"voice", voiceCap}, [2]string{"chat", chatCap},
		[2]string{"rate limits", rateDesc(cfg, paid, paidTwilio(nm.api))}), nm.caps...) {
		log.Info("capability", "name", c[0], "provider", c[1])
	}
	hs := &http.Server{
		Handler:           dr.Handler(srv),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("fluxd listening", "url", "http://"+ln.Addr().String(), "version", version)
	if signIn != nil {
		key := "any non-empty value (set SUPABASE_ANON_KEY here to require one)"
		if cfg.anonKey() != "" {
			key = "the value of fluxd's SUPABASE_ANON_KEY"
		}
		log.Info("frontend sign-in: set the frontend's SUPABASE_URL and VITE_SUPABASE_URL to fluxd's URL, and its SUPABASE_ANON_KEY and VITE_SUPABASE_ANON_KEY to "+key,
			"SUPABASE_URL", "http://"+ln.Addr().String())
	}

	select {
	case err := <-errc:
		_ = b.queue.Stop(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Keep accepting until the clients have gone quiet (at most
	// FLUX_SHUTDOWN_DRAIN), answering with Connection: close and /ready
	// 503: closing the listener at once would reset the connections still
	// in its backlog and drop requests racing in on idle keep-alive ones.
	log.Info("fluxd shutting down", "drain", cfg.drain().String(), "grace", shutdownGrace.String())
	dr.Wait(httpapi.DrainQuiet, cfg.drain())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	herr := hs.Shutdown(sctx)
	if herr != nil {
		log.Warn("in-flight requests cut off", "error", herr)
		_ = hs.Close()
	}
	qerr := b.queue.Stop(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("fluxd stopped")
	return errors.Join(qerr)
}

// capabilities says, one line each, which provider serves what.
func capabilities(cfg *config, b *backend, a *auth.Authenticator) [][2]string {
	authDesc := "local tokens (fluxd token --user EMAIL) and sign-in at /auth/v1"
	if cfg.anonKey() != "" {
		authDesc += " (anon key required)"
	}
	if a.Mode() == auth.ModeSupabase {
		var parts []string
		if cfg.SupabaseJWTSecret != "" {
			parts = append(parts, "HS256 secret")
		}
		if cfg.SupabaseURL != "" {
			parts = append(parts, "JWKS of "+cfg.SupabaseURL)
		}
		authDesc = "supabase (" + strings.Join(parts, ", ") + ")"
	}
	if cfg.AdminToken != "" {
		authDesc += " + admin token"
	}
	return [][2]string{
		{"store", b.desc},
		{"jobs", "river on " + strings.SplitN(b.desc, " ", 2)[0]},
		{"auth", authDesc},
		{"planner", plannerDesc(plannerConfigFromEnv(cfg.env))},
	}
}

// plannerDesc says which planner the configuration selects.
func plannerDesc(pc plannerai.Config) string {
	if pc.APIKey == "" {
		return "offline (set " + EnvPlannerAPIKey + " for the LLM planner)"
	}
	return "llm (" + pc.Model + ") via " + redactURL(pc.BaseURL)
}

// redactURL returns a database URL safe to log: no user info, no query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "configured URL"
	}
	return u.Host + u.Path
}

// migrate applies the migrations (opening the store does) and exits.
func migrate(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	st, desc, err := openStore(ctx, cfg, flux.SystemClock{})
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = fmt.Fprintln(stdout, "migrations applied:", desc)
	return err
}

// token prints a local-mode token for a user, creating the user when the id
// or e-mail is unknown.
func token(ctx context.Context, cfg *config, who string, ttl time.Duration, stdout, stderr io.Writer) error {
	who = strings.TrimSpace(who)
	if who == "" {
		return errors.New("token: --user is required (a user id or an e-mail address)")
	}
	if cfg.SupabaseURL != "" || cfg.SupabaseJWTSecret != "" {
		return errors.New("token: Supabase auth is configured; sign in through Supabase to get a token")
	}
	st, _, err := openStore(ctx, cfg, flux.SystemClock{})
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := findOrCreateUser(ctx, st, who)
	if err != nil {
		return err
	}
	authn, err := auth.New(ctx, auth.Config{Store: st})
	if err != nil {
		return err
	}
	tok, err := authn.Issue(ctx, u, ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

func findOrCreateUser(ctx context.Context, st flux.Store, who string) (*flux.User, error) {
	if flux.ValidID(strings.ToLower(who)) {
		u, _, err := st.Users().EnsureUser(ctx, flux.NewUser(strings.ToLower(who), "", ""))
		return u, err
	}
	if !strings.Contains(who, "@") {
		return nil, fmt.Errorf("token: --user %q is neither a user id (UUID) nor an e-mail address", who)
	}
	u, err := st.Users().GetUserByEmail(ctx, who)
	if err == nil {
		return u, nil
	}
	if !flux.IsCode(err, flux.ENotFound) {
		return nil, err
	}
	name, _, _ := strings.Cut(who, "@")
	nu := flux.NewUser(flux.NewID(), who, name)
	if err := st.Users().CreateUser(ctx, nu); err != nil {
		if flux.IsCode(err, flux.EConflict) { // created concurrently
			return st.Users().GetUserByEmail(ctx, who)
		}
		return nil, err
	}
	return nu, nil
}
