package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/store/postgres"
	"github.com/fluxlife/flux/store/sqlite"
)

// ackedGoal is a goal creation fluxd answered 201 to, with its plan.
type ackedGoal struct {
	userID, id string
	tasks      int
}

// ackedTask is a task creation or completion fluxd answered 2xx to.
type ackedTask struct {
	userID, id string
	completed  bool
}

// TestKillUnderWriteLoad: writers create goals (each with its planned
// milestones and tasks, one transaction), create tasks and complete them
// through HTTP against a child fluxd, which is killed with SIGKILL in the
// middle of it. After a restart every write fluxd acknowledged with a 2xx
// is there, and nothing is half-written: every stored goal has milestones,
// each with its tasks, and every acknowledged goal has exactly the tasks its
// answer showed. Both stores.
func TestKillUnderWriteLoad(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			base := "http://127.0.0.1:" + strconv.Itoa(port)
			dataDir := t.TempDir()
			vars := map[string]string{"PORT": strconv.Itoa(port), "FLUX_DATA_DIR": dataDir, "LOG_LEVEL": "WARN"}
			if backend == "postgres" {
				vars["DATABASE_URL"] = freshPostgresURL(t)
			}
			p := spawn(t, vars, base)
			f := &fluxd{url: base}

			const writers = 8
			type writer struct {
				id, token string
			}
			ws := make([]writer, writers)
			for i := range ws {
				tok := mintToken(t, vars, fmt.Sprintf("writer%d@example.com", i))
				var me struct{ ID string }
				if code := f.callJSON(t, "GET", "/api/v1/account/me", tok, "", &me); code != 200 {
					t.Fatalf("me = %d", code)
				}
				ws[i] = writer{id: me.ID, token: tok}
			}

			var (
				mu     sync.Mutex
				goals  []ackedGoal
				tasks  = map[string]*ackedTask{}
				acks   atomic.Int32
				failed atomic.Int32
				wg     sync.WaitGroup
			)
			client := &http.Client{Timeout: 30 * time.Second}
			stop := make(chan struct{})
			for i, w := range ws {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						var err error
						switch n % 3 {
						case 0: // a goal with its plan (429 once the planner's limit is reached)
							var g struct {
								ID         string `json:"id"`
								Milestones []struct {
									Tasks []struct{} `json:"tasks"`
								} `json:"milestones"`
							}
							var code int
							code, err = post(client, "POST", base+"/api/v1/goals", w.token, fmt.Sprintf(`{"title": "Run a 10k in %d weeks"}`, 8+n%10), &g)
							if err == nil && code == 201 {
								sum := 0
								for _, m := range g.Milestones {
									sum += len(m.Tasks)
								}
								mu.Lock()
								goals = append(goals, ackedGoal{userID: w.id, id: g.ID, tasks: sum})
								mu.Unlock()
								acks.Add(1)
							}
						case 1: // a task
							var tk struct{ ID string }
							var code int
							code, err = post(client, "POST", base+"/api/v1/tasks", w.token, fmt.Sprintf(`{"title": "Task %d.%d", "duration_minutes": 20}`, i, n), &tk)
							if err == nil && code == 201 {
								mu.Lock()
								tasks[tk.ID] = &ackedTask{userID: w.id, id: tk.ID}
								mu.Unlock()
								acks.Add(1)
							}
						case 2: // complete the writer's last acknowledged task
							mu.Lock()
							var last *ackedTask
							for _, a := range tasks {
								if a.userID == w.id && !a.completed {
									last = a
									break
								}
							}
							mu.Unlock()
							if last == nil {
								continue
							}
							var code int
							code, err = post(client, "PATCH", base+"/api/v1/tasks/"+last.id+"/complete", w.token, "", nil)
							if err == nil && code == 200 {
								mu.Lock()
								last.completed = true
								mu.Unlock()
								acks.Add(1)
							}
						}
						if err != nil {
							failed.Add(1)
							time.Sleep(50 * time.Millisecond) // fluxd is gone
						}
					}
				}()
			}
			waitLong(t, time.Minute, "100 acknowledged writes", func() bool { return acks.Load() >= 100 })
			p.kill()
			killedAt := acks.Load()
			time.Sleep(300 * time.Millisecond)
			close(stop)
			wg.Wait()
			if failed.Load() == 0 {
				t.Error("no request failed: the kill did not happen under load")
			}

			spawn(t, vars, base)
			mu.Lock()
			defer mu.Unlock()
			t.Logf("%d writes acknowledged before the kill (%d goals, %d tasks), %d requests failed", killedAt, len(goals), len(tasks), failed.Load())

			// Every acknowledged write, through the restarted fluxd.
			tokenOf := map[string]string{}
			for _, w := range ws {
				tokenOf[w.id] = w.token
			}
			for _, g := range goals {
				var got []struct{ ID string }
				if code := f.callJSON(t, "GET", "/api/v1/goals/"+g.id+"/tasks", tokenOf[g.userID], "", &got); code != 200 || len(got) != g.tasks {
					t.Errorf("acknowledged goal %s: %d, %d tasks; want 200 and %d", g.id, code, len(got), g.tasks)
				}
			}
			for _, a := range tasks {
				var got struct {
					Status string `json:"status"`
				}
				code := f.callJSON(t, "GET", "/api/v1/tasks/"+a.id, tokenOf[a.userID], "", &got)
				if code != 200 || (a.completed && got.Status != "done") {
					t.Errorf("acknowledged task %s (completed %v): %d, status %q", a.id, a.completed, code, got.Status)
				}
			}

			// Nothing half-written, acknowledged or not: every stored goal
			// has milestones, each with its tasks.
			ctx := context.Background()
			var st flux.Store
			if backend == "postgres" {
				pg, err := postgres.Open(ctx, vars["DATABASE_URL"], nil)
				if err != nil {
					t.Fatal(err)
				}
				defer pg.Close()
				st = pg
			} else {
				sq, err := sqlite.Open(ctx, filepath.Join(dataDir, "flux.db"), nil)
				if err != nil {
					t.Fatal(err)
				}
				defer sq.Close()
				st = sq
			}
			stored := 0
			for _, w := range ws {
				gs, _, err := st.Goals().ListGoals(ctx, w.id, flux.GoalFilter{}, flux.Page{Limit: flux.MaxPageLimit})
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range gs {
					stored++
					ms, err := st.Goals().ListMilestones(ctx, w.id, g.ID)
					if err != nil {
						t.Fatal(err)
					}
					ts, _, err := st.Tasks().ListTasks(ctx, w.id, flux.TaskFilter{GoalID: g.ID}, flux.Page{Limit: flux.MaxPageLimit})
					if err != nil {
						t.Fatal(err)
					}
					perMilestone := map[string]int{}
					for _, tk := range ts {
						perMilestone[tk.MilestoneID]++
					}
					if len(ms) == 0 || len(ts) == 0 {
						t.Errorf("goal %s is half-written: %d milestones, %d tasks", g.ID, len(ms), len(ts))
					}
					for _, m := range ms {
						if perMilestone[m.ID] == 0 {
							t.Errorf("goal %s: milestone %s has no tasks", g.ID, m.ID)
						}
					}
				}
			}
			if stored < len(goals) {
				t.Errorf("%d goals stored, fewer than the %d acknowledged", stored, len(goals))
			}
		})
	}
}

// post sends a request with a bearer token and decodes a 2xx JSON answer
// into v; a transport error (fluxd killed) is returned, not fatal.
func post(c *http.Client, method, url, token, body string, v any) (int, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if v != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, v); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}
