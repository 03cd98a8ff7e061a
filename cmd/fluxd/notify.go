package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/escalation"
	"github.com/fluxlife/flux/httpapi"
	"github.com/fluxlife/flux/httpapi/metrics"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/twilio"
	"github.com/fluxlife/flux/notify/webpush"
	"github.com/fluxlife/flux/scheduler"
	"github.com/fluxlife/flux/store/jobs"
)

// notifications is the notification machinery as fluxd wires it: the
// channels (Web Push always, with VAPID keys from the environment or
// generated once and stored; WhatsApp and calls through Twilio when its keys
// are set, else the log channel), the dispatcher, escalations and the
// notifier, whose watched store every service that writes tasks uses.
type notifications struct {
	dispatcher *notify.Dispatcher
	esc        *escalation.Service
	notifier   *escalation.Notifier
	store      flux.Store // the store, watched by the notifier
	tasks      *taskCloser
	// patterns is the pattern observer: it hears of every task done or
	// missed, times the first reminders, and weights the scheduler.
	patterns *scheduler.PatternService
	api      *httpapi.Notify
	// verifier verifies phone numbers (Twilio Verify); nil when
	// TWILIO_VERIFY_SERVICE_SID is not set.
	verifier httpapi.PhoneVerifier
	caps     [][2]string
}

// taskCloser is the scheduler, set once it exists (it needs the watched
// store, which needs the notifier, which needs it).
type taskCloser struct{ s *scheduler.Service }

func (c *taskCloser) Complete(ctx context.Context, u *flux.User, id string) (*flux.Task, error) {
	return c.s.Complete(ctx, u, id)
}

func (c *taskCloser) Missed(ctx context.Context, u *flux.User, id string) (*flux.Task, error) {
	return c.s.Missed(ctx, u, id)
}

// openNotifications builds the machinery over st from the environment.
func openNotifications(ctx context.Context, cfg *config, st flux.Store, clock flux.Clock, log *slog.Logger, m *metrics.Metrics) (*notifications, error) {
	env := cfg.env
	nlog := log.With("component", "notify")
	n := &notifications{tasks: &taskCloser{}}
	keys, err := webpush.LoadKeys(ctx, st.Secrets(), env("VAPID_PRIVATE_KEY"), env("VAPID_PUBLIC_KEY"))
	if err != nil {
		return nil, fmt.Errorf("web push: %w", err)
	}
	allowed := splitList(env("FLUX_PUSH_ALLOWED_HOSTS"))
	push, err := webpush.New(st.PushSubscriptions(), keys, &webpush.Options{
		Subscriber: env("VAPID_CLAIMS_EMAIL"), AllowedHosts: allowed, Clock: clock, Logger: nlog,
		HTTPClient: m.Client("push", webpush.DefaultTimeout),
	})
	if err != nil {
		return nil, fmt.Errorf("web push: %w", err)
	}
	pushDesc := "webpush (VAPID keys generated and kept in the store)"
	if env("VAPID_PRIVATE_KEY") != "" {
		pushDesc = "webpush (VAPID keys from VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY)"
	}
	if len(allowed) > 0 {
		pushDesc += "; also allowed: " + strings.Join(allowed, ", ")
	}
	channels := []notify.Channel{push}
	paid := map[flux.Channel]bool{}
	waDesc, callDesc := "log (set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)", "log (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER and TWILIO_WEBHOOK_BASE_URL)"
	var tw *twilio.Client
	if env("TWILIO_ACCOUNT_SID") != "" || env("TWILIO_AUTH_TOKEN") != "" {
		tw, err = twilio.New(twilio.Config{
			AccountSID: env("TWILIO_ACCOUNT_SID"), AuthToken: env("TWILIO_AUTH_TOKEN"),
			WhatsAppFrom: env("TWILIO_WHATSAPP_FROM"), PhoneNumber: env("TWILIO_PHONE_NUMBER"),
			WhatsAppTemplateSID: env("TWILIO_WHATSAPP_TEMPLATE_SID"), VerifyServiceSID: env("TWILIO_VERIFY_SERVICE_SID"),
			APIBaseURL: env("TWILIO_API_BASE_URL"), WebhookBaseURL: env("TWILIO_WEBHOOK_BASE_URL"),
			Clock: clock, Logger: nlog, Transport: m.Transport("twilio", nil),
		})
		if err != nil {
			return nil, err
		}
		via := ""
		if b := env("TWILIO_API_BASE_URL"); b != "" {
			via = " via " + redactURL(b)
		}
		channels = append(channels, twilio.NewWhatsApp(tw))
		paid[flux.ChannelWhatsApp] = true
		waDesc = "twilio" + via
		if env("TWILIO_WHATSAPP_TEMPLATE_SID") != "" {
			waDesc += " (template outside the 24-hour window)"
		}
		if call, err := twilio.NewCall(tw); err == nil {
			channels = append(channels, call)
			paid[flux.ChannelCall] = true
			callDesc = "twilio" + via
		} else {
			callDesc = "log (" + strings.TrimPrefix(err.Error(), "twilio: ") + ")"
		}
		if env("TWILIO_VERIFY_SERVICE_SID") != "" {
			v, err := twilio.NewVerifier(tw)
			if err != nil {
				return nil, err
			}
			n.verifier = v
		}
		if env("TWILIO_WEBHOOK_BASE_URL") == "" {
			log.Warn("TWILIO_WEBHOOK_BASE_URL is not set: Twilio's webhooks (replies, call keys, statuses) cannot be verified or received")
		}
	}
	lead, err := envMinutes(env, "REMINDER_LEAD_MINUTES", escalation.DefaultLead)
	if err != nil {
		return nil, err
	}
	grace, err := envMinutes(env, "AUTO_MISS_GRACE_MINUTES", escalation.DefaultGrace)
	if err != nil {
		return nil, err
	}
	// Once numbers can be verified, WhatsApp and calls go only to verified
	// ones.
	n.dispatcher = notify.NewDispatcher(st, &notify.Options{Channels: channels, Clock: clock, Logger: nlog, AppURL: env("APP_BASE_URL"),
		RequireVerifiedPhone: n.verifier != nil, Observer: m})
	n.esc = escalation.NewService(st, n.dispatcher, &escalation.Options{Clock: clock, Logger: log.With("component", "escalation")})
	n.patterns = scheduler.NewPatternService(st, &scheduler.PatternOptions{Clock: clock, Logger: log.With("component", "patterns")})
	n.notifier = escalation.NewNotifier(st, n.esc, n.tasks, &escalation.NotifierOptions{
		Lead: lead, Grace: grace, Clock: clock, Logger: log.With("component", "notifier"),
		Observer: n.patterns, Timing: n.patterns,
	})
	n.store = n.notifier.Watch(st)
	n.api = &httpapi.Notify{Dispatcher: n.dispatcher, Escalations: n.esc, Notifier: n.notifier,
		VAPIDPublicKey: keys.Public, PushAllowedHosts: allowed, Twilio: tw, Paid: paid}
	phoneDesc := "off (set TWILIO_VERIFY_SERVICE_SID)"
	if n.verifier != nil {
		phoneDesc = "twilio verify; WhatsApp and calls only to verified numbers"
	}
	n.caps = [][2]string{
		{"push", pushDesc},
		{"whatsapp", waDesc},
		{"call", callDesc},
		{"phone verification", phoneDesc},
		{"notifier", fmt.Sprintf("reminders %s ahead (earlier for users who start early, up to %s), missed after %s unanswered", lead, escalation.MaxLearntLead, grace)},
		{"patterns", "learnt from done and missed tasks; recomputed after each and nightly"},
	}
	return n, nil
}

// register adds the machinery's jobs to ws and its sweep to periodic.
func (n *notifications) register(ws *jobs.Workers) ([]jobs.Periodic, error) {
	for _, err := range []error{
		jobs.Register(ws, n.dispatcher.Deliver),
		jobs.Register(ws, n.esc.Step),
		jobs.Register(ws, n.notifier.Remind),
		jobs.Register(ws, n.notifier.Sweep),
		jobs.Register(ws, n.patterns.Work),
	} {
		if err != nil {
			return nil, err
		}
	}
	return []jobs.Periodic{{Interval: escalation.DefaultSweep, RunOnStart: true, Args: func() flux.JobArgs { return escalation.SweepArgs{} }}}, nil
}

// envMinutes reads a whole number of minutes (1 to 1440).
func envMinutes(env func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(env(name))
	if v == "" {
		return def, nil
	}
	m, err := strconv.Atoi(v)
	if err != nil || m < 1 || m > 24*60 {
		return 0, fmt.Errorf("%s %q: want a whole number of minutes from 1 to 1440", name, v)
	}
	return time.Duration(m) * time.Minute, nil
}

// splitList splits a comma-separated setting, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
