package hub

import (
	"context"

	"budgetpoint/models"
)

// Supervised lists the opinions the committee follows up (督办): those
// assigned to a unit and not yet answered or closed (forwarded, accepted),
// and every one reopened under supervision that is not closed (returned
// by its unit too, to be assigned again); voided ones
// never. Soonest due first, then in the order they arrived. Like the other
// lists, they come without their replies and history.
func (st *Store) Supervised(ctx context.Context) ([]models.Opinion, error) {
	// One merged into another follows it, and is listed with it, not apart.
	return st.opinionList(ctx, "opinions under supervision", `SELECT `+opinionCols+` FROM hub_opinions WHERE NOT voided AND merged_into = ''
		AND ((lead <> '' AND status IN ('forwarded', 'accepted')) OR (supervised AND status <> 'closed'))
		ORDER BY due, hrow`)
}
