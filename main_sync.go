package main

import (
	"context"
	"net/url"

	"budgetpoint/handlers"
	"budgetpoint/syncer"
)

// The contact point's sync with the committee hub: the routes
// /api/v1/sync/status and /api/v1/sync/run always, the push and pull loop
// when --hub is set.
func init() {
	pointHooks = append(pointHooks, func(ctx context.Context, s *handlers.Server, cfg PointConfig) error {
		if cfg.Hub != "" {
			u, err := url.Parse(cfg.Hub)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
				return usage("--hub 应为 http(s)://主机[:端口] / --hub must be an http(s)://host[:port] URL, got %q", cfg.Hub)
			}
		}
		sy := syncer.New(s.DB, syncer.Config{Hub: cfg.Hub, Secret: cfg.HubSecret, PointID: s.PointID,
			Interval: cfg.Interval, Log: s.Log.With("part", "sync")})
		s.Mount = append(s.Mount, sy.Mount)
		if sy.Enabled() {
			s.Log.Info("sync with the hub", "hub", cfg.Hub, "interval", cfg.Interval)
			go sy.Run(ctx)
		}
		return nil
	})
}
