package db

import (
	"context"
	"database/sql"
	"errors"

	"budgetpoint/models"
)

// The deputies registry. Phones and ID numbers are stored sealed (seal.go);
// lists and Deputy show them masked, DeputyContact whole, and audited.

// CreateDeputy adds a deputy to the registry; conflict when the id is taken.
func (db *DB) CreateDeputy(ctx context.Context, d *models.Deputy) error {
	if db.seal == nil {
		return Wrap("create deputy "+d.ID, errNoKey)
	}
	d.CreatedAt = db.Now().In(CST)
	return Wrap("create deputy "+d.ID, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO deputies(id, name, level, unit, phone, id_number, liaison, created_at) VALUES(?,?,?,?,?,?,?,?)`,
			d.ID, d.Name, d.Level, d.Unit, db.seal.seal(d.ID, "phone", d.Phone), db.seal.seal(d.ID, "id_number", d.IDNumber), d.Liaison, ts(d.CreatedAt))
		if isUnique(err) {
			return models.Errorf(models.EConflict, "代表编号 %s 已被使用 / deputy id %s is already used", d.ID, d.ID)
		}
		if err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "deputy.create", "deputy", d.ID, nil)
	}))
}

const deputyCols = `id, name, level, unit, phone, id_number, liaison, created_at`

// scanDeputy reads deputyCols and opens the contact details (whole).
func (db *DB) scanDeputy(r scanner) (models.Deputy, error) {
	var d models.Deputy
	if db.seal == nil {
		return d, errNoKey
	}
	var c string
	if err := r.Scan(&d.ID, &d.Name, &d.Level, &d.Unit, &d.Phone, &d.IDNumber, &d.Liaison, &c); err != nil {
		return d, err
	}
	d.CreatedAt = parseTS(c)
	var err1, err2 error
	d.Phone, err1 = db.seal.open(d.ID, "phone", d.Phone)
	d.IDNumber, err2 = db.seal.open(d.ID, "id_number", d.IDNumber)
	return d, errors.Join(err1, err2)
}

// Deputy returns one deputy, its contact details masked.
func (db *DB) Deputy(ctx context.Context, id string) (models.Deputy, error) {
	d, err := db.scanDeputy(db.r.QueryRowContext(ctx, `SELECT `+deputyCols+` FROM deputies WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, models.NotFound("代表", "deputy")
	}
	return d.Masked(), Wrap("deputy "+id, err)
}

// DeputyContact returns one deputy with the whole phone and ID number, for
// staff and admins; the read is audited (deputy.read) before it is answered.
func (db *DB) DeputyContact(ctx context.Context, id string) (models.Deputy, error) {
	var d models.Deputy
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = db.scanDeputy(tx.QueryRow(`SELECT `+deputyCols+` FROM deputies WHERE id=?`, id)); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return models.NotFound("代表", "deputy")
			}
			return err
		}
		return db.auditChange(ctx, tx, "deputy.read", "deputy", id, map[string]any{"fields": []string{"phone", "id_number"}})
	})
	return d, Wrap("deputy "+id+" with contact details", err)
}

// Deputies lists the registry by id, contact details masked; callers strip
// them for roles that may not see them at all.
func (db *DB) Deputies(ctx context.Context, limit int, after string) (models.Page[models.Deputy], error) {
	p := models.Page[models.Deputy]{Items: []models.Deputy{}}
	a, err := DecodeCursor(after)
	if err != nil {
		return p, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+deputyCols+` FROM deputies WHERE id > ? ORDER BY id LIMIT ?`, a, limit+1)
	if err != nil {
		return p, Wrap("list deputies", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := db.scanDeputy(rows)
		if err != nil {
			return p, Wrap("list deputies", err)
		}
		p.Items = append(p.Items, d.Masked())
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.Next = EncodeCursor(p.Items[limit-1].ID)
	}
	return p, Wrap("list deputies", rows.Err())
}
