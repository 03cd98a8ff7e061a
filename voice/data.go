package voice

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Conversation states of a voice session.
const (
	stateOpen   = "open"
	stateClosed = "closed"
)

// Why a session ended.
const (
	closedByUser  = "closed"
	closedAsStale = "stale"
)

// Intent record statuses.
const (
	intentPending = "pending" // claimed; its handler is running
	intentDone    = "done"    // finished; Result is the answer to every repeat
)

// sessionData is a voice session's state, kept in Conversation.Data.
type sessionData struct {
	// TokenExpiresAt is when the session's Deepgram grant expires.
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
	// Timezone is the user's zone when the session started.
	Timezone string `json:"timezone,omitempty"`
	// Refs maps the short task references the model sees ("T1") to task
	// ids; NextRef is the number of the next one.
	Refs    map[string]string `json:"refs,omitempty"`
	NextRef int               `json:"next_ref,omitempty"`
	// Intents are the function calls handled, by function_call_id.
	Intents map[string]*intentRecord `json:"intents,omitempty"`
	// ClosedReason says why the session ended: "closed" or "stale".
	ClosedReason string `json:"closed_reason,omitempty"`
}

// intentRecord is one function call: claimed, then done with its result.
type intentRecord struct {
	Function  string          `json:"function"`
	Route     string          `json:"route"`
	Status    string          `json:"status"`
	ClaimedAt time.Time       `json:"claimed_at"`
	DoneAt    *time.Time      `json:"done_at,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	Result    string          `json:"result,omitempty"`
	// TaskID and GoalID link what the call created or changed; a task id
	// is recorded as soon as the task exists, so a retried claim resumes
	// instead of creating it twice.
	TaskID string `json:"task_id,omitempty"`
	GoalID string `json:"goal_id,omitempty"`
}

func decodeData(raw json.RawMessage) (*sessionData, error) {
	d := &sessionData{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, d); err != nil {
			return nil, fmt.Errorf("voice session data: %w", err)
		}
	}
	if d.Refs == nil {
		d.Refs = map[string]string{}
	}
	if d.Intents == nil {
		d.Intents = map[string]*intentRecord{}
	}
	return d, nil
}

func (d *sessionData) encode() json.RawMessage {
	b, _ := json.Marshal(d)
	return b
}

// addRef gives taskID a reference, reusing the one it has.
func (d *sessionData) addRef(taskID string) string {
	for ref, id := range d.Refs {
		if id == taskID {
			return ref
		}
	}
	if d.NextRef < 1 {
		d.NextRef = 1
	}
	ref := "T" + strconv.Itoa(d.NextRef)
	d.NextRef++
	d.Refs[ref] = taskID
	return ref
}

var refRe = regexp.MustCompile(`^(?:t|task)?\s*(?:number|no\.?)?\s*[-#]?\s*(\d{1,4})$`)

// normalizeRef reads a spoken or written reference ("T2", "t 2", "task 2",
// "#2") as "T2"; ok is false for anything else.
func normalizeRef(s string) (string, bool) {
	m := refRe.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return "", false
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 {
		return "", false
	}
	return "T" + strconv.Itoa(n), true
}
