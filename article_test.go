package flux_test

import (
	"math"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/google/go-cmp/cmp"
)

func TestValidArticleID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"starting-to-run": true, "01_intro": true, "学习中文": true, "été": true, "a": true,
		strings.Repeat("x", flux.MaxArticleIDLength): true, strings.Repeat("é", flux.MaxArticleIDLength): true,
		"": false, "Upper": false, "with space": false, "a/b": false, `a\b`: false, "..": false, "a.md": false,
		"-lead": false, "trail-": false, "nul\x00": false, "\xff": false, strings.Repeat("x", flux.MaxArticleIDLength+1): false,
	} {
		if got := flux.ValidArticleID(id); got != want {
			t.Errorf("ValidArticleID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestArticleCursor(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"a", "starting-to-run", "学习中文"} {
		got, err := flux.DecodeArticleCursor(flux.EncodeArticleCursor(id))
		if err != nil || got != id {
			t.Errorf("round trip of %q = %q, %v", id, got, err)
		}
	}
	for _, bad := range []string{"", "!!", flux.EncodeArticleCursor("Bad ID"), flux.EncodeCursor(flux.Cursor{ID: flux.NewID()})} {
		if _, err := flux.DecodeArticleCursor(bad); !flux.IsCode(err, flux.EInvalid) {
			t.Errorf("DecodeArticleCursor(%q) = %v, want EInvalid", bad, err)
		}
	}
}

func TestArticleSearchWords(t *testing.T) {
	t.Parallel()
	for q, want := range map[string][]string{
		"How do I start RUNNING?":       {"start", "running"},
		`"running" NEAR(shoes) -pain:*`: {"running", "near", "shoes", "pain"},
		"the and of ... !!!":            nil,
		"Марафон, 学习中文 and café café":   {"марафон", "学习中文", "café"},
		"run's 10k": {"run", "10k"},
	} {
		if diff := cmp.Diff(want, flux.ArticleSearchWords(q)); diff != "" {
			t.Errorf("ArticleSearchWords(%q) (-want +got):\n%s", q, diff)
		}
	}
	if n := len(flux.ArticleSearchWords(longQuery())); n != flux.MaxSearchWords {
		t.Errorf("a long query gave %d words, want %d", n, flux.MaxSearchWords)
	}
}

func longQuery() string {
	var b strings.Builder
	for i := range 200 {
		b.WriteString(" word")
		b.WriteByte(byte('a' + i%26))
		b.WriteByte(byte('a' + i/26))
	}
	return b.String()
}

func TestValidateArticle(t *testing.T) {
	t.Parallel()
	a := flux.Article{ID: "ok", Title: "Title"}
	if err := flux.ValidateArticle(&a, []flux.ArticleChunk{{Index: 0, Text: "x"}, {Index: 1, Text: "y"}}); err != nil {
		t.Errorf("valid article without vectors: %v", err)
	}
	bad := flux.Article{ID: "Bad", Title: " ", Hash: "h\x00"}
	err := flux.ValidateArticle(&bad, []flux.ArticleChunk{{Index: 1, Vector: []float32{1}}, {Index: 1, Text: "\xff"}})
	var got []string
	if fe, ok := err.(*flux.Error); ok {
		for _, f := range fe.Fields {
			got = append(got, f.Field)
		}
	}
	want := []string{"id", "title", "hash", "chunks[0].index", "chunks[1].text", "chunks[1].vector"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestVectorEncoding(t *testing.T) {
	t.Parallel()
	v := []float32{0, -1.5, 3.25, float32(math.Inf(1)), math.SmallestNonzeroFloat32}
	got, err := flux.DecodeVector(flux.EncodeVector(v))
	if err != nil || len(got) != len(v) {
		t.Fatalf("round trip: %v %v", got, err)
	}
	for i := range v {
		if math.Float32bits(got[i]) != math.Float32bits(v[i]) {
			t.Errorf("element %d: %v, want %v", i, got[i], v[i])
		}
	}
	if b := flux.EncodeVector(nil); b != nil {
		t.Errorf("empty vector encodes to %v", b)
	}
	if _, err := flux.DecodeVector([]byte{1, 2, 3}); err == nil {
		t.Error("3 bytes decoded")
	}
}
