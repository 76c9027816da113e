package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

// instanceKey is the setting that holds the database's instance id: made
// when the database is created, made anew when it is restored from a
// backup, so that whoever reads a point's data (the hub) can tell a
// restored database from the one it knew.
const instanceKey = "instance"

// newInstanceID is a random id (26 characters, 130 bits).
func newInstanceID() string { return rand.Text() }

// ensureInstance gives a database its instance id if it has none yet (a new
// database, or one made before ids existed). Processes opening a new
// database at once agree on one id: the first insert wins.
func ensureInstance(w *sql.DB) error {
	_, err := w.Exec(`INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING`, instanceKey, newInstanceID())
	if err != nil {
		return fmt.Errorf("instance id: %w", err)
	}
	return nil
}

// Instance returns the database's instance id.
func (db *DB) Instance(ctx context.Context) (string, error) {
	v, err := db.Setting(ctx, instanceKey, "")
	if err == nil && v == "" {
		err = errors.New("instance id: not set")
	}
	return v, err
}
