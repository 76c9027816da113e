package models

import (
	"context"
	"time"
)

// Audit results.
const (
	AuditOK      = "ok"
	AuditFailed  = "failed"
	AuditRefused = "refused"
	AuditLocked  = "locked"
)

// Actor is who acts: a signed-in person (user, role) and the address the
// request came from. The zero Actor is the system itself (start-up, sync).
type Actor struct {
	User string `json:"user"`
	Role string `json:"role"`
	Addr string `json:"-"`
}

// AuditObject is what an audited action concerned.
type AuditObject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// AuditEntry is one entry of the audit log (contract: "Accounts, sessions
// and the audit log"). Hash covers the entry and the hash of the one before.
type AuditEntry struct {
	Seq    int64          `json:"seq"`
	At     time.Time      `json:"at"`
	Actor  Actor          `json:"actor"`
	Addr   string         `json:"addr"`
	Action string         `json:"action"`
	Object AuditObject    `json:"object"`
	Result string         `json:"result"`
	Detail map[string]any `json:"detail"`
	Hash   string         `json:"hash"`
}

// AuditFilter selects audit entries; empty fields do not filter.
type AuditFilter struct {
	Actor, Action, Object string
	Since, Until          *time.Time
	Limit                 int
	After                 string
}

type actorKey struct{}

// WithActor is ctx carrying who acts, for the stores to audit with.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf is who acts in ctx (the zero Actor when nobody signed in).
func ActorOf(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
