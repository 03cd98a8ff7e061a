package rag

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []string
	}{
		{"I don't want to run", []string{"run"}},
		{"Running, runners and runs!", []string{"run", "run", "run"}},
		{"Study studies studied studying", []string{"studi", "studi", "studi", "studi"}},
		{"saving savings save", []string{"sav", "sav", "sav"}},
		{"habits Habit HABITUAL", []string{"habit", "habit", "habitual"}},
		{"10,000 steps a day", []string{"10", "000", "step", "day"}},
		{"5K and 10K races", []string{"5k", "10k", "rac"}},
		{"stress stressed", []string{"stress", "stress"}},
		{"motivation motivate", []string{"motivat", "motivat"}},
		{"Überblick über Schlaf 睡眠", []string{"überblick", "über", "schlaf", "睡眠"}},
		{"week’s plan", []string{"week", "plan"}},
		{"", nil},
		{"the a of and", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Terms(tt.text)); diff != "" {
			t.Errorf("Terms(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}
