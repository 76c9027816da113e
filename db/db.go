// Package db stores budgetpoint's data in SQLite: opening it correctly,
// embedded migrations, one file per entity, and a single writer that commits
// whatever requests are waiting in one durable transaction (group commit).
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"budgetpoint/models"
)

//go:embed migrations/accounts/*.sql migrations/point/*.sql migrations/postgres/accounts/*.sql
var migrations embed.FS

// Schema is one package's set of migrations: files NNNN_name.sql applied in
// order (all waiting ones in one transaction, see migrate), recorded under
// the schema's name.
type Schema struct {
	Name  string
	Files fs.FS // the .sql files at its root
	// Postgres are its migrations for PostgreSQL (nil: SQLite only).
	Postgres fs.FS
}

func subSchema(name, dir string) Schema {
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		panic(err) // embedded: a build defect
	}
	return Schema{Name: name, Files: sub}
}

// accountsSchema is in every database: settings, users and tokens.
var accountsSchema = func() Schema {
	s := subSchema("accounts", "migrations/accounts")
	s.Postgres = subSchema("accounts", "migrations/postgres/accounts").Files
	return s
}()

// pointSchema is a contact point's own tables.
var pointSchema = subSchema("point", "migrations/point")

// now is the clock: microseconds, as times are stored, so that what an answer
// shows right after a change equals what a later read shows.
func now() time.Time { return time.Now().Truncate(time.Microsecond) }

// FileName is the database file inside a data directory.
const FileName = "budgetpoint.db"

// MaxBatch bounds how many waiting write requests one transaction commits.
const MaxBatch = 512

// StmtCache is how many prepared statements each pooled connection keeps
// (go-sqlite3's _stmt_cache_size): preparing a statement costs more than
// running it, and the same few statements run for every request.
const StmtCache = 128

// DB is an open budgetpoint database: a single writer connection fed by a
// queue, and a pool of readers.
type DB struct {
	Path string
	// Now returns the current time; tests may fix it.
	Now func() time.Time
	// SessionIdle ends a session unused for this long (zero: DefaultSessionIdle).
	SessionIdle time.Duration

	w, r *sql.DB
	// pg: w and r are one pool of PostgreSQL connections (postgres.go);
	// there is no writer goroutine then.
	pg    bool
	reqs  chan *writeReq
	wg    sync.WaitGroup
	once  sync.Once
	close chan struct{}
	// closeErr is what Close answered (see shut).
	closeErr error
	// wholeBatches counts the batches commitWhole committed (for tests).
	wholeBatches int
	// withSavepoints is how many batches more go with savepoints straight
	// away, after one made only of responses had to run again.
	withSavepoints int
	// committed wakes the checkpointer after a commit (a buffer of one).
	committed chan struct{}
	// idleTruncate is the package's, taken at open.
	idleTruncate time.Duration
	// closing guards closed against requests still being sent.
	closing sync.RWMutex
	closed  bool
	// sessions caches token owners briefly (users.go).
	sessions sync.Map
	// latest holds each questionnaire's latest version as last seen, a hint
	// for checking a response outside the writer; the writer checks it
	// (responses.go).
	latest sync.Map // questionnaire id → int
	// seal seals deputies' contact details (seal.go); nil but at a point.
	seal *sealer
	// lock is the data directory's lock file, held shared while open (lock.go).
	lock *os.File

	// Only the writer goroutine uses these (countbatch.go).
	staged  *countStage // the running request's counter changes, when they wait for the commit
	stage   countStage
	pending countBatch // the batch's counter changes so far
	// subjInMemory is the temp_store the writer's last batch began under:
	// 1 in memory, 0 SQLite's default, -1 not known (subjournal, below).
	subjInMemory int
	// savepoints are the writer's prepared SAVEPOINT, ROLLBACK TO and
	// RELEASE of each request (spSQL), prepared at the first batch.
	savepoints [3]*sql.Stmt
	// latestSeen holds the latest versions read in the batch's transaction
	// (responses.go); cleared at its start and before any request other
	// than a response's.
	latestSeen map[string]int
	// tail is the audit log's last entry as the batch's transaction left it
	// (audit.go); unknown (tx nil) at the start of a batch and after a
	// request's savepoint is rolled back.
	tail auditTail
}

type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
	// countLater lets fn's counting wait until the end of the batch (countbatch.go).
	countLater bool
}

// synchronous is SQLite's synchronous setting, FULL. Only the control run of
// the power-loss drill (powercut_test.go) changes it, in a binary of its own
// built with -ldflags "-X budgetpoint/db.synchronous=NORMAL", to show that
// the drill catches what NORMAL loses; no flag or setting reaches it.
var synchronous = "FULL"

// DSN returns the connection string used for every pooled connection, so each
// gets WAL, FULL synchronous commits, foreign keys and a busy timeout.
func DSN(path string, extra string) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", synchronous)
	v.Set("_foreign_keys", "on")
	v.Set("_busy_timeout", "10000")
	s := "file:" + path + "?" + v.Encode()
	if extra != "" {
		s += "&" + extra
	}
	return s
}

// Open opens (creating if needed) a contact point's database in dir: the
// accounts tables and the point's own.
func Open(dir string) (*DB, error) { return OpenPoint(dir, "") }

// OpenPointWithoutKey opens a contact point's database without the key of
// the deputies' contact details (for the command line, which does not need
// them): reading or adding a deputy then fails, saying so.
func OpenPointWithoutKey(dir string) (*DB, error) { return open(dir, 0, accountsSchema, pointSchema) }

// OpenPoint opens a contact point's database as Open does, with the key of
// the deputies' contact details in keyFile (it must exist), or in
// DIR/keys/deputies.key when keyFile is "" (made at the first start).
func OpenPoint(dir, keyFile string) (*DB, error) {
	d, err := open(dir, 0, accountsSchema, pointSchema)
	if err != nil {
		return nil, err
	}
	if err := d.useKey(context.Background(), dir, keyFile); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// OpenWith opens (creating if needed) a database in dir with the accounts
// tables and another package's own schema (the hub's): that package reads
// and writes its tables through Read and Write; the point's methods of DB do
// not apply to such a database.
func OpenWith(dir string, own Schema) (*DB, error) { return open(dir, 0, accountsSchema, own) }

// OpenAccounts opens (creating if needed) a database in dir with only the
// accounts tables: what the CLI needs in a data directory whose server has
// not started yet, so that the first server to start (a point's or the
// hub's) adds its own schema.
func OpenAccounts(dir string) (*DB, error) { return open(dir, accountsOnly, accountsSchema) }

// openMode says how open treats schemas it was not asked for.
type openMode int

// accountsOnly: other schemas in the database are fine (the CLI, which
// touches only the accounts tables, racing a server's first start).
const accountsOnly openMode = 1

// DirMode and FileMode are the modes of what budgetpoint creates in a data
// directory: the directory, and the database (SQLite gives its -wal and -shm
// the main file's mode) and backups. Nobody but the server's user reads them.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// dataDir creates dir with DirMode (missing parents too). A directory that
// exists keeps its mode, which an administrator may have meant (a group
// for the backups), but a warning says when its group or others may enter it.
func dataDir(dir string) error {
	_, before := os.Stat(dir)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf(models.MsgCannotCreateDir, dir, err)
	}
	if errors.Is(before, fs.ErrNotExist) {
		// MkdirAll's mode passes through the umask: set it exactly.
		if err := os.Chmod(dir, DirMode); err != nil {
			return fmt.Errorf(models.MsgCannotCreateDir, dir, err)
		}
		return nil
	}
	warnOpenMode(dir, "data directory")
	return nil
}

// warnOpenMode logs a warning when path's group or others have any access.
func warnOpenMode(path, what string) {
	st, err := os.Stat(path)
	if err != nil {
		return // the open that follows says what is wrong
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		slog.Warn(fmt.Sprintf("%s is open to its group or others (chmod %o %s unless that is meant)", what, perm&^0o077, path),
			"path", path, "mode", fmt.Sprintf("%04o", perm))
	}
}

// createFile makes a new, empty file at path with FileMode exactly (the
// umask aside), failing if it exists.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return err
	}
	err = f.Chmod(FileMode)
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// dbFile creates the database file with FileMode before SQLite opens it
// (SQLite would make it 0644, and its -wal and -shm after it), or warns when
// an existing one is open to its group or others.
func dbFile(path string) error {
	err := createFile(path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		warnOpenMode(path, "database file")
		return nil
	}
	return fmt.Errorf("数据库文件无法创建 / cannot create the database file %s: %w", path, err)
}

func open(dir string, mode openMode, schemas ...Schema) (*DB, error) {
	if err := dataDir(dir); err != nil {
		return nil, err
	}
	// A probe file of its own, so that processes opening the directory at
	// once do not remove each other's.
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return nil, fmt.Errorf("数据目录不可写 / data directory %s is not writable: %w", dir, err)
	}
	probe := f.Name()
	if err := f.Close(); err != nil {
		slog.Warn("write test file", "path", probe, "err", err)
	}
	if err := os.Remove(probe); err != nil {
		slog.Warn("write test file left in the data directory", "path", probe, "err", err)
	}
	lock, err := lockDir(dir, false)
	if err != nil {
		return nil, err
	}
	db, err := openLocked(dir, mode, schemas...)
	if err != nil {
		unlockDir(lock, false)
		return nil, err
	}
	db.lock = lock
	return db, nil
}

// openLocked is open once the directory's lock is held.
func openLocked(dir string, mode openMode, schemas ...Schema) (*DB, error) {
	path := filepath.Join(dir, FileName)
	if err := dbFile(path); err != nil {
		return nil, err
	}
	w := sql.OpenDB(writerConnector{DSN(path, "_txlock=immediate&_stmt_cache_size="+strconv.Itoa(StmtCache))})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite3", DSN(path, "_query_only=1&_stmt_cache_size="+strconv.Itoa(StmtCache)))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	db := &DB{Path: path, Now: now, w: w, r: r, reqs: make(chan *writeReq, 1024), close: make(chan struct{}), committed: make(chan struct{}, 1), idleTruncate: idleTruncate, subjInMemory: -1}
	if err := connect(w); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("数据库无法打开 / cannot open %s: %w", path, err)
	}
	if err := migrate(w, mode == accountsOnly, schemas...); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("数据库迁移失败 / migrating %s: %w", path, err)
	}
	if err := ensureInstance(w); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("数据库无法打开 / cannot open %s: %w", path, err)
	}
	ckpt, err := sql.Open("sqlite3", DSN(path, ""))
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("数据库无法打开 / cannot open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	db.wg.Add(2)
	go db.writer()
	go db.checkpointer(ckpt)
	return db, nil
}

// writerConnector makes the writer's connections, each with the writer's
// wal_autocheckpoint set as it opens: a connection database/sql makes anew
// (after one went bad) has it too. No driver is registered for it.
type writerConnector struct{ dsn string }

var sqliteDriver = &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec("PRAGMA wal_autocheckpoint="+strconv.Itoa(writerCheckpoint), nil)
	return err
}}

func (w writerConnector) Connect(context.Context) (driver.Conn, error) {
	return sqliteDriver.Open(w.dsn)
}
func (w writerConnector) Driver() driver.Driver { return sqliteDriver }

// checkpointEvery is how often at most the checkpointer folds the WAL back
// into the database file while writes go on. Each fold copies the pages
// written since the last one and syncs the file, while the writer's own
// syncs wait behind it on the disk: folding every 100 ms made the p99 of
// responses at 64 clients 0.25–0.40× PocketBase's, every second 0.16–0.22×
// (docs/performance.md, "Issue 13, third session").
const checkpointEvery = time.Second

// writerCheckpoint is the WAL size, in pages (160 MB), at which the writer
// folds it back itself (SQLite's wal_autocheckpoint, 1000 by default). The
// WAL can start again from its beginning only after a checkpoint that
// leaves nothing behind, which under a steady load only the writer can
// make; by then the checkpointer has folded back all but the last second.
// Once the writes stop, the checkpointer empties the WAL (idleTruncate).
const writerCheckpoint = 40000

// idleTruncate is how long the checkpointer waits after the last commit
// (and the pause after its fold) before it empties the WAL, so that the
// WAL a burst of writes left, or a crash, does not keep its disk space
// until the server stops. Each database takes it at open (tests set it).
var idleTruncate = 10 * time.Second

// truncateWait bounds how long the checkpoint that empties the WAL waits
// for readers and the writer (its connection's busy timeout), while new
// writes wait for it. It runs only once a passive checkpoint has folded
// every frame back, so that the writer's lock is held for that wait and
// the truncation alone, not for copying pages; when it cannot finish, it
// is tried again after the next quiet spell.
const truncateWait = 100 * time.Millisecond

// checkpointer folds the WAL back into the database file (a passive
// checkpoint, on a connection of its own: it waits for nobody) after
// commits, at most every checkpointEvery. Without it SQLite does it inside
// the commit that takes the WAL past wal_autocheckpoint pages: copying the
// pages and two fsyncs, while the requests of that batch and of the
// batches queued behind it wait. Measured in docs/performance.md ("The
// checkpoint off the writer"): 15–20 % more responses a second. After
// idleTruncate without a commit it empties the WAL (truncateWait).
func (db *DB) checkpointer(c *sql.DB) {
	defer db.wg.Done()
	defer c.Close()
	ctx := context.Background()
	conn, err := c.Conn(ctx) // one connection, so that its busy timeout is the one set here
	if err == nil {
		_, err = conn.ExecContext(ctx, "PRAGMA busy_timeout="+strconv.Itoa(int(truncateWait/time.Millisecond)))
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		slog.Warn("checkpointer not started: the writer folds the WAL back alone", "path", db.Path, "err", err)
		<-db.close
		return
	}
	defer conn.Close()
	var warned time.Time
	// fold runs a checkpoint and says whether it folded back every frame
	// (SQLite answers a checkpoint it could not finish with busy=1, not an
	// error).
	fold := func(mode string) bool {
		var busy, log, folded int
		err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &log, &folded)
		if err != nil && !isBusy(err) && time.Since(warned) > time.Minute {
			// The writer's own checkpoint still bounds the WAL. Said once a
			// minute at most: a full disk fails every try.
			slog.Warn("checkpoint", "path", db.Path, "mode", mode, "err", err)
			warned = time.Now()
		}
		return err == nil && busy == 0 && log == folded
	}
	written := true // the WAL may not be empty (commits since it was emptied, or a crash before this open)
	for {
		var quiet <-chan time.Time
		if written {
			quiet = time.After(db.idleTruncate)
		}
		select {
		case <-db.close:
			return
		case <-quiet:
			// Only once nothing is left to copy (a reader may hold frames
			// back): the truncating checkpoint holds the writer's lock.
			written = !(fold("PASSIVE") && fold("TRUNCATE"))
		case <-db.committed:
			written = true
			fold("PASSIVE")
			select {
			case <-db.close:
				return
			case <-time.After(checkpointEvery):
			}
		}
	}
}

// connectWait bounds how long Open retries the first connection while other
// processes hold the new file's locks.
const connectWait = 30 * time.Second

// connectBusy, when a test sets it, is called each time connect finds the file locked.
var connectBusy func()

// connect makes the writer's first connection and checks it is in WAL mode.
// Switching a brand-new file to WAL (the DSN's _journal_mode, run as the
// connection opens) fails at once with SQLITE_BUSY, without waiting for the
// busy timeout, when another process is switching the same file at that
// moment; the switch is then tried again on a new connection.
func connect(w *sql.DB) error {
	deadline := time.Now().Add(connectWait)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		err := w.Ping()
		if err == nil {
			break
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		if connectBusy != nil {
			connectBusy()
		}
		time.Sleep(delay)
	}
	var mode string
	if err := w.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("数据库不是 WAL 模式 / the database is in journal mode %q, not WAL", mode)
	}
	return nil
}

// Close stops the writer after the requests already queued and closes the database.
func (db *DB) Close() error {
	db.once.Do(func() { db.closeErr = db.shut() })
	return db.closeErr
}

// shut is Close, run once: a second Close returns the first one's answer
// (it would otherwise fold the WAL back on closed connections and warn).
func (db *DB) shut() error {
	db.closing.Lock()
	db.closed = true
	close(db.close)
	db.closing.Unlock()
	db.wg.Wait()
	if db.pg {
		return db.w.Close() // one pool, no file
	}
	for _, st := range db.savepoints {
		if st != nil {
			st.Close()
		}
	}
	// Fold the WAL back so the file stands alone after a clean stop. If that
	// fails, the WAL stays beside the file and is folded back by the next
	// open: nothing is lost, but say so.
	if _, err := db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		slog.Warn("checkpoint on close", "path", db.Path, "err", err)
	}
	err := db.r.Close()
	if e := db.w.Close(); err == nil {
		err = e
	}
	unlockDir(db.lock, false)
	return err
}

// Read runs fn in a read-only transaction on the read pool: one consistent
// snapshot of the database. It is for the package that owns a schema given
// to OpenWith; package db's own reads use its pool directly.
func (db *DB) Read(ctx context.Context, fn func(*sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.pg {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot, as SQLite's
	}
	tx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return translate(fmt.Errorf("begin read: %w", err))
	}
	defer tx.Rollback() // read only: nothing to commit
	return translate(fn(tx))
}

// migrate applies each schema's migrations (files NNNN_what.sql at the
// root of its Files, in the order of NNNN) that schema_migrations does not
// record yet, and records each under the schema's name. It runs as one
// transaction on w, which must be the writer (its DSN has
// _txlock=immediate): BEGIN IMMEDIATE takes the write lock before
// schema_migrations is created or read, so processes opening the same new
// database at once apply each migration once between them, and one that
// waited finds them applied. A failing migration leaves nothing behind. A
// database that holds a schema not asked for (a hub's opened as a point's)
// is refused, unless others is set.
func migrate(w *sql.DB, others bool, schemas ...Schema) error {
	tx, err := w.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := applyMigrations(tx, others, schemas...); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// applyMigrations is migrate's work inside its transaction tx.
func applyMigrations(tx *sql.Tx, others bool, schemas ...Schema) error {
	type migration struct {
		schema, name string
		version      int
		files        fs.FS
	}
	var ms []migration
	for _, sc := range schemas {
		names, err := fs.Glob(sc.Files, "*.sql")
		if err != nil {
			return fmt.Errorf("%s migrations: %w", sc.Name, err)
		}
		var set []migration
		seen := map[int]string{}
		for _, base := range names {
			v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("迁移文件名应以编号开头 / bad migration name %s/%s: want NNNN_what.sql", sc.Name, base)
			}
			if other, dup := seen[v]; dup {
				return fmt.Errorf("迁移编号重复 / migrations %s/%s and %s/%s have the same number", sc.Name, other, sc.Name, base)
			}
			seen[v] = base
			set = append(set, migration{sc.Name, base, v, sc.Files})
		}
		sort.Slice(set, func(i, j int) bool { return set[i].version < set[j].version })
		ms = append(ms, set...)
	}
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (schema TEXT NOT NULL, version INTEGER NOT NULL,
		name TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (schema, version))`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	asked := map[string]bool{}
	for _, sc := range schemas {
		asked[sc.Name] = true
	}
	type key struct {
		schema  string
		version int
	}
	applied := map[key]bool{}
	rows, err := tx.Query(`SELECT schema, version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.schema, &k.version); err != nil {
			rows.Close()
			return fmt.Errorf("schema_migrations: %w", err)
		}
		if !asked[k.schema] && !others {
			rows.Close()
			return fmt.Errorf("此数据目录属于另一种安装（%s）/ this data directory belongs to another kind of installation (%s)", k.schema, k.schema)
		}
		applied[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	for _, m := range ms {
		if applied[key{m.schema, m.version}] {
			continue
		}
		body, err := fs.ReadFile(m.files, m.name)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", m.schema, m.name, err)
		}
		if _, err := tx.Exec(string(body)); err != nil {
			return fmt.Errorf("%s/%s: %w", m.schema, m.name, err)
		}
		if _, err := tx.Exec(`INSERT INTO schema_migrations VALUES (?,?,?,?)`, m.schema, m.version, m.name, ts(time.Now())); err != nil {
			return fmt.Errorf("%s/%s: %w", m.schema, m.name, err)
		}
	}
	return nil
}

func schemaNames(q interface {
	Query(string, ...any) (*sql.Rows, error)
}) ([]string, error) {
	rows, err := q.Query(`SELECT DISTINCT schema FROM schema_migrations ORDER BY schema`)
	if err != nil {
		return nil, fmt.Errorf("schema names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("schema names: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schema names: %w", err)
	}
	return out, nil
}

// StoredSchemas names the schemas of the database in dir ("accounts",
// "point" or "hub"…), none when there is no database yet: the CLI opens a
// hub's data directory as the hub's.
func StoredSchemas(dir string) ([]string, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	c, err := sql.Open("sqlite3", DSN(path, "_query_only=1"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name='schema_migrations'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("schemas of %s: %w", path, err)
	}
	if n == 0 {
		return nil, nil
	}
	names, err := schemaNames(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return names, nil
}

// Write runs fn in the writer's transaction and returns once that
// transaction is durably committed (or fn failed, leaving nothing behind).
// Requests that wait while a transaction commits are committed together in
// the next one; each runs inside its own savepoint, so a failing request
// does not spoil the others.
func (db *DB) Write(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.pg {
		return db.pgWrite(ctx, fn)
	}
	return db.write(ctx, false, fn)
}

// write is Write; with countLater, the counter changes fn makes through
// count are applied, added up with the batch's others, just before the
// commit. fn must then not read counters, topics.seq or the outbox's summaries.
func (db *DB) write(ctx context.Context, countLater bool, fn func(*sql.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1), countLater: countLater}
	// Holding the read lock while sending means Close cannot stop the writer
	// between our check and our send: every request sent is answered.
	db.closing.RLock()
	if db.closed {
		db.closing.RUnlock()
		return models.Errorf(models.EUnavailable, "服务正在关闭 / the server is shutting down")
	}
	select {
	case db.reqs <- r:
		db.closing.RUnlock()
	case <-ctx.Done():
		db.closing.RUnlock()
		return ctx.Err()
	}
	// Wait for the answer even if ctx ends: the request may already be in a
	// transaction, and the caller must not report failure for a commit.
	return translate(<-r.done)
}

func (db *DB) writer() {
	defer db.wg.Done()
	batch := make([]*writeReq, 0, MaxBatch)
	for {
		var first *writeReq
		select {
		case first = <-db.reqs:
		case <-db.close:
			// Finish what is queued, then stop.
			for {
				select {
				case r := <-db.reqs:
					db.commit(append(batch[:0], r))
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < MaxBatch {
			select {
			case r := <-db.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		db.commit(batch)
	}
}

func (db *DB) commit(batch []*writeReq) {
	if onlyResponses(batch) {
		switch {
		case db.withSavepoints > 0:
			db.withSavepoints--
		case db.commitWhole(batch):
			return
		default:
			// One of them failed, and it may fail again: the next batches
			// of responses go with savepoints at once, so that a client
			// sending the same refused response over and over cannot make
			// every batch run twice.
			db.withSavepoints = savepointsAfterFailure
		}
	}
	errs := make([]error, len(batch))
	db.prepareSavepoints()
	db.subjournal(batch)
	tx, err := db.w.Begin()
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin write: %w", err)
		}
		return
	}
	applied := 0
	var fatal error // fails the whole batch: nothing of it is committed
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if !r.countLater {
			clear(db.latestSeen) // it may publish a version
		}
		// A request that may read counters sees those of the requests before it.
		if !r.countLater && !db.pending.empty() {
			if fatal = db.flushCounts(tx, &db.pending); fatal != nil {
				break
			}
		}
		// A savepoint that cannot be made, rolled back to or released means
		// the transaction is no longer the batch's (SQLite ends it by itself
		// on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…): going on would run the
		// next requests in transactions of their own, committed by RELEASE
		// while their callers are told they failed. Fail the whole batch.
		if err := db.savepoint(tx, spBegin); err != nil {
			fatal = fmt.Errorf("savepoint: %w", err)
			break
		}
		if r.countLater {
			db.stage.reset()
			db.staged = &db.stage
		}
		errs[i] = runSafely(r.fn, tx)
		db.staged = nil
		if errs[i] != nil {
			db.tail = auditTail{}
			if err := db.savepoint(tx, spRollback); err != nil {
				slog.Error("rollback to savepoint", "err", err)
				fatal = fmt.Errorf("rollback to savepoint: %w", err)
				break
			}
		} else {
			applied++
			if r.countLater {
				db.pending.add(&db.stage)
			}
		}
		if err := db.savepoint(tx, spRelease); err != nil {
			fatal = fmt.Errorf("release savepoint: %w", err)
			break
		}
	}
	db.end(tx, batch, errs, applied, fatal)
}

// end ends a batch's transaction: the batch's counts applied and committed,
// or rolled back when a failure was fatal or nothing is to be kept; then
// every request is answered.
func (db *DB) end(tx *sql.Tx, batch []*writeReq, errs []error, applied int, fatal error) {
	if fatal == nil && applied > 0 && !db.pending.empty() {
		fatal = db.flushCounts(tx, &db.pending)
	}
	db.pending.reset()
	db.tail = auditTail{}
	clear(db.latestSeen)
	switch {
	case fatal != nil:
		tx.Rollback() // SQLite may have ended it already: the failure is fatal, reported below
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fatal
			}
		}
	case applied == 0:
		tx.Rollback() // nothing to keep; a connection left in a transaction fails the next Begin, reported then
	default:
		if err := tx.Commit(); err != nil {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = fmt.Errorf("commit: %w", err)
				}
			}
			break
		}
		select {
		case db.committed <- struct{}{}:
		default: // the checkpointer is awake already
		}
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// savepointsAfterFailure is how many batches of responses run with
// savepoints straight away after one had to run again because one failed.
const savepointsAfterFailure = 8

// onlyResponses: every request of the batch is a response's (countLater,
// see countbatch.go).
func onlyResponses(batch []*writeReq) bool {
	for _, r := range batch {
		if !r.countLater {
			return false
		}
	}
	return true
}

// commitWhole commits a batch made only of responses without a savepoint
// for each. They were checked before they came, so one rarely fails, and
// a savepoint costs each of them three statements and a copy of every page
// it changes. When one fails, nothing of the batch is kept and commitWhole
// answers false, having answered nobody: commit then runs the batch again,
// each request in its savepoint, so that the failing one fails alone. A
// batch of one is answered at once, since its savepoint would change
// nothing. A request's function may therefore run twice; a response's
// (SubmitResponse) keeps nothing of a run but what it returns.
func (db *DB) commitWhole(batch []*writeReq) bool {
	db.subjournal(batch)
	tx, err := db.w.Begin()
	if err != nil {
		return false // commit begins again, and answers if it fails again
	}
	errs := make([]error, len(batch))
	applied := 0
	for i, r := range batch {
		if errs[i] = r.ctx.Err(); errs[i] != nil {
			continue
		}
		db.stage.reset()
		db.staged = &db.stage
		errs[i] = runSafely(r.fn, tx)
		db.staged = nil
		if errs[i] != nil && len(batch) > 1 {
			tx.Rollback() // the whole batch again, below: any failure of this rollback is met there
			db.pending.reset()
			db.tail = auditTail{}
			clear(db.latestSeen)
			return false
		}
		if errs[i] == nil {
			applied++
			db.pending.add(&db.stage)
		}
	}
	db.wholeBatches++
	db.end(tx, batch, errs, applied, nil)
	return true
}

// The statements of a request's savepoint, run for every request of a
// batch: prepared once rather than parsed every time.
const (
	spBegin = iota
	spRollback
	spRelease
)

var spSQL = [3]string{"SAVEPOINT req", "ROLLBACK TO req", "RELEASE req"}

// subjournal chooses where the batch's savepoint journal goes, before its
// transaction begins (SQLite decides at BEGIN, from temp_store). Each
// request runs in a savepoint, and every page it changes for the first time
// in it is copied to that journal. By default SQLite keeps the journal in
// memory only up to 64 KiB and then moves it to a temporary file for the
// rest of the transaction, where each copy is two write calls: a response
// changes some 15 pages, so nearly every batch of responses went to the
// file, a third of the writer's time. A batch of responses only keeps it in
// memory (about 60 KiB a request, given back at its RELEASE); any other
// batch (an audit archive, a sync round, a restore may change many pages in
// one request) keeps SQLite's default.
func (db *DB) subjournal(batch []*writeReq) {
	mem := 0
	if onlyResponses(batch) {
		mem = 1
	}
	if mem == db.subjInMemory {
		return
	}
	q := "PRAGMA temp_store=DEFAULT"
	if mem == 1 {
		q = "PRAGMA temp_store=MEMORY"
	}
	db.subjInMemory = -1
	if _, err := db.w.Exec(q); err != nil {
		slog.Warn("temp_store", "err", err) // only slower
		return
	}
	db.subjInMemory = mem
}

// prepareSavepoints prepares them on the writer's connection, outside a
// transaction (the pool's one connection is the transaction's once it
// begins); the ones that cannot be are run unprepared.
func (db *DB) prepareSavepoints() {
	for i, q := range spSQL {
		if db.savepoints[i] == nil {
			db.savepoints[i], _ = db.w.Prepare(q)
		}
	}
}

func (db *DB) savepoint(tx *sql.Tx, which int) error {
	var err error
	if st := db.savepoints[which]; st != nil {
		_, err = tx.Stmt(st).Exec()
	} else {
		_, err = tx.Exec(spSQL[which])
	}
	return err
}

func runSafely(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("panic in write", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(tx)
}

// Backup writes a consistent copy of the database to out while it may be in use.
func Backup(dir, out string) error {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("找不到数据库 / no database in %s: %w", dir, err)
	}
	// The copy's file is made here, empty and with FileMode (VACUUM INTO
	// takes an empty file; it would make a new one 0644), and only if
	// nothing is there: an existing file is never overwritten.
	if err := createFile(out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("目标文件已存在 / %s already exists", out)
		}
		return fmt.Errorf("备份文件无法创建 / cannot create the backup file %s: %w", out, err)
	}
	c, err := sql.Open("sqlite3", DSN(path, ""))
	if err != nil {
		os.Remove(out)
		return fmt.Errorf("backup %s: open: %w", path, err)
	}
	defer c.Close()
	if _, err := c.Exec(`VACUUM INTO ?`, out); err != nil {
		os.Remove(out)
		return fmt.Errorf("backup %s to %s: %w", path, out, err)
	}
	if err := syncFile(out); err != nil {
		os.Remove(out)
		return fmt.Errorf("backup %s to %s: %w", path, out, err)
	}
	return nil
}

// BackupWhole is Backup that never shows half a copy under out: the copy is
// written under a hidden name beside out, then linked to out (which must not
// exist), and the directory synced. It returns the copy's size.
func BackupWhole(dir, out string) (int64, error) {
	tmp := filepath.Join(filepath.Dir(out), fmt.Sprintf(".%s.%d.tmp", filepath.Base(out), os.Getpid()))
	os.Remove(tmp) // left by a process of the same pid that was killed mid-copy
	if err := Backup(dir, tmp); err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	st, err := os.Stat(tmp)
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", out, err)
	}
	if err := os.Link(tmp, out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("目标文件已存在 / %s already exists", out)
		}
		return 0, fmt.Errorf("备份文件无法创建 / cannot create the backup file %s: %w", out, err)
	}
	if err := syncFile(filepath.Dir(out)); err != nil {
		return 0, fmt.Errorf("backup %s: %w", out, err)
	}
	return st.Size(), nil
}

// syncFile flushes a file (or a directory's entries) to the disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if e := f.Close(); err == nil {
		err = e
	}
	return err
}

const tsLayout = "2006-01-02T15:04:05.000000Z07:00"

// ts formats a time for storage: UTC, fixed width, so text order is time order.
func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

// CST is China Standard Time, in which times are shown.
var CST = time.FixedZone("CST", 8*3600)

func parseTS(s string) time.Time {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.In(CST)
}

func parseTSPtr(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseTS(s.String)
	return &t
}

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// EncodeCursor makes an opaque list cursor from a sort key.
func EncodeCursor(key string) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte(key))
	return &s
}

// DecodeCursor reads a cursor; a bad one is a bad request.
func DecodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", &models.Error{Code: models.EBadRequest, Message: models.MsgBadCursor, Fields: map[string]string{"after": models.MsgInvalid}}
	}
	return string(b), nil
}

// DecodeRowCursor reads a cursor that holds a row number ("" is the start);
// anything else is a bad request, not a silent restart at page one.
func DecodeRowCursor(c string) (int64, error) {
	k, err := DecodeCursor(c)
	if err != nil || k == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(k, 10, 64)
	if err != nil || n < 0 {
		return 0, &models.Error{Code: models.EBadRequest, Message: models.MsgBadCursor, Fields: map[string]string{"after": models.MsgInvalid}}
	}
	return n, nil
}

// Setting reads a setting, or def when it is not set. A failed read is an
// error (with def), not def: a caller that shows def must say so.
func (db *DB) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key=?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	if err != nil {
		return def, Wrap("setting "+key, err)
	}
	return v, nil
}

// SetSetting stores a setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return Wrap("set setting "+key, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO settings(key,value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, key, value)
		if err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "settings.update", "setting", key, map[string]any{"value": value})
	}))
}

// FormatTime is how every table of every schema stores a time: UTC, fixed
// width, microseconds (so stored times sort as text).
func FormatTime(t time.Time) string { return ts(t) }

// ParseTime reads a time stored by FormatTime.
func ParseTime(s string) time.Time { return parseTS(s) }
