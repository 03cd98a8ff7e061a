// Package httpapi is fluxd's HTTP layer: routes on net/http's ServeMux
// patterns, strict JSON decoding, flux.Error to status mapping, request ids,
// panic recovery, access logs, CORS and authentication, and the OpenAPI
// document of exactly the routes it serves. It holds no business logic: each
// handler decodes, calls the feature packages and the store, and encodes.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/httpapi/auth/gotrue"
	"github.com/fluxlife/flux/httpapi/internal/keyrate"
	"github.com/fluxlife/flux/httpapi/metrics"
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/voice"
	"github.com/rs/cors"
)

// DefaultCORSOrigins are the origins allowed when none are configured.
var DefaultCORSOrigins = []string{"http://localhost:3000", "http://localhost:5173"}

// Config wires a Server.
type Config struct {
	// Store is the Flux database. Required.
	Store flux.Store
	// Auth verifies callers. Required.
	Auth *auth.Authenticator
	// Clock; nil means the system clock.
	Clock flux.Clock
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// AccessLog receives the line logged for each request ("http request",
	// at INFO); nil means Logger. fluxd gives it a handler on a buffered
	// writer (internal/logbuf), so that a request costs no write of its own.
	AccessLog *slog.Logger
	// CORSOrigins are the allowed browser origins; nil means
	// DefaultCORSOrigins. "*" allows any origin (without credentials).
	CORSOrigins []string
	// Checks are run by /ready besides the store's Ping, by name (e.g. the
	// job queue).
	Checks map[string]func(context.Context) error
	// Version is reported by /health and the OpenAPI document.
	Version string
	// RAG is the article library of the /api/v1/rag routes (a
	// *rag.Library); nil makes them answer 503 "RAG is not configured".
	RAG RAG
	// Planner plans goals; nil means the offline planner
	// (planner.Offline).
	Planner planner.Planner
	// Goals is the goal service of the goal routes; nil means one built
	// from Planner and Scheduler. Pass the one the voice intents use, so
	// both share it.
	Goals *planner.Service
	// Paid lists the paid providers configured (an LLM key, Deepgram's,
	// Twilio's account). Only the routes that call one of these are rate
	// limited, per user, with one bucket per provider; nil limits nothing.
	Paid []Provider
	// ExpensivePerMinute and ExpensiveBurst are each user's rate limit on
	// each paid provider; 0 means DefaultExpensivePerMinute and
	// DefaultExpensiveBurst, and a negative value of either turns the
	// limits off.
	ExpensivePerMinute float64
	ExpensiveBurst     int
	// Scheduler serves the task, calendar and scheduling routes and places
	// the tasks of every saved plan; nil means a scheduler.Service over
	// Store with the default settings and Clock.
	Scheduler *scheduler.Service
	// DemoUserID, when set, is the user the /scheduler/* compatibility
	// routes act for when a request carries no Authorization header (the
	// original frontend calls them without a token); the user is created
	// when missing. Empty (the default) requires a token there too.
	DemoUserID string
	// DemoUser, when set, is a user id or an e-mail address naming the user
	// the /scheduler/* compatibility routes act for on a request without an
	// Authorization header. It is looked up on every request: an id not
	// yet known is created, an e-mail address not yet registered (a user
	// who has yet to sign up) serves an empty timeline. It takes precedence
	// over DemoUserID.
	DemoUser string
	// SignIn serves the Supabase Auth subset under /auth/v1 (local
	// sign-in); nil in local mode means one with the default settings and
	// no anon key. Never served when Auth verifies Supabase's tokens.
	SignIn *gotrue.Handler
	// PhoneVerifier sends and checks the codes of the phone verification
	// routes; nil makes them answer 503 saying how to configure Twilio
	// Verify.
	PhoneVerifier PhoneVerifier
	// Voice serves the /api/v1/voice routes (a *voice.Service, whose
	// Create answers 503 with how to configure Deepgram when it has no
	// key); nil makes every voice route answer 503 "voice is not
	// configured".
	Voice voice.Session
	// Notify wires the notification, escalation and notifier routes; nil
	// makes them answer 503 "notifications are not configured" (the
	// priority model's read-only routes still answer).
	Notify *Notify
	// Chat serves the /api/v1/chat routes; nil means a planner.Chat over
	// Goals and Scheduler with the offline router and ChatTimes.
	Chat *planner.Chat
	// Patterns is the pattern observer of the /api/pattern-observer
	// routes; nil means one over Store with the default settings and Clock.
	Patterns *scheduler.PatternService
	// Metrics records every request by route pattern and serves GET
	// /metrics to an admin; nil means a new metrics.Metrics of the
	// server's own.
	Metrics *metrics.Metrics
}

// Server serves the Flux HTTP API.
type Server struct {
	store      flux.Store
	auth       *auth.Authenticator
	clock      flux.Clock
	log        *slog.Logger
	access     slog.Handler // the access log's
	checks     map[string]func(context.Context) error
	version    string
	rag        RAG
	planner    planner.Planner
	goals      *planner.Service
	limits     limits
	sched      *scheduler.Service
	demoID     string
	voice      voice.Session
	signIn     *gotrue.Handler
	phone      PhoneVerifier
	phoneLimit *keyrate.Limiter
	notify     *Notify
	chat       *planner.Chat
	patterns   *scheduler.PatternService
	metrics    *metrics.Metrics

	mux     *http.ServeMux
	routes  []Route
	handler http.Handler
}

// New returns a Server with every route registered.
func New(cfg Config) *Server {
	s := &Server{
		store: cfg.Store, auth: cfg.Auth, clock: cfg.Clock, log: cfg.Logger,
		checks: cfg.Checks, version: cfg.Version, planner: cfg.Planner, mux: http.NewServeMux(),
	}
	if s.clock == nil {
		s.clock = flux.SystemClock{}
	}
	if s.auth != nil && s.store != nil {
		// A user changed or deleted here is forgotten by the auth cache.
		s.store = s.auth.Watch(s.store)
	}
	s.limits = newLimits(paidProviders(cfg), cfg.ExpensivePerMinute, cfg.ExpensiveBurst)
	s.rag = cfg.RAG
	if s.log == nil {
		s.log = slog.Default()
	}
	s.access = s.log.Handler()
	if cfg.AccessLog != nil {
		s.access = cfg.AccessLog.Handler()
	}
	if s.version == "" {
		s.version = "dev"
	}
	s.sched, s.demoID = cfg.Scheduler, strings.ToLower(strings.TrimSpace(cfg.DemoUserID))
	if d := strings.TrimSpace(cfg.DemoUser); d != "" {
		s.demoID = d
	}
	if s.sched == nil {
		s.sched = scheduler.NewService(s.store, &scheduler.ServiceOptions{Clock: s.clock, Logger: s.log})
	}
	if s.goals = cfg.Goals; s.goals == nil {
		p := s.planner
		if p == nil {
			p = &planner.Offline{Clock: s.clock}
		}
		s.goals = planner.NewService(s.store, p, &planner.ServiceOptions{Clock: s.clock, Logger: s.log, Placer: s.sched})
	}
	s.voice = cfg.Voice
	s.notify = cfg.Notify
	if s.patterns = cfg.Patterns; s.patterns == nil {
		s.patterns = scheduler.NewPatternService(s.store, &scheduler.PatternOptions{Clock: s.clock, Logger: s.log})
	}
	if s.metrics = cfg.Metrics; s.metrics == nil {
		s.metrics = metrics.New()
	}
	if s.chat = cfg.Chat; s.chat == nil {
		s.chat = planner.NewChat(s.goals, &planner.ChatOptions{Times: ChatTimes(), Scheduler: s.sched, Logger: s.log})
	}
	s.phone, s.phoneLimit = cfg.PhoneVerifier, newUserLimiter(PhoneSendsPerHour/60.0, PhoneSendsPerHour)
	if s.auth != nil && s.auth.Mode() == auth.ModeLocal {
		s.signIn = cfg.SignIn
		if s.signIn == nil {
			s.signIn, _ = gotrue.New(gotrue.Config{Auth: s.auth, Clock: s.clock, Logger: s.log})
		}
	}
	s.registerRoutes()
	origins := cfg.CORSOrigins
	if origins == nil {
		origins = DefaultCORSOrigins
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: !contains(origins, "*"),
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete, http.MethodOptions},
		// apikey, X-Client-Info and X-Supabase-Api-Version are what
		// supabase-js sends to the /auth/v1 routes.
		AllowedHeaders: []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID",
			"apikey", "X-Client-Info", "X-Supabase-Api-Version"},
		ExposedHeaders: []string{"X-Request-ID", "Retry-After", "X-Supabase-Api-Version"},
		MaxAge:         600,
	})
	s.handler = s.observe(c.Handler(http.HandlerFunc(s.route)))
	return s
}

// methods the API uses, for the Allow header of a 405.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// route dispatches to the mux, answering unknown paths (404) and known
// paths with another method (405, with Allow) in the API's error shape
// instead of the mux's plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.writeError(w, r, &flux.Error{Code: flux.ENotFound, Message: "Not Found"})
		return
	}
	if contains(allow, http.MethodGet) {
		allow = append(allow, http.MethodHead)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, errorBody{Detail: "Method Not Allowed", Code: "method_not_allowed"})
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes returns the registered routes, in registration order.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Route describes one registered route; the OpenAPI document is built from
// these.
type Route struct {
	Method  string
	Path    string // ServeMux path pattern, e.g. /api/v1/tasks/{id}
	Summary string
	Tag     string
	// Public routes need no token.
	Public bool
	// SelfAuth routes take a bearer token but check it themselves (the
	// /auth/v1 routes, whose errors have Supabase Auth's shape).
	SelfAuth bool
	// ErrorSchema, when set, is an example value of the route's error body
	// (else the API's {"detail", "code"}).
	ErrorSchema any
	// DemoUser routes act for Config.DemoUserID, when it is set, on a
	// request without an Authorization header.
	DemoUser bool
	// OptionalBody marks a Request body that may be left out.
	OptionalBody bool
	// Request and Response are example values whose types describe the
	// bodies; nil for none.
	Request  any
	Response any
	// Status is the success status (200 when 0).
	Status int
}

// handlerFunc is a handler that returns an error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers a route. Non-public routes authenticate first and put
// the acting user in the context (see caller).
func (s *Server) handle(rt Route, h handlerFunc) {
	s.routes = append(s.routes, rt)
	pattern := rt.Path
	if strings.HasSuffix(pattern, "/") && pattern != "/" {
		pattern += "{$}" // the path itself, not the subtree below it
	}
	s.mux.Handle(rt.Method+" "+pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(keyLogInfo).(*logInfo); ok {
			info.pattern = r.Pattern
		}
		if !rt.Public && !rt.SelfAuth {
			var err error
			if rt.DemoUser && s.demoID != "" && r.Header.Get("Authorization") == "" {
				r, err = s.actAsDemoUser(r)
			} else {
				r, err = s.authenticate(r)
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}))
}

func (s *Server) registerRoutes() {
	s.systemRoutes()
	s.signInRoutes()
	s.accountRoutes()
	s.phoneRoutes()
	s.goalRoutes()
	s.ragRoutes()
	s.taskRoutes()
	s.calendarRoutes()
	s.schedulerRoutes()
	s.voiceRoutes()
	s.priorityRoutes()
	s.notificationLogRoutes()
	s.pushRoutes()
	s.accountPushRoutes()
	s.twilioRoutes()
	s.escalationRoutes()
	s.chatRoutes()
	s.analyticsRoutes()
	s.patternRoutes()
	s.metricsRoutes()
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// ParseOrigins splits a CORS_ORIGINS value: a comma-separated list or a
// JSON array as the original accepted.
func ParseOrigins(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.Trim(strings.TrimSpace(p), `"'`)
		if p != "" {
			out = append(out, strings.TrimRight(p, "/"))
		}
	}
	return out
}

// now returns the server's current time.
func (s *Server) now() time.Time { return s.clock.Now() }
