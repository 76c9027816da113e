package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"budgetpoint/models"
)

// defCache holds parsed questionnaire versions; a published version never changes.
var defCache sync.Map // defKey → *models.Definition

type defKey struct {
	path, qid string
	version   int
}

func hashJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("content hash: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// SaveQuestionnaire publishes a definition: a new questionnaire gets version 1,
// a changed definition under an existing id gets the next version, and the
// same definition again changes nothing (created is false). The versioning
// rule is models.NextVersion, the same at the hub.
func (db *DB) SaveQuestionnaire(ctx context.Context, d models.Definition, origin string) (q models.Questionnaire, created bool, err error) {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return q, false, err
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		created, err = db.publishTx(ctx, tx, &d, origin)
		return err
	})
	if err != nil {
		return q, false, Wrap("save questionnaire "+d.ID, err)
	}
	q, err = db.Questionnaire(ctx, d.ID, 0)
	return q, created, err
}

// publishTx publishes a checked definition inside a write transaction, as
// SaveQuestionnaire says; a draft of it is removed (it is published now).
func (db *DB) publishTx(ctx context.Context, tx *sql.Tx, d *models.Definition, origin string) (created bool, err error) {
	now := db.Now()
	err = func() error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM topics WHERE id=?`, d.TopicID).Scan(&n); err != nil {
			return fmt.Errorf("topic %s: %w", d.TopicID, err)
		}
		if n == 0 {
			return models.Invalid("问卷", map[string]string{"topic_id": models.MsgNoSuchTopic})
		}
		var qOrigin string
		err := tx.QueryRow(`SELECT origin FROM questionnaires WHERE id=?`, d.ID).Scan(&qOrigin)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.Exec(`INSERT INTO questionnaires(id, topic_id, latest_version, origin, created_at) VALUES(?,?,0,?,?)`, d.ID, d.TopicID, origin, ts(now)); err != nil {
				return fmt.Errorf("insert: %w", err)
			}
		case err != nil:
			return fmt.Errorf("origin: %w", err)
		case qOrigin != origin:
			return models.Errorf(models.EForbidden, "此问卷由预工委发布，不能在联系点修改 / this questionnaire was published by the committee and cannot be changed here")
		}
		stored, err := storedVersions(tx, d.ID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM questionnaire_drafts WHERE questionnaire_id=?`, d.ID); err != nil {
			return fmt.Errorf("remove the draft: %w", err)
		}
		version, isNew, err := models.NextVersion(d, stored)
		if err != nil || !isNew {
			return err
		}
		if err := insertVersion(tx, d, version, now); err != nil {
			return err
		}
		created = true
		return db.auditChange(ctx, tx, "questionnaire.publish", "questionnaire", d.ID, map[string]any{"version": version})
	}()
	return created, err
}

// storedVersions reads every stored version of a questionnaire, for
// models.NextVersion. Its errors name the step; the caller names the questionnaire.
func storedVersions(tx *sql.Tx, id string) ([]models.StoredVersion, error) {
	rows, err := tx.Query(`SELECT version, hash, definition FROM questionnaire_versions WHERE questionnaire_id=? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("stored versions: %w", err)
	}
	return ScanStoredVersions(rows)
}

// ScanStoredVersions reads rows of (version, hash, definition) of one
// questionnaire, as models.NextVersion takes them, and closes rows. The
// point's store and the hub's each query their own table and read it here.
func ScanStoredVersions(rows *sql.Rows) ([]models.StoredVersion, error) {
	defer rows.Close()
	var out []models.StoredVersion
	for rows.Next() {
		var v models.StoredVersion
		var def string
		if err := rows.Scan(&v.Version, &v.Hash, &def); err != nil {
			return nil, fmt.Errorf("stored versions: %w", err)
		}
		v.Definition = &models.Definition{}
		if err := json.Unmarshal([]byte(def), v.Definition); err != nil {
			return nil, fmt.Errorf("version %d: stored definition: %w", v.Version, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stored versions: %w", err)
	}
	return out, nil
}

// insertVersion stores version of d and makes it the latest when it is newer.
func insertVersion(tx *sql.Tx, d *models.Definition, version int, now time.Time) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("version %d: %w", version, err)
	}
	if _, err := tx.Exec(`INSERT INTO questionnaire_versions VALUES(?,?,?,?,?)`, d.ID, version, string(b), d.Hash(), ts(now)); err != nil {
		return fmt.Errorf("insert version %d: %w", version, err)
	}
	if _, err := tx.Exec(`UPDATE questionnaires SET latest_version=max(latest_version, ?) WHERE id=?`, version, d.ID); err != nil {
		return fmt.Errorf("latest version %d: %w", version, err)
	}
	return nil
}

// Definition returns one version (0: the latest) of a questionnaire's definition.
func (db *DB) Definition(ctx context.Context, qid string, version int) (*models.Definition, int, error) {
	d, v, err := db.definition(ctx, db.r, qid, version)
	return d, v, Wrap("definition of questionnaire "+qid, err)
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (db *DB) definition(ctx context.Context, qr querier, qid string, version int) (*models.Definition, int, error) {
	if version == 0 {
		if err := qr.QueryRowContext(ctx, `SELECT latest_version FROM questionnaires WHERE id=?`, qid).Scan(&version); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, 0, models.NotFound("问卷", "questionnaire")
			}
			return nil, 0, fmt.Errorf("latest version: %w", err)
		}
		db.latest.Store(qid, version)
	}
	k := defKey{db.Path, qid, version}
	if d, ok := defCache.Load(k); ok {
		return d.(*models.Definition), version, nil
	}
	var s string
	if err := qr.QueryRowContext(ctx, `SELECT definition FROM questionnaire_versions WHERE questionnaire_id=? AND version=?`, qid, version).Scan(&s); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, version, models.NotFound("问卷版本", "questionnaire version")
		}
		return nil, 0, fmt.Errorf("version %d: %w", version, err)
	}
	d := &models.Definition{}
	if err := json.Unmarshal([]byte(s), d); err != nil {
		return nil, 0, fmt.Errorf("version %d: stored definition: %w", version, err)
	}
	defCache.Store(k, d)
	return d, version, nil
}

const qCols = `q.id, q.latest_version, q.origin, coalesce(q.public_token,''), v.version, v.definition, v.created_at`

func scanQuestionnaire(sc interface{ Scan(...any) error }) (models.Questionnaire, string, error) {
	var q models.Questionnaire
	var def, c, token string
	if err := sc.Scan(&q.ID, &q.LatestVersion, &q.Origin, &token, &q.Version, &def, &c); err != nil {
		return q, "", err
	}
	if err := json.Unmarshal([]byte(def), &q.Definition); err != nil {
		return q, "", fmt.Errorf("questionnaire %s version %d: stored definition: %w", q.ID, q.Version, err)
	}
	q.Public = token != ""
	q.CreatedAt = parseTS(c)
	return q, token, nil
}

// PublicPath is where the public fill-in page of a token lives.
func PublicPath(token string) string { return "/p/" + token }

// Questionnaire returns one version (0: the latest) of a questionnaire.
func (db *DB) Questionnaire(ctx context.Context, id string, version int) (models.Questionnaire, error) {
	q, token, err := scanQuestionnaire(db.r.QueryRowContext(ctx, `SELECT `+qCols+` FROM questionnaires q JOIN questionnaire_versions v
		ON v.questionnaire_id=q.id AND v.version = CASE WHEN ?=0 THEN q.latest_version ELSE ? END WHERE q.id=?`, version, version, id))
	if errors.Is(err, sql.ErrNoRows) {
		return q, models.NotFound("问卷", "questionnaire")
	}
	if err != nil {
		return q, Wrap(fmt.Sprintf("read questionnaire %s (version %d)", id, version), err)
	}
	if token != "" {
		q.PublicURL = PublicPath(token)
	}
	return q, nil
}

// QuestionnaireByToken finds a public questionnaire's latest version by its public token.
func (db *DB) QuestionnaireByToken(ctx context.Context, token string) (models.Questionnaire, error) {
	notFound := models.Errorf(models.ENotFound, "问卷不存在或已停止公开填写 / this questionnaire does not exist or is no longer open to the public")
	if token == "" {
		return models.Questionnaire{}, notFound
	}
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT id FROM questionnaires WHERE public_token=?`, token).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return models.Questionnaire{}, notFound
	}
	if err != nil {
		return models.Questionnaire{}, Wrap("questionnaire by public token", err)
	}
	return db.Questionnaire(ctx, id, 0)
}

// Questionnaires lists the latest version of each questionnaire, optionally of one topic.
func (db *DB) Questionnaires(ctx context.Context, topic string, limit int, after string) (models.Page[models.Questionnaire], error) {
	p := models.Page[models.Questionnaire]{Items: []models.Questionnaire{}}
	a, err := DecodeCursor(after)
	if err != nil {
		return p, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+qCols+` FROM questionnaires q JOIN questionnaire_versions v
		ON v.questionnaire_id=q.id AND v.version=q.latest_version WHERE q.id > ? AND (?='' OR q.topic_id=?) ORDER BY q.id LIMIT ?`, a, topic, topic, limit+1)
	if err != nil {
		return p, Wrap("list questionnaires", err)
	}
	defer rows.Close()
	for rows.Next() {
		q, token, err := scanQuestionnaire(rows)
		if err != nil {
			return p, Wrap("list questionnaires", err)
		}
		if token != "" {
			q.PublicURL = PublicPath(token)
		}
		p.Items = append(p.Items, q)
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.Next = EncodeCursor(p.Items[limit-1].ID)
	}
	return p, Wrap("list questionnaires", rows.Err())
}

// SetPublic opens a questionnaire to the public with a new unguessable link, or closes it.
func (db *DB) SetPublic(ctx context.Context, id string, public bool) (models.Questionnaire, error) {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var cur sql.NullString
		if err := tx.QueryRow(`SELECT public_token FROM questionnaires WHERE id=?`, id).Scan(&cur); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return models.NotFound("问卷", "questionnaire")
			}
			return fmt.Errorf("public token: %w", err)
		}
		var tok any
		if public {
			if cur.Valid {
				return nil // already open: keep the link people have
			}
			tok = RandomToken(18)
		}
		if _, err := tx.Exec(`UPDATE questionnaires SET public_token=? WHERE id=?`, tok, id); err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "questionnaire.public", "questionnaire", id, map[string]any{"public": public})
	})
	if err != nil {
		return models.Questionnaire{}, Wrap(fmt.Sprintf("set questionnaire %s public=%t", id, public), err)
	}
	return db.Questionnaire(ctx, id, 0)
}

// topicDefinitions returns every version of each questionnaire of a topic,
// newest version first, for rendering its summary.
func (db *DB) topicDefinitions(ctx context.Context, qr queryer, topicID string) ([][]*models.Definition, error) {
	// The versions first, then each one's definition, parsed once per
	// version (defCache): a summary is read far more often than a
	// questionnaire is published.
	rows, err := qr.QueryContext(ctx, `SELECT v.questionnaire_id, v.version FROM questionnaire_versions v JOIN questionnaires q ON q.id=v.questionnaire_id
		WHERE q.topic_id=? ORDER BY q.created_at, q.id, v.version DESC`, topicID)
	if err != nil {
		return nil, fmt.Errorf("questionnaires of topic %s: %w", topicID, err)
	}
	type version struct {
		qid string
		v   int
	}
	var vs []version
	for rows.Next() {
		var v version
		if err := rows.Scan(&v.qid, &v.v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("questionnaires of topic %s: %w", topicID, err)
		}
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("questionnaires of topic %s: %w", topicID, err)
	}
	var out [][]*models.Definition
	for i, v := range vs {
		d, _, err := db.definition(ctx, qr, v.qid, v.v)
		if err != nil {
			return nil, fmt.Errorf("questionnaire %s of topic %s: %w", v.qid, topicID, err)
		}
		if i == 0 || v.qid != vs[i-1].qid {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], d)
	}
	return out, nil
}
