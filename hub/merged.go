package hub

// The committee's lists around 并案 and 跟踪: the opinions merged into one,
// and the answered or closed opinions whose B or C reply is followed up;
// and the demo's opinions.

import (
	"context"
	"database/sql"
	"encoding/json"

	"budgetpoint/models"
)

// MergedInto lists the opinions merged into the opinion id (并案; not
// voided), in the order they arrived; none when nothing was merged into
// it. Like the other lists, they come without their replies and history.
func (st *Store) MergedInto(ctx context.Context, id string) ([]models.Opinion, error) {
	return st.opinionList(ctx, "opinions merged into "+id, `SELECT `+opinionCols+` FROM hub_opinions
		WHERE merged_into=? AND NOT voided ORDER BY hrow`, id)
}

// FollowUps lists the opinions whose latest reply (B or C) is followed up
// on a date (跟踪): answered or closed, not voided, not merged into another
// (those follow theirs), earliest follow-up date first, then in the order
// they arrived.
func (st *Store) FollowUps(ctx context.Context) ([]models.Opinion, error) {
	return st.opinionList(ctx, "opinions followed up", `SELECT `+opinionCols+` FROM hub_opinions
		WHERE NOT voided AND merged_into='' AND follow_up <> '' AND grade IN ('B', 'C') AND status IN ('answered', 'closed')
		ORDER BY follow_up, hrow`)
}

// opinionList reads the opinions a query selects (opinionCols).
func (st *Store) opinionList(ctx context.Context, what, query string, args ...any) ([]models.Opinion, error) {
	out := []models.Opinion{}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOpinion(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, errorf(what, err)
}

// SeedOpinions stores opinions as if pointID had reported them (status
// reported), each once (one already held is left as it is), without
// recording a batch or a contact of the point: for the demo hub's handled
// history, whose points have not been started.
func (st *Store) SeedOpinions(ctx context.Context, pointID string, ops []models.Opinion) error {
	now := ts(st.Now())
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		for _, o := range ops {
			prop, err := json.Marshal(o.Proposer)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO hub_opinions(id, point_id, topic_id, source, activity_id, response_id, question_key,
				content, proposer, status, recorded_at, received_at, updated_at, voided) VALUES(?,?,?,?,?,?,?,?,?,'reported',?,?,?,FALSE)
				ON CONFLICT(id) DO NOTHING`, o.ID, pointID, o.TopicID, o.Source, o.ActivityID, o.ResponseID, o.QuestionKey,
				o.Content, string(prop), ts(o.RecordedAt), now, now); err != nil {
				return err
			}
		}
		return nil
	})
	return errorf("seed opinions of "+pointID, err)
}
