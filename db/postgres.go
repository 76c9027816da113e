package db

// The hub's database may be PostgreSQL instead of SQLite (issue 12): the
// same DB, its Read and Write, on a pool of pgx connections. Queries are
// written once with ? placeholders; the driver registered here numbers them
// ($1, $2, …) for PostgreSQL. Each schema has a migration set per engine.
//
// On PostgreSQL there is no single writer: several processes write at once,
// each Write one SERIALIZABLE transaction, retried when PostgreSQL finds it
// could not be serialised. Correctness rests on the database (unique keys,
// ON CONFLICT, serialisable transactions), never on a lock in this process.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"budgetpoint/models"
)

// Postgres reports whether the database is PostgreSQL (OpenPostgres).
func (db *DB) Postgres() bool { return db.pg }

// IsPostgres reports whether a database address is PostgreSQL's
// (postgres:// or postgresql://).
func IsPostgres(addr string) bool {
	return strings.HasPrefix(addr, "postgres://") || strings.HasPrefix(addr, "postgresql://")
}

// OpenPostgres opens the PostgreSQL database at addr with the accounts
// tables and own's (its Postgres migrations), migrating it once however
// many processes open it at the same moment (an advisory lock held by the
// migrating transaction).
func OpenPostgres(ctx context.Context, addr string, own Schema) (*DB, error) {
	p, err := PostgresPool(addr)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(16)
	p.SetMaxIdleConns(8)
	p.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.PingContext(pctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("无法连接数据库 / cannot reach the database: %w", err)
	}
	// A 200 is sent only after a durable commit: a server that commits
	// without waiting for its WAL to reach disk cannot give that.
	var sc string
	if err := p.QueryRowContext(pctx, `SHOW synchronous_commit`).Scan(&sc); err != nil {
		p.Close()
		return nil, fmt.Errorf("synchronous_commit: %w", err)
	}
	if sc == "off" {
		p.Close()
		return nil, fmt.Errorf("数据库的 synchronous_commit 为 off：提交未落盘就会确认，汇总端不能这样运行；请设为 on / the database has synchronous_commit off: commits would be acknowledged before they are durable, which the hub must not do; set it to on")
	}
	if err := migratePostgres(ctx, p, accountsSchema, own); err != nil {
		p.Close()
		return nil, fmt.Errorf("数据库迁移失败 / migrating the database: %w", err)
	}
	if err := ensureInstance(p); err != nil {
		p.Close()
		return nil, err
	}
	return &DB{Path: "", Now: now, w: p, r: p, pg: true, close: make(chan struct{})}, nil
}

// PostgresPool is a pool of connections to the PostgreSQL database at addr
// taking queries with ? placeholders (Rebind), as OpenPostgres's.
func PostgresPool(addr string) (*sql.DB, error) {
	conn, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(addr)
	if err != nil {
		return nil, fmt.Errorf("数据库地址有误 / bad database address: %w", err)
	}
	return sql.OpenDB(rebindConnector{conn}), nil
}

// migratePostgres applies the waiting migrations of each schema's Postgres
// set in one transaction, under an advisory lock so that processes starting
// together apply each once.
func migratePostgres(ctx context.Context, p *sql.DB, schemas ...Schema) error {
	var sets []Schema
	for _, sc := range schemas {
		if sc.Postgres == nil {
			return fmt.Errorf("%s: 没有 PostgreSQL 的迁移 / no PostgreSQL migrations", sc.Name)
		}
		sets = append(sets, Schema{Name: sc.Name, Files: sc.Postgres})
	}
	tx, err := p.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	h := fnv.New64a()
	h.Write([]byte("budgetpoint migrations"))
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(h.Sum64()>>1)); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if err := applyMigrations(tx, false, sets...); err != nil {
		return err
	}
	return tx.Commit()
}

// pgRetries bounds how often a Write is tried again after PostgreSQL could
// not serialise it (or found a deadlock).
const pgRetries = 20

// pgWrite runs fn in a SERIALIZABLE transaction and commits it, trying
// again (a new transaction, fn run anew) when PostgreSQL says it could not
// be serialised; it returns once the commit is durable (synchronous_commit
// on, as PostgreSQL's default) or fn failed, leaving nothing behind.
func (db *DB) pgWrite(ctx context.Context, fn func(*sql.Tx) error) error {
	delay := time.Millisecond
	for attempt := 0; ; attempt++ {
		err := db.pgTry(ctx, fn)
		if err == nil || !retryable(err) {
			return translate(err)
		}
		if attempt == pgRetries {
			// Still contended: the request may be sent again later.
			return &models.Error{Code: models.EUnavailable, Message: unavailableMessage, Err: err}
		}
		// Full jitter, so that writers that collided do not collide again.
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(delay)) + 1)):
		case <-ctx.Done():
			return ctx.Err()
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

func (db *DB) pgTry(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	if err := runSafely(fn, tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// retryable reports whether PostgreSQL refused a transaction that may
// succeed when run again: a serialisation failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// pgCode is the SQLSTATE of a PostgreSQL error ("" for another error).
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgUnavailable reports errors of a database that cannot take the work now
// (no connection, out of disk, shutting down, restarting): PostgreSQL's
// classes 08, 53 and 57P, and the connection's own failures.
func pgUnavailable(err error) bool {
	c := pgCode(err)
	if strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") || strings.HasPrefix(c, "57P") ||
		c == "57014" || c == "55P03" || c == "25006" || c == "40001" || c == "40P01" {
		return true // also: a statement or lock timed out, a server turned read-only (fail-over), contention left over
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the request's own end, not the database's
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err) || (c == "" && pgconn.SafeToRetry(err))
}

// ---- ? placeholders numbered for PostgreSQL ----

// Rebind numbers the ? placeholders of a query for PostgreSQL ($1, $2, …)
// as SQLite numbers them: a bare ? takes the number after the largest so
// far, ?N is $N. It leaves alone what is inside string literals ('…',
// E'…' with its backslash escapes), quoted names ("…"), dollar-quoted
// bodies ($$…$$, $tag$…$tag$) and comments (-- … and /* … */).
func Rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			backslash := c == '\'' && i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i < 2 || !isIdent(q[i-2]))
			j := i + 1
			for j < len(q) {
				if backslash && q[j] == '\\' {
					j += 2
					continue
				}
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled: still inside
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j, len(q)-1)
			b.WriteString(q[i : j+1])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i - 1
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
		case c == '$' && (i == 0 || !isIdent(q[i-1])):
			// A dollar quote: $tag$ … $tag$, the tag not starting with a digit.
			k := i + 1
			for k < len(q) && isIdent(q[k]) && !(k == i+1 && q[k] >= '0' && q[k] <= '9') {
				k++
			}
			if k < len(q) && q[k] == '$' {
				tag := q[i : k+1]
				end := strings.Index(q[k+1:], tag)
				stop := len(q)
				if end >= 0 {
					stop = k + 1 + end + len(tag)
				}
				b.WriteString(q[i:stop])
				i = stop - 1
			} else {
				b.WriteByte(c)
			}
		case c == '?':
			k := i + 1
			for k < len(q) && q[k] >= '0' && q[k] <= '9' {
				k++
			}
			if k > i+1 {
				v, _ := strconv.Atoi(q[i+1 : k])
				n = max(n, v)
				b.WriteString("$" + q[i+1:k])
				i = k - 1
			} else {
				n++
				fmt.Fprintf(&b, "$%d", n)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isIdent reports whether c may be part of an SQL name.
func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// rebindConnector makes pgx's connections with Rebind applied to every
// query text (no driver is registered: OpenPostgres opens its pool with it).
type rebindConnector struct{ c driver.Connector }

func (r rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := r.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return rebindConn{c}, nil
}

func (r rebindConnector) Driver() driver.Driver { return r.c.Driver() }

// rebindConn forwards to pgx's connection, numbering placeholders; it
// offers the interfaces database/sql looks for that pgx's connection has.
type rebindConn struct{ c driver.Conn }

func (r rebindConn) Prepare(q string) (driver.Stmt, error) { return r.c.Prepare(Rebind(q)) }
func (r rebindConn) Close() error                          { return r.c.Close() }

//lint:ignore SA1019 database/sql's driver.Conn still requires Begin.
func (r rebindConn) Begin() (driver.Tx, error) { return r.c.Begin() } //nolint:staticcheck

func (r rebindConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return r.c.(driver.ConnPrepareContext).PrepareContext(ctx, Rebind(q))
}

func (r rebindConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return r.c.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (r rebindConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return r.c.(driver.ExecerContext).ExecContext(ctx, Rebind(q), args)
}

func (r rebindConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return r.c.(driver.QueryerContext).QueryContext(ctx, Rebind(q), args)
}

// The optional interfaces: where pgx's connection lacks one, what
// database/sql does without it.

func (r rebindConn) Ping(ctx context.Context) error {
	if p, ok := r.c.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (r rebindConn) ResetSession(ctx context.Context) error {
	if s, ok := r.c.(driver.SessionResetter); ok {
		return s.ResetSession(ctx)
	}
	return nil
}

func (r rebindConn) IsValid() bool {
	if v, ok := r.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (r rebindConn) CheckNamedValue(v *driver.NamedValue) error {
	if c, ok := r.c.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

// pgUnique reports a unique violation on PostgreSQL.
func pgUnique(err error) bool { return pgCode(err) == "23505" }

// pgFK reports a foreign key violation on PostgreSQL.
func pgFK(err error) bool { return pgCode(err) == "23503" }

// pgTranslate is translate for PostgreSQL's errors.
func pgTranslate(err error) error {
	if pgUnavailable(err) {
		return &models.Error{Code: models.EUnavailable, Message: unavailableMessage, Err: err}
	}
	return err
}
