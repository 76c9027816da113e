package db

import (
	"context"
	"database/sql"
	"errors"

	"budgetpoint/models"
)

// CreateDeputy adds a deputy to the registry; conflict when the id is taken.
func (db *DB) CreateDeputy(ctx context.Context, d *models.Deputy) error {
	d.CreatedAt = db.Now().In(CST)
	return Wrap("create deputy "+d.ID, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO deputies(id, name, level, unit, phone, id_number, liaison, created_at) VALUES(?,?,?,?,?,?,?,?)`,
			d.ID, d.Name, d.Level, d.Unit, d.Phone, d.IDNumber, d.Liaison, ts(d.CreatedAt))
		if isUnique(err) {
			return models.Errorf(models.EConflict, "代表编号 %s 已被使用 / deputy id %s is already used", d.ID, d.ID)
		}
		if err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "deputy.create", "deputy", d.ID, nil)
	}))
}

// Deputy returns one deputy with contact details.
func (db *DB) Deputy(ctx context.Context, id string) (models.Deputy, error) {
	var d models.Deputy
	var c string
	err := db.r.QueryRowContext(ctx, `SELECT id, name, level, unit, phone, id_number, liaison, created_at FROM deputies WHERE id=?`, id).
		Scan(&d.ID, &d.Name, &d.Level, &d.Unit, &d.Phone, &d.IDNumber, &d.Liaison, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return d, models.NotFound("代表", "deputy")
	}
	if err != nil {
		return d, Wrap("deputy "+id, err)
	}
	d.CreatedAt = parseTS(c)
	return d, nil
}

// Deputies lists the registry by name, with contact details; callers strip
// them for roles that may not see them.
func (db *DB) Deputies(ctx context.Context, limit int, after string) (models.Page[models.Deputy], error) {
	p := models.Page[models.Deputy]{Items: []models.Deputy{}}
	a, err := DecodeCursor(after)
	if err != nil {
		return p, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, level, unit, phone, id_number, liaison, created_at FROM deputies WHERE id > ? ORDER BY id LIMIT ?`, a, limit+1)
	if err != nil {
		return p, Wrap("list deputies", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d models.Deputy
		var c string
		if err := rows.Scan(&d.ID, &d.Name, &d.Level, &d.Unit, &d.Phone, &d.IDNumber, &d.Liaison, &c); err != nil {
			return p, Wrap("list deputies", err)
		}
		d.CreatedAt = parseTS(c)
		p.Items = append(p.Items, d)
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.Next = EncodeCursor(p.Items[limit-1].ID)
	}
	return p, Wrap("list deputies", rows.Err())
}
