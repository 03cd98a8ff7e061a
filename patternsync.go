package flux

// PatternSync is what replacing a user's computed patterns changes in the
// store (PatternStore.SyncPatterns): the stored rows to rewrite, the new
// rows to insert and the rows to delete. Both stores apply the same plan.
type PatternSync struct {
	// Update pairs a stored row's id with the computed pattern that
	// replaces its description, data and confidence.
	Update []PatternUpdate
	// Create are the computed patterns with no stored row of their type
	// and key.
	Create []*Pattern
	// Delete are the ids of stored rows nobody overrode that no computed
	// pattern replaces, and of duplicates of a key.
	Delete []string
}

// PatternUpdate is one stored row rewritten by a PatternSync.
type PatternUpdate struct {
	ID      string
	Pattern *Pattern
}

// PlanPatternSync plans replacing stored (a user's rows of the
// synchronised types) with computed, matched by (type, key): a row the
// user overrode (UserOverride set) is never changed or deleted; of several
// computed patterns with one key the first wins; of several stored rows
// with one key an overridden one is kept, the others deleted.
func PlanPatternSync(stored, computed []Pattern) PatternSync {
	type key struct{ typ, key string }
	var plan PatternSync
	byKey := make(map[key]*Pattern, len(stored))
	for i := range stored {
		k := key{stored[i].Type, stored[i].Key}
		cur, dup := byKey[k]
		switch {
		case !dup:
			byKey[k] = &stored[i]
		case len(cur.UserOverride) == 0:
			plan.Delete = append(plan.Delete, cur.ID) // a duplicate nobody overrode
			byKey[k] = &stored[i]
		case len(stored[i].UserOverride) == 0:
			plan.Delete = append(plan.Delete, stored[i].ID)
		}
	}
	seen := make(map[key]bool, len(computed))
	for i := range computed {
		p := &computed[i]
		k := key{p.Type, p.Key}
		if seen[k] {
			continue // the first of equal keys wins
		}
		seen[k] = true
		cur, ok := byKey[k]
		switch {
		case ok && len(cur.UserOverride) > 0:
			// the user's correction stands
		case ok:
			plan.Update = append(plan.Update, PatternUpdate{ID: cur.ID, Pattern: p})
		default:
			plan.Create = append(plan.Create, p)
		}
	}
	for i := range stored {
		k := key{stored[i].Type, stored[i].Key}
		if !seen[k] && byKey[k] == &stored[i] && len(stored[i].UserOverride) == 0 {
			plan.Delete = append(plan.Delete, stored[i].ID)
		}
	}
	return plan
}
