package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const taskCols = `id, user_id, coalesce(goal_id::text, ''), coalesce(milestone_id::text, ''), title, description,
	status, priority, duration_minutes, scheduled_at, deadline, earliest_start, preferred_time, recurrence_rule,
	coalesce(series_id::text, ''), occurrence, trigger_type, location_trigger, allow_work_hours, completed_at,
	created_at, updated_at`

const insertTask = `INSERT INTO tasks (id, user_id, goal_id, milestone_id, title, description, status, priority,
	duration_minutes, scheduled_at, deadline, earliest_start, preferred_time, recurrence_rule, series_id,
	occurrence, trigger_type, location_trigger, allow_work_hours, completed_at, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`

func scanTask(r pgx.Row) (*flux.Task, error) {
	var t flux.Task
	if err := r.Scan(&t.ID, &t.UserID, &t.GoalID, &t.MilestoneID, &t.Title, &t.Description,
		&t.Status, &t.Priority, &t.DurationMinutes, &t.ScheduledAt, &t.Deadline, &t.EarliestStart,
		&t.PreferredTime, &t.RecurrenceRule, &t.SeriesID, &t.Occurrence, &t.TriggerType, &t.LocationTrigger,
		&t.AllowWorkHours, &t.CompletedAt, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, err
	}
	return &t, nil
}

// taskArgs returns t's column values in insertTask order.
func taskArgs(t *flux.Task) []any {
	return []any{t.ID, t.UserID, uuidArg(t.GoalID), uuidArg(t.MilestoneID), t.Title, t.Description,
		t.Status, t.Priority, t.DurationMinutes, timeArg(t.ScheduledAt), timeArg(t.Deadline), timeArg(t.EarliestStart),
		t.PreferredTime, t.RecurrenceRule, uuidArg(t.SeriesID), t.Occurrence, t.TriggerType, t.LocationTrigger,
		t.AllowWorkHours, timeArg(t.CompletedAt), t.CreatedAt, t.UpdatedAt}
}

// validateTask runs Task.Validate, whose error is returned as it is, then
// checks the series id. The goal and milestone ids are references: one that
// is malformed names nothing, which checkTaskRefs reports as ENotFound.
func validateTask(t *flux.Task, fs fieldErrs) error {
	if err := t.Validate(); err != nil {
		return err
	}
	checkRef(t.SeriesID, &fs, "series_id")
	return fs.err("invalid task")
}

func normTask(t *flux.Task) {
	storeTimeP(&t.ScheduledAt)
	storeTimeP(&t.Deadline)
	storeTimeP(&t.EarliestStart)
	storeTimeP(&t.CompletedAt)
}

// prepareTask checks and stamps a new task in place. It does not look at
// the database.
func (d *db) prepareTask(t *flux.Task) error {
	var fs fieldErrs
	checkID(&t.ID, &fs, "id")
	if err := validateTask(t, fs); err != nil {
		return err
	}
	if !flux.ValidID(t.UserID) {
		return notFound("user")
	}
	normTask(t)
	t.CreatedAt = d.now()
	t.UpdatedAt = t.CreatedAt
	return nil
}

// checkTaskRefs returns ENotFound when a task names a goal or a milestone
// that is not its user's (or a milestone of another goal). It only reads,
// so a failed check leaves an enclosing transaction usable; the composite
// foreign keys of tasks guard the same rule against concurrent deletes.
func checkTaskRefs(ctx context.Context, q querier, ts []flux.Task) error {
	var gu, gg, mu, mg, mm []string
	seenG, seenM := map[[2]string]bool{}, map[[3]string]bool{}
	for i := range ts {
		t := &ts[i]
		if t.GoalID != "" && !flux.ValidID(t.GoalID) {
			return notFound("goal")
		}
		if t.MilestoneID != "" && !flux.ValidID(t.MilestoneID) {
			return notFound("milestone")
		}
	}
	for i := range ts {
		t := &ts[i]
		if t.GoalID == "" {
			continue
		}
		if k := [2]string{t.UserID, t.GoalID}; !seenG[k] {
			seenG[k] = true
			gu, gg = append(gu, t.UserID), append(gg, t.GoalID)
		}
		if t.MilestoneID == "" {
			continue
		}
		if k := [3]string{t.UserID, t.GoalID, t.MilestoneID}; !seenM[k] {
			seenM[k] = true
			mu, mg, mm = append(mu, t.UserID), append(mg, t.GoalID), append(mm, t.MilestoneID)
		}
	}
	if len(gg) == 0 {
		return nil
	}
	var missingGoals, missingMilestones int
	err := q.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM unnest($1::uuid[], $2::uuid[]) AS r(u, g)
			WHERE NOT EXISTS (SELECT 1 FROM goals x WHERE x.user_id = r.u AND x.id = r.g)),
		(SELECT count(*) FROM unnest($3::uuid[], $4::uuid[], $5::uuid[]) AS r(u, g, m)
			WHERE NOT EXISTS (SELECT 1 FROM milestones x WHERE x.user_id = r.u AND x.goal_id = r.g AND x.id = r.m))`,
		gu, gg, mu, mg, mm).Scan(&missingGoals, &missingMilestones)
	if err != nil {
		return mapErr("check task references", err)
	}
	switch {
	case missingGoals > 0:
		return notFound("goal")
	case missingMilestones > 0:
		return notFound("milestone")
	}
	return nil
}

// CreateTask stores a task.
func (d *db) CreateTask(ctx context.Context, t *flux.Task) error {
	v := *t
	if err := d.prepareTask(&v); err != nil {
		return err
	}
	if err := checkTaskRefs(ctx, d.q, []flux.Task{v}); err != nil {
		return err
	}
	if _, err := d.q.Exec(ctx, insertTask, taskArgs(&v)...); err != nil {
		return mapErr("create task", err)
	}
	*t = v
	return nil
}

// CreateTasks stores several tasks in one transaction.
func (d *db) CreateTasks(ctx context.Context, ts []flux.Task) error {
	vs := append([]flux.Task(nil), ts...)
	for i := range vs {
		if err := d.prepareTask(&vs[i]); err != nil {
			return err
		}
	}
	if len(vs) == 0 {
		return nil
	}
	if err := checkTaskRefs(ctx, d.q, vs); err != nil {
		return err
	}
	// One batch, one transaction (Atomic's, or the batch's implicit one);
	// the foreign keys refuse a goal deleted since the check.
	b := &pgx.Batch{}
	for i := range vs {
		b.Queue(insertTask, taskArgs(&vs[i])...)
	}
	if err := runBatch(ctx, d.q, "create tasks", b); err != nil {
		return err
	}
	copy(ts, vs)
	return nil
}

// GetTask returns one of the user's tasks.
func (d *db) GetTask(ctx context.Context, userID, id string) (*flux.Task, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("task")
	}
	return one(ctx, d.q, "get task", "task", scanTask,
		`SELECT `+taskCols+` FROM tasks WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListTasks returns the user's tasks by ScheduledAt ascending, tasks without
// one last, then by id. It reads the scheduled part and the unscheduled part
// by their own keysets (both served by the index on (user_id, scheduled_at,
// id)) in one statement.
func (d *db) ListTasks(ctx context.Context, userID string, f flux.TaskFilter, p flux.Page) ([]flux.Task, string, error) {
	var cur *flux.Cursor
	if p.Cursor != "" {
		c, err := flux.DecodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		cur = &c
	}
	if !flux.ValidID(userID) || (f.GoalID != "" && !flux.ValidID(f.GoalID)) || (f.SeriesID != "" && !flux.ValidID(f.SeriesID)) {
		return []flux.Task{}, "", nil
	}
	a := make(args, 0, 8)
	cs := append(make(conds, 0, 8), "user_id = "+a.add(userID))
	if len(f.Statuses) > 0 {
		cs = append(cs, "status = ANY("+a.add(strs(f.Statuses))+")")
	}
	if f.GoalID != "" {
		cs = append(cs, "goal_id = "+a.add(f.GoalID))
	}
	if f.SeriesID != "" {
		cs = append(cs, "series_id = "+a.add(f.SeriesID))
	}
	size := p.Size()
	limit := a.add(size + 1)

	// The scheduled part: none when only unscheduled tasks are asked for or
	// the cursor is already in the unscheduled part.
	parts := make([]string, 0, 2)
	if !f.Unscheduled && (cur == nil || !cur.Null) {
		sc := append(append(make(conds, 0, len(cs)+4), "scheduled_at IS NOT NULL"), cs...)
		if f.From != nil {
			sc = append(sc, "scheduled_at >= "+a.add(ceilMicro(*f.From)))
		}
		if f.To != nil {
			sc = append(sc, "scheduled_at < "+a.add(ceilMicro(*f.To)))
		}
		if cur != nil {
			sc = append(sc, fmt.Sprintf("(scheduled_at, id) > (%s, %s)", a.add(cur.Time), a.add(cur.ID)))
		}
		parts = append(parts, `(SELECT `+taskCols+` FROM tasks WHERE `+sc.sql()+` ORDER BY scheduled_at, id LIMIT `+limit+`)`)
	}
	// The unscheduled part: none when a time window is asked for.
	if f.From == nil && f.To == nil {
		uc := append(append(make(conds, 0, len(cs)+2), "scheduled_at IS NULL"), cs...)
		if cur != nil && cur.Null {
			uc = append(uc, "id > "+a.add(cur.ID))
		}
		parts = append(parts, `(SELECT `+taskCols+` FROM tasks WHERE `+uc.sql()+` ORDER BY id LIMIT `+limit+`)`)
	}
	if len(parts) == 0 {
		return []flux.Task{}, "", nil
	}
	sql := parts[0]
	if len(parts) == 2 {
		sql = fmt.Sprintf(`SELECT * FROM (%s UNION ALL %s) AS t ORDER BY scheduled_at ASC NULLS LAST, id LIMIT %s`,
			parts[0], parts[1], limit)
	}
	rows, err := collectTasks(ctx, d.q, "list tasks", sql, a...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(rows, size, func(t *flux.Task) flux.Cursor {
		if t.ScheduledAt == nil {
			return flux.Cursor{Null: true, ID: t.ID}
		}
		return flux.Cursor{Time: *t.ScheduledAt, ID: t.ID}
	})
	return out, next, nil
}

// UpdateTask edits one of the user's tasks through fn, then validates it. A
// changed GoalID or MilestoneID must name the user's own goal and
// milestone.
func (d *db) UpdateTask(ctx context.Context, userID, id string, fn func(*flux.Task) error) (*flux.Task, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("task")
	}
	var out *flux.Task
	err := d.inTx(ctx, func(q querier) error {
		t, err := one(ctx, q, "update task", "task", scanTask,
			`SELECT `+taskCols+` FROM tasks WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id)
		if err != nil {
			return err
		}
		goalID, milestoneID, createdAt := t.GoalID, t.MilestoneID, t.CreatedAt
		if err := fn(t); err != nil {
			return err
		}
		t.ID, t.UserID, t.CreatedAt = id, userID, createdAt
		if err := validateTask(t, nil); err != nil {
			return err
		}
		if t.GoalID != goalID || t.MilestoneID != milestoneID {
			if err := checkTaskRefs(ctx, q, []flux.Task{*t}); err != nil {
				return err
			}
		}
		normTask(t)
		t.UpdatedAt = d.now()
		if _, err := q.Exec(ctx, `UPDATE tasks SET goal_id = $3, milestone_id = $4, title = $5, description = $6,
			status = $7, priority = $8, duration_minutes = $9, scheduled_at = $10, deadline = $11,
			earliest_start = $12, preferred_time = $13, recurrence_rule = $14, series_id = $15, occurrence = $16,
			trigger_type = $17, location_trigger = $18, allow_work_hours = $19, completed_at = $20,
			updated_at = $21 WHERE id = $1 AND user_id = $2`, without(taskArgs(t), 20)...); err != nil {
			return mapErr("update task", err)
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
func (d *db) DeleteTask(ctx context.Context, userID, id string) error {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return notFound("task")
	}
	return deleteOne(ctx, d.q, "delete task", "task", `DELETE FROM tasks WHERE user_id = $1 AND id = $2`, userID, id)
}

// dueList pages DueTasks by (scheduled_at, id).
var dueList = list[flux.Task]{
	op: "due tasks", table: "tasks", cols: taskCols, col: "scheduled_at",
	scan: scanTask,
	key:  func(t *flux.Task) flux.Cursor { return flux.Cursor{Time: *t.ScheduledAt, ID: t.ID} },
}

// DueTasks returns the open, time-triggered tasks of every user whose
// ScheduledAt is in [from, to), by ScheduledAt then ID; the partial index
// tasks_due serves it.
func (d *db) DueTasks(ctx context.Context, from, to time.Time, p flux.Page) ([]flux.Task, string, error) {
	var a args
	cs := conds{
		"status IN ('pending', 'scheduled', 'drifted') AND trigger_type = 'time' AND scheduled_at IS NOT NULL",
		"scheduled_at >= " + a.add(flux.StoreTime(from)),
		"scheduled_at < " + a.add(flux.StoreTime(to)),
	}
	return dueList.run(ctx, d.q, cs, a, p)
}

// DriftOverdue marks every scheduled task whose slot ended at or before
// endedBefore as drifted, across users, and returns how many. A slot lasts
// at least a minute, so the bound on scheduled_at lets the partial index
// tasks_scheduled_slot serve the statement.
func (d *db) DriftOverdue(ctx context.Context, endedBefore time.Time) (int, error) {
	cut := flux.StoreTime(endedBefore)
	tag, err := d.q.Exec(ctx, `UPDATE tasks SET status = 'drifted', updated_at = $1
		WHERE status = 'scheduled' AND scheduled_at <= $2
		AND scheduled_at + duration_minutes * interval '1 minute' <= $3`,
		d.now(), cut.Add(-time.Minute), cut)
	if err != nil {
		return 0, mapErr("drift overdue tasks", err)
	}
	return int(tag.RowsAffected()), nil
}
