package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/fluxlife/flux"
)

// taskStatusRequest is the optional body of PATCH
// /api/v1/tasks/{id}/complete and /missed. The original frontend sends
// none; a body that is sent must be a JSON object whose task_id, when
// present, is the task of the path.
type taskStatusRequest struct {
	// TaskID, when present, must equal the path's id.
	TaskID *string `json:"task_id"`
}

// decodeTaskStatusBody validates the optional body of complete and missed:
// no body (or only white space) is fine; invalid JSON, unknown fields and a
// task_id other than the path's are 400s naming what is wrong (413 past
// MaxBodyBytes).
func decodeTaskStatusBody(w http.ResponseWriter, r *http.Request) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	var body taskStatusRequest
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.TaskID != nil && !strings.EqualFold(strings.TrimSpace(*body.TaskID), r.PathValue("id")) {
		return flux.Invalid("task_id does not match the task of the path",
			flux.FieldError{Field: "task_id", Message: "must be the id in the path, or left out"})
	}
	return nil
}
