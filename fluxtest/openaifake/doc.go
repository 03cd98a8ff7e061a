// Package openaifake is a fake OpenAI-compatible API server for tests. [LLM]
// answers chat completions (including JSON-schema structured-output
// requests) and embeddings. It records every request, checks the bearer
// token, and plays a queue of scripted replies: content, JSON, an HTTP
// error status, or a hang that lasts until the client gives up. Point
// go-openai (or planner/openai and rag/openai, built on it) at [LLM.URL]
// with [LLM.APIKey]:
//
//	llm := openaifake.NewLLM(t)
//	llm.ReplyJSON(map[string]any{"answer": 42})
//	cfg := openai.DefaultConfig(llm.APIKey())
//	cfg.BaseURL = llm.URL()
//	client := openai.NewClientWithConfig(cfg)
//
// It lives apart from package fluxtest because its API speaks go-openai's
// request types: a test needing only the fake clock does not link go-openai.
package openaifake
