package httpapi

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
)

// chromium returns the path of a Chromium to test the demo page with; the
// test is skipped when there is none, unless FLUX_TEST_REQUIRE_CHROMIUM=1
// (which .ci/run sets, having installed Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("FLUX_TEST_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("no chromium on PATH (FLUX_TEST_REQUIRE_CHROMIUM=1)")
	}
	t.Skip("no chromium on PATH; skipping the browser test (set FLUX_TEST_REQUIRE_CHROMIUM=1 to fail instead)")
	return ""
}

// TestEscalationDemoPageInChromium drives the demo page in headless
// Chromium as a person would: paste a token, trigger a must_not_miss
// escalation and watch push, WhatsApp and call go out live; trigger another
// and acknowledge it after its push, and nothing more is sent.
func TestEscalationDemoPageInChromium(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	e := newEnv(t, kindSQLite, auth.Config{})
	srv := httptest.NewServer(e.srv)
	defer srv.Close()
	tok, u := e.token("ada@example.com")
	if r := e.do("PATCH", "/api/v1/account/me", tok, `{"phone_number": "+4915112345678"}`); r.Code != 200 {
		t.Fatalf("phone = %d %s", r.Code, r.Body)
	}
	// A quick ladder, so the browser sees every step within seconds.
	if r := e.do("PUT", "/api/v1/escalation/policies", tok, `{"policies": {"must_not_miss": [
		{"channel": "push", "wait_time_seconds": 0}, {"channel": "whatsapp", "wait_time_seconds": 1}, {"channel": "call", "wait_time_seconds": 1}],
		"important": [{"channel": "push", "wait_time_seconds": 0}, {"channel": "whatsapp", "wait_time_seconds": 30}]}}`); r.Code != 200 {
		t.Fatalf("policies = %d %s", r.Code, r.Body)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	step := func(channel, status string) string {
		return `#steps li[data-channel="` + channel + `"][data-status="` + status + `"]`
	}
	began := time.Now()
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/api/escalation-demo"),
		chromedp.WaitVisible("#trigger"),
		chromedp.SetValue("#token", tok),
		chromedp.SetValue("#title", "Take the pills"),
		chromedp.SetValue("#speed", "1x"),
		chromedp.SetValue("#priority", "must_not_miss"),
		chromedp.Click("#trigger"),
		chromedp.WaitVisible(step("push", "sent")),
		chromedp.WaitVisible(step("whatsapp", "sent")),
		chromedp.WaitVisible(step("phone_call", "sent")),
	)
	if err != nil {
		t.Fatalf("the demo page: %v", err)
	}
	t.Logf("the first escalation ran in the page in %s", time.Since(began))
	state, err := chromedp.Run(ctx, chromedp.Text("#state"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(state, "exhausted") {
		t.Errorf("after the last step the page says %q", state)
	}

	// Acknowledge the next one after its push: nothing more is sent.
	err = chromedp.Do(ctx,
		chromedp.SetValue("#title", "Call the bank"),
		chromedp.SetValue("#priority", "important"),
		chromedp.Click("#trigger"),
		chromedp.WaitVisible(step("push", "sent")),
		chromedp.Click("#ack"),
		chromedp.WaitVisible(step("push", "acknowledged")),
		chromedp.WaitVisible(step("whatsapp", "skipped")),
	)
	if err != nil {
		t.Logf("the page's steps: %s", e.do("GET", "/api/escalation-demo/escalations", tok, nil).Body)
		t.Fatalf("acknowledging on the page: %v", err)
	}
	if state, err = chromedp.Run(ctx, chromedp.Text("#state")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(state, "acknowledged") {
		t.Errorf("after acknowledging the page says %q", state)
	}
	escs, _, err := e.store.Escalations().ListEscalations(context.Background(), u.ID, flux.EscalationFilter{}, flux.Page{})
	if err != nil || len(escs) != 2 {
		t.Fatalf("escalations: %d, %v", len(escs), err)
	}
	ns, _, err := e.store.Notifications().ListNotifications(context.Background(), u.ID, flux.NotificationFilter{EscalationID: escs[0].ID}, flux.Page{})
	if err != nil || len(ns) != 1 || ns[0].Channel != flux.ChannelPush {
		t.Errorf("the acknowledged escalation sent %d notifications (%v), want its push only", len(ns), err)
	}
}
