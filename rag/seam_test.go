package rag_test

import (
	"github.com/fluxlife/flux/planner"
	"github.com/fluxlife/flux/rag"
)

// A library grounds the planner as it is: no adapter between them.
var _ planner.Retriever = (*rag.Library)(nil)
