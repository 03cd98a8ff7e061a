package httpapi

import (
	"net/http"

	"github.com/fluxlife/flux/httpapi/auth/gotrue"
)

// signInRoutes registers the Supabase Auth subset of local mode (package
// gotrue) under /auth/v1. They answer in GoTrue's shapes, errors included,
// and check their own credentials.
func (s *Server) signInRoutes() {
	if s.signIn == nil {
		return
	}
	for _, ep := range s.signIn.Endpoints() {
		h := ep.Handler
		s.handle(Route{Method: ep.Method, Path: ep.Path, Summary: ep.Summary, Tag: "sign-in",
			Public: !ep.Bearer, SelfAuth: ep.Bearer, OptionalBody: ep.Optional,
			Request: ep.Request, Response: ep.Response, Status: ep.Status, ErrorSchema: gotrue.ErrorResponse{}},
			func(w http.ResponseWriter, r *http.Request) error {
				h(w, r)
				return nil
			})
	}
}
