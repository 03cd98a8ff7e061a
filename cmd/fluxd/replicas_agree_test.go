package main

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/fluxlife/flux/fluxtest"
)

// TestReplicasAgree: two fluxd processes on one PostgreSQL database. An
// article ingested through one is found through the other within 10 s by
// its vector search too (not only by the full-text search both read from
// the database), a deleted one disappears, and a second voice session of a
// user is refused whichever replica it reaches.
func TestReplicasAgree(t *testing.T) {
	t.Parallel()
	dg := fluxtest.NewDeepgram(t)
	dbURL := freshPostgresURL(t)
	const admin = "admin-token-for-replica-tests"
	ports := []int{freePort(t), freePort(t)}
	var replicas []*fluxd
	var vars map[string]string
	for _, port := range ports {
		vars = map[string]string{
			"PORT": strconv.Itoa(port), "DATABASE_URL": dbURL, "FLUX_DATA_DIR": t.TempDir(), "FLUX_ADMIN_TOKEN": admin,
			"DEEPGRAM_API_KEY": dg.APIKey(), "DEEPGRAM_BASE_URL": dg.URL(), "LOG_LEVEL": "WARN",
		}
		u := "http://127.0.0.1:" + strconv.Itoa(port)
		spawn(t, vars, u)
		replicas = append(replicas, &fluxd{url: u})
	}
	a, b := replicas[0], replicas[1]
	tok := mintToken(t, vars, "replica-user@example.com")

	// found reports whether a search through f finds the document with a
	// passage both searches ranked (a hybrid score above one reciprocal
	// rank, 1/(60+1)), and whether it finds it at all.
	found := func(f *fluxd, q, docID string) (both, seen bool) {
		code, body := f.call(t, "GET", "/api/v1/rag/search?q="+url.QueryEscape(q), tok, "")
		if code != 200 {
			t.Fatalf("search through %s = %d %v", f.url, code, body)
		}
		results, _ := body["results"].([]any)
		for _, r := range results {
			p, _ := r.(map[string]any)
			if p["document_id"] != docID {
				continue
			}
			seen = true
			if s, _ := p["score"].(float64); s > 1.0/61+1e-9 {
				both = true
			}
		}
		return both, seen
	}
	// B has loaded its vectors before the ingest through A.
	if both, seen := found(b, "portage canoe trips", "canoe-trips"); both || seen {
		t.Fatal("the article is found before it is ingested")
	}
	code, body := a.call(t, "POST", "/api/v1/rag/ingest?clear_existing=false", admin,
		`{"articles": [{"title": "Canoe Trips", "source": "s", "category": "fitness", "authority": "a", "content": "Plan the portage before the canoe trip."}]}`)
	if code != 200 || body["indexed"] != float64(1) {
		t.Fatalf("ingest through A = %d %v", code, body)
	}
	begin := time.Now()
	waitLong(t, 10*time.Second, "the article ingested through A to be found through B's vector search", func() bool {
		both, _ := found(b, "portage canoe trips", "canoe-trips")
		return both
	})
	t.Logf("ingested through A, found through B's vector search after %s", time.Since(begin).Round(time.Millisecond))

	if code, body := b.call(t, "DELETE", "/api/v1/rag/documents/canoe-trips", admin, ""); code != 200 && code != 204 {
		t.Fatalf("delete through B = %d %v", code, body)
	}
	waitLong(t, 10*time.Second, "the article deleted through B to be gone from A", func() bool {
		_, seen := found(a, "portage canoe trips", "canoe-trips")
		return !seen
	})

	// One open voice session per user, whichever replica is asked.
	if code := voiceCall(t, a, "POST", "/api/v1/voice/session", tok, nil, nil); code != 200 {
		t.Fatalf("first voice session through A = %d", code)
	}
	for i, f := range []*fluxd{b, a, b} {
		if code := voiceCall(t, f, "POST", "/api/v1/voice/session", tok, nil, nil); code != 409 {
			t.Errorf("second voice session, attempt %d through %s = %d, want 409", i+1, f.url, code)
		}
	}
	// Another user is not limited by it.
	other := mintToken(t, vars, "other-user@example.com")
	if code := voiceCall(t, b, "POST", "/api/v1/voice/session", other, nil, nil); code != 200 {
		t.Errorf("another user's voice session through B = %d", code)
	}
}
