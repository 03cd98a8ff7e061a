package pinecone_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	pc "github.com/pinecone-io/go-pinecone/v5/pinecone"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag/pinecone"
)

// TestClientIndexExitsOnBadHost shows why New checks the host: handed a
// host gRPC cannot parse, go-pinecone's Client.Index ends the process
// (log.Fatalf). The test runs that in a child process and expects exit
// status 1; New, given the same host, returns an EInvalid error. Should a
// later go-pinecone return an error instead, the check stays right, only no
// longer vital.
func TestClientIndexExitsOnBadHost(t *testing.T) {
	const host = "https://%zz"
	if os.Getenv("FLUX_PINECONE_EXIT_CHILD") == "1" {
		client, err := pc.NewClient(pc.NewClientParams{ApiKey: "k"})
		if err == nil {
			_, err = client.Index(pc.NewIndexConnParams{Host: host})
		}
		fmt.Println("Client.Index returned:", err)
		os.Exit(0)
	}
	t.Parallel()
	_, err := pinecone.New(context.Background(), pinecone.Config{APIKey: "k", Host: host})
	if flux.ErrorCode(err) != flux.EInvalid {
		t.Errorf("New with host %q: %v, want EInvalid", host, err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestClientIndexExitsOnBadHost$")
	cmd.Env = append(os.Environ(), "FLUX_PINECONE_EXIT_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "failed to create grpc client") {
		t.Errorf("Client.Index(%q) in a child process: err %v, output:\n%s\nwant exit status 1 from log.Fatalf", host, err, out)
	}
}
