package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// Every connection the writer's pool makes has the writer's
// wal_autocheckpoint, not SQLite's 1000: also one that database/sql makes
// anew after the first went bad (here: one more, beside it).
func TestWriterConnectionsCheckpointLate(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.Write(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&n)
	}); err != nil || n != writerCheckpoint {
		t.Fatalf("the writer's connection: wal_autocheckpoint %d (err %v), want %d", n, err, writerCheckpoint)
	}
	pool := sql.OpenDB(writerConnector{DSN(filepath.Join(t.TempDir(), FileName), "")})
	defer pool.Close()
	pool.SetMaxIdleConns(0) // each query on a connection of its own
	for i := range 2 {
		if err := pool.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&n); err != nil || n != writerCheckpoint {
			t.Fatalf("connection %d: wal_autocheckpoint %d (err %v), want %d", i+1, n, err, writerCheckpoint)
		}
	}
}
