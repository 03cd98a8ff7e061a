package httpapi

import (
	"net/http"

	"github.com/fluxlife/flux"
)

// Most handlers have one shape: find the caller, decode the body (when
// there is one), make one service call, write its result as JSON. These
// helpers write that shape once; a handler with more to do (query
// parameters, headers, optional bodies) is written out.

// callerJSON answers with status and the JSON of what call returns for
// the caller.
func callerJSON[Out any](s *Server, status int, call func(r *http.Request, u *flux.User) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		out, err := call(r, u)
		if err != nil {
			return err
		}
		writeJSON(w, status, out)
		return nil
	}
}

// bodyJSON is callerJSON with the request body decoded (strictly: unknown
// fields are refused) into an In first.
func bodyJSON[In, Out any](s *Server, status int, call func(r *http.Request, u *flux.User, in In) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		var in In
		if err := decode(w, r, &in); err != nil {
			return err
		}
		out, err := call(r, u, in)
		if err != nil {
			return err
		}
		writeJSON(w, status, out)
		return nil
	}
}

// callerNoContent answers 204 No Content when call succeeds for the
// caller.
func callerNoContent(s *Server, call func(r *http.Request, u *flux.User) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r, "")
		if err != nil {
			return err
		}
		if err := call(r, u); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
