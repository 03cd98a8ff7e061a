package main

import (
	"errors"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/scheduler"
)

func TestSchedulerDefaultsFromEnv(t *testing.T) {
	t.Parallel()
	d, err := schedulerDefaultsFromEnv(env(nil))
	if err != nil || d != scheduler.DefaultDefaults() {
		t.Errorf("unset: %+v, %v", d, err)
	}
	d, err = schedulerDefaultsFromEnv(env(map[string]string{EnvSchedulerCutoffHour: "22", EnvSchedulerBufferMinutes: " 10 "}))
	if err != nil || d != (scheduler.Defaults{CutoffHour: 22, BufferMinutes: 10}) {
		t.Errorf("set: %+v, %v", d, err)
	}
	_, err = schedulerDefaultsFromEnv(env(map[string]string{EnvSchedulerCutoffHour: "24", EnvSchedulerBufferMinutes: "x"}))
	var fe *flux.Error
	if !errors.As(err, &fe) || fe.Code != flux.EInvalid || len(fe.Fields) != 2 {
		t.Errorf("invalid: %v", err)
	}
}
