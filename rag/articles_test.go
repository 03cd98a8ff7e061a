package rag

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestBundledArticles(t *testing.T) {
	t.Parallel()
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 24 {
		t.Fatalf("%d bundled articles, want at least 24", len(docs))
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	categories := map[string]int{}
	for _, d := range docs {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
		if ids[d.ID] || titles[d.Title] {
			t.Errorf("%s: duplicate id or title %q", d.ID, d.Title)
		}
		ids[d.ID], titles[d.Title] = true, true
		if n := len(strings.Fields(d.Content)); n < 400 || n > 1200 {
			t.Errorf("%s: %d words, want 400 to 1200", d.ID, n)
		}
		if !KnownCategory(d.Category) {
			t.Errorf("%s: category %q is not a planner domain", d.ID, d.Category)
		}
		categories[d.Category]++
		// The Source line names where the facts come from: at least one
		// named organisation or publication, not a bare URL.
		if len(d.Source) < 20 || strings.HasPrefix(d.Source, "http") {
			t.Errorf("%s: source %q does not name where the facts come from", d.ID, d.Source)
		}
		if d.Hash != d.SumHash() {
			t.Errorf("%s: hash not set", d.ID)
		}
	}
	t.Logf("%d articles by category: %v", len(docs), categories)

	// Articles returns a copy.
	docs[0].Title = "changed"
	again, _ := Articles()
	if again[0].Title == "changed" {
		t.Error("Articles shares its slice with callers")
	}
}

// The topics the issue lists each have an article.
func TestBundledArticlesCoverTheTopics(t *testing.T) {
	t.Parallel()
	docs, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, d := range docs {
		have[d.ID] = true
	}
	for _, id := range []string{
		"starting-to-run", "strength-training-beginners", "walking-and-steps", "sleep", "nutrition-basics",
		"hydration", "weight-management", "habit-formation", "procrastination", "time-blocking", "focus",
		"studying-spaced-repetition", "learning-a-language", "reading-more", "writing-daily",
		"learning-an-instrument", "budgeting-and-saving", "paying-off-debt", "job-search", "public-speaking",
		"mindfulness-and-stress", "screen-time", "side-project",
	} {
		if !have[id] {
			t.Errorf("no article %q", id)
		}
	}
}

func TestLoadArticles(t *testing.T) {
	t.Parallel()
	good := "Title: T | Source: S\nCategory: general | Authority: A\n---\nBody."
	fsys := fstest.MapFS{
		"b.md":       {Data: []byte(good)},
		"a.txt":      {Data: []byte(good)},
		"notes.json": {Data: []byte("{}")},
		"sub/c.md":   {Data: []byte("not an article")},
		"README.MD":  {Data: []byte(good)},
	}
	docs, err := LoadArticles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	if strings.Join(ids, ",") != "a,b,readme" {
		t.Errorf("ids = %v", ids)
	}
	fsys["bad.md"] = &fstest.MapFile{Data: []byte("no header")}
	if _, err := LoadArticles(fsys); err == nil || !strings.Contains(err.Error(), `"bad.md"`) {
		t.Errorf("err = %v, want one naming bad.md", err)
	}
}
