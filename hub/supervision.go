package hub

import (
	"context"
	"database/sql"

	"budgetpoint/models"
)

// Supervised lists the opinions the committee follows up (督办): those
// assigned to a unit and not yet answered or closed (forwarded, accepted),
// and every one reopened under supervision that is not closed (returned
// by its unit too, to be assigned again); voided ones
// never. Soonest due first, then in the order they arrived. Like the other
// lists, they come without their replies and history.
func (st *Store) Supervised(ctx context.Context) ([]models.Opinion, error) {
	out := []models.Opinion{}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions WHERE NOT voided
			AND ((lead <> '' AND status IN ('forwarded', 'accepted')) OR (supervised AND status <> 'closed'))
			ORDER BY due, hrow`)
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
	return out, errorf("opinions under supervision", err)
}
