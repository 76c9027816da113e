package main

import (
	"context"

	"budgetpoint/handlers"
	"budgetpoint/web"
)

// The pages of a contact point (package web) are mounted on its router.
func init() {
	pointHooks = append(pointHooks, func(ctx context.Context, s *handlers.Server, cfg PointConfig) error {
		s.Mount = append(s.Mount, web.Mount)
		return nil
	})
}
