// Package syncer is the contact point's side of the sync with the committee
// hub (contract.md, "Sync"): it pushes what the outbox holds in signed
// batches and pulls what the committee published or answered.
//
// Everything it needs to survive a restart is in SQLite: the outbox (filled
// by package db in the same transaction as each change), the batch in flight
// with the outbox versions it covers, the pull cursor and the last times and
// error. A batch that was sent but not acknowledged is sent again under the
// same batch_id as long as what it covers has not changed, so the hub
// recognises it (duplicate: true); once something it covers changed, it is
// replaced by a new batch with a new id. Either way the hub's handling is
// idempotent (summaries by seq, activities and opinions upserted by id).
package syncer

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// Defaults of Config.
const (
	DefaultMaxItems   = 200
	DefaultMaxBytes   = 768 << 10 // under the 1 MiB default body limit of any server
	DefaultMaxBackoff = 10 * time.Minute
	// maxRounds bounds how many batches one run sends, so that a point that
	// never stops writing still lets its loop pull and sleep.
	maxRounds = 100
	// maxPullPages bounds the pages of updates one run fetches.
	maxPullPages = 20
	// maxAnswer caps how much of a hub answer is read.
	maxAnswer = 32 << 20
)

// Config is what a syncer needs.
type Config struct {
	Hub      string // base URL of the hub, e.g. https://hub.example; "" disables sync
	Secret   string
	PointID  string
	Interval time.Duration
	// MaxItems and MaxBytes bound one batch (defaults above).
	MaxItems, MaxBytes int
	// MaxBackoff caps the wait between failed attempts.
	MaxBackoff time.Duration
	// RootCAs, when set, are the only CAs trusted for an https:// hub
	// (--hub-ca), instead of the system's; nil trusts the system's.
	RootCAs *x509.CertPool
	Client  *http.Client // when set, RootCAs is not used
	Log     *slog.Logger
}

// Syncer pushes and pulls for one contact point.
type Syncer struct {
	db  *db.DB
	cfg Config

	run     sync.Mutex // one round at a time
	trigger chan struct{}

	mu       sync.Mutex
	failures int
	next     time.Time
	lastErr  string
}

// NewClient returns the HTTP client used to talk to the hub: bounded at
// every step, so that a link that hangs does not hang the loop, and TLS 1.2
// at least. roots, when not nil, are the only CAs it trusts for the hub's
// certificate; nil trusts the system's.
func NewClient(roots *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: 90 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          2,
			ForceAttemptHTTP2:     true,
		},
	}
}

// New prepares a syncer; Run starts its loop.
func New(d *db.DB, cfg Config) *Syncer {
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = DefaultMaxItems
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = NewClient(cfg.RootCAs)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Hub = strings.TrimRight(cfg.Hub, "/")
	return &Syncer{db: d, cfg: cfg, trigger: make(chan struct{}, 1)}
}

// Enabled reports whether a hub is configured.
func (s *Syncer) Enabled() bool { return s.cfg.Hub != "" }

// Trigger asks the loop to run now, without waiting for the interval or a backoff.
func (s *Syncer) Trigger() {
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}

// Run pushes and pulls every interval until ctx ends; after a failure it
// waits longer each time (exponential backoff with jitter, capped).
func (s *Syncer) Run(ctx context.Context) {
	if !s.Enabled() {
		return
	}
	t := time.NewTimer(time.Duration(rand.Int64N(int64(500 * time.Millisecond))))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.trigger:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
		s.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		t.Reset(time.Until(s.nextAttempt()))
	}
}

func (s *Syncer) nextAttempt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next
}

// Backoff is the wait after the n-th consecutive failure: interval·2^(n-1),
// capped, with jitter taking it anywhere in its upper half.
func Backoff(interval, max time.Duration, n int) time.Duration {
	d := interval
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// RunOnce pushes everything queued (in as many batches as needed) and pulls
// the updates, then records the outcome. It returns the first error.
func (s *Syncer) RunOnce(ctx context.Context) error {
	if !s.Enabled() {
		return models.Errorf(models.EConflict, "此联系点未配置预工委服务器（--hub）/ no hub is configured for this point (--hub)")
	}
	s.run.Lock()
	defer s.run.Unlock()
	perr := s.push(ctx)
	if perr != nil {
		perr = fmt.Errorf("推送失败 / push failed: %w", perr)
	}
	lerr := s.pull(ctx)
	if lerr != nil {
		lerr = fmt.Errorf("拉取失败 / pull failed: %w", lerr)
	}
	err := errors.Join(perr, lerr)
	now := time.Now()
	s.mu.Lock()
	if err != nil {
		s.failures++
		s.next = now.Add(Backoff(s.cfg.Interval, s.cfg.MaxBackoff, s.failures))
		s.lastErr = err.Error()
	} else {
		s.failures = 0
		s.next = now.Add(s.cfg.Interval)
		s.lastErr = ""
	}
	s.mu.Unlock()
	if ctx.Err() != nil {
		// Stopped from outside (shutdown): not the link's fault, nothing to note.
		return err
	}
	// Record the outcome durably: the status survives restarts.
	kv := map[string]string{"last_error": "", "last_error_at": ""}
	if err != nil {
		s.cfg.Log.Warn("sync failed", "err", err)
		kv = map[string]string{"last_error": err.Error(), "last_error_at": db.SyncTime(now)}
	}
	if serr := s.db.SetSyncState(ctx, kv); serr != nil {
		s.cfg.Log.Error("sync outcome not recorded", "err", serr)
		err = errors.Join(err, fmt.Errorf("记录同步结果失败 / recording the sync outcome: %w", serr))
	}
	return err
}

// push sends the outbox to the hub until it is empty (or maxRounds batches).
func (s *Syncer) push(ctx context.Context) error {
	for range maxRounds {
		id, body, items, current, err := s.db.PendingBatch(ctx)
		if err != nil {
			return err
		}
		if id != "" && !current {
			// Something it covers changed: send the newer content under a new id.
			if err := s.db.DropPendingBatch(ctx, id); err != nil {
				return err
			}
			id = ""
		}
		if id == "" {
			id, body, items, err = s.build(ctx)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				return nil
			}
			if err := s.db.SavePendingBatch(ctx, id, body, items); err != nil {
				return err
			}
		}
		if err := s.db.NoteBatchAttempt(ctx, id); err != nil {
			return err
		}
		ack, err := s.send(ctx, id, body)
		if err != nil {
			return err
		}
		// Only the hub's acknowledgement of this very batch empties the
		// outbox: a 2xx from anything else (a proxy, a wrong --hub) that
		// names no batch acknowledges nothing.
		if ack.BatchID != id {
			return fmt.Errorf("预工委确认的批次 %s 不是发送的 %s / the hub acknowledged batch %s, not %s", ack.BatchID, id, ack.BatchID, id)
		}
		rejected := make([]db.Rejected, len(ack.Rejected))
		for i, r := range ack.Rejected {
			rejected[i] = db.Rejected{Kind: r.Kind, RefID: r.ID, Code: r.Code, Message: r.Message}
			s.cfg.Log.Warn("the hub rejected an item", "batch_id", id, "kind", r.Kind, "id", r.ID, "code", r.Code, "message", r.Message)
		}
		var sent struct {
			Topics []models.Topic `json:"topics"`
		}
		if err := json.Unmarshal(body, &sent); err != nil {
			return fmt.Errorf("batch %s as sent: %w", id, err)
		}
		topics := make([]string, len(sent.Topics))
		for i, t := range sent.Topics {
			topics[i] = t.ID
		}
		removed, err := s.db.AckBatch(ctx, id, rejected, topics)
		if err != nil {
			return err
		}
		s.cfg.Log.Info("batch acknowledged", "batch_id", id, "items", len(items), "removed", removed, "duplicate", ack.Duplicate, "rejected", len(rejected))
	}
	return nil
}

// build makes a new batch from the oldest outbox entries, within the item
// and byte bounds. Summaries are rendered now, from the counters: only the
// newest summary of a topic ever goes up.
func (s *Syncer) build(ctx context.Context) (string, []byte, []db.BatchItem, error) {
	snap, err := s.db.OutboxSnapshot(ctx, s.cfg.PointID, s.cfg.MaxItems)
	if err != nil {
		return "", nil, nil, err
	}
	if len(snap) == 0 {
		return "", nil, nil, nil
	}
	// Summaries name this database's instance: the hub tells a restored
	// point (its seq lower) from a stale summary by it.
	instance, err := s.db.Instance(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	id := uuid.NewString()
	b := syncproto.Batch{BatchID: id, PointID: s.cfg.PointID,
		Summaries: []models.Summary{}, Activities: []models.Activity{}, Opinions: []models.Opinion{}}
	size := 256
	var items []db.BatchItem
fill:
	for _, it := range snap {
		var part any
		switch {
		case it.Gone:
		case it.Summary != nil:
			it.Summary.Instance = instance
			part = it.Summary
		case it.Activity != nil:
			a := OutgoingActivity(*it.Activity, s.cfg.PointID)
			it.Activity = &a
			part = a
		case it.Opinion != nil:
			o := OutgoingOpinion(*it.Opinion, s.cfg.PointID)
			it.Opinion = &o
			part = o
		}
		if part != nil {
			pb, err := json.Marshal(part)
			if err != nil {
				return "", nil, nil, fmt.Errorf("build batch %s: %s %s: %w", id, it.Kind, it.RefID, err)
			}
			if len(items) > 0 && size+len(pb)+1 > s.cfg.MaxBytes {
				break fill
			}
			size += len(pb) + 1
			switch {
			case it.Summary != nil:
				b.Summaries = append(b.Summaries, *it.Summary)
			case it.Activity != nil:
				b.Activities = append(b.Activities, *it.Activity)
			default:
				b.Opinions = append(b.Opinions, *it.Opinion)
			}
		}
		items = append(items, db.BatchItem{Kind: it.Kind, RefID: it.RefID, Version: it.Version})
	}
	// The topics this point created itself travel with their summaries, so
	// that the committee sees their titles.
	for _, sm := range b.Summaries {
		t, err := s.db.Topic(ctx, sm.TopicID)
		if models.ErrorCode(err) == models.ENotFound {
			continue
		}
		if err != nil {
			return "", nil, nil, fmt.Errorf("build batch %s: %w", id, err)
		}
		if t.Origin == models.OriginLocal {
			b.Topics = append(b.Topics, models.Topic{ID: t.ID, Kind: t.Kind, FiscalYear: t.FiscalYear, Title: Redact(t.Title), TitleEN: Redact(t.TitleEN),
				OpensAt: t.OpensAt, ClosesAt: t.ClosesAt})
		}
	}
	body, err := json.Marshal(b)
	if err != nil {
		return "", nil, nil, fmt.Errorf("build batch %s: %w", id, err)
	}
	return id, body, items, nil
}

// OutgoingActivity is an activity as it goes up: without the deputies
// registry ids and with contact numbers blanked from its free text. Its
// opinions go up on their own (each with activity_id).
func OutgoingActivity(a models.Activity, pointID string) models.Activity {
	a.DeputyIDs = nil
	a.Opinions = []models.Opinion{}
	a.PointID = pointID
	a.Title, a.Location, a.Host, a.Minutes = Redact(a.Title), Redact(a.Location), Redact(a.Host), Redact(a.Minutes)
	return a
}

// OutgoingOpinion is an opinion as it goes up: the proposer by role, name and
// level or self-description only (no registry id, no contact details), the
// point's own status (recorded is reported by this very batch), nothing that
// the committee owns (answer, evaluation).
func OutgoingOpinion(o models.Opinion, pointID string) models.Opinion {
	p := models.Proposer{Kind: o.Proposer.Kind, Description: Redact(o.Proposer.Description)}
	if p.Kind == "deputy" {
		// Only a deputy goes up by name and level; a citizen's name stays here.
		p.Name, p.Level = Redact(o.Proposer.Name), o.Proposer.Level
	}
	o.Proposer = p
	o.ResponseID = ""
	o.Content = Redact(o.Content)
	if o.Status == "recorded" {
		o.Status = "reported"
	}
	o.Answer, o.Evaluation = "", ""
	o.PointID = pointID
	return o
}

// hubError is a non-2xx answer of the hub.
type hubError struct {
	Status  int
	Code    string
	Message string
	Hint    string
}

func (e *hubError) Error() string {
	s := fmt.Sprintf("预工委服务器答复 / the hub answered %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// do sends one signed request and reads the answer.
func (s *Syncer) do(ctx context.Context, method, path, query string, body []byte) ([]byte, error) {
	u := s.cfg.Hub + path
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	sent := time.Now()
	syncproto.SignRequest(req, s.cfg.PointID, s.cfg.Secret, body, sent)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("无法连接预工委服务器 / cannot reach the hub: %w", err)
	}
	defer resp.Body.Close()
	ans, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("读取答复失败 / reading the hub's answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		he := &hubError{Status: resp.StatusCode}
		var eb struct {
			Error models.Error `json:"error"`
		}
		if json.Unmarshal(ans, &eb) == nil {
			he.Code, he.Message = eb.Error.Code, eb.Error.Message
		}
		if resp.StatusCode == http.StatusUnauthorized {
			if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				if off := sent.Sub(d); off > syncproto.Window/2 || off < -syncproto.Window/2 {
					he.Hint = fmt.Sprintf("本机时钟与预工委服务器相差约 %s / this machine's clock is about %s off the hub's", off.Round(time.Second), off.Round(time.Second))
				}
			}
			if he.Hint == "" {
				he.Hint = "请核对 --point-id 和 --hub-secret / check --point-id and --hub-secret"
			}
		}
		return nil, he
	}
	return ans, nil
}

func (s *Syncer) send(ctx context.Context, id string, body []byte) (syncproto.BatchAck, error) {
	var ack syncproto.BatchAck
	ans, err := s.do(ctx, http.MethodPost, syncproto.PathBatches, "", body)
	if err != nil {
		return ack, err
	}
	if err := json.Unmarshal(ans, &ack); err != nil {
		return ack, fmt.Errorf("预工委服务器的确认无法读取 / the hub's acknowledgement does not parse: %w", err)
	}
	return ack, nil
}

// pull fetches updates since the stored cursor and applies each page, with
// its new cursor, in one transaction.
func (s *Syncer) pull(ctx context.Context) error {
	for range maxPullPages {
		st, err := s.db.SyncState(ctx)
		if err != nil {
			return err
		}
		cursor := st["cursor"]
		ans, err := s.do(ctx, http.MethodGet, syncproto.PathUpdates, "since="+url.QueryEscape(cursor), nil)
		if err != nil {
			return err
		}
		var u syncproto.Updates
		if err := json.Unmarshal(ans, &u); err != nil {
			return fmt.Errorf("预工委服务器的更新无法读取 / the hub's updates do not parse: %w", err)
		}
		du := db.Updates{Topics: u.Topics, Questionnaires: u.Questionnaires, Next: u.Next}
		for _, o := range u.OpinionUpdates {
			ch := db.OpinionChange{ID: o.ID, Status: o.Status, Answer: o.Answer, Evaluation: o.Evaluation, Round: o.Round,
				Lead: o.Lead, Due: o.Due, Supervised: o.Supervised, FollowUp: o.FollowUp, HubUpdatedAt: o.UpdatedAt}
			if o.Reply != nil {
				ch.Grade, ch.ReplyUnit, ch.ReplyAt, ch.Answer = o.Reply.Grade, o.Reply.Unit, o.Reply.At, o.Reply.Content
			}
			du.Opinions = append(du.Opinions, ch)
		}
		res, err := s.db.ApplyUpdates(ctx, du)
		if err != nil {
			return err
		}
		for _, sk := range res.Skipped {
			s.cfg.Log.Warn("update skipped", "what", sk)
		}
		n := len(u.Topics) + len(u.Questionnaires) + len(u.OpinionUpdates)
		if n > 0 {
			s.cfg.Log.Info("updates applied", "topics", res.Topics, "questionnaires", res.Questionnaires, "opinions", res.Opinions, "skipped", len(res.Skipped))
		}
		if n == 0 || u.Next == "" || u.Next == cursor {
			return nil
		}
	}
	return nil
}

// Status is what GET /api/v1/sync/status answers.
type Status struct {
	Enabled             bool       `json:"enabled"`
	Hub                 string     `json:"hub"`
	PointID             string     `json:"point_id"`
	Interval            string     `json:"interval"`
	LastPushAt          *time.Time `json:"last_push_at"`
	LastPullAt          *time.Time `json:"last_pull_at"`
	QueueLength         int        `json:"queue_length"`
	OldestQueuedAt      *time.Time `json:"oldest_queued_at"`
	OldestAgeSeconds    *int64     `json:"oldest_age_seconds"`
	PendingBatchID      string     `json:"pending_batch_id,omitempty"`
	LastError           string     `json:"last_error"`
	LastErrorAt         *time.Time `json:"last_error_at"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	NextAttemptAt       *time.Time `json:"next_attempt_at"`
	// Rejected: what the hub did not store, and why; kept aside, not sent
	// again until it changes.
	Rejected []db.Rejected `json:"rejected"`
}

// Status reads the sync status: the durable part from the database, the
// loop's part (failures, next attempt) from memory.
func (s *Syncer) Status(ctx context.Context) (Status, error) { return s.StatusUpTo(ctx, 0) }

// StatusUpTo is Status counting at most limit queued entries (all when
// limit is 0): the pages show "limit or more" past it.
func (s *Syncer) StatusUpTo(ctx context.Context, limit int) (Status, error) {
	st := Status{Enabled: s.Enabled(), Hub: s.cfg.Hub, PointID: s.cfg.PointID, Interval: s.cfg.Interval.String()}
	kv, err := s.db.SyncState(ctx)
	if err != nil {
		return st, err
	}
	st.LastPushAt, st.LastPullAt = db.ParseSyncTime(kv["last_push_at"]), db.ParseSyncTime(kv["last_pull_at"])
	st.LastError, st.LastErrorAt = kv["last_error"], db.ParseSyncTime(kv["last_error_at"])
	n, oldest, err := s.db.OutboxStatsUpTo(ctx, limit)
	if err != nil {
		return st, err
	}
	st.QueueLength, st.OldestQueuedAt = n, oldest
	if oldest != nil {
		age := int64(time.Since(*oldest) / time.Second)
		if age < 0 {
			age = 0
		}
		st.OldestAgeSeconds = &age
	}
	id, _, _, _, err := s.db.PendingBatch(ctx)
	if err != nil {
		return st, err
	}
	st.PendingBatchID = id
	if st.Rejected, err = s.db.SyncRejected(ctx); err != nil {
		return st, err
	}
	s.mu.Lock()
	st.ConsecutiveFailures = s.failures
	if !s.next.IsZero() && s.Enabled() {
		t := s.next.In(db.CST)
		st.NextAttemptAt = &t
	}
	s.mu.Unlock()
	return st, nil
}
