package flux

// Passage is one retrieved piece of an article, ready to be quoted in a
// prompt and cited in a plan. Package rag returns passages
// (rag.Library.Retrieve) and package planner grounds plans in them
// (planner.Retriever); both name this one type, so a rag.Library is a
// planner.Retriever as it is.
type Passage struct {
	Text      string `json:"text"`
	Title     string `json:"title"`
	Source    string `json:"source"` // the article's URL or reference
	Category  string `json:"category"`
	Authority string `json:"authority"`
	// Score orders the passages, higher is better (what it measures is
	// the retriever's: package rag documents its modes).
	Score float64 `json:"score"`
	// DocumentID and ChunkIndex say where the passage comes from.
	DocumentID string `json:"document_id"`
	ChunkIndex int    `json:"chunk_index"`
}
