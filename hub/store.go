package hub

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Schema is the hub's own tables (hub_*), to open a hub database with
// db.OpenWith: package hub owns them, and only Store runs SQL on them.
func Schema() db.Schema {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // embedded: a build defect
	}
	pg, err := fs.Sub(migrationFiles, "migrations/postgres")
	if err != nil {
		panic(err)
	}
	return db.Schema{Name: "hub", Files: sub, Postgres: pg}
}

// Store keeps what the hub holds: batches, summaries, activities, opinions,
// the change feed, and the committee's topics and questionnaires. Each
// exported method is one transaction (db.DB's Write or Read), except that a
// write that answers with the stored row reads it after its commit.
type Store struct {
	db  *db.DB
	log *slog.Logger
}

// NewStore is the store of a database opened with db.OpenWith(dir, Schema()).
func NewStore(d *db.DB, log *slog.Logger) *Store { return &Store{db: d, log: log} }

// Now is the store's clock (the database's, which tests may fix).
func (st *Store) Now() time.Time { return st.db.Now() }

func ts(t time.Time) string      { return db.FormatTime(t) }
func parseTS(s string) time.Time { return db.ParseTime(s) }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func parseTSPtr(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseTS(s.String)
	return &t
}

// errorf wraps err with the store operation that failed, once (db.Wrap):
// application errors (models.Error) pass unchanged so that their code still
// reaches the client, an error that already names its operation is left as
// it is, and a disk that cannot take data is unavailable. Each exported
// method wraps what its transaction returns, so that a failing commit or
// begin names the method too.
func errorf(op string, err error) error {
	return db.Wrap("hub "+op, err)
}

// opinionNotFound maps sql.ErrNoRows to not_found for an opinion.
func opinionNotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return models.NotFound("意见", "opinion")
	}
	return err
}

// ---- batches from points ----

// IngestResult is what storing a batch did besides storing.
type IngestResult struct {
	Duplicate bool
	// Rejected: the items not stored (those given, and activity and
	// opinion ids that already belong to another point), kept with the
	// batch id; a duplicate answers the first delivery's.
	Rejected []syncproto.Rejection
}

// foreign is the rejection of an id that belongs to another point.
func foreign(kind, id string) syncproto.Rejection {
	return syncproto.Rejection{Kind: kind, ID: id, Code: models.EConflict,
		Message: "这个编号已属于另一个联系点，未保存；请把它告诉预工委 / this id already belongs to another point: not stored; tell the committee"}
}

// Ingest stores one authenticated batch from pointID in one durable
// transaction and reports whether its batch_id had been seen already (then
// nothing changes). A summary replaces the stored one of its point and topic
// only with a higher seq; activities and opinions are upserted by id; an
// opinion's status never goes back, and its answer and evaluation belong to
// the committee. With purge, batch ids older than BatchMemory are forgotten.
func (st *Store) Ingest(ctx context.Context, pointID string, b *syncproto.Batch, purge bool, rejected []syncproto.Rejection) (IngestResult, error) {
	now := st.Now()
	type row struct {
		id, topic, instance string
		seq                 int64
		body                []byte
		responses, opinions int64
	}
	sums := make([]row, 0, len(b.Summaries))
	for i := range b.Summaries {
		s := b.Summaries[i]
		s.PointID = pointID
		s.ByPoint = nil
		body, err := json.Marshal(s)
		if err != nil {
			return IngestResult{}, errorf("ingest: summary", err)
		}
		sums = append(sums, row{topic: s.TopicID, seq: s.Seq, body: body, instance: s.Instance, responses: s.Responses.Total, opinions: s.Opinions.Total})
	}
	acts := make([]row, 0, len(b.Activities))
	for i := range b.Activities {
		a := b.Activities[i]
		a.PointID = pointID
		body, err := json.Marshal(a)
		if err != nil {
			return IngestResult{}, errorf("ingest: activity", err)
		}
		acts = append(acts, row{id: a.ID, topic: a.TopicID, body: body})
	}
	nowS := ts(now)
	var res IngestResult
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		res = IngestResult{Rejected: append([]syncproto.Rejection(nil), rejected...)}
		r, err := tx.Exec(`INSERT INTO hub_batches(batch_id, point_id, received_at, summaries, activities, opinions)
			VALUES(?,?,?,?,?,?) ON CONFLICT(point_id, batch_id) DO NOTHING`,
			b.BatchID, pointID, nowS, len(b.Summaries), len(b.Activities), len(b.Opinions))
		if err != nil {
			return errorf("ingest: batch id", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return errorf("ingest: batch id", err)
		} else if n == 0 {
			// Seen: nothing changes, and the answer is the first one's.
			var was string
			if err := tx.QueryRow(`SELECT rejected FROM hub_batches WHERE point_id=? AND batch_id=?`, pointID, b.BatchID).Scan(&was); err != nil {
				return errorf("ingest: rejections of batch "+b.BatchID, err)
			}
			res = IngestResult{Duplicate: true}
			if err := json.Unmarshal([]byte(was), &res.Rejected); err != nil {
				return errorf("ingest: rejections of batch "+b.BatchID, err)
			}
			return nil
		}
		if len(b.Topics) > 0 {
			ps, err := tx.Prepare(`INSERT INTO hub_point_topics(point_id, id, kind, fiscal_year, title, title_en, opens_at, closes_at, received_at)
				VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(point_id, id) DO UPDATE SET kind=excluded.kind, fiscal_year=excluded.fiscal_year,
				title=excluded.title, title_en=excluded.title_en, opens_at=excluded.opens_at, closes_at=excluded.closes_at, received_at=excluded.received_at`)
			if err != nil {
				return errorf("ingest: topics", err)
			}
			defer ps.Close()
			for _, t := range b.Topics {
				if _, err := ps.Exec(pointID, t.ID, t.Kind, t.FiscalYear, t.Title, t.TitleEN, tsPtr(t.OpensAt), tsPtr(t.ClosesAt), nowS); err != nil {
					return errorf("ingest: topic "+t.ID, err)
				}
			}
		}
		for _, sm := range sums {
			if err := putSummary(tx, pointID, sm.topic, sm.instance, sm.seq, sm.body, sm.responses, sm.opinions, nowS); err != nil {
				return errorf("ingest: summary "+sm.topic, err)
			}
		}
		if len(acts) > 0 {
			ps, err := tx.Prepare(`INSERT INTO hub_activities(id, point_id, topic_id, kind, body, received_at, updated_at) VALUES(?,?,?,?,?,?,?)
				ON CONFLICT(id) DO UPDATE SET topic_id=excluded.topic_id, kind=excluded.kind, body=excluded.body, updated_at=excluded.updated_at
				WHERE hub_activities.point_id = excluded.point_id`)
			if err != nil {
				return errorf("ingest: activities", err)
			}
			defer ps.Close()
			for i, a := range acts {
				r, err := ps.Exec(a.id, pointID, a.topic, b.Activities[i].Kind, a.body, nowS, nowS)
				if err != nil {
					return errorf("ingest: activity "+a.id, err)
				}
				if n, err := r.RowsAffected(); err != nil {
					return errorf("ingest: activity "+a.id, err)
				} else if n == 0 {
					res.Rejected = append(res.Rejected, foreign(syncproto.KindActivity, a.id))
				}
			}
		}
		if len(b.Opinions) > 0 {
			// A point only ever sets recorded or reported; later states are the
			// committee's and a re-delivery never moves them back.
			ps, err := tx.Prepare(`INSERT INTO hub_opinions(id, point_id, topic_id, source, activity_id, response_id, question_key,
				content, proposer, status, recorded_at, received_at, updated_at, voided) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)
				ON CONFLICT(id) DO UPDATE SET topic_id=excluded.topic_id, source=excluded.source, activity_id=excluded.activity_id,
				response_id=excluded.response_id, question_key=excluded.question_key, content=excluded.content, proposer=excluded.proposer,
				recorded_at=excluded.recorded_at, voided=excluded.voided,
				status = CASE WHEN hub_opinions.status='recorded' AND excluded.status='reported' THEN 'reported' ELSE hub_opinions.status END,
				updated_at = CASE WHEN hub_opinions.content IS DISTINCT FROM excluded.content OR hub_opinions.proposer IS DISTINCT FROM excluded.proposer
				  OR hub_opinions.voided IS DISTINCT FROM excluded.voided
				  OR (hub_opinions.status='recorded' AND excluded.status='reported') THEN excluded.updated_at ELSE hub_opinions.updated_at END
				WHERE hub_opinions.point_id = excluded.point_id`)
			if err != nil {
				return errorf("ingest: opinions", err)
			}
			defer ps.Close()
			for i := range b.Opinions {
				o := &b.Opinions[i]
				status := o.Status
				if status != "recorded" {
					status = "reported" // it reached the committee
				}
				prop, err := json.Marshal(o.Proposer)
				if err != nil {
					return errorf("ingest: opinion "+o.ID, err)
				}
				rec := o.RecordedAt
				if rec.IsZero() {
					rec = now
				}
				r, err := ps.Exec(o.ID, pointID, o.TopicID, o.Source, o.ActivityID, o.ResponseID, o.QuestionKey,
					o.Content, string(prop), status, ts(rec), nowS, nowS, o.Voided)
				if err != nil {
					return errorf("ingest: opinion "+o.ID, err)
				}
				if n, err := r.RowsAffected(); err != nil {
					return errorf("ingest: opinion "+o.ID, err)
				} else if n == 0 {
					res.Rejected = append(res.Rejected, foreign(syncproto.KindOpinion, o.ID))
				}
				if o.Voided {
					if err := unmerge(tx, o.ID, now); err != nil {
						return errorf("ingest: opinion "+o.ID, err)
					}
				}
			}
		}
		if len(res.Rejected) > 0 {
			was, err := json.Marshal(res.Rejected)
			if err != nil {
				return errorf("ingest: rejections", err)
			}
			if _, err := tx.Exec(`UPDATE hub_batches SET rejected=? WHERE point_id=? AND batch_id=?`, string(was), pointID, b.BatchID); err != nil {
				return errorf("ingest: rejections", err)
			}
		}
		if purge {
			// Forget old batch ids, but keep each point's latest batch for /points.
			if _, err := tx.Exec(`DELETE FROM hub_batches WHERE received_at < ?
				AND received_at < (SELECT max(m.received_at) FROM hub_batches m WHERE m.point_id = hub_batches.point_id)`, ts(now.Add(-BatchMemory))); err != nil {
				return errorf("ingest: purge batch ids", err)
			}
		}
		return nil
	})
	return res, errorf("ingest batch "+b.BatchID+" from "+pointID, err)
}

// putSummary keeps a point's summary of a topic: the one with the higher
// seq within one instance of the point's database. The instance a point is
// now is the newest one seen of it (hub_point_instance); a summary of a new
// instance (the point was restored from a backup, its seq lower) makes it
// the current one and replaces the summaries of the older one, topic by
// topic as they come, each replacement recorded with both counts; a summary
// of an instance superseded since is stale. A summary without instance (a
// point from before version 2) keeps to seq.
func putSummary(tx *sql.Tx, pointID, topic, instance string, seq int64, body []byte, responses, opinions int64, now string) error {
	if instance != "" {
		var cur string
		err := tx.QueryRow(`SELECT instance FROM hub_point_instance WHERE point_id=?`, pointID).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if instance != cur {
			var seen int
			if err := tx.QueryRow(`SELECT count(*) FROM hub_instances WHERE point_id=? AND instance=?`, pointID, instance).Scan(&seen); err != nil {
				return err
			}
			if seen > 0 {
				return nil // an instance the point has moved on from
			}
			if err := seeInstance(tx, pointID, instance, now); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO hub_point_instance(point_id, instance, since) VALUES(?,?,?)
				ON CONFLICT(point_id) DO UPDATE SET instance=excluded.instance, since=excluded.since`, pointID, instance, now); err != nil {
				return err
			}
		}
	}
	var oldSeq int64
	var oldInst, oldBody string
	err := tx.QueryRow(`SELECT seq, instance, body FROM hub_summaries WHERE point_id=? AND topic_id=?`, pointID, topic).Scan(&oldSeq, &oldInst, &oldBody)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.Exec(`INSERT INTO hub_summaries(point_id, topic_id, seq, body, received_at, instance) VALUES(?,?,?,?,?,?)`, pointID, topic, seq, body, now, instance)
		return err
	}
	if err != nil {
		return err
	}
	replace := func() error {
		_, err := tx.Exec(`UPDATE hub_summaries SET seq=?, body=?, received_at=?, instance=? WHERE point_id=? AND topic_id=?`, seq, body, now, instance, pointID, topic)
		return err
	}
	if instance == "" || oldInst == "" || instance == oldInst {
		if seq <= oldSeq {
			return nil // older or the same: kept as it is
		}
		return replace()
	}
	// The current instance over a summary of an older one: the restore.
	var old struct {
		Responses models.ResponseCounts `json:"responses"`
		Opinions  models.OpinionCounts  `json:"opinions"`
	}
	if err := json.Unmarshal([]byte(oldBody), &old); err != nil {
		return fmt.Errorf("the summary it replaces: %w", err)
	}
	if _, err := tx.Exec(`INSERT INTO hub_restores(point_id, topic_id, old_instance, new_instance, old_seq, new_seq, old_responses, new_responses,
		old_opinions, new_opinions, at) VALUES(?,?,?,?,?,?,?,?,?,?,?)`, pointID, topic, oldInst, instance, oldSeq, seq,
		old.Responses.Total, responses, old.Opinions.Total, opinions, now); err != nil {
		return err
	}
	return replace()
}

// seeInstance notes that a point's database instance was seen.
func seeInstance(tx *sql.Tx, pointID, instance, now string) error {
	if instance == "" {
		return nil
	}
	_, err := tx.Exec(`INSERT INTO hub_instances(point_id, instance, first_seen_at) VALUES(?,?,?) ON CONFLICT DO NOTHING`, pointID, instance, now)
	return err
}

// Restore is a point's summary of a topic replaced by a new instance's: the
// point's database was restored from a backup.
type Restore struct {
	PointID      string    `json:"point_id"`
	TopicID      string    `json:"topic_id"`
	OldSeq       int64     `json:"old_seq"`
	NewSeq       int64     `json:"new_seq"`
	OldResponses int64     `json:"old_responses"`
	NewResponses int64     `json:"new_responses"`
	OldOpinions  int64     `json:"old_opinions"`
	NewOpinions  int64     `json:"new_opinions"`
	At           time.Time `json:"at"`
}

// Restores lists the restores seen, newest first (at most 200).
func (st *Store) Restores(ctx context.Context) ([]Restore, error) {
	out := []Restore{}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT point_id, topic_id, old_seq, new_seq, old_responses, new_responses, old_opinions, new_opinions, at
			FROM hub_restores ORDER BY id DESC LIMIT 200`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Restore
			var at string
			if err := rows.Scan(&r.PointID, &r.TopicID, &r.OldSeq, &r.NewSeq, &r.OldResponses, &r.NewResponses, &r.OldOpinions, &r.NewOpinions, &at); err != nil {
				return err
			}
			r.At = parseTS(at)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, errorf("restores", err)
}

// ---- the change feed ----

// changesLock is the lock (db.Dialect.Serialize) a transaction holds from
// its first change to its commit: changes then take seq in the order their
// transactions commit, so a pull that read up to seq n has seen every
// change below n, whichever hub process wrote it.
const changesLock = 0x6275647065743031

// queue adds a change for each target point (or, with none, for every point).
func (st *Store) queue(tx *sql.Tx, targets []string, kind, ref string, version int, now time.Time) error {
	if q, args := st.db.Dialect().Serialize(changesLock); q != "" {
		if _, err := tx.Exec(q, args...); err != nil {
			return errorf("queue "+kind+" "+ref, err)
		}
	}
	if len(targets) == 0 {
		_, err := tx.Exec(`INSERT INTO hub_changes(point_id, kind, ref_id, version, created_at) VALUES(NULL,?,?,?,?)`, kind, ref, version, ts(now))
		return errorf("queue "+kind+" "+ref, err)
	}
	for _, p := range targets {
		if _, err := tx.Exec(`INSERT INTO hub_changes(point_id, kind, ref_id, version, created_at) VALUES(?,?,?,?,?)`, p, kind, ref, version, ts(now)); err != nil {
			return errorf("queue "+kind+" "+ref, err)
		}
	}
	return nil
}

// Updates returns what changed for pointID after the cursor since, at most
// max changes (then More is set), read in one snapshot.
func (st *Store) Updates(ctx context.Context, pointID string, since int64, max int) (syncproto.Updates, error) {
	u := syncproto.Updates{Topics: []models.Topic{}, Questionnaires: []models.Questionnaire{}, OpinionUpdates: []syncproto.OpinionUpdate{}}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		// A cursor from before the hub's database was replaced starts over.
		var top int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq),0) FROM hub_changes`).Scan(&top); err != nil {
			return errorf("updates: top", err)
		}
		if since > top {
			since = 0
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, kind, ref_id FROM hub_changes
			WHERE seq > ? AND (point_id = ? OR point_id IS NULL) ORDER BY seq LIMIT ?`, since, pointID, max+1)
		if err != nil {
			return errorf("updates", err)
		}
		type change struct{ kind, ref string }
		var changes []change
		next := since
		for rows.Next() {
			var seq int64
			var ch change
			if err := rows.Scan(&seq, &ch.kind, &ch.ref); err != nil {
				rows.Close()
				return errorf("updates", err)
			}
			if len(changes) == max {
				u.More = true
				break
			}
			changes = append(changes, ch)
			next = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errorf("updates", err)
		}
		if !u.More {
			// Nothing more for this point: skip past other points' changes too.
			next = max64(next, top)
		}
		u.Next = strconv.FormatInt(next, 10)
		seen := map[change]bool{}
		for _, ch := range changes {
			if seen[ch] {
				continue
			}
			seen[ch] = true
			switch ch.kind {
			case "topic":
				t, err := topic(ctx, tx, ch.ref)
				if err != nil {
					return errorf("updates: topic "+ch.ref, err)
				}
				u.Topics = append(u.Topics, t)
			case "questionnaire":
				qs, err := questionnaireVersions(ctx, tx, ch.ref)
				if err != nil {
					return errorf("updates: questionnaire "+ch.ref, err)
				}
				u.Questionnaires = append(u.Questionnaires, qs...)
			case "opinion":
				o, err := opinion(ctx, tx, ch.ref)
				if err != nil {
					return errorf("updates: opinion "+ch.ref, err)
				}
				ou := syncproto.OpinionUpdate{ID: o.ID, Status: o.Status, Answer: o.Answer, Evaluation: o.Evaluation, UpdatedAt: o.UpdatedAt,
					Round: o.Round, Lead: o.LeadName, Due: o.Due, Supervised: o.Supervised, FollowUp: o.FollowUp}
				if ou.Reply, err = latestReply(ctx, tx, o); err != nil {
					return errorf("updates: opinion "+ch.ref, err)
				}
				u.OpinionUpdates = append(u.OpinionUpdates, ou)
			}
		}
		return nil
	})
	return u, errorf("updates for "+pointID, err)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// ---- points ----

// PointRecord is what the hub holds from one point.
type PointRecord struct {
	LastBatchID   string
	LastBatchAt   *time.Time
	LastContactAt *time.Time // the last signed request, a batch or a pull
	LastPullAt    *time.Time
	Totals        Totals
}

// RecordContact notes a point's signed request (pull: a pull), in a
// transaction of its own, before the request is served.
func (st *Store) RecordContact(ctx context.Context, pointID string, pull bool) error {
	now := ts(st.Now())
	var pullAt any
	if pull {
		pullAt = now
	}
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO hub_contacts(point_id, last_contact_at, last_pull_at) VALUES(?,?,?)
			ON CONFLICT(point_id) DO UPDATE SET last_contact_at=excluded.last_contact_at,
			last_pull_at=coalesce(excluded.last_pull_at, hub_contacts.last_pull_at)`, pointID, now, pullAt)
		return err
	})
	return errorf("contact of point "+pointID, err)
}

// PointRecords returns, for each point id given, its last batch and totals.
func (st *Store) PointRecords(ctx context.Context, ids []string) (map[string]PointRecord, error) {
	out := make(map[string]PointRecord, len(ids))
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			var pr PointRecord
			var bid, at string
			err := tx.QueryRowContext(ctx, `SELECT batch_id, received_at FROM hub_batches WHERE point_id=? ORDER BY received_at DESC LIMIT 1`, id).Scan(&bid, &at)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return errorf("point "+id+": last batch", err)
			default:
				t := parseTS(at)
				pr.LastBatchAt, pr.LastBatchID = &t, bid
			}
			var contact string
			var pulled sql.NullString
			err = tx.QueryRowContext(ctx, `SELECT last_contact_at, last_pull_at FROM hub_contacts WHERE point_id=?`, id).Scan(&contact, &pulled)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return errorf("point "+id+": last contact", err)
			default:
				t := parseTS(contact)
				pr.LastContactAt, pr.LastPullAt = &t, parseTSPtr(pulled)
			}
			rows, err := tx.QueryContext(ctx, `SELECT topic_id, body FROM hub_summaries WHERE point_id=?`, id)
			if err != nil {
				return errorf("point "+id+": summaries", err)
			}
			for rows.Next() {
				var topic, body string
				var s struct {
					Responses models.ResponseCounts `json:"responses"`
				}
				if err := rows.Scan(&topic, &body); err != nil {
					rows.Close()
					return errorf("point "+id+": summaries", err)
				}
				if err := json.Unmarshal([]byte(body), &s); err != nil {
					rows.Close()
					return errorf("point "+id+": summary of "+topic, err)
				}
				pr.Totals.Responses += s.Responses.Total
				pr.Totals.Topics++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return errorf("point "+id+": summaries", err)
			}
			if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM hub_activities WHERE point_id=?), (SELECT count(*) FROM hub_opinions WHERE point_id=? AND NOT voided)`,
				id, id).Scan(&pr.Totals.Activities, &pr.Totals.Opinions); err != nil {
				return errorf("point "+id+": totals", err)
			}
			out[id] = pr
		}
		return nil
	})
	return out, errorf("point records", err)
}

// ReportingPoints returns the topics that points report summaries of, in
// topic order, each with the points reporting it.
func (st *Store) ReportingPoints(ctx context.Context) (order []string, points map[string][]string, err error) {
	points = map[string][]string{}
	err = st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT topic_id, point_id FROM hub_summaries ORDER BY topic_id, point_id`)
		if err != nil {
			return errorf("reporting points", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t, p string
			if err := rows.Scan(&t, &p); err != nil {
				return errorf("reporting points", err)
			}
			if _, ok := points[t]; !ok {
				order = append(order, t)
			}
			points[t] = append(points[t], p)
		}
		return errorf("reporting points", rows.Err())
	})
	return order, points, errorf("reporting points", err)
}

// PointSummaries returns each point's newest summary of a topic, in no set order.
func (st *Store) PointSummaries(ctx context.Context, topicID string) ([]models.Summary, error) {
	var out []models.Summary
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT point_id, body FROM hub_summaries WHERE topic_id=?`, topicID)
		if err != nil {
			return errorf("summaries of "+topicID, err)
		}
		defer rows.Close()
		for rows.Next() {
			var pid, body string
			if err := rows.Scan(&pid, &body); err != nil {
				return errorf("summaries of "+topicID, err)
			}
			var s models.Summary
			if err := json.Unmarshal([]byte(body), &s); err != nil {
				return errorf("summary of "+topicID+" from "+pid, err)
			}
			s.PointID = pid
			out = append(out, s)
		}
		return errorf("summaries of "+topicID, rows.Err())
	})
	return out, errorf("summaries of "+topicID, err)
}

// ---- the committee's topics and questionnaires ----

const topicCols = `id, kind, fiscal_year, title, title_en, summary, opens_at, closes_at, created_at, updated_at`

func scanTopic(sc interface{ Scan(...any) error }) (models.Topic, error) {
	var t models.Topic
	var o, c sql.NullString
	var ca, ua string
	err := sc.Scan(&t.ID, &t.Kind, &t.FiscalYear, &t.Title, &t.TitleEN, &t.Summary, &o, &c, &ca, &ua)
	t.OpensAt, t.ClosesAt = parseTSPtr(o), parseTSPtr(c)
	t.CreatedAt, t.UpdatedAt = parseTS(ca), parseTS(ua)
	t.Origin = models.OriginCommittee
	return t, err
}

func topic(ctx context.Context, tx *sql.Tx, id string) (models.Topic, error) {
	t, err := scanTopic(tx.QueryRowContext(ctx, `SELECT `+topicCols+` FROM hub_topics WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, models.NotFound("事项", "topic")
	}
	return t, err
}

// Topic returns a topic the committee published. not_found otherwise.
func (st *Store) Topic(ctx context.Context, id string) (models.Topic, error) {
	var t models.Topic
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = topic(ctx, tx, id)
		return errorf("topic "+id, err)
	})
	return t, errorf("topic "+id, err)
}

// PointTopic returns a topic a point created itself, as it sent it (the
// first point's, when two sent the same id); not_found when none did.
func (st *Store) PointTopic(ctx context.Context, id string) (models.Topic, error) {
	var t models.Topic
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		var o, c sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT id, kind, fiscal_year, title, title_en, opens_at, closes_at FROM hub_point_topics
			WHERE id=? ORDER BY point_id LIMIT 1`, id).Scan(&t.ID, &t.Kind, &t.FiscalYear, &t.Title, &t.TitleEN, &o, &c)
		if errors.Is(err, sql.ErrNoRows) {
			return models.NotFound("事项", "topic")
		}
		t.OpensAt, t.ClosesAt, t.Origin = parseTSPtr(o), parseTSPtr(c), models.OriginLocal
		return err
	})
	return t, errorf("point topic "+id, err)
}

// Topics returns every topic the committee published, by id.
func (st *Store) Topics(ctx context.Context) ([]models.Topic, error) {
	out := []models.Topic{}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+topicCols+` FROM hub_topics ORDER BY id`)
		if err != nil {
			return errorf("topics", err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTopic(rows)
			if err != nil {
				return errorf("topics", err)
			}
			out = append(out, t)
		}
		return errorf("topics", rows.Err())
	})
	return out, errorf("topics", err)
}

// PublishTopic stores a topic as the committee's (replacing an earlier copy)
// and queues it for the targets (none: every point). created is false when
// it replaced an earlier copy.
func (st *Store) PublishTopic(ctx context.Context, t models.Topic, targets []string) (created bool, err error) {
	now := st.Now()
	err = st.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM hub_topics WHERE id=?`, t.ID).Scan(&n); err != nil {
			return errorf("publish topic "+t.ID, err)
		}
		created = n == 0
		_, err := tx.Exec(`INSERT INTO hub_topics(`+topicCols+`) VALUES(?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, fiscal_year=excluded.fiscal_year, title=excluded.title,
			title_en=excluded.title_en, summary=excluded.summary, opens_at=excluded.opens_at, closes_at=excluded.closes_at,
			updated_at=excluded.updated_at`,
			t.ID, t.Kind, t.FiscalYear, t.Title, t.TitleEN, t.Summary, tsPtr(t.OpensAt), tsPtr(t.ClosesAt), ts(now), ts(now))
		if err != nil {
			return errorf("publish topic "+t.ID, err)
		}
		if err := st.db.AuditChange(ctx, tx, "topic.publish", "topic", t.ID, map[string]any{"points": targets, "created": created}); err != nil {
			return err
		}
		return st.queue(tx, targets, "topic", t.ID, 0, now)
	})
	return created, errorf("publish topic "+t.ID, err)
}

// PublishQuestionnaire publishes a version of a questionnaire (d normalized
// and valid) under the one versioning rule, models.NextVersion: a changed
// definition under an existing id is the next version, the same one again
// changes nothing but still goes to the targets. Its topic goes along.
func (st *Store) PublishQuestionnaire(ctx context.Context, d models.Definition, targets []string) (q models.Questionnaire, created bool, err error) {
	now := st.Now()
	err = st.db.Write(ctx, func(tx *sql.Tx) error {
		created = false
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM hub_topics WHERE id=?`, d.TopicID).Scan(&n); err != nil {
			return errorf("publish questionnaire "+d.ID, err)
		}
		if n == 0 {
			return models.Invalid("问卷", map[string]string{"topic_id": "没有这个征求意见事项，请先发布事项 / no such topic: publish the topic first"})
		}
		var topicID string
		err := tx.QueryRow(`SELECT topic_id FROM hub_questionnaires WHERE id=?`, d.ID).Scan(&topicID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.Exec(`INSERT INTO hub_questionnaires(id, topic_id, latest_version, created_at) VALUES(?,?,0,?)`, d.ID, d.TopicID, ts(now)); err != nil {
				return errorf("publish questionnaire "+d.ID, err)
			}
		case err != nil:
			return errorf("publish questionnaire "+d.ID, err)
		case topicID != d.TopicID:
			return models.Invalid("问卷", map[string]string{"topic_id": "已发布的问卷不能改到其他事项 / a published questionnaire cannot move to another topic"})
		}
		stored, err := storedVersions(ctx, tx, d.ID)
		if err != nil {
			return errorf("publish questionnaire "+d.ID, err)
		}
		version, isNew, err := models.NextVersion(&d, stored)
		if err != nil {
			return err
		}
		if isNew {
			b, err := json.Marshal(d)
			if err != nil {
				return errorf("publish questionnaire "+d.ID, err)
			}
			if _, err := tx.Exec(`INSERT INTO hub_questionnaire_versions(questionnaire_id, version, definition, hash, created_at) VALUES(?,?,?,?,?)`,
				d.ID, version, string(b), d.Hash(), ts(now)); err != nil {
				return errorf("publish questionnaire "+d.ID, err)
			}
			if _, err := tx.Exec(`UPDATE hub_questionnaires SET latest_version=? WHERE id=?`, version, d.ID); err != nil {
				return errorf("publish questionnaire "+d.ID, err)
			}
			created = true
		}
		if err := st.db.AuditChange(ctx, tx, "questionnaire.publish", "questionnaire", d.ID, map[string]any{"version": version, "new": isNew, "points": targets}); err != nil {
			return err
		}
		if err := st.queue(tx, targets, "topic", d.TopicID, 0, now); err != nil {
			return err
		}
		if err := st.queue(tx, targets, "questionnaire", d.ID, version, now); err != nil {
			return err
		}
		q, err = questionnaire(ctx, tx, d.ID, version)
		return errorf("publish questionnaire "+d.ID, err)
	})
	return q, created, errorf("publish questionnaire "+d.ID, err)
}

func storedVersions(ctx context.Context, tx *sql.Tx, id string) ([]models.StoredVersion, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version, hash, definition FROM hub_questionnaire_versions WHERE questionnaire_id=? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("stored versions: %w", err)
	}
	return db.ScanStoredVersions(rows)
}

// questionnaire returns one version of a committee questionnaire (0: the latest).
func questionnaire(ctx context.Context, tx *sql.Tx, id string, version int) (models.Questionnaire, error) {
	var q models.Questionnaire
	var def, c string
	err := tx.QueryRowContext(ctx, `SELECT q.id, q.latest_version, v.version, v.definition, v.created_at FROM hub_questionnaires q
		JOIN hub_questionnaire_versions v ON v.questionnaire_id=q.id AND v.version = CASE WHEN ?=0 THEN q.latest_version ELSE ? END
		WHERE q.id=?`, version, version, id).Scan(&q.ID, &q.LatestVersion, &q.Version, &def, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return q, models.NotFound("问卷", "questionnaire")
	}
	if err != nil {
		return q, fmt.Errorf("version %d: %w", version, err)
	}
	if err := json.Unmarshal([]byte(def), &q.Definition); err != nil {
		return q, fmt.Errorf("version %d: stored definition: %w", q.Version, err)
	}
	q.Origin = models.OriginCommittee
	q.CreatedAt = parseTS(c)
	return q, nil
}

// Questionnaire returns one version (0: the latest) of a committee questionnaire.
func (st *Store) Questionnaire(ctx context.Context, id string, version int) (models.Questionnaire, error) {
	var q models.Questionnaire
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		q, err = questionnaire(ctx, tx, id, version)
		return errorf("questionnaire "+id, err)
	})
	return q, errorf("questionnaire "+id, err)
}

// Questionnaires returns the latest version of every committee questionnaire, by id.
func (st *Store) Questionnaires(ctx context.Context) ([]models.Questionnaire, error) {
	out := []models.Questionnaire{}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM hub_questionnaires WHERE latest_version > 0 ORDER BY id`)
		if err != nil {
			return errorf("questionnaires", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return errorf("questionnaires", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errorf("questionnaires", err)
		}
		for _, id := range ids {
			q, err := questionnaire(ctx, tx, id, 0)
			if err != nil {
				return errorf("questionnaire "+id, err)
			}
			out = append(out, q)
		}
		return nil
	})
	return out, errorf("questionnaires", err)
}

// questionnaireVersions returns every published version of a questionnaire, oldest first.
func questionnaireVersions(ctx context.Context, tx *sql.Tx, id string) ([]models.Questionnaire, error) {
	var latest int
	if err := tx.QueryRowContext(ctx, `SELECT latest_version FROM hub_questionnaires WHERE id=?`, id).Scan(&latest); err != nil {
		return nil, fmt.Errorf("latest version: %w", err)
	}
	out := make([]models.Questionnaire, 0, latest)
	for v := 1; v <= latest; v++ {
		q, err := questionnaire(ctx, tx, id, v)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// TopicDefinitions returns every version of each committee questionnaire of
// a topic, newest version first, in the order they were first published.
func (st *Store) TopicDefinitions(ctx context.Context, topicID string) ([][]*models.Definition, error) {
	var out [][]*models.Definition
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT v.questionnaire_id, v.definition FROM hub_questionnaire_versions v
			JOIN hub_questionnaires q ON q.id=v.questionnaire_id WHERE q.topic_id=? ORDER BY q.created_at, q.id, v.version DESC`, topicID)
		if err != nil {
			return errorf("definitions of "+topicID, err)
		}
		defer rows.Close()
		last := ""
		for rows.Next() {
			var id, s string
			if err := rows.Scan(&id, &s); err != nil {
				return errorf("definitions of "+topicID, err)
			}
			d := &models.Definition{}
			if err := json.Unmarshal([]byte(s), d); err != nil {
				return errorf("definition of "+id, err)
			}
			if id != last {
				out = append(out, nil)
				last = id
			}
			out[len(out)-1] = append(out[len(out)-1], d)
		}
		return errorf("definitions of "+topicID, rows.Err())
	})
	return out, errorf("definitions of "+topicID, err)
}

// ---- opinions ----

const opinionCols = `id, point_id, topic_id, source, activity_id, response_id, question_key, content, proposer, status, answer, evaluation, recorded_at, updated_at,
	lead, assist, due, round, supervised, merged_into, grade, follow_up, coalesce((SELECT u.name FROM hub_units u WHERE u.id = lead), ''), assigned_at <> ''`

func scanOpinion(sc interface{ Scan(...any) error }, extra ...any) (models.Opinion, error) {
	var o models.Opinion
	var prop, rec, upd, assist string
	var assigned bool
	dest := append(extra, &o.ID, &o.PointID, &o.TopicID, &o.Source, &o.ActivityID, &o.ResponseID, &o.QuestionKey, &o.Content, &prop,
		&o.Status, &o.Answer, &o.Evaluation, &rec, &upd, &o.Lead, &assist, &o.Due, &o.Round, &o.Supervised,
		&o.MergedInto, &o.Grade, &o.FollowUp, &o.LeadName, &assigned)
	if err := sc.Scan(dest...); err != nil {
		return o, err
	}
	if err := json.Unmarshal([]byte(prop), &o.Proposer); err != nil {
		return o, fmt.Errorf("opinion %s: proposer: %w", o.ID, err)
	}
	if err := json.Unmarshal([]byte(assist), &o.Assist); err != nil {
		return o, fmt.Errorf("opinion %s: assisting units: %w", o.ID, err)
	}
	if len(o.Assist) == 0 {
		o.Assist = nil
	}
	if !assigned {
		o.Round = 0 // never assigned: no round to speak of (one returned keeps its round)
	}
	if o.Due != "" && (o.Status == "forwarded" || o.Status == "accepted") {
		o.Overdue = time.Now().In(workdays.China).Format(time.DateOnly) > o.Due
	}
	o.RecordedAt, o.UpdatedAt = parseTS(rec), parseTS(upd)
	return o, nil
}

func opinion(ctx context.Context, tx *sql.Tx, id string) (models.Opinion, error) {
	o, err := scanOpinion(tx.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions WHERE id=?`, id))
	return o, opinionNotFound(err)
}

// Opinion returns one opinion held at the hub.
func (st *Store) Opinion(ctx context.Context, id string) (models.Opinion, error) {
	var o models.Opinion
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = opinion(ctx, tx, id); err != nil {
			return errorf("opinion "+id, err)
		}
		return errorf("opinion "+id, story(ctx, tx, &o))
	})
	return o, errorf("opinion "+id, err)
}

// story reads an opinion's replies, the assisting units' views and the
// steps of its history. An opinion merged into another has that one's
// replies and views, and its steps beside its own.
func story(ctx context.Context, tx *sql.Tx, o *models.Opinion) error {
	root := o.ID
	if o.MergedInto != "" {
		root = o.MergedInto
	}
	rows, err := tx.QueryContext(ctx, `SELECT round, unit_id, grade, content, at FROM hub_opinion_replies WHERE opinion_id=? ORDER BY id`, root)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r models.Reply
		var at string
		if err := rows.Scan(&r.Round, &r.Unit, &r.Grade, &r.Content, &at); err != nil {
			rows.Close()
			return err
		}
		r.At = parseTS(at)
		o.Replies = append(o.Replies, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT round, unit_id, content, at FROM hub_opinion_views WHERE opinion_id=? ORDER BY id`, root)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v models.View
		var at string
		if err := rows.Scan(&v.Round, &v.Unit, &v.Content, &at); err != nil {
			rows.Close()
			return err
		}
		v.At = parseTS(at)
		o.Views = append(o.Views, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT at, actor, action, detail FROM hub_opinion_steps WHERE opinion_id IN (?, ?) ORDER BY id`, o.ID, root)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s models.OpinionStep
		var at, detail string
		if err := rows.Scan(&at, &s.Actor, &s.Action, &detail); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(detail), &s.Detail); err != nil {
			return fmt.Errorf("step of opinion %s: %w", o.ID, err)
		}
		s.At = parseTS(at)
		o.History = append(o.History, s)
	}
	return rows.Err()
}

// Opinions lists opinions of all points in the order they arrived.
func (st *Store) Opinions(ctx context.Context, f models.OpinionFilter) (models.Page[models.Opinion], error) {
	p := models.Page[models.Opinion]{Items: []models.Opinion{}}
	after, err := db.DecodeRowCursor(f.After)
	if err != nil {
		return p, err
	}
	q, args := pageQuery(`SELECT hrow, `+opinionCols+` FROM hub_opinions WHERE NOT voided`, after, f.Limit,
		[][2]string{{"topic_id", f.Topic}, {"point_id", f.Point}, {"status", f.Status}, {"source", f.Source}})
	err = st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return errorf("opinions", err)
		}
		defer rows.Close()
		var last int64
		for rows.Next() {
			if len(p.Items) == f.Limit {
				p.Next = db.EncodeCursor(strconv.FormatInt(last, 10))
				break
			}
			var hrow int64
			o, err := scanOpinion(rows, &hrow)
			if err != nil {
				return errorf("opinions", err)
			}
			p.Items = append(p.Items, o)
			last = hrow
		}
		return errorf("opinions", rows.Err())
	})
	return p, errorf("opinions", err)
}

// pageQuery completes a select of one page in arrival order (hrow) after
// the row after, with an equality filter for each column whose value is set;
// it asks for one row more than limit, to know whether a next page exists.
func pageQuery(sel string, after int64, limit int, filters [][2]string) (string, []any) {
	q := sel + ` WHERE hrow > ?`
	if strings.Contains(sel, " WHERE ") {
		q = sel + ` AND hrow > ?`
	}
	args := []any{after}
	for _, cv := range filters {
		if cv[1] != "" {
			q += " AND " + cv[0] + " = ?"
			args = append(args, cv[1])
		}
	}
	return q + " ORDER BY hrow LIMIT ?", append(args, limit+1)
}

// TopicOpinions returns every opinion of a topic, by point and arrival.
func (st *Store) TopicOpinions(ctx context.Context, topicID string) ([]models.Opinion, error) {
	var out []models.Opinion
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions WHERE topic_id=? AND NOT voided ORDER BY point_id, hrow`, topicID)
		if err != nil {
			return errorf("opinions of "+topicID, err)
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOpinion(rows)
			if err != nil {
				return errorf("opinions of "+topicID, err)
			}
			out = append(out, o)
		}
		return errorf("opinions of "+topicID, rows.Err())
	})
	return out, errorf("opinions of "+topicID, err)
}

// MoveOpinion applies the committee's move of an opinion (checked by
// checkMove against its current state, in the same transaction) and queues
// the change for its point.
//
// An unsatisfied evaluation of an opinion assigned to a unit does not close
// it: it opens the next round (status forwarded, round + 1, due reopenDue)
// under supervision (督办), the earlier reply kept.
func (st *Store) MoveOpinion(ctx context.Context, id string, p OpinionPatch, reopenDue string) (models.Opinion, error) {
	now := st.Now()
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		var from, answer, lead, merged string
		var voided bool
		if err := tx.QueryRow(`SELECT status, answer, voided, lead, merged_into FROM hub_opinions WHERE id=?`, id).Scan(&from, &answer, &voided, &lead, &merged); err != nil {
			return errorf("move opinion "+id, opinionNotFound(err))
		}
		if voided {
			return models.Errorf(models.EConflict, "这条意见已在联系点撤销，不能再办理 / this opinion was taken back at its point: it cannot be moved")
		}
		if merged != "" {
			return mergedError(merged)
		}
		if lead != "" && p.Status == "answered" {
			return models.Invalid("意见", map[string]string{"status": "已交办承办单位的意见由主办单位答复；交办有误的，请主办单位退回后再办 / an opinion assigned to a unit is answered by its lead unit; if it was assigned wrongly, the unit returns it"})
		}
		answer, err := checkMove(from, answer, p)
		if err != nil {
			return err
		}
		if p.Status == "closed" && p.Evaluation == "unsatisfied" && lead != "" {
			if _, err := tx.Exec(`UPDATE hub_opinions SET status='forwarded', round=round+1, supervised=TRUE, evaluation=?, due=?, assigned_at=?, follow_up='', updated_at=? WHERE id=?`,
				p.Evaluation, reopenDue, ts(now), ts(now), id); err != nil {
				return errorf("reopen opinion "+id, err)
			}
			detail := map[string]any{"evaluation": p.Evaluation, "lead": lead, "due": reopenDue}
			if err := step(ctx, tx, id, "reopen", detail, now); err != nil {
				return err
			}
			if err := st.db.AuditChange(ctx, tx, "opinion.reopen", "opinion", id, detail); err != nil {
				return err
			}
			return st.changed(tx, id, now)
		}
		if _, err := tx.Exec(`UPDATE hub_opinions SET status=?, answer=?, evaluation=?, updated_at=? WHERE id=?`,
			p.Status, answer, p.Evaluation, ts(now), id); err != nil {
			return errorf("move opinion "+id, err)
		}
		detail := map[string]any{"from": from, "to": p.Status}
		if p.Evaluation != "" {
			detail["evaluation"] = p.Evaluation
		}
		if err := step(ctx, tx, id, moveAction(p.Status), detail, now); err != nil {
			return err
		}
		if err := st.db.AuditChange(ctx, tx, "opinion.move", "opinion", id, detail); err != nil {
			return err
		}
		return st.changed(tx, id, now)
	})
	if err != nil {
		return models.Opinion{}, errorf("move opinion "+id, err)
	}
	return st.Opinion(ctx, id)
}

// ---- activities ----

// Activities lists the activities of all points in the order they first
// arrived (a later correction from the point keeps its place), like Opinions,
// each with how many opinions the hub holds from it.
func (st *Store) Activities(ctx context.Context, f ActivityFilter) (models.Page[HubActivity], error) {
	p := models.Page[HubActivity]{Items: []HubActivity{}}
	after, err := db.DecodeRowCursor(f.After)
	if err != nil {
		return p, err
	}
	if f.Limit < 1 {
		f.Limit = 50
	}
	q, args := pageQuery(`SELECT hrow, point_id, body FROM hub_activities`, after, f.Limit,
		[][2]string{{"topic_id", f.Topic}, {"point_id", f.Point}, {"kind", f.Kind}})
	err = st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return errorf("activities", err)
		}
		var last int64
		for rows.Next() {
			if len(p.Items) == f.Limit {
				p.Next = db.EncodeCursor(strconv.FormatInt(last, 10))
				break
			}
			var hrow int64
			var pid, body string
			if err := rows.Scan(&hrow, &pid, &body); err != nil {
				rows.Close()
				return errorf("activities", err)
			}
			var act models.Activity
			if err := json.Unmarshal([]byte(body), &act); err != nil {
				rows.Close()
				return errorf("activity of "+pid, err)
			}
			act.PointID = pid
			act.DeputyIDs = nil
			if act.Opinions == nil {
				act.Opinions = []models.Opinion{}
			}
			p.Items = append(p.Items, HubActivity{Activity: act})
			last = hrow
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errorf("activities", err)
		}
		return countActivityOpinions(ctx, tx, p.Items)
	})
	return p, errorf("activities", err)
}

// countActivityOpinions sets each activity's opinion count in one query per
// page (an opinion counts for the activity of its own point only).
func countActivityOpinions(ctx context.Context, tx *sql.Tx, items []HubActivity) error {
	if len(items) == 0 {
		return nil
	}
	idx := make(map[[2]string]int, len(items))
	args := make([]any, 0, len(items))
	for i, it := range items {
		idx[[2]string{it.PointID, it.ID}] = i
		args = append(args, it.ID)
	}
	q := `SELECT point_id, activity_id, count(*) FROM hub_opinions WHERE NOT voided AND activity_id IN (?` +
		strings.Repeat(",?", len(items)-1) + `) GROUP BY point_id, activity_id`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return errorf("activity opinion counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, aid string
		var n int64
		if err := rows.Scan(&pid, &aid, &n); err != nil {
			return errorf("activity opinion counts", err)
		}
		if i, ok := idx[[2]string{pid, aid}]; ok {
			items[i].OpinionCount = n
		}
	}
	return errorf("activity opinion counts", rows.Err())
}
