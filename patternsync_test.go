package flux_test

import (
	"encoding/json"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

func TestPlanPatternSync(t *testing.T) {
	t.Parallel()
	override := json.RawMessage(`{"dismissed": true}`)
	stored := []flux.Pattern{
		{ID: "keep-overridden", Type: "avoidance", Key: "Mon 19"},
		{ID: "dup-overridden", Type: "avoidance", Key: "Mon 19", UserOverride: override},
		{ID: "rewrite", Type: "best_time", Key: "07"},
		{ID: "stale", Type: "best_time", Key: "21"},
		{ID: "stale-overridden", Type: "best_time", Key: "22", UserOverride: override},
	}
	computed := []flux.Pattern{
		{ID: "n1", Type: "avoidance", Key: "Mon 19"},
		{ID: "n2", Type: "best_time", Key: "07"},
		{ID: "n3", Type: "best_time", Key: "07"}, // the first of equal keys wins
		{ID: "n4", Type: "best_time", Key: "08"},
	}
	plan := flux.PlanPatternSync(stored, computed)
	got := struct{ Update, Create, Delete []string }{}
	for _, u := range plan.Update {
		got.Update = append(got.Update, u.ID+"<-"+u.Pattern.ID)
	}
	for _, p := range plan.Create {
		got.Create = append(got.Create, p.ID)
	}
	got.Delete = plan.Delete
	want := struct{ Update, Create, Delete []string }{
		Update: []string{"rewrite<-n2"},
		Create: []string{"n4"},
		Delete: []string{"keep-overridden", "stale"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("PlanPatternSync (-want +got):\n%s", d)
	}
}
