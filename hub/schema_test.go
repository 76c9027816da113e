package hub_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
)

// TestMigrationSetsAlike: the hub's migration set for PostgreSQL and the
// one for SQLite (with the accounts tables) end with the same tables and
// the same columns in each, so that a migration added to one set and not
// the other fails here.
func TestMigrationSetsAlike(t *testing.T) {
	ctx := context.Background()
	lite, err := db.OpenWith(testutil.DataDir(t), hub.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	addr := testutil.Postgres(t)
	pg, err := db.OpenPostgres(ctx, addr, hub.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	pgRaw, err := db.PostgresPool(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer pgRaw.Close()
	columns := func(d *db.DB, q string) map[string][]string {
		out := map[string][]string{}
		raw := pgRaw
		if !d.Postgres() {
			raw = testutil.RawOf(t, d)
		}
		rows, err := raw.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], col)
		}
		for k := range out {
			sort.Strings(out[k])
		}
		return out
	}
	sqliteCols := columns(lite, `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type='table' AND m.name NOT LIKE 'sqlite_%'`)
	pgCols := columns(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`)
	var diffs []string
	for tbl, cs := range sqliteCols {
		if fmt.Sprint(cs) != fmt.Sprint(pgCols[tbl]) {
			diffs = append(diffs, fmt.Sprintf("%s: SQLite %v, PostgreSQL %v", tbl, cs, pgCols[tbl]))
		}
	}
	for tbl := range pgCols {
		if _, ok := sqliteCols[tbl]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: only on PostgreSQL", tbl))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("the migration sets differ:\n%s", strings.Join(diffs, "\n"))
	}
	if len(sqliteCols) < 20 {
		t.Fatalf("only %d tables seen", len(sqliteCols))
	}
}
