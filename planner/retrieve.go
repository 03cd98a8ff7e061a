package planner

import (
	"context"
	"strings"

	"github.com/fluxlife/flux"
)

// Passage is a piece of an expert article that a retriever found for a
// goal: flux.Passage, the type package rag returns.
type Passage = flux.Passage

// Retriever finds the passages most relevant to a query, best first.
// *rag.Library satisfies it.
type Retriever interface {
	Retrieve(ctx context.Context, query string, k int) ([]Passage, error)
}

// RetrieverFunc adapts a function to Retriever.
type RetrieverFunc func(ctx context.Context, query string, k int) ([]Passage, error)

// Retrieve calls f.
func (f RetrieverFunc) Retrieve(ctx context.Context, query string, k int) ([]Passage, error) {
	return f(ctx, query, k)
}

// retrievalQuery is what a planner asks its retriever for a request.
func retrievalQuery(req Request) string {
	parts := []string{req.Statement, req.Target, req.Preferences}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// sourcesOf returns the distinct articles of passages, in order, as
// sources (deduplicated by title, case-insensitively).
func sourcesOf(passages []Passage) []flux.Source {
	seen := map[string]bool{}
	var out []flux.Source
	for _, p := range passages {
		key := strings.ToLower(strings.TrimSpace(p.Title))
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, flux.Source{Title: strings.TrimSpace(p.Title), Source: p.Source})
	}
	return out
}
