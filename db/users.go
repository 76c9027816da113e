package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"budgetpoint/models"
)

// Token kinds.
const (
	TokenAPI     = "api"
	TokenSession = "session"
)

// SessionTTL is how long a login session lasts at most.
const SessionTTL = 12 * time.Hour

// DefaultTokenTTL is how long an API (bearer) token lasts unless told otherwise.
const DefaultTokenTTL = 365 * 24 * time.Hour

// DefaultSessionIdle is how long a session lasts without use, unless
// DB.SessionIdle says otherwise.
const DefaultSessionIdle = 30 * time.Minute

// lastUsedEvery is how often a token's last use is written at most: the
// idle check goes by the stored time, which lags the real last use by less.
const lastUsedEvery = time.Minute

// BcryptCost is the cost of password hashes; tests may lower it.
var BcryptCost = 11

// RandomToken returns n random bytes as URL-safe text.
func RandomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand ends the program rather than return an error
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// passwordLetters are the characters of generated passwords: letters of
// both cases and digits that cannot be mistaken for one another when copied
// from a screen (no 0/O/o, 1/I/l/i).
const passwordLetters = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

// NewPassword is a random password for the login name, 14 characters of
// passwordLetters (about 80 bits), that passes models.CheckPassword: one
// that would not (too few classes, the name inside) is drawn again.
func NewPassword(name string) string {
	b := make([]byte, 14)
	max := big.NewInt(int64(len(passwordLetters)))
	for {
		for i := range b {
			k, err := rand.Int(rand.Reader, max)
			if err != nil {
				panic(err) // crypto/rand does not fail: it ends the program first
			}
			b[i] = passwordLetters[k.Int64()]
		}
		if models.CheckPassword(name, string(b)) == nil {
			return string(b)
		}
	}
}

// hashPassword checks a new password of the login name against the rule
// (models.CheckPassword) and hashes it.
func hashPassword(name, password string) (string, error) {
	if err := models.CheckPassword(name, password); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return "", models.Invalid("用户", map[string]string{"password": models.MsgPasswordTooLong})
	}
	return string(h), nil
}

// CreateUser adds a login. It returns conflict when the name is taken, and
// validation_failed naming password when the password breaks the rule.
func (db *DB) CreateUser(ctx context.Context, name, role, password, deputyID string) (models.User, error) {
	return db.CreateLogin(ctx, NewLogin{Name: name, Role: role, Password: password, DeputyID: deputyID})
}

// NewLogin is a login to add.
type NewLogin struct {
	Name, Role, Password, DeputyID string
	// UnitID: a unit login's unit (checked by the hub, which keeps units).
	UnitID string
	// MustChange: the password was generated or chosen by someone else and
	// must be changed at the first sign-in.
	MustChange bool
}

// CreateLogin adds a login as CreateUser does, with MustChange.
func (db *DB) CreateLogin(ctx context.Context, l NewLogin) (models.User, error) {
	if msg := models.LoginNameProblem(l.Name); msg != "" {
		return models.User{}, models.Invalid("用户", map[string]string{"name": msg})
	}
	h, err := hashPassword(l.Name, l.Password)
	if err != nil {
		return models.User{}, err
	}
	u := models.User{Name: l.Name, Role: l.Role, DeputyID: l.DeputyID, UnitID: l.UnitID, CreatedAt: db.Now().In(CST), MustChangePassword: l.MustChange}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		u.ID, err = insertUser(tx, u, h)
		if err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "user.create", "user", u.Name, map[string]any{"role": u.Role, "must_change_password": u.MustChangePassword})
	})
	return u, Wrap("create user "+u.Name, err)
}

// insertUser adds a login inside a write transaction.
func insertUser(tx *sql.Tx, u models.User, hash string) (int64, error) {
	var dep any
	if u.DeputyID != "" {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM deputies WHERE id=?`, u.DeputyID).Scan(&n); err != nil {
			return 0, fmt.Errorf("deputy %s: %w", u.DeputyID, err)
		}
		if n == 0 {
			return 0, models.Invalid("用户", map[string]string{"deputy_id": models.MsgNoSuchDeputy})
		}
		dep = u.DeputyID
	}
	if (u.Role == "unit") != (u.UnitID != "") {
		return 0, models.Invalid("用户", map[string]string{"unit_id": "承办单位的账号须指定承办单位，其他账号不能指定 / a unit login needs its unit, and only a unit login has one"})
	}
	var id int64
	err := tx.QueryRow(`INSERT INTO users(name, role, password_hash, deputy_id, created_at, must_change, unit_id) VALUES(?,?,?,?,?,?,?) RETURNING id`,
		u.Name, u.Role, hash, dep, ts(u.CreatedAt), u.MustChangePassword, u.UnitID).Scan(&id)
	if isUnique(err) {
		return 0, models.Errorf(models.EConflict, "用户名 %s 已存在（已删除的账号也保留其用户名） / user %s already exists (a deleted login keeps its name)", u.Name, u.Name)
	}
	if err != nil {
		return 0, fmt.Errorf("insert user: %w", err)
	}
	return id, nil
}

// EnsureUser creates a login unless one of that name exists, in one write
// transaction: processes setting up the same data at once make it once, and
// the others find it (created is false; an existing login is left as it is).
func (db *DB) EnsureUser(ctx context.Context, name, role, password, deputyID string) (created bool, err error) {
	return db.createUserIf(ctx, models.User{Name: name, Role: role, DeputyID: deputyID}, password, `SELECT count(*) FROM users WHERE name=?`, name)
}

// CreateAdminIfNone creates the login name as admin when there is no admin
// at all, in one write transaction: processes starting at once on new data
// make one admin between them (created says whether this call made it).
// The name taken by a login that is no admin is a conflict. The password is
// meant to be generated: it must be changed at the first sign-in.
func (db *DB) CreateAdminIfNone(ctx context.Context, name, password string) (created bool, err error) {
	return db.createUserIf(ctx, models.User{Name: name, Role: "admin", MustChangePassword: true}, password,
		`SELECT count(*) FROM users WHERE role='admin' AND deleted_at IS NULL`)
}

// createUserIf creates a login as CreateUser does, unless the query (a count)
// finds something inside the same write transaction.
func (db *DB) createUserIf(ctx context.Context, u models.User, password, exists string, args ...any) (created bool, err error) {
	if msg := models.LoginNameProblem(u.Name); msg != "" {
		return false, models.Invalid("用户", map[string]string{"name": msg})
	}
	h, err := hashPassword(u.Name, password)
	if err != nil {
		return false, err
	}
	u.CreatedAt = db.Now().In(CST)
	err = db.Write(ctx, func(tx *sql.Tx) error {
		created = false
		var n int
		if err := tx.QueryRow(exists, args...).Scan(&n); err != nil {
			return fmt.Errorf("existing: %w", err)
		}
		if n > 0 {
			return nil
		}
		if _, err := insertUser(tx, u, h); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, Wrap("create user "+u.Name+" unless one exists", err)
}

// CountUsers returns how many logins exist (deleted ones not counted).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE deleted_at IS NULL`).Scan(&n)
	return n, Wrap("count users", err)
}

// userCols are the columns of a login that scanUser reads, of users as u.
const userCols = `u.id, u.name, u.role, coalesce(u.deputy_id,''), u.created_at, u.must_change, u.disabled_at IS NOT NULL, u.unit_id`

type scanner interface{ Scan(dest ...any) error }

// scanUser reads userCols, then the extra columns into extra.
func scanUser(r scanner, extra ...any) (models.User, error) {
	var u models.User
	var c string
	err := r.Scan(append([]any{&u.ID, &u.Name, &u.Role, &u.DeputyID, &c, &u.MustChangePassword, &u.Disabled, &u.UnitID}, extra...)...)
	u.CreatedAt = parseTS(c)
	return u, err
}

// ListUsers lists the logins by name, disabled ones too, deleted ones not.
func (db *DB) ListUsers(ctx context.Context) ([]models.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.deleted_at IS NULL ORDER BY u.name`)
	if err != nil {
		return nil, Wrap("list users", err)
	}
	defer rows.Close()
	out := []models.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, Wrap("list users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap("list users", err)
	}
	return out, nil
}

// UserByName finds a login by name; a deleted one is not found.
func (db *DB) UserByName(ctx context.Context, name string) (models.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.name=? AND u.deleted_at IS NULL`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, models.NotFound("用户", "user")
	}
	return u, Wrap("user "+name, err)
}

// dummyHashes are hashes, one per bcrypt cost, that a sign-in with an
// unknown name is compared with: made at BcryptCost, as real hashes are, it
// costs as much as a wrong password for a known name, so the time of the
// answer does not tell whether a login has that name.
var dummyHashes sync.Map // int → []byte

func dummyHash() []byte {
	cost := BcryptCost
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("budgetpoint-dummy"), cost)
	if err != nil {
		panic(err) // a fixed short password: a bad BcryptCost, a build defect
	}
	dummyHashes.Store(cost, h)
	return h
}

// Authenticate checks a name and password. A deleted login is answered as
// an unknown name; a disabled one, only when the password is right, as
// disabled (401).
func (db *DB) Authenticate(ctx context.Context, name, password string) (models.User, error) {
	var h string
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+`, u.password_hash FROM users u WHERE u.name=? AND u.deleted_at IS NULL`, name), &h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return u, Wrap("authenticate "+name, err)
	}
	if err != nil {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password)) // only to take the time: it fails
		return models.User{}, models.Errorf(models.EUnauth, models.MsgWrongLogin)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte(password)) != nil {
		return models.User{}, models.Errorf(models.EUnauth, models.MsgWrongLogin)
	}
	if u.Disabled {
		return u, models.Errorf(models.EUnauth, MsgDisabled)
	}
	return u, nil
}

// MsgDisabled answers a disabled login.
const MsgDisabled = "此账号已停用，请联系管理员 / this login is disabled: ask an administrator"

// CreateToken issues a token for a user; only its hash is stored. A session
// token also gets a CSRF token for the pages and lasts SessionTTL at most;
// an API token lasts DefaultTokenTTL.
func (db *DB) CreateToken(ctx context.Context, userID int64, kind string) (token, csrf string, id int64, err error) {
	ttl := DefaultTokenTTL
	if kind == TokenSession {
		ttl = SessionTTL
	}
	return db.createToken(ctx, userID, kind, ttl)
}

// CreateAPIToken issues an API (bearer) token that expires after ttl,
// which must be positive.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, ttl time.Duration) (token string, id int64, err error) {
	if ttl <= 0 {
		return "", 0, models.Invalid("令牌", map[string]string{"expires": "有效期应为正数 / the lifetime must be positive"})
	}
	token, _, id, err = db.createToken(ctx, userID, TokenAPI, ttl)
	return token, id, err
}

func (db *DB) createToken(ctx context.Context, userID int64, kind string, ttl time.Duration) (token, csrf string, id int64, err error) {
	token = RandomToken(32)
	if kind == TokenSession {
		csrf = RandomToken(24)
	}
	now := db.Now()
	exp := ts(now.Add(ttl))
	err = db.Write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRow(`INSERT INTO tokens(user_id, hash, kind, csrf, created_at, expires_at) VALUES(?,?,?,?,?,?) RETURNING id`,
			userID, hashToken(token), kind, csrf, ts(now), exp).Scan(&id)
		if isFK(err) {
			return models.NotFound("用户", "user")
		}
		if err != nil {
			return err
		}
		if kind == TokenSession {
			// A session is a sign-in: audited as such, in its transaction.
			return db.auditChange(ctx, tx, "login", "user", models.ActorOf(ctx).User, map[string]any{"token": id})
		}
		return db.auditChange(ctx, tx, "token.create", "token", strconv.FormatInt(id, 10), map[string]any{"user_id": userID, "expires_at": exp})
	})
	return token, csrf, id, Wrap(fmt.Sprintf("create %s token for user %d", kind, userID), err)
}

// Session is who a token belongs to.
type Session struct {
	User    models.User
	TokenID int64
	Kind    string
	CSRF    string
}

// sessionCacheTTL is how long a token's owner is remembered without asking
// the database again. Revoking a token in this process forgets them at once.
const sessionCacheTTL = 2 * time.Second

type cachedSession struct {
	s       Session
	expires time.Time // when the token ends (its expiry, or for a session its idle end if sooner); zero for never
	until   time.Time // when to ask the database again
}

// sessionIdle is the idle timeout of sessions.
func (db *DB) sessionIdle() time.Duration {
	if db.SessionIdle > 0 {
		return db.SessionIdle
	}
	return DefaultSessionIdle
}

// UserByToken finds the live token's user; unknown, revoked or expired
// tokens are unauthenticated, and so is a session unused for longer than
// the idle timeout (DB.SessionIdle), by its stored last use. The last use is
// written through the writer at most once a minute per token.
func (db *DB) UserByToken(ctx context.Context, token string) (Session, error) {
	h := hashToken(token)
	now := db.Now()
	unauth := models.Errorf(models.EUnauth, "登录已失效，请重新登录 / not signed in or the session expired: sign in again")
	if v, ok := db.sessions.Load(string(h)); ok {
		cs := v.(cachedSession)
		if now.Before(cs.until) {
			if !cs.expires.IsZero() && !now.Before(cs.expires) {
				return Session{}, unauth
			}
			return cs.s, nil
		}
	}
	var s Session
	var exp, last sql.NullString
	var created string
	var err error
	s.User, err = scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+`, t.id, t.kind, t.csrf, t.created_at, t.expires_at, t.last_used_at
		FROM tokens t JOIN users u ON u.id=t.user_id
		WHERE t.hash=? AND t.revoked_at IS NULL AND u.disabled_at IS NULL AND u.deleted_at IS NULL`, h),
		&s.TokenID, &s.Kind, &s.CSRF, &created, &exp, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, unauth
	}
	if err != nil {
		return s, Wrap("user by token", err)
	}
	var ends time.Time
	if exp.Valid {
		ends = parseTS(exp.String)
	}
	used := parseTS(created)
	if last.Valid {
		used = parseTS(last.String)
	}
	if s.Kind == TokenSession {
		if idle := used.Add(db.sessionIdle()); ends.IsZero() || idle.Before(ends) {
			ends = idle
		}
	}
	if !ends.IsZero() && !now.Before(ends) {
		return Session{}, unauth
	}
	// The stored last use lags the real one by less than every: at most
	// half the idle timeout, so that a session used within it never ends.
	every := min(lastUsedEvery, db.sessionIdle()/2)
	if now.Sub(used) >= every {
		err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`UPDATE tokens SET last_used_at=? WHERE id=? AND (last_used_at IS NULL OR last_used_at<?)`, ts(now), s.TokenID, ts(now))
			return err
		})
		if err != nil {
			return Session{}, Wrap("user by token: last use", err)
		}
		if s.Kind == TokenSession {
			if idle := now.Add(db.sessionIdle()); exp.Valid && parseTS(exp.String).Before(idle) {
				ends = parseTS(exp.String)
			} else {
				ends = idle
			}
		}
	}
	db.sessions.Store(string(h), cachedSession{s: s, expires: ends, until: now.Add(sessionCacheTTL)})
	return s, nil
}

// TokenInfo describes a token, without its secret.
type TokenInfo struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Revoked    bool       `json:"revoked"`
}

// ListTokens lists a login's tokens by id, at most limit after the id after
// (0: from the first); more says whether others follow.
func (db *DB) ListTokens(ctx context.Context, userID, after int64, limit int) (out []TokenInfo, more bool, err error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, kind, created_at, expires_at, last_used_at, revoked_at IS NOT NULL
		FROM tokens WHERE user_id=? AND id>? ORDER BY id LIMIT ?`, userID, after, limit+1)
	if err != nil {
		return nil, false, Wrap("list tokens", err)
	}
	defer rows.Close()
	out = []TokenInfo{}
	for rows.Next() {
		var t TokenInfo
		var c string
		var exp, last sql.NullString
		if err := rows.Scan(&t.ID, &t.Kind, &c, &exp, &last, &t.Revoked); err != nil {
			return nil, false, Wrap("list tokens", err)
		}
		t.CreatedAt, t.ExpiresAt, t.LastUsedAt = parseTS(c), parseTSPtr(exp), parseTSPtr(last)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, Wrap("list tokens", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// RevokeToken revokes a token by id; a user may revoke only their own unless admin.
func (db *DB) RevokeToken(ctx context.Context, id, byUser int64, admin bool) error {
	defer db.sessions.Clear() // after the commit: no cached owner outlives the revocation
	return Wrap(fmt.Sprintf("revoke token %d", id), db.Write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE tokens SET revoked_at=? WHERE id=? AND revoked_at IS NULL`
		args := []any{ts(db.Now()), id}
		if !admin {
			q += ` AND user_id=?`
			args = append(args, byUser)
		}
		var kind string
		switch err := tx.QueryRow(q+` RETURNING kind`, args...).Scan(&kind); {
		case errors.Is(err, sql.ErrNoRows):
			return models.NotFound("令牌", "token")
		case err != nil:
			return err
		}
		action := "token.revoke"
		if kind == TokenSession {
			action = "logout" // a session ends: its person signs out
		}
		return db.auditChange(ctx, tx, action, "token", strconv.FormatInt(id, 10), map[string]any{"kind": kind})
	}))
}
