// Package pineconefake is a fake Pinecone for tests: Pinecone's gRPC data
// plane runs in process beside its HTTP control plane (describe index), so
// that github.com/pinecone-io/go-pinecone and rag/pinecone are tested
// against the real protocol. It records every call and plays scripted
// failures.
//
//	fake := pineconefake.NewPinecone(t)
//	idx, err := pinecone.New(ctx, pinecone.Config{APIKey: fake.APIKey(),
//		IndexName: fake.IndexName(), ControlURL: fake.ControlURL(), ...})
//
// It lives apart from package fluxtest so that a test needing only the fake
// clock does not link gRPC.
package pineconefake
