package httpapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/fluxlife/flux"
)

// PhoneVerifier sends one-time codes to phone numbers and checks them
// (Twilio Verify in fluxd). Numbers are in E.164 form.
type PhoneVerifier interface {
	// Send sends a new code to the number.
	Send(ctx context.Context, to string) error
	// Check reports whether code is the valid code last sent to the number.
	Check(ctx context.Context, to, code string) (bool, error)
}

// PhoneSendsPerHour is how many verification codes a user may have sent
// per hour (the original's limit).
const PhoneSendsPerHour = 3

// errPhoneNotConfigured is the 503 of the phone routes without a verifier.
var errPhoneNotConfigured = &flux.Error{Code: flux.EUnavailable,
	Message: "phone verification is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID"}

// phoneSendRequest is the body of POST /api/v1/account/phone/verify/send.
type phoneSendRequest struct {
	PhoneNumber string `json:"phone_number"`
}

// phoneConfirmRequest is the body of POST /api/v1/account/phone/verify/confirm.
type phoneConfirmRequest struct {
	PhoneNumber string `json:"phone_number"`
	Code        string `json:"code"`
}

type phoneSendResponse struct {
	Status string `json:"status"`
}

type phoneConfirmResponse struct {
	Verified bool `json:"verified"`
}

var verificationCode = regexp.MustCompile(`^[0-9]{4,10}$`)

// phoneNumber checks a number in a request body.
func phoneNumber(fs *fieldErrs, n string) string {
	n = strings.TrimSpace(n)
	switch {
	case n == "":
		fs.add("phone_number", "is required")
	case !flux.ValidE164(n):
		fs.add("phone_number", "must be in E.164 form, such as +14155550100")
	}
	return n
}

// verifierError turns a verifier's failure into a 503 that shows nothing
// of it, and logs it with the number masked.
func (s *Server) verifierError(r *http.Request, op, number string, err error) error {
	var fe *flux.Error
	if errors.As(err, &fe) && fe.Code != flux.EInternal && fe.Err == nil {
		return fe // the verifier's own message for the user
	}
	msg := strings.ReplaceAll(err.Error(), number, flux.MaskPhone(number))
	s.log.WarnContext(r.Context(), "phone verification failed", "request_id", requestID(r.Context()),
		"op", op, "to", flux.MaskPhone(number), "error", msg)
	return &flux.Error{Code: flux.EUnavailable, Message: "the phone verification service failed; try again later"}
}

func (s *Server) phoneRoutes() {
	s.handle(Route{Method: "POST", Path: "/api/v1/account/phone/verify/send", Summary: "Text a verification code to a phone number (Twilio Verify); at most 3 an hour",
		Tag: "account", Request: phoneSendRequest{}, Response: phoneSendResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		me, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body phoneSendRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		n := phoneNumber(&fs, body.PhoneNumber)
		if err := fs.err("invalid phone number"); err != nil {
			return err
		}
		if s.phone == nil {
			return errPhoneNotConfigured
		}
		if ok, wait := s.phoneLimit.Allow("phone:"+me.ID, s.now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
			return &flux.Error{Code: flux.ETooMany, Message: "Rate limit exceeded"}
		}
		if err := s.phone.Send(r.Context(), n); err != nil {
			return s.verifierError(r, "send", n, err)
		}
		writeJSON(w, http.StatusOK, phoneSendResponse{Status: "sent"})
		return nil
	})
	s.handle(Route{Method: "POST", Path: "/api/v1/account/phone/verify/confirm", Summary: "Check a verification code; on approval the number becomes the caller's, verified",
		Tag: "account", Request: phoneConfirmRequest{}, Response: phoneConfirmResponse{}}, func(w http.ResponseWriter, r *http.Request) error {
		me, err := s.user(r, "")
		if err != nil {
			return err
		}
		var body phoneConfirmRequest
		if err := decode(w, r, &body); err != nil {
			return err
		}
		var fs fieldErrs
		n := phoneNumber(&fs, body.PhoneNumber)
		code := strings.TrimSpace(body.Code)
		switch {
		case code == "":
			fs.add("code", "is required")
		case !verificationCode.MatchString(code):
			fs.add("code", "must be the 4 to 10 digits that were sent")
		}
		if err := fs.err("invalid verification"); err != nil {
			return err
		}
		if s.phone == nil {
			return errPhoneNotConfigured
		}
		ok, err := s.phone.Check(r.Context(), n, code)
		if err != nil {
			return s.verifierError(r, "check", n, err)
		}
		if !ok {
			return flux.Invalid("Invalid code", flux.FieldError{Field: "code", Message: "is not the code that was sent, or it expired"})
		}
		if _, err := s.store.Users().UpdateUser(r.Context(), me.ID, func(u *flux.User) error {
			if u.PhoneNumber != n {
				u.WhatsAppOptInAt = nil // an opt-in was for the old number
			}
			u.PhoneNumber, u.PhoneVerified = n, true
			return nil
		}); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, phoneConfirmResponse{Verified: true})
		return nil
	})
}
