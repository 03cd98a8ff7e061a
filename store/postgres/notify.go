package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// listenRetry is how long Listen waits before connecting again after its
// connection failed.
const listenRetry = time.Second

// channelName returns the PostgreSQL channel of a store channel: scoped by
// the store's schema, so that stores in other schemas of the database do
// not hear it.
func (s *Store) channelName(channel string) (string, error) {
	if !identRE.MatchString(channel) {
		return "", fmt.Errorf("postgres: channel %q: want a plain identifier", channel)
	}
	name := channel
	if s.schema != "" {
		name = s.schema + "." + channel
	}
	if len(name) > 63 {
		return "", fmt.Errorf("postgres: channel %q: with the schema longer than 63 bytes", channel)
	}
	return name, nil
}

// Notify sends payload (at most a few kilobytes) on channel, a plain
// identifier, to every Listen on the same channel of the store's database
// and schema, this process's included (PostgreSQL's NOTIFY; delivered once
// the statement commits). It is the way the replicas of a fluxd on one
// database tell each other that something they may cache changed.
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	name, err := s.channelName(channel)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", name, payload); err != nil {
		return fmt.Errorf("postgres: notify %s: %w", channel, err)
	}
	return nil
}

// Listen calls fn with the payload of every notification sent on channel
// (see Notify) until ctx ends, and then returns ctx's error. It listens on a
// connection of its own, outside the pool, and connects again a second
// after it fails. Notifications sent while it is not connected are lost:
// onConnect, when not nil, is called each time it starts listening (after
// LISTEN, before the first notification), so that the caller can drop what
// it may have missed. fn and onConnect run on Listen's goroutine, one at a
// time.
func (s *Store) Listen(ctx context.Context, channel string, fn func(payload string), onConnect func()) error {
	name, err := s.channelName(channel)
	if err != nil {
		return err
	}
	for {
		// It returns when its connection fails, or ctx ends.
		_ = s.listenOnce(ctx, name, fn, onConnect)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(listenRetry):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, name string, fn func(string), onConnect func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+quoteIdent(name)); err != nil {
		return err
	}
	if onConnect != nil {
		onConnect()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n == nil {
			return errors.New("postgres: listen: no notification")
		}
		fn(n.Payload)
	}
}
