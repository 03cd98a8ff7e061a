package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

// Environment variables of the scheduler's defaults.
const (
	EnvSchedulerCutoffHour    = "SCHEDULER_CUTOFF_HOUR"
	EnvSchedulerBufferMinutes = "SCHEDULER_BUFFER_MINUTES"
)

// schedulerDefaultsFromEnv reads SCHEDULER_CUTOFF_HOUR and SCHEDULER_BUFFER_MINUTES
// through getenv (os.Getenv in a server); an unset variable keeps the
// default. A value that is not a number or out of range is an EInvalid error.
func schedulerDefaultsFromEnv(getenv func(string) string) (scheduler.Defaults, error) {
	d := scheduler.DefaultDefaults()
	var fs []flux.FieldError
	read := func(name string, dst *int, lo, hi int) {
		s := strings.TrimSpace(getenv(name))
		if s == "" {
			return
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			fs = append(fs, flux.FieldError{Field: name, Message: fmt.Sprintf("must be a whole number between %d and %d", lo, hi)})
			return
		}
		*dst = v
	}
	read(EnvSchedulerCutoffHour, &d.CutoffHour, 0, 23)
	read(EnvSchedulerBufferMinutes, &d.BufferMinutes, 0, 1440)
	if len(fs) > 0 {
		return scheduler.DefaultDefaults(), flux.Invalid("invalid scheduler defaults", fs...)
	}
	return d, nil
}
