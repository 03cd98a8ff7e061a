package postgres

import (
	"context"

	"github.com/fluxlife/flux"
)

// TaskCols is the column list the task decoder reads.
const TaskCols = taskCols

// CollectTasks runs sql (selecting TaskCols) through the task decoder.
func CollectTasks(ctx context.Context, s *Store, sql string, a ...any) ([]flux.Task, error) {
	return collectTasks(ctx, s.pool, "test", sql, a...)
}

// CollectTasksScan runs sql through pgx's Scan.
func CollectTasksScan(ctx context.Context, s *Store, sql string, a ...any) ([]flux.Task, error) {
	return collect(ctx, s.pool, "test", scanTask, sql, a...)
}

// TaskRowsDecoded reports whether every row of sql goes through the task
// decoder rather than falling back to Scan.
func TaskRowsDecoded(ctx context.Context, s *Store, sql string, a ...any) (bool, error) {
	rows, err := s.pool.Query(ctx, sql, a...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !binaryTaskCols(rows.FieldDescriptions()) {
		return false, nil
	}
	var d taskDecoder
	for rows.Next() {
		if !d.decode(rows.RawValues(), new(flux.Task)) {
			return false, nil
		}
	}
	return true, rows.Err()
}
