package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fluxlife/flux/fluxtest"
)

// TestMain lets a test run this test binary as fluxd itself (a separate
// process it can kill -9): with FLUXD_TEST_MAIN=1 it is fluxd's main.
func TestMain(m *testing.M) {
	if os.Getenv("FLUXD_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// process is fluxd running as a child process.
type process struct {
	cmd  *exec.Cmd
	logs *fluxtest.Logs
	done chan struct{}
}

// spawn starts fluxd as a child process with vars as its whole
// configuration and waits until it answers.
func spawn(t *testing.T, vars map[string]string, url string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{"FLUXD_TEST_MAIN=1", "HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Dir = t.TempDir() // no .env file there
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &fluxtest.Logs{}, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.logs.Write(append(sc.Bytes(), '\n'))
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	f := &fluxd{url: url}
	waitUntil(t, "the child fluxd to answer", func() bool {
		select {
		case <-p.done:
			t.Fatalf("fluxd exited:\n%s", p.logs)
		default:
		}
		code, _ := f.callQuiet("GET", "/health")
		return code == 200
	})
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// callQuiet is a GET that reports failure instead of failing the test.
func (f *fluxd) callQuiet(method, path string) (int, error) {
	req, _ := http.NewRequest(method, f.url+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestKillBetweenSteps is case (a): fluxd is killed with SIGKILL after an
// escalation's first step and before its second; restarted after the
// second step's time, it sends the second step right away and the third at
// its time, each exactly once, and the log shows each step once.
func TestKillBetweenSteps(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			push := fluxtest.NewPushService(t)
			tw := fluxtest.NewTwilio(t)
			port := freePort(t)
			url := "http://127.0.0.1:" + strconv.Itoa(port)
			vars := map[string]string{
				"PORT": strconv.Itoa(port), "FLUX_DATA_DIR": t.TempDir(), "FLUX_PUSH_ALLOWED_HOSTS": push.Host(),
				"TWILIO_ACCOUNT_SID": tw.AccountSID(), "TWILIO_AUTH_TOKEN": tw.AuthToken(), "TWILIO_API_BASE_URL": tw.URL(),
				"TWILIO_PHONE_NUMBER": "+15005550006", "TWILIO_WEBHOOK_BASE_URL": url, "LOG_LEVEL": "DEBUG",
			}
			if backend == "postgres" {
				vars["DATABASE_URL"] = freshPostgresURL(t)
			}
			p := spawn(t, vars, url)
			f := &fluxd{url: url}
			alice := mintToken(t, vars, "alice@example.com")
			const phone = "+4915112345678"
			if code, body := f.call(t, "PATCH", "/api/v1/account/me", alice, `{"phone_number": "`+phone+`"}`); code != 200 {
				t.Fatalf("set phone = %d %v", code, body)
			}
			if code, body := f.call(t, "PUT", "/api/v1/escalation/policies", alice, `{"policies": {"must_not_miss": [
				{"channel": "push", "wait_time_seconds": 0}, {"channel": "whatsapp", "wait_time_seconds": 4}, {"channel": "call", "wait_time_seconds": 4}]}}`); code != 200 {
				t.Fatalf("set policy = %d %v", code, body)
			}
			if code, _ := f.call(t, "POST", "/notifications/push/subscribe", alice, subscribeBody(push.Subscribe(), "phone")); code != 200 {
				t.Fatal("subscribe")
			}
			var created struct {
				Escalation struct {
					ID    string `json:"id"`
					Steps []struct {
						DueAt time.Time `json:"due_at"`
					} `json:"steps"`
				} `json:"escalation"`
			}
			if code := f.callJSON(t, "POST", "/api/escalation-demo/trigger", alice, `{"title": "Insulin", "message": "before dinner", "speed": "1x"}`, &created); code != 201 {
				t.Fatalf("trigger = %d", code)
			}
			esc := created.Escalation
			q := "?escalation_id=" + esc.ID
			waitUntil(t, "the push to be sent and recorded", func() bool {
				ns := f.notifications(t, alice, q)
				return len(ns) == 1 && ns[0].Status == "sent"
			})
			p.kill() // between the first and the second step
			if len(tw.Messages()) != 0 {
				t.Fatal("the second step was sent before the kill")
			}
			time.Sleep(time.Until(esc.Steps[1].DueAt.Add(1500 * time.Millisecond)))
			restart := time.Now()
			spawn(t, vars, url)
			waitUntil(t, "the WhatsApp step after the restart", func() bool { return len(tw.Messages()) == 1 })
			waSent := time.Now()
			waitUntil(t, "the call step", func() bool { return len(tw.Calls()) == 1 })
			callSent := time.Now()
			time.Sleep(2 * time.Second) // anything sent twice would show by now

			if n := len(push.Messages()); n != 1 {
				t.Errorf("%d pushes, want 1", n)
			}
			creates := map[string]int{}
			for _, r := range tw.Requests() {
				if r.Method == "POST" && (strings.HasSuffix(r.Path, "/Messages.json") || strings.HasSuffix(r.Path, "/Calls.json")) {
					creates[r.Path]++
				}
			}
			for path, n := range creates {
				if n != 1 {
					t.Errorf("%d requests to %s, want 1", n, path)
				}
			}
			if len(tw.Messages()) != 1 || len(tw.Calls()) != 1 {
				t.Errorf("twilio has %d messages and %d calls, want 1 and 1", len(tw.Messages()), len(tw.Calls()))
			}
			if waSent.Sub(restart) > 10*time.Second {
				t.Errorf("the overdue WhatsApp went out %s after the restart", waSent.Sub(restart))
			}
			if callSent.Before(esc.Steps[2].DueAt) {
				t.Errorf("the call went out at %s, before its time %s", callSent, esc.Steps[2].DueAt)
			}
			ns := f.notifications(t, alice, q)
			byChannel := map[string]int{}
			for _, n := range ns {
				byChannel[n.Channel]++
				if n.Status != "sent" || n.Attempts != 1 {
					t.Errorf("log entry %+v", n)
				}
			}
			if byChannel["push"] != 1 || byChannel["whatsapp"] != 1 || byChannel["call"] != 1 {
				b, _ := json.Marshal(ns)
				t.Errorf("the escalation's log: %s", b)
			}
			t.Logf("WhatsApp due %s, sent %s after the restart; call due %s, sent %s",
				esc.Steps[1].DueAt.Format(time.StampMilli), waSent.Sub(restart).Round(time.Millisecond),
				esc.Steps[2].DueAt.Format(time.StampMilli), callSent.Sub(esc.Steps[2].DueAt).Round(time.Millisecond))
		})
	}
}
