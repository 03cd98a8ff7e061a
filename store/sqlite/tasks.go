package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/fluxlife/flux"
)

const taskColumns = `id, user_id, goal_id, milestone_id, title, description, status, priority, duration_minutes,
	scheduled_at, deadline, earliest_start, preferred_time, recurrence_rule, series_id, occurrence,
	trigger_type, location_trigger, allow_work_hours, completed_at, created_at, updated_at`

const insertTaskSQL = "INSERT INTO tasks (" + taskColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

func scanTask(sc scanner) (flux.Task, error) {
	var (
		t                                        flux.Task
		goalID, milestoneID                      sql.NullString
		scheduled, deadline, earliest, completed sql.NullInt64
		created, updated                         int64
	)
	if err := sc.Scan(&t.ID, &t.UserID, &goalID, &milestoneID, &t.Title, &t.Description, &t.Status, &t.Priority, &t.DurationMinutes,
		&scheduled, &deadline, &earliest, &t.PreferredTime, &t.RecurrenceRule, &t.SeriesID, &t.Occurrence,
		&t.TriggerType, &t.LocationTrigger, &t.AllowWorkHours, &completed, &created, &updated); err != nil {
		return t, err
	}
	t.GoalID, t.MilestoneID = goalID.String, milestoneID.String
	t.ScheduledAt = fromNullMicros(scheduled)
	t.Deadline = fromNullMicros(deadline)
	t.EarliestStart = fromNullMicros(earliest)
	t.CompletedAt = fromNullMicros(completed)
	t.CreatedAt = fromMicros(created)
	t.UpdatedAt = fromMicros(updated)
	return t, nil
}

func taskArgs(t *flux.Task) []any {
	return []any{t.ID, t.UserID, nullString(t.GoalID), nullString(t.MilestoneID), t.Title, t.Description, string(t.Status), string(t.Priority), t.DurationMinutes,
		nullMicros(t.ScheduledAt), nullMicros(t.Deadline), nullMicros(t.EarliestStart), t.PreferredTime, t.RecurrenceRule, t.SeriesID, t.Occurrence,
		string(t.TriggerType), t.LocationTrigger, t.AllowWorkHours, nullMicros(t.CompletedAt), micros(t.CreatedAt), micros(t.UpdatedAt)}
}

func normalizeTask(t *flux.Task) {
	t.ScheduledAt = storeTimePtr(t.ScheduledAt)
	t.Deadline = storeTimePtr(t.Deadline)
	t.EarliestStart = storeTimePtr(t.EarliestStart)
	t.CompletedAt = storeTimePtr(t.CompletedAt)
	t.CreatedAt = flux.StoreTime(t.CreatedAt)
	t.UpdatedAt = flux.StoreTime(t.UpdatedAt)
}

// insertTasks inserts validated tasks with one prepared statement.
func insertTasks(ctx context.Context, q querier, ts []flux.Task) error {
	switch len(ts) {
	case 0:
		return nil
	case 1:
		if _, err := q.ExecContext(ctx, insertTaskSQL, taskArgs(&ts[0])...); err != nil {
			return insertError("create task", err, "a task with this id already exists")
		}
		return nil
	}
	stmt, err := q.PrepareContext(ctx, insertTaskSQL)
	if err != nil {
		return dbError("create tasks", err)
	}
	defer stmt.Close()
	for i := range ts {
		if _, err := stmt.ExecContext(ctx, taskArgs(&ts[i])...); err != nil {
			return insertError("create tasks", err, "a task with this id already exists")
		}
	}
	return nil
}

// taskRefs checks that the goal and milestone a task names are the user's;
// seen caches the answers within one call.
type taskRefs struct {
	seen map[[3]string]bool
}

func (r *taskRefs) check(ctx context.Context, q querier, t *flux.Task) error {
	if t.GoalID == "" {
		return nil
	}
	key := [3]string{t.UserID, t.GoalID, t.MilestoneID}
	if r.seen[key] {
		return nil
	}
	if err := checkOwned(ctx, q, "goals", "goal", t.UserID, t.GoalID); err != nil {
		return err
	}
	if t.MilestoneID != "" {
		if err := checkMilestone(ctx, q, t.UserID, t.GoalID, t.MilestoneID); err != nil {
			return err
		}
	}
	if r.seen == nil {
		r.seen = map[[3]string]bool{}
	}
	r.seen[key] = true
	return nil
}

// prepareTask fills, stamps and validates a new task.
func (s *stores) prepareTask(t *flux.Task, now flux.Clock) error {
	if err := prepareNew(&t.ID, "task"); err != nil {
		return err
	}
	n := flux.StoreTime(now.Now())
	t.CreatedAt, t.UpdatedAt = n, n
	normalizeTask(t)
	if err := t.Validate(); err != nil {
		return err
	}
	if !flux.ValidID(t.UserID) {
		return notFound("user")
	}
	return nil
}

// CreateTask stores a task; its goal and milestone must be the user's.
func (s *stores) CreateTask(ctx context.Context, t *flux.Task) error {
	v := *t
	if err := s.prepareTask(&v, s.clock); err != nil {
		return err
	}
	err := s.write(ctx, func(q querier) error {
		var refs taskRefs
		if err := refs.check(ctx, q, &v); err != nil {
			return err
		}
		return insertTasks(ctx, q, []flux.Task{v})
	})
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// CreateTasks stores several tasks in one transaction; ts is updated in
// place with the stored values.
func (s *stores) CreateTasks(ctx context.Context, ts []flux.Task) error {
	vs := make([]flux.Task, len(ts))
	now := flux.StoreTime(s.clock.Now())
	for i := range ts {
		vs[i] = ts[i]
		if err := s.prepareTask(&vs[i], fixed(now)); err != nil {
			return err
		}
	}
	err := s.write(ctx, func(q querier) error {
		var refs taskRefs
		for i := range vs {
			if err := refs.check(ctx, q, &vs[i]); err != nil {
				return err
			}
		}
		return insertTasks(ctx, q, vs)
	})
	if err != nil {
		return err
	}
	copy(ts, vs)
	return nil
}

// fixed is a clock stopped at one instant, so that the rows of one call
// share a timestamp.
type fixed time.Time

func (c fixed) Now() time.Time { return time.Time(c) }

func getTask(ctx context.Context, q querier, userID, id string) (*flux.Task, error) {
	if !validIDs(userID, id) {
		return nil, notFound("task")
	}
	t, err := scanTask(q.QueryRowContext(ctx, "SELECT "+taskColumns+" FROM tasks WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get task", "task", err)
	}
	return &t, nil
}

// GetTask returns one of the user's tasks.
func (s *stores) GetTask(ctx context.Context, userID, id string) (*flux.Task, error) {
	return getTask(ctx, s.r, userID, id)
}

// ListTasks returns the user's tasks by ScheduledAt ascending, unscheduled
// ones last, then by ID. It reads in two parts, each served in order by the
// index (user_id, scheduled_at, id): the scheduled tasks after the cursor,
// then, when the page is not full and no time window excludes them, the
// unscheduled ones.
//
// Outside a transaction the result is cached until the next write through
// a Store of this process on the same file (see Options.NoListCache).
func (s *stores) ListTasks(ctx context.Context, userID string, f flux.TaskFilter, p flux.Page) ([]flux.Task, string, error) {
	if s.lists == nil {
		return s.listTasks(ctx, userID, f, p)
	}
	key := listKey(userID, f, p)
	if ts, next, ok := s.lists.get(key); ok {
		return ts, next, nil
	}
	gen := s.gen.Load()
	ts, next, err := s.listTasks(ctx, userID, f, p)
	if err == nil {
		s.lists.put(key, gen, ts, next)
	}
	return ts, next, err
}

func (s *stores) listTasks(ctx context.Context, userID string, f flux.TaskFilter, p flux.Page) ([]flux.Task, string, error) {
	c, hasCursor, err := decodeCursor(p)
	if err != nil {
		return nil, "", err
	}
	if f.Unscheduled && hasCursor && !c.Null {
		return nil, "", flux.Invalid("invalid cursor", flux.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
	}
	if !flux.ValidID(userID) || (f.GoalID != "" && !flux.ValidID(f.GoalID)) {
		return nil, "", nil
	}
	var base where
	base.add("user_id = ?", userID)
	in(&base, "status", f.Statuses)
	if f.GoalID != "" {
		base.add("goal_id = ?", f.GoalID)
	}
	if f.SeriesID != "" {
		base.add("series_id = ?", f.SeriesID)
	}
	size := p.Size()
	var tasks []flux.Task

	// The scheduled part.
	if !f.Unscheduled && !(hasCursor && c.Null) {
		w := base
		w.conds = append([]string(nil), base.conds...)
		w.args = append([]any(nil), base.args...)
		w.add("scheduled_at IS NOT NULL")
		if f.From != nil {
			w.add("scheduled_at >= ?", micros(*f.From))
		}
		if f.To != nil {
			w.add("scheduled_at < ?", micros(*f.To))
		}
		if hasCursor {
			w.add("(scheduled_at, id) > (?, ?)", micros(c.Time), c.ID)
		}
		tasks, err = queryAll(ctx, s.r, "list tasks", scanTask,
			"SELECT "+taskColumns+" FROM tasks"+w.String()+" ORDER BY scheduled_at, id LIMIT ?", append(w.args, size+1)...)
		if err != nil {
			return nil, "", err
		}
	}

	// The unscheduled part.
	if len(tasks) <= size && f.From == nil && f.To == nil {
		w := base
		w.conds = append([]string(nil), base.conds...)
		w.args = append([]any(nil), base.args...)
		w.add("scheduled_at IS NULL")
		if hasCursor && c.Null {
			w.add("id > ?", c.ID)
		}
		more, err := queryAll(ctx, s.r, "list tasks", scanTask,
			"SELECT "+taskColumns+" FROM tasks"+w.String()+" ORDER BY id LIMIT ?", append(w.args, size+1-len(tasks))...)
		if err != nil {
			return nil, "", err
		}
		tasks = append(tasks, more...)
	}

	tasks, next := page(tasks, size, func(t *flux.Task) flux.Cursor {
		if t.ScheduledAt == nil {
			return flux.Cursor{Null: true, ID: t.ID}
		}
		return flux.Cursor{Time: *t.ScheduledAt, ID: t.ID}
	})
	return tasks, next, nil
}

// UpdateTask edits one of the user's tasks through fn, then validates it.
func (s *stores) UpdateTask(ctx context.Context, userID, id string, fn func(*flux.Task) error) (*flux.Task, error) {
	if !validIDs(userID, id) {
		return nil, notFound("task")
	}
	var out *flux.Task
	err := s.write(ctx, func(q querier) error {
		t, err := getTask(ctx, q, userID, id)
		if err != nil {
			return err
		}
		orig := *t
		if err := fn(t); err != nil {
			return err
		}
		t.ID, t.UserID, t.CreatedAt = orig.ID, orig.UserID, orig.CreatedAt
		t.UpdatedAt = s.now()
		normalizeTask(t)
		if err := t.Validate(); err != nil {
			return err
		}
		if t.GoalID != orig.GoalID || t.MilestoneID != orig.MilestoneID {
			var refs taskRefs
			if err := refs.check(ctx, q, t); err != nil {
				return err
			}
		}
		args := taskArgs(t)
		if _, err := q.ExecContext(ctx, `UPDATE tasks SET goal_id = ?, milestone_id = ?, title = ?, description = ?,
			status = ?, priority = ?, duration_minutes = ?, scheduled_at = ?, deadline = ?, earliest_start = ?,
			preferred_time = ?, recurrence_rule = ?, series_id = ?, occurrence = ?, trigger_type = ?,
			location_trigger = ?, allow_work_hours = ?, completed_at = ?, updated_at = ?
			WHERE user_id = ? AND id = ?`, slices.Concat(args[2:20], []any{args[21], userID, id})...); err != nil {
			return dbError("update task", err)
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteTask deletes one of the user's tasks.
func (s *stores) DeleteTask(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "tasks", "task", userID, id)
}

// DueTasks returns the open, time-triggered tasks of every user whose
// ScheduledAt is in [from, to), by ScheduledAt then ID; the partial index
// tasks_due serves it.
func (s *stores) DueTasks(ctx context.Context, from, to time.Time, p flux.Page) ([]flux.Task, string, error) {
	var w where
	w.add("status IN ('pending', 'scheduled', 'drifted') AND trigger_type = 'time' AND scheduled_at IS NOT NULL")
	w.add("scheduled_at >= ?", micros(flux.StoreTime(from)))
	w.add("scheduled_at < ?", micros(flux.StoreTime(to)))
	if err := oldestFirst(&w, "scheduled_at", p); err != nil {
		return nil, "", err
	}
	size := p.Size()
	tasks, err := queryAll(ctx, s.r, "due tasks", scanTask,
		"SELECT "+taskColumns+" FROM tasks"+w.String()+" ORDER BY scheduled_at, id LIMIT ?", append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	tasks, next := page(tasks, size, func(t *flux.Task) flux.Cursor { return flux.Cursor{Time: *t.ScheduledAt, ID: t.ID} })
	return tasks, next, nil
}

// DriftOverdue marks every scheduled task whose slot ended at or before
// endedBefore as drifted, across users, and returns how many. A slot lasts
// at least a minute, so the bound on scheduled_at lets the partial index
// tasks_scheduled_slot serve the statement.
func (s *stores) DriftOverdue(ctx context.Context, endedBefore time.Time) (int, error) {
	cut := micros(flux.StoreTime(endedBefore))
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE tasks SET status = 'drifted', updated_at = ?
			WHERE status = 'scheduled' AND scheduled_at <= ? AND scheduled_at + duration_minutes * 60000000 <= ?`,
			micros(s.now()), cut-int64(time.Minute/time.Microsecond), cut)
		if err != nil {
			return dbError("drift overdue tasks", err)
		}
		n, err = res.RowsAffected()
		return dbError("drift overdue tasks", err)
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
