package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/store/postgres"
)

// TestReplicasSendEachStepOnce is case (b): two fluxd processes on one
// PostgreSQL share 1,000 escalations of 100 users (push, then WhatsApp 2 s
// later, then a call 2 s after that); every step is sent exactly once. It
// logs the sends, the duplicates and the lateness of the sends against
// their steps' times. FLUX_REPLICA_ESCALATIONS changes the number (a
// multiple of 100).
func TestReplicasSendEachStepOnce(t *testing.T) {
	t.Parallel()
	total := 1000
	if v := os.Getenv("FLUX_REPLICA_ESCALATIONS"); v != "" {
		total, _ = strconv.Atoi(v)
	}
	const users = 100
	perUser := max(total/users, 1)
	total = perUser * users

	push := fluxtest.NewPushService(t)
	tw := fluxtest.NewTwilio(t)
	dbURL := freshPostgresURL(t)
	ports := []int{freePort(t), freePort(t)}
	urls := []string{"http://127.0.0.1:" + strconv.Itoa(ports[0]), "http://127.0.0.1:" + strconv.Itoa(ports[1])}
	varsOf := func(i int) map[string]string {
		return map[string]string{
			"PORT": strconv.Itoa(ports[i]), "DATABASE_URL": dbURL, "FLUX_DATA_DIR": t.TempDir(), "FLUX_PUSH_ALLOWED_HOSTS": push.Host(),
			"TWILIO_ACCOUNT_SID": tw.AccountSID(), "TWILIO_AUTH_TOKEN": tw.AuthToken(), "TWILIO_API_BASE_URL": tw.URL(),
			"TWILIO_PHONE_NUMBER": "+15005550006", "TWILIO_WEBHOOK_BASE_URL": urls[0], "LOG_LEVEL": "WARN",
		}
	}
	spawn(t, varsOf(0), urls[0])
	spawn(t, varsOf(1), urls[1])
	replicas := []*fluxd{{url: urls[0]}, {url: urls[1]}}

	// 100 users with a phone, a push subscription and a quick ladder.
	type user struct {
		id, token string
	}
	us := make([]user, users)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			f := replicas[i%2]
			tok := mintToken(t, varsOf(0), fmt.Sprintf("user%03d@example.com", i))
			var me struct{ ID string }
			f.callJSON(t, "GET", "/api/v1/account/me", tok, "", &me)
			us[i] = user{id: me.ID, token: tok}
			phone := fmt.Sprintf("+49151%07d", i)
			if code, body := f.call(t, "PATCH", "/api/v1/account/me", tok, `{"phone_number": "`+phone+`"}`); code != 200 {
				t.Errorf("phone = %d %v", code, body)
			}
			if code, body := f.call(t, "PUT", "/api/v1/escalation/policies", tok, `{"policies": {"must_not_miss": [
				{"channel": "push", "wait_time_seconds": 0}, {"channel": "whatsapp", "wait_time_seconds": 2}, {"channel": "call", "wait_time_seconds": 2}]}}`); code != 200 {
				t.Errorf("policy = %d %v", code, body)
			}
			if code, _ := f.call(t, "POST", "/notifications/push/subscribe", tok, subscribeBody(push.Subscribe(), "phone")); code != 200 {
				t.Error("subscribe")
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// 1,000 escalations, started alternately on the two replicas.
	var started atomic.Int32
	begin := time.Now()
	for i := range users {
		for j := range perUser {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				f := replicas[(i+j)%2]
				if code, body := f.call(t, "POST", "/api/escalation-demo/trigger", us[i].token,
					fmt.Sprintf(`{"title": "Task %d.%d", "message": "due now", "speed": "1x"}`, i, j)); code != 201 {
					t.Errorf("trigger = %d %v", code, body)
					return
				}
				started.Add(1)
			}()
		}
	}
	wg.Wait()
	startedIn := time.Since(begin)
	if int(started.Load()) != total {
		t.Fatalf("started %d of %d escalations", started.Load(), total)
	}
	want := 3 * total
	waitLong(t, 5*time.Minute, fmt.Sprintf("%d sends", want), func() bool {
		return len(push.Messages())+len(tw.Messages())+len(tw.Calls()) >= want
	})
	time.Sleep(3 * time.Second) // a duplicate would show by now

	// Sends and duplicates, as the providers saw them.
	topics := map[string]int{}
	for _, m := range push.Messages() {
		topics[m.Topic]++
	}
	tokens := map[string]int{}
	for _, r := range tw.Requests() {
		if r.Method == "POST" && r.IdempotencyToken != "" {
			tokens[r.IdempotencyToken]++
		}
	}
	dups := 0
	for _, m := range []map[string]int{topics, tokens} {
		for _, n := range m {
			dups += n - 1
		}
	}
	sends := len(topics) + len(tokens)
	if sends != want || dups != 0 {
		t.Errorf("%d distinct sends (want %d), %d duplicates (want 0)", sends, want, dups)
	}
	if n := len(push.Messages()) + len(tw.Messages()) + len(tw.Calls()); n != want {
		t.Errorf("the providers received %d messages and calls, want %d", n, want)
	}

	// Lateness: when each step's send was recorded against its time.
	st, err := postgres.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var late []time.Duration
	for _, u := range us {
		ns, _, err := st.Notifications().ListNotifications(context.Background(), u.id, flux.NotificationFilter{}, flux.Page{Limit: flux.MaxPageLimit})
		if err != nil {
			t.Fatal(err)
		}
		sentAt := map[string]time.Time{}
		for _, n := range ns {
			if n.SentAt != nil {
				sentAt[n.ID] = *n.SentAt
			}
		}
		escs, _, err := st.Escalations().ListEscalations(context.Background(), u.id, flux.EscalationFilter{}, flux.Page{Limit: flux.MaxPageLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range escs {
			for _, s := range e.Steps {
				at, ok := sentAt[s.NotificationID]
				if !ok {
					t.Errorf("escalation %s: a %s step with no send recorded (%+v)", e.ID, s.Channel, s)
					continue
				}
				late = append(late, at.Sub(s.DueAt))
			}
		}
	}
	slices.Sort(late)
	if len(late) == 0 {
		t.Fatal("no sends recorded")
	}
	pct := func(p float64) time.Duration { return late[min(len(late)-1, int(p*float64(len(late))))] }
	t.Logf("%d escalations started in %s on 2 replicas; %d sends, %d duplicates; lateness of a send against its step's time: p50 %s, p90 %s, p99 %s, max %s",
		total, startedIn.Round(time.Millisecond), sends, dups, pct(0.5).Round(time.Millisecond), pct(0.9).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), late[len(late)-1].Round(time.Millisecond))
}

// waitLong is waitUntil with its own deadline.
func waitLong(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
