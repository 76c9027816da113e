package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/stdlib"

	"budgetpoint/db"
	"budgetpoint/hub"
)

// PostgresEnv is the variable naming the throw-away PostgreSQL cluster of
// the tests (scripts/postgres.sh, started by scripts/test.sh).
const PostgresEnv = "BUDGETPOINT_TEST_POSTGRES"

// Postgres gives the test a database of its own in the tests' PostgreSQL
// cluster, dropped when the test ends, and returns its address. Without the
// cluster the test is skipped, except under CI, where that fails it: the
// test command starts the cluster, so a missing one is a defect there.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: the test command (scripts/test.sh) starts PostgreSQL for these tests", PostgresEnv)
		}
		t.Skipf("%s not set: run the tests with scripts/test.sh, which starts PostgreSQL", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "bp_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer c.Close()
		c.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// keep the pgx driver's registration (sql.Open("pgx")) linked in.
var _ = stdlib.GetDefaultDriver

// PostgresName is the database of an address from Postgres.
func PostgresName(addr string) string {
	u, err := url.Parse(addr)
	if err != nil {
		return fmt.Sprint(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// Exec runs a statement on d behind its API (what a test cannot reach
// otherwise: an assignment made days ago), on either engine, in a write
// transaction of d's own.
func Exec(t testing.TB, d interface {
	Write(context.Context, func(*sql.Tx) error) error
}, q string, args ...any) {
	t.Helper()
	if err := d.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// QueryRow reads one row of q on d into dest, on either engine.
func QueryRow(t testing.TB, d interface {
	Read(context.Context, func(*sql.Tx) error) error
}, q string, args []any, dest ...any) {
	t.Helper()
	if err := d.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow(q, args...).Scan(dest...)
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// HubEngineEnv names the engine of the test hubs (NewHub): "postgres" puts
// each on a database of its own in the tests' PostgreSQL cluster; unset or
// "sqlite", on a SQLite file as always. scripts/test.sh runs the hub's
// tests once with each.
const HubEngineEnv = "BUDGETPOINT_TEST_HUB_ENGINE"

// HubOnPostgres reports whether the test hubs run on PostgreSQL.
func HubOnPostgres() bool { return os.Getenv(HubEngineEnv) == "postgres" }

// pgAddrs are the addresses of the PostgreSQL databases testutil opened.
var pgAddrs sync.Map // *db.DB → string

// openHubDB opens a test hub's database on the engine HubEngineEnv names,
// closed at the end of the test.
func openHubDB(t testing.TB, dir string) *db.DB {
	t.Helper()
	var d *db.DB
	var err error
	if HubOnPostgres() {
		addr := Postgres(t)
		d, err = db.OpenPostgres(context.Background(), addr, hub.Schema())
		if err == nil {
			pgAddrs.Store(d, addr)
		}
	} else {
		d, err = db.OpenWith(dir, hub.Schema())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
