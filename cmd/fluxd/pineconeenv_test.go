package main

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag/pinecone"
)

func TestPineconeConfigFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    map[string]string
		want   pinecone.Config
		fields []string
	}{
		{"unset", nil, pinecone.Config{IndexName: "flux-articles"}, nil},
		{"key only", map[string]string{"PINECONE_API_KEY": " pk "}, pinecone.Config{APIKey: "pk", IndexName: "flux-articles"}, nil},
		{"everything", map[string]string{
			"PINECONE_API_KEY": "pk", "PINECONE_INDEX_NAME": "my-index", "PINECONE_HOST": "my-index-x.svc.pinecone.io",
			"PINECONE_NAMESPACE": "ns", "PINECONE_CONTROLLER_HOST": "https://api.example.org", "PINECONE_TIMEOUT": "5s",
		}, pinecone.Config{APIKey: "pk", IndexName: "my-index", Host: "my-index-x.svc.pinecone.io", Namespace: "ns",
			ControlURL: "https://api.example.org", Timeout: 5 * time.Second}, nil},
		{"pinecone local", map[string]string{"PINECONE_API_KEY": "pclocal", "PINECONE_HOST": "http://localhost:5081"},
			pinecone.Config{APIKey: "pclocal", IndexName: "flux-articles", Host: "http://localhost:5081", Insecure: true}, nil},
		{"malformed", map[string]string{
			"PINECONE_API_KEY": "pk", "PINECONE_INDEX_NAME": "Bad_Name", "PINECONE_HOST": "host/path",
			"PINECONE_CONTROLLER_HOST": "ftp://x", "PINECONE_TIMEOUT": "soon",
		}, pinecone.Config{}, []string{"PINECONE_TIMEOUT", "PINECONE_INDEX_NAME", "PINECONE_HOST", "PINECONE_CONTROLLER_HOST"}},
	}
	for _, tt := range tests {
		got, err := pineconeConfigFromEnv(env(tt.env))
		var fields []string
		var fe *flux.Error
		if errors.As(err, &fe) {
			for _, f := range fe.Fields {
				fields = append(fields, f.Field)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.fields, fields); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: config (-want +got):\n%s", tt.name, diff)
		}
		if got.Enabled() != (got.APIKey != "") {
			t.Errorf("%s: Enabled = %v", tt.name, got.Enabled())
		}
	}
}
