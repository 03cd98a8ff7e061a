package rag

// Test helpers of the internal tests that the external tests (package
// rag_test, which may import rag/pinecone and fluxtest) use too.
var (
	// LoadQuestions reads testdata/questions.json.
	LoadQuestions = loadQuestions
	// MeasureQuality measures hit@k and MRR of a library over labelled
	// questions in one mode.
	MeasureQuality = measure
)

// LabelledQuestion is one entry of testdata/questions.json.
type LabelledQuestion = labelledQuestion
