package db

// Dialect is what differs in SQL between the engines, for the packages that
// own a schema (the hub's store): one implementation per engine, as
// Grafana's migrator keeps its dialects. Everything else is written once,
// with ? placeholders, in the SQL both engines take.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// JSONArrayHas is the condition that the JSON array of strings in
	// column holds the value given as the query's next ? placeholder.
	JSONArrayHas(column string) string
	// Serialize is the statement that makes the transactions running it
	// take turns from it to their commit, across processes, under the lock
	// key ("" where one writer commits at a time already, as on SQLite).
	Serialize(key int64) (stmt string, args []any)
}

// Dialect is the database's dialect.
func (db *DB) Dialect() Dialect {
	if db.pg {
		return postgresDialect{}
	}
	return sqliteDialect{}
}

type sqliteDialect struct{}

func (sqliteDialect) Name() string { return "sqlite" }

func (sqliteDialect) JSONArrayHas(column string) string {
	return `EXISTS (SELECT 1 FROM json_each(` + column + `) WHERE value = ?)`
}

// Serialize: SQLite's single writer commits one transaction at a time.
func (sqliteDialect) Serialize(int64) (string, []any) { return "", nil }

type postgresDialect struct{}

func (postgresDialect) Name() string { return "postgres" }

func (postgresDialect) JSONArrayHas(column string) string {
	return `EXISTS (SELECT 1 FROM jsonb_array_elements_text(` + column + `::jsonb) AS a(value) WHERE a.value = ?)`
}

// Serialize: an advisory lock held by the transaction until it ends.
func (postgresDialect) Serialize(key int64) (string, []any) {
	return `SELECT pg_advisory_xact_lock(?)`, []any{key}
}
