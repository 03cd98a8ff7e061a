package twilio

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/fluxlife/flux"
	verify "github.com/twilio/twilio-go/rest/verify/v2"
)

// Verifier verifies that a person owns a phone number with a one-time code
// sent by SMS through Twilio Verify. It is safe for concurrent use.
type Verifier struct {
	c       *Client
	service string
}

// NewVerifier returns the verifier of c. It needs Config.VerifyServiceSID.
func NewVerifier(c *Client) (*Verifier, error) {
	if c.cfg.VerifyServiceSID == "" {
		return nil, errors.New("twilio: phone verification needs VerifyServiceSID (TWILIO_VERIFY_SERVICE_SID)")
	}
	return &Verifier{c: c, service: c.cfg.VerifyServiceSID}, nil
}

var verifyCode = regexp.MustCompile(`^[0-9]{4,10}$`)

// Send sends a verification code by SMS to the E.164 number to.
//
// Errors are flux errors: EInvalid for a number that is not E.164 or that
// Twilio refuses, ETooMany when Twilio's send limits were reached, and
// EUnavailable otherwise (with the cause wrapped).
func (v *Verifier) Send(ctx context.Context, to string) error {
	if !flux.ValidE164(to) {
		return flux.Invalid("not a phone number", flux.FieldError{Field: "phone_number", Message: "must be in E.164 form, such as +4915112345678"})
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	params := &verify.CreateVerificationParams{}
	params.SetTo(to)
	params.SetChannel("sms")
	s, done := v.c.begin(ctx, "")
	res, err := s.verify.CreateVerification(v.service, params)
	done()
	if err != nil {
		err = v.verifyError(ctx, s, "twilio verify: send", false, err)
		v.c.log.WarnContext(ctx, "twilio: verification code not sent", "to", flux.MaskPhone(to), "err", err)
		return err
	}
	v.c.log.InfoContext(ctx, "twilio: verification code sent", "to", flux.MaskPhone(to), "status", deref(res.Status))
	return nil
}

// Check checks code against the verification pending for to. It reports
// approved when Twilio approved it; a wrong code is (false, nil). A code
// that is not 4 to 10 digits is (false, nil) without asking Twilio. No
// pending verification (never sent, expired, or already approved) is
// flux.ENotFound; other errors are as Send's.
func (v *Verifier) Check(ctx context.Context, to, code string) (approved bool, err error) {
	if !flux.ValidE164(to) {
		return false, flux.Invalid("not a phone number", flux.FieldError{Field: "phone_number", Message: "must be in E.164 form, such as +4915112345678"})
	}
	if !verifyCode.MatchString(code) {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	params := &verify.CreateVerificationCheckParams{}
	params.SetTo(to)
	params.SetCode(code)
	s, done := v.c.begin(ctx, "")
	res, err := s.verify.CreateVerificationCheck(v.service, params)
	done()
	if err != nil {
		err = v.verifyError(ctx, s, "twilio verify: check", true, err)
		v.c.log.WarnContext(ctx, "twilio: verification check failed", "to", flux.MaskPhone(to), "err", err)
		return false, err
	}
	approved = deref(res.Status) == "approved"
	v.c.log.InfoContext(ctx, "twilio: verification checked", "to", flux.MaskPhone(to), "status", deref(res.Status))
	return approved, nil
}

// verifyError maps a Verify failure to a flux error. For a check, 404 means
// no pending verification; for a send it means a wrong service SID.
func (v *Verifier) verifyError(ctx context.Context, s *session, op string, check bool, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	err = v.c.classify(ctx, s, op, err)
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case check && ae.Status == http.StatusNotFound:
			return &flux.Error{Code: flux.ENotFound, Message: "no pending verification for this number; send a new code", Err: err}
		case ae.Status == http.StatusTooManyRequests:
			return &flux.Error{Code: flux.ETooMany, Message: "too many verification attempts; try again later", Err: err}
		case ae.Status == http.StatusBadRequest:
			return &flux.Error{Code: flux.EInvalid, Message: "this number cannot receive a verification code: " + ae.Message, Err: err}
		}
	}
	return &flux.Error{Code: flux.EUnavailable, Message: "phone verification is unavailable", Err: err}
}
