package httpapi

import (
	"net/http"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/voice"
)

// voiceSessionRequest is the body of POST /api/v1/voice/session, read
// leniently: the original's {"user_id"} is honoured only for an admin
// caller, and a caller with a token may send no body at all.
type voiceSessionRequest struct {
	UserID string `json:"user_id,omitempty"`
}

// errVoiceOff answers the voice routes of a server built without a voice
// service.
func errVoiceOff() error {
	return &flux.Error{Code: flux.EUnavailable,
		Message: "voice is not configured: set DEEPGRAM_API_KEY to a Deepgram API key in the server's environment and restart it"}
}

// requireFields answers 422, as the original did for a missing required
// field, listing each of fields (name, value) that is blank.
func requireFields(fields ...[2]string) error {
	var fs []flux.FieldError
	for _, f := range fields {
		if strings.TrimSpace(f[1]) == "" {
			fs = append(fs, flux.FieldError{Field: f[0], Message: "is required"})
		}
	}
	if len(fs) == 0 {
		return nil
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Field
	}
	verb := " is required"
	if len(names) > 1 {
		verb = " are required"
	}
	return &flux.Error{Code: flux.EUnprocessable, Message: strings.Join(names, ", ") + verb, Fields: fs}
}

func (s *Server) voiceRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/voice/session", Summary: "Start a voice session: a short-lived Deepgram token, the agent config and its ready Settings message", Tag: "voice", OptionalBody: true,
		Request: voiceSessionRequest{}, Response: voice.SessionInfo{}}, s.limitedBy(ProviderDeepgram, func(w http.ResponseWriter, r *http.Request) error {
		var body voiceSessionRequest
		if err := decodeLenient(w, r, &body); err != nil {
			return err
		}
		u, err := s.user(r, strings.TrimSpace(body.UserID))
		if err != nil {
			return err
		}
		if s.voice == nil {
			return errVoiceOff()
		}
		info, err := s.voice.Create(r.Context(), u)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, info)
		return nil
	}))
	s.handle(Route{Method: "POST", Path: "/api/v1/voice/messages", Summary: "Save a transcript line of one of the caller's open voice sessions", Tag: "voice",
		Request: voice.MessageInput{}, Response: voice.SavedMessage{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body voice.MessageInput
		if err := decode(w, r, &body); err != nil {
			return err
		}
		if err := requireFields([2]string{"session_id", body.SessionID}, [2]string{"role", body.Role}, [2]string{"content", body.Content}); err != nil {
			return err
		}
		if s.voice == nil {
			return errVoiceOff()
		}
		saved, err := s.voice.SaveMessage(r.Context(), u, body)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, saved)
		return nil
	})
	s.handle(Route{Method: "GET", Path: "/api/v1/voice/sessions/{id}/messages", Summary: "The transcript of one of the caller's voice sessions, oldest first", Tag: "voice",
		Response: voice.Transcript{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if s.voice == nil {
			return errVoiceOff()
		}
		tr, err := s.voice.Messages(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, tr)
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/v1/voice/intents", Summary: "Run a function call of the voice agent (create a goal, create or move a task); answers the sentence to speak", Tag: "voice",
		Request: voice.IntentInput{}, Response: voice.IntentResult{}}, s.limited(func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body voice.IntentInput
		if err := decode(w, r, &body); err != nil {
			return err
		}
		if err := requireFields([2]string{"session_id", body.SessionID}, [2]string{"function_call_id", body.FunctionCallID},
			[2]string{"function_name", body.FunctionName}); err != nil {
			return err
		}
		if s.voice == nil {
			return errVoiceOff()
		}
		res, err := s.voice.SubmitIntent(r.Context(), u, body)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}))
	s.handle(Route{Method: "DELETE", Path: "/api/v1/voice/session/{id}", Summary: "Close one of the caller's voice sessions; closing twice is harmless", Tag: "voice",
		Response: voice.Closed{}}, func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if s.voice == nil {
			return errVoiceOff()
		}
		c, err := s.voice.Close(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	})
}
