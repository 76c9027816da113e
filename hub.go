package main

import (
	"context"
	"io"
)

// runHub runs the committee hub (issue 3).
func runHub(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return usage("hub 尚未实现 / hub is not implemented yet")
}
