package hub

// What a unit's pages (web/committee/unit.go) read beside UnitOpinion.

import (
	"context"
	"database/sql"
	"time"
)

// UnitAssignedAt is when an opinion assigned to the unit (lead or
// assisting) was assigned, or reopened for its current round: the time
// UnitAct counts ReturnWithin from. not_found as UnitOpinion.
func (st *Store) UnitAssignedAt(ctx context.Context, unit, id string) (time.Time, error) {
	var at string
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		if _, err := st.unitOpinion(ctx, tx, unit, id); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT assigned_at FROM hub_opinions WHERE id=?`, id).Scan(&at)
	})
	if err != nil {
		return time.Time{}, errorf("assignment of opinion "+id+" to unit "+unit, err)
	}
	return parseTS(at), nil
}
