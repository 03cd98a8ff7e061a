package gotrue

import (
	"time"

	"github.com/fluxlife/flux/httpapi/internal/keyrate"
)

// taker returns a check of key's bucket in l for Handler.limit; an empty
// key is not limited (there is nothing to key it by).
func taker(l *keyrate.Limiter, key string) func(time.Time) (bool, time.Duration) {
	return func(now time.Time) (bool, time.Duration) {
		if key == "" {
			return true, 0
		}
		return l.Allow(key, now)
	}
}
