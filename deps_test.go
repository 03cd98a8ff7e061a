package flux_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestProviderFreeDependencies keeps the design's dependency rule: the
// packages an embedder imports without a provider link no database
// driver, gRPC, River, go-openai or other provider client, and the
// offline planner and the RAG core no HTTP client either. Each provider
// lives in its own subpackage.
func TestProviderFreeDependencies(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	forbidden := []string{
		"github.com/jackc/pgx", "modernc.org/sqlite", "github.com/lib/pq",
		"google.golang.org/grpc", "github.com/riverqueue/river",
		"github.com/sashabaranov/go-openai", "github.com/pinecone-io/go-pinecone",
		"github.com/twilio/twilio-go", "github.com/SherClockHolmes/webpush-go",
	}
	for _, tc := range []struct {
		pkg    string
		noHTTP bool
	}{
		{pkg: "github.com/fluxlife/flux/scheduler", noHTTP: true},
		{pkg: "github.com/fluxlife/flux/planner", noHTTP: true},
		{pkg: "github.com/fluxlife/flux/rag", noHTTP: true},
		{pkg: "github.com/fluxlife/flux/voice", noHTTP: true},
		{pkg: "github.com/fluxlife/flux/fluxtest"},
	} {
		out, err := exec.Command(goTool, "list", "-deps", tc.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", tc.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s links %s", tc.pkg, dep)
				}
			}
			if tc.noHTTP && dep == "net/http" {
				t.Errorf("%s links net/http", tc.pkg)
			}
		}
	}
}
