package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/fluxlife/flux"
)

const goalColumns = `id, user_id, title, description, category, status, target_weeks, target_date,
	planner, sources, plan_version, created_at, updated_at, completed_at`

func scanGoal(sc scanner) (flux.Goal, error) {
	var (
		g                     flux.Goal
		targetDate, completed sql.NullInt64
		sources               sql.NullString
		created, updated      int64
	)
	if err := sc.Scan(&g.ID, &g.UserID, &g.Title, &g.Description, &g.Category, &g.Status, &g.TargetWeeks, &targetDate,
		&g.Planner, &sources, &g.PlanVersion, &created, &updated, &completed); err != nil {
		return g, err
	}
	if err := fromJSONText(sources, &g.Sources); err != nil {
		return g, fmt.Errorf("sources: %w", err)
	}
	g.TargetDate = fromNullMicros(targetDate)
	g.CompletedAt = fromNullMicros(completed)
	g.CreatedAt = fromMicros(created)
	g.UpdatedAt = fromMicros(updated)
	return g, nil
}

func goalArgs(g *flux.Goal) ([]any, error) {
	sources, err := jsonText(g.Sources)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return []any{g.ID, g.UserID, g.Title, g.Description, g.Category, string(g.Status), g.TargetWeeks, nullMicros(g.TargetDate),
		g.Planner, sources, g.PlanVersion, micros(g.CreatedAt), micros(g.UpdatedAt), nullMicros(g.CompletedAt)}, nil
}

func normalizeGoal(g *flux.Goal) {
	g.TargetDate = storeTimePtr(g.TargetDate)
	g.CompletedAt = storeTimePtr(g.CompletedAt)
	g.CreatedAt = flux.StoreTime(g.CreatedAt)
	g.UpdatedAt = flux.StoreTime(g.UpdatedAt)
}

// prepareNew fills a missing id and checks a given one; every store's
// create path starts here.
func prepareNew(id *string, what string) error {
	if *id == "" {
		*id = flux.NewID()
		return nil
	}
	if !flux.ValidID(*id) {
		return flux.Invalid("invalid "+what, flux.FieldError{Field: "id", Message: "must be a UUID"})
	}
	return nil
}

// validateGoal checks g, including a given id.
func validateGoal(g *flux.Goal) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if !flux.ValidID(g.ID) {
		return flux.Invalid("invalid goal", flux.FieldError{Field: "id", Message: "must be a UUID"})
	}
	return nil
}

func insertGoal(ctx context.Context, q querier, g *flux.Goal) error {
	args, err := goalArgs(g)
	if err != nil {
		return dbError("create goal", err)
	}
	if _, err := q.ExecContext(ctx, "INSERT INTO goals ("+goalColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...); err != nil {
		return insertError("create goal", err, "a goal with this id already exists")
	}
	return nil
}

func getGoal(ctx context.Context, q querier, userID, id string) (*flux.Goal, error) {
	if !validIDs(userID, id) {
		return nil, notFound("goal")
	}
	g, err := scanGoal(q.QueryRowContext(ctx, "SELECT "+goalColumns+" FROM goals WHERE user_id = ? AND id = ?", userID, id))
	if err != nil {
		return nil, rowError("get goal", "goal", err)
	}
	return &g, nil
}

func updateGoalRow(ctx context.Context, q querier, g *flux.Goal) error {
	args, err := goalArgs(g)
	if err != nil {
		return dbError("update goal", err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE goals SET title = ?, description = ?, category = ?, status = ?,
		target_weeks = ?, target_date = ?, planner = ?, sources = ?, plan_version = ?, updated_at = ?, completed_at = ?
		WHERE user_id = ? AND id = ?`, slices.Concat(args[2:11], []any{args[12], args[13], g.UserID, g.ID})...); err != nil {
		return dbError("update goal", err)
	}
	return nil
}

// CreateGoal stores a goal without a plan.
func (s *stores) CreateGoal(ctx context.Context, g *flux.Goal) error {
	v := *g
	if err := prepareNew(&v.ID, "goal"); err != nil {
		return err
	}
	now := s.now()
	v.CreatedAt, v.UpdatedAt = now, now
	normalizeGoal(&v)
	if err := validateGoal(&v); err != nil {
		return err
	}
	if !flux.ValidID(v.UserID) {
		return notFound("user")
	}
	if err := s.write(ctx, func(q querier) error { return insertGoal(ctx, q, &v) }); err != nil {
		return err
	}
	*g = v
	return nil
}

// plan is a GoalPlan prepared for writing: ids filled, rows stamped and
// validated.
type plan struct {
	milestones []flux.Milestone
	tasks      []flux.Task
	// ids of the plan's own milestones.
	own map[string]bool
}

// preparePlan fills, stamps and validates p's milestones and tasks for
// goal g (whose ID, UserID and PlanVersion are final).
func preparePlan(p *flux.GoalPlan, g *flux.Goal, t time.Time) (*plan, error) {
	pl := &plan{
		milestones: make([]flux.Milestone, len(p.Milestones)),
		tasks:      make([]flux.Task, len(p.Tasks)),
		own:        make(map[string]bool, len(p.Milestones)),
	}
	for i, m := range p.Milestones {
		if err := prepareNew(&m.ID, "milestone"); err != nil {
			return nil, err
		}
		m.UserID, m.GoalID, m.PlanVersion, m.CreatedAt = g.UserID, g.ID, g.PlanVersion, t
		if err := validateMilestone(&m); err != nil {
			return nil, err
		}
		if pl.own[m.ID] {
			return nil, flux.Invalid("invalid plan", flux.FieldError{Field: fmt.Sprintf("milestones[%d].id", i), Message: "is repeated"})
		}
		pl.own[m.ID] = true
		pl.milestones[i] = m
	}
	for i, tk := range p.Tasks {
		if err := prepareNew(&tk.ID, "task"); err != nil {
			return nil, err
		}
		tk.UserID, tk.GoalID = g.UserID, g.ID
		tk.CreatedAt, tk.UpdatedAt = t, t
		normalizeTask(&tk)
		if err := tk.Validate(); err != nil {
			return nil, err
		}
		pl.tasks[i] = tk
	}
	return pl, nil
}

// write inserts the prepared plan. A task's milestone must be one of the
// plan's or an existing milestone of the goal.
func (pl *plan) write(ctx context.Context, q querier, g *flux.Goal) error {
	for i := range pl.milestones {
		if err := insertMilestone(ctx, q, &pl.milestones[i]); err != nil {
			return err
		}
	}
	for i := range pl.tasks {
		tk := &pl.tasks[i]
		if tk.MilestoneID != "" && !pl.own[tk.MilestoneID] {
			if err := checkMilestone(ctx, q, g.UserID, g.ID, tk.MilestoneID); err != nil {
				return err
			}
		}
	}
	return insertTasks(ctx, q, pl.tasks)
}

// CreateGoalPlan stores a goal with its milestones and tasks in one
// transaction.
func (s *stores) CreateGoalPlan(ctx context.Context, p *flux.GoalPlan) error {
	g := p.Goal
	if err := prepareNew(&g.ID, "goal"); err != nil {
		return err
	}
	now := s.now()
	g.CreatedAt, g.UpdatedAt = now, now
	normalizeGoal(&g)
	if err := validateGoal(&g); err != nil {
		return err
	}
	if !flux.ValidID(g.UserID) {
		return notFound("user")
	}
	pl, err := preparePlan(p, &g, now)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(q querier) error {
		if err := insertGoal(ctx, q, &g); err != nil {
			return err
		}
		return pl.write(ctx, q, &g)
	})
	if err != nil {
		return err
	}
	p.Goal, p.Milestones, p.Tasks = g, pl.milestones, pl.tasks
	return nil
}

// ReplacePlan installs a new plan for an existing goal in one transaction.
func (s *stores) ReplacePlan(ctx context.Context, p *flux.GoalPlan) error {
	g := p.Goal
	if !validIDs(g.UserID, g.ID) {
		return notFound("goal")
	}
	now := s.now()
	g.UpdatedAt = now
	normalizeGoal(&g)
	if err := g.Validate(); err != nil {
		return err
	}
	pl, err := preparePlan(p, &g, now)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(q querier) error {
		cur, err := getGoal(ctx, q, g.UserID, g.ID)
		if err != nil {
			return err
		}
		g.CreatedAt = cur.CreatedAt
		if err := updateGoalRow(ctx, q, &g); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM tasks WHERE user_id = ? AND goal_id = ?
			AND status IN ('pending', 'scheduled', 'drifted')`, g.UserID, g.ID); err != nil {
			return dbError("replace plan: delete open tasks", err)
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM milestones WHERE user_id = ? AND goal_id = ?
			AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.milestone_id = milestones.id)`, g.UserID, g.ID); err != nil {
			return dbError("replace plan: delete empty milestones", err)
		}
		return pl.write(ctx, q, &g)
	})
	if err != nil {
		return err
	}
	p.Goal, p.Milestones, p.Tasks = g, pl.milestones, pl.tasks
	return nil
}

// GetGoal returns one of the user's goals.
func (s *stores) GetGoal(ctx context.Context, userID, id string) (*flux.Goal, error) {
	return getGoal(ctx, s.r, userID, id)
}

// ListGoals returns the user's goals, newest first.
func (s *stores) ListGoals(ctx context.Context, userID string, f flux.GoalFilter, p flux.Page) ([]flux.Goal, string, error) {
	if !flux.ValidID(userID) {
		if _, _, err := decodeCursor(p); err != nil {
			return nil, "", err
		}
		return nil, "", nil
	}
	var w where
	w.add("user_id = ?", userID)
	in(&w, "status", f.Statuses)
	if err := newestFirst(&w, p); err != nil {
		return nil, "", err
	}
	size := p.Size()
	goals, err := queryAll(ctx, s.r, "list goals", scanGoal,
		"SELECT "+goalColumns+" FROM goals"+w.String()+" ORDER BY created_at DESC, id DESC LIMIT ?", append(w.args, size+1)...)
	if err != nil {
		return nil, "", err
	}
	goals, next := page(goals, size, func(g *flux.Goal) flux.Cursor { return flux.Cursor{Time: g.CreatedAt, ID: g.ID} })
	return goals, next, nil
}

// UpdateGoal edits one of the user's goals through fn.
func (s *stores) UpdateGoal(ctx context.Context, userID, id string, fn func(*flux.Goal) error) (*flux.Goal, error) {
	if !validIDs(userID, id) {
		return nil, notFound("goal")
	}
	var out *flux.Goal
	err := s.write(ctx, func(q querier) error {
		g, err := getGoal(ctx, q, userID, id)
		if err != nil {
			return err
		}
		orig := *g
		if err := fn(g); err != nil {
			return err
		}
		g.ID, g.UserID, g.CreatedAt = orig.ID, orig.UserID, orig.CreatedAt
		g.UpdatedAt = s.now()
		normalizeGoal(g)
		if err := g.Validate(); err != nil {
			return err
		}
		if err := updateGoalRow(ctx, q, g); err != nil {
			return err
		}
		out = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteGoal deletes the goal; its milestones and tasks go with it (ON
// DELETE CASCADE).
func (s *stores) DeleteGoal(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "goals", "goal", userID, id)
}

// --- milestones ---

const milestoneColumns = `id, user_id, goal_id, week, title, status, plan_version, created_at`

func scanMilestone(sc scanner) (flux.Milestone, error) {
	var (
		m       flux.Milestone
		created int64
	)
	if err := sc.Scan(&m.ID, &m.UserID, &m.GoalID, &m.Week, &m.Title, &m.Status, &m.PlanVersion, &created); err != nil {
		return m, err
	}
	m.CreatedAt = fromMicros(created)
	return m, nil
}

// validateMilestone checks m (which has no Validate method of its own).
func validateMilestone(m *flux.Milestone) error {
	m.CreatedAt = flux.StoreTime(m.CreatedAt)
	var fs []flux.FieldError
	if m.Status != flux.MilestonePending && m.Status != flux.MilestoneCompleted {
		fs = append(fs, flux.FieldError{Field: "status", Message: fmt.Sprintf("unknown status %q", m.Status)})
	}
	if m.Week < 0 {
		fs = append(fs, flux.FieldError{Field: "week", Message: "must not be negative"})
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid milestone", fs...)
	}
	return nil
}

func insertMilestone(ctx context.Context, q querier, m *flux.Milestone) error {
	if _, err := q.ExecContext(ctx, "INSERT INTO milestones ("+milestoneColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.UserID, m.GoalID, m.Week, m.Title, string(m.Status), m.PlanVersion, micros(m.CreatedAt)); err != nil {
		return insertError("create milestone", err, "a milestone with this id already exists")
	}
	return nil
}

// checkMilestone returns ENotFound unless id is a milestone of the user's
// goal goalID.
func checkMilestone(ctx context.Context, q querier, userID, goalID, id string) error {
	if !validIDs(userID, goalID, id) {
		return notFound("milestone")
	}
	ok, err := exists(ctx, q, "SELECT 1 FROM milestones WHERE user_id = ? AND goal_id = ? AND id = ?", userID, goalID, id)
	if err != nil {
		return dbError("check milestone", err)
	}
	if !ok {
		return notFound("milestone")
	}
	return nil
}

// ListMilestones returns the goal's milestones by plan version, week, id.
func (s *stores) ListMilestones(ctx context.Context, userID, goalID string) ([]flux.Milestone, error) {
	var ms []flux.Milestone
	err := s.readConsistent(ctx, func(q querier) error {
		if err := checkOwned(ctx, q, "goals", "goal", userID, goalID); err != nil {
			return err
		}
		var err error
		ms, err = queryAll(ctx, q, "list milestones", scanMilestone,
			"SELECT "+milestoneColumns+" FROM milestones WHERE user_id = ? AND goal_id = ? ORDER BY plan_version, week, id", userID, goalID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ms, nil
}

// UpdateMilestone edits one of the user's milestones through fn.
func (s *stores) UpdateMilestone(ctx context.Context, userID, id string, fn func(*flux.Milestone) error) (*flux.Milestone, error) {
	if !validIDs(userID, id) {
		return nil, notFound("milestone")
	}
	var out *flux.Milestone
	err := s.write(ctx, func(q querier) error {
		m, err := scanMilestone(q.QueryRowContext(ctx, "SELECT "+milestoneColumns+" FROM milestones WHERE user_id = ? AND id = ?", userID, id))
		if err != nil {
			return rowError("get milestone", "milestone", err)
		}
		orig := m
		if err := fn(&m); err != nil {
			return err
		}
		m.ID, m.UserID, m.GoalID, m.CreatedAt = orig.ID, orig.UserID, orig.GoalID, orig.CreatedAt
		if err := validateMilestone(&m); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "UPDATE milestones SET week = ?, title = ?, status = ?, plan_version = ? WHERE user_id = ? AND id = ?",
			m.Week, m.Title, string(m.Status), m.PlanVersion, userID, id); err != nil {
			return dbError("update milestone", err)
		}
		out = &m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
