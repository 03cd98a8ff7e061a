package postgres

import (
	"context"

	"github.com/fluxlife/flux"
	"github.com/jackc/pgx/v5"
)

const goalCols = `id, user_id, title, description, category, status, target_weeks, target_date,
	planner, sources, plan_version, created_at, updated_at, completed_at`

func scanGoal(r pgx.Row) (*flux.Goal, error) {
	var g flux.Goal
	var sources []byte
	if err := r.Scan(&g.ID, &g.UserID, &g.Title, &g.Description, &g.Category, &g.Status, &g.TargetWeeks,
		&g.TargetDate, &g.Planner, &sources, &g.PlanVersion, &g.CreatedAt, &g.UpdatedAt, &g.CompletedAt); err != nil {
		return nil, err
	}
	if err := decodeJSON(sources, &g.Sources, "goal sources"); err != nil {
		return nil, err
	}
	return &g, nil
}

// goalArgs returns g's column values in goalCols order.
func goalArgs(g *flux.Goal) ([]any, error) {
	var sources any
	if g.Sources != nil {
		b, err := jsonArg(g.Sources)
		if err != nil {
			return nil, err
		}
		sources = b
	}
	return []any{g.ID, g.UserID, g.Title, g.Description, g.Category, g.Status, g.TargetWeeks,
		timeArg(g.TargetDate), g.Planner, sources, g.PlanVersion, g.CreatedAt, g.UpdatedAt, timeArg(g.CompletedAt)}, nil
}

const insertGoal = `INSERT INTO goals (` + goalCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// prepareGoal checks and stamps a new goal (in place).
func (d *db) prepareGoal(g *flux.Goal) error {
	if err := g.Validate(); err != nil {
		return err
	}
	var fs fieldErrs
	checkID(&g.ID, &fs, "id")
	if err := fs.err("invalid goal"); err != nil {
		return err
	}
	if !flux.ValidID(g.UserID) {
		return notFound("user")
	}
	normGoal(g)
	g.CreatedAt = d.now()
	g.UpdatedAt = g.CreatedAt
	return nil
}

func normGoal(g *flux.Goal) {
	storeTimeP(&g.TargetDate)
	storeTimeP(&g.CompletedAt)
}

// CreateGoal stores a goal without a plan.
func (d *db) CreateGoal(ctx context.Context, g *flux.Goal) error {
	v := *g
	if err := d.prepareGoal(&v); err != nil {
		return err
	}
	a, err := goalArgs(&v)
	if err != nil {
		return err
	}
	if _, err := d.q.Exec(ctx, insertGoal, a...); err != nil {
		return mapErr("create goal", err)
	}
	*g = v
	return nil
}

// planRows is a checked plan, ready to insert.
type planRows struct {
	milestones []flux.Milestone
	tasks      []flux.Task
	// external lists milestone ids the tasks name that are not in the plan.
	external []string
}

// preparePlan checks and stamps p's milestones and tasks for the goal g
// (already checked) and returns copies to insert; p itself is untouched. The
// first invalid milestone or task gives its error as it is; a task naming a
// milestone by a malformed id gives ENotFound.
func (d *db) preparePlan(g *flux.Goal, p *flux.GoalPlan) (*planRows, error) {
	now := d.now()
	r := &planRows{
		milestones: append([]flux.Milestone(nil), p.Milestones...),
		tasks:      append([]flux.Task(nil), p.Tasks...),
	}
	inPlan := make(map[string]bool, len(r.milestones))
	for i := range r.milestones {
		m := &r.milestones[i]
		var fs fieldErrs
		checkID(&m.ID, &fs, "id")
		if inPlan[m.ID] {
			fs.add("id", "is used by another milestone of the plan")
		}
		validateMilestone(m, &fs)
		if err := fs.err("invalid milestone"); err != nil {
			return nil, err
		}
		inPlan[m.ID] = true
		m.UserID, m.GoalID, m.PlanVersion = g.UserID, g.ID, g.PlanVersion
		m.CreatedAt = now
	}
	external := map[string]bool{}
	malformed := false
	for i := range r.tasks {
		t := &r.tasks[i]
		t.UserID, t.GoalID = g.UserID, g.ID
		if err := d.prepareTask(t); err != nil {
			return nil, err
		}
		switch {
		case t.MilestoneID == "" || inPlan[t.MilestoneID] || external[t.MilestoneID]:
		case !flux.ValidID(t.MilestoneID):
			malformed = true
		default:
			external[t.MilestoneID] = true
			r.external = append(r.external, t.MilestoneID)
		}
	}
	if malformed {
		return nil, notFound("milestone")
	}
	return r, nil
}

// queuePlan queues the inserts of a plan's milestones and tasks.
func queuePlan(b *pgx.Batch, r *planRows) {
	for i := range r.milestones {
		b.Queue(insertMilestone, milestoneArgs(&r.milestones[i])...)
	}
	for i := range r.tasks {
		b.Queue(insertTask, taskArgs(&r.tasks[i])...)
	}
}

// runBatch sends b in one round trip and reports its first error. On the
// pool (outside a transaction) PostgreSQL runs a batch as one implicit
// transaction: a statement that fails rolls back the whole batch.
func runBatch(ctx context.Context, q querier, op string, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	br := q.SendBatch(ctx, b)
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return mapErr(op, err)
		}
	}
	if err := br.Close(); err != nil {
		return mapErr(op, err)
	}
	return nil
}

// CreateGoalPlan stores a goal with its milestones and tasks in one
// transaction.
func (d *db) CreateGoalPlan(ctx context.Context, p *flux.GoalPlan) error {
	g := p.Goal
	if err := d.prepareGoal(&g); err != nil {
		return err
	}
	r, err := d.preparePlan(&g, p)
	if err != nil {
		return err
	}
	if len(r.external) > 0 {
		// A new goal has no milestones but those of its plan.
		return notFound("milestone")
	}
	ga, err := goalArgs(&g)
	if err != nil {
		return err
	}
	// The goal, its milestones and its tasks in one batch: one round trip,
	// one transaction (Atomic's, or the batch's implicit one).
	b := &pgx.Batch{}
	b.Queue(insertGoal, ga...)
	queuePlan(b, r)
	if err := runBatch(ctx, d.q, "create goal plan", b); err != nil {
		return err
	}
	p.Goal, p.Milestones, p.Tasks = g, r.milestones, r.tasks
	return nil
}

// ReplacePlan installs a new plan for an existing goal in one transaction.
func (d *db) ReplacePlan(ctx context.Context, p *flux.GoalPlan) error {
	g := p.Goal
	if !flux.ValidID(g.ID) || !flux.ValidID(g.UserID) {
		return notFound("goal")
	}
	if err := g.Validate(); err != nil {
		return err
	}
	normGoal(&g)
	r, err := d.preparePlan(&g, p)
	if err != nil {
		return err
	}
	err = d.inTx(ctx, func(q querier) error {
		const op = "replace plan"
		cur, err := one(ctx, q, op, "goal", scanGoal,
			`SELECT `+goalCols+` FROM goals WHERE user_id = $1 AND id = $2 FOR UPDATE`, g.UserID, g.ID)
		if err != nil {
			return err
		}
		g.CreatedAt = cur.CreatedAt
		g.UpdatedAt = d.now()
		ga, err := goalArgs(&g)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE goals SET title = $3, description = $4, category = $5, status = $6,
			target_weeks = $7, target_date = $8, planner = $9, sources = $10, plan_version = $11,
			updated_at = $12, completed_at = $13 WHERE id = $1 AND user_id = $2`, without(ga, 11)...); err != nil {
			return mapErr(op, err)
		}
		if _, err := q.Exec(ctx, `DELETE FROM tasks WHERE user_id = $1 AND goal_id = $2
			AND status IN ('pending', 'scheduled', 'drifted')`, g.UserID, g.ID); err != nil {
			return mapErr(op, err)
		}
		if len(r.external) > 0 {
			// Tasks of the new plan may name a milestone the goal keeps.
			var n int
			if err := q.QueryRow(ctx, `SELECT count(*) FROM milestones WHERE user_id = $1 AND goal_id = $2 AND id = ANY($3)`,
				g.UserID, g.ID, r.external).Scan(&n); err != nil {
				return mapErr(op, err)
			}
			if n != len(r.external) {
				return notFound("milestone")
			}
		}
		b := &pgx.Batch{}
		queuePlan(b, r)
		if err := runBatch(ctx, q, op, b); err != nil {
			return err
		}
		newIDs := make([]string, len(r.milestones))
		for i, m := range r.milestones {
			newIDs[i] = m.ID
		}
		if _, err := q.Exec(ctx, `DELETE FROM milestones m WHERE m.user_id = $1 AND m.goal_id = $2
			AND NOT (m.id = ANY($3))
			AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.goal_id = m.goal_id AND t.milestone_id = m.id)`,
			g.UserID, g.ID, newIDs); err != nil {
			return mapErr(op, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.Goal, p.Milestones, p.Tasks = g, r.milestones, r.tasks
	return nil
}

// GetGoal returns one of the user's goals.
func (d *db) GetGoal(ctx context.Context, userID, id string) (*flux.Goal, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("goal")
	}
	return one(ctx, d.q, "get goal", "goal", scanGoal,
		`SELECT `+goalCols+` FROM goals WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListGoals returns the user's goals, newest first.
func (d *db) ListGoals(ctx context.Context, userID string, f flux.GoalFilter, p flux.Page) ([]flux.Goal, string, error) {
	if !flux.ValidID(userID) {
		return emptyList[flux.Goal](p)
	}
	var a args
	cs := conds{"user_id = " + a.add(userID)}
	if len(f.Statuses) > 0 {
		cs = append(cs, "status = ANY("+a.add(strs(f.Statuses))+")")
	}
	return goalList.run(ctx, d.q, cs, a, p)
}

var goalList = list[flux.Goal]{
	op: "list goals", table: "goals", cols: goalCols, col: "created_at", desc: true,
	scan: scanGoal,
	key:  func(g *flux.Goal) flux.Cursor { return flux.Cursor{Time: g.CreatedAt, ID: g.ID} },
}

// UpdateGoal edits one of the user's goals through fn.
func (d *db) UpdateGoal(ctx context.Context, userID, id string, fn func(*flux.Goal) error) (*flux.Goal, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("goal")
	}
	var out *flux.Goal
	err := d.inTx(ctx, func(q querier) error {
		g, err := one(ctx, q, "update goal", "goal", scanGoal,
			`SELECT `+goalCols+` FROM goals WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id)
		if err != nil {
			return err
		}
		createdAt := g.CreatedAt
		if err := fn(g); err != nil {
			return err
		}
		g.ID, g.UserID, g.CreatedAt = id, userID, createdAt
		if err := g.Validate(); err != nil {
			return err
		}
		normGoal(g)
		g.UpdatedAt = d.now()
		ga, err := goalArgs(g)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE goals SET title = $3, description = $4, category = $5, status = $6,
			target_weeks = $7, target_date = $8, planner = $9, sources = $10, plan_version = $11,
			updated_at = $12, completed_at = $13 WHERE id = $1 AND user_id = $2`, without(ga, 11)...); err != nil {
			return mapErr("update goal", err)
		}
		out = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteGoal deletes the goal; the database cascades to its milestones and
// tasks in the same statement.
func (d *db) DeleteGoal(ctx context.Context, userID, id string) error {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return notFound("goal")
	}
	return deleteOne(ctx, d.q, "delete goal", "goal", `DELETE FROM goals WHERE user_id = $1 AND id = $2`, userID, id)
}

// Milestones.

const milestoneCols = `id, user_id, goal_id, week, title, status, plan_version, created_at`

const insertMilestone = `INSERT INTO milestones (` + milestoneCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

func scanMilestone(r pgx.Row) (*flux.Milestone, error) {
	var m flux.Milestone
	if err := r.Scan(&m.ID, &m.UserID, &m.GoalID, &m.Week, &m.Title, &m.Status, &m.PlanVersion, &m.CreatedAt); err != nil {
		return nil, err
	}
	return &m, nil
}

func milestoneArgs(m *flux.Milestone) []any {
	return []any{m.ID, m.UserID, m.GoalID, m.Week, m.Title, m.Status, m.PlanVersion, m.CreatedAt}
}

// validateMilestone checks the fields a milestone's own value decides
// (flux.Milestone has no Validate method).
func validateMilestone(m *flux.Milestone, fs *fieldErrs) {
	switch m.Status {
	case flux.MilestonePending, flux.MilestoneCompleted:
	default:
		fs.add("status", "unknown status %q", m.Status)
	}
}

// ListMilestones returns the goal's milestones by plan version, week and id.
func (d *db) ListMilestones(ctx context.Context, userID, goalID string) ([]flux.Milestone, error) {
	if !flux.ValidID(userID) || !flux.ValidID(goalID) {
		return nil, notFound("goal")
	}
	out, err := collect(ctx, d.q, "list milestones", scanMilestone, `SELECT `+milestoneCols+` FROM milestones
		WHERE user_id = $1 AND goal_id = $2 ORDER BY plan_version, week, id`, userID, goalID)
	if err != nil || len(out) > 0 {
		// A milestone names its user's goal (a foreign key says so).
		return out, err
	}
	ok, err := exists(ctx, d.q, "list milestones", `SELECT 1 FROM goals WHERE user_id = $1 AND id = $2`, userID, goalID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("goal")
	}
	return out, nil
}

// UpdateMilestone edits one of the user's milestones through fn. Besides
// ID, UserID and CreatedAt, fn cannot move the milestone to another goal.
func (d *db) UpdateMilestone(ctx context.Context, userID, id string, fn func(*flux.Milestone) error) (*flux.Milestone, error) {
	if !flux.ValidID(userID) || !flux.ValidID(id) {
		return nil, notFound("milestone")
	}
	var out *flux.Milestone
	err := d.inTx(ctx, func(q querier) error {
		m, err := one(ctx, q, "update milestone", "milestone", scanMilestone,
			`SELECT `+milestoneCols+` FROM milestones WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id)
		if err != nil {
			return err
		}
		goalID, createdAt := m.GoalID, m.CreatedAt
		if err := fn(m); err != nil {
			return err
		}
		m.ID, m.UserID, m.GoalID, m.CreatedAt = id, userID, goalID, createdAt
		var fs fieldErrs
		validateMilestone(m, &fs)
		if err := fs.err("invalid milestone"); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE milestones SET week = $3, title = $4, status = $5, plan_version = $6
			WHERE id = $1 AND user_id = $2`, m.ID, m.UserID, m.Week, m.Title, m.Status, m.PlanVersion); err != nil {
			return mapErr("update milestone", err)
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
