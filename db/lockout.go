package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"budgetpoint/models"
)

// Lockout is what failed sign-ins cost (contract: "Accounts, sessions and
// the audit log"). A zero field takes DefaultLockout's.
type Lockout struct {
	// After failed sign-ins in a row lock a name (known or not) ...
	After int
	// ... for this long.
	For time.Duration
	// AddrFailures failed sign-ins from one client address within
	// AddrWindow, whatever the names, refuse its sign-ins (rate_limited)
	// until the oldest of them is older than AddrWindow.
	AddrFailures int
	AddrWindow   time.Duration
}

// DefaultLockout: five failures in a row lock a name for 30 minutes; 20
// failures from one address in 10 minutes stop that address.
var DefaultLockout = Lockout{After: 5, For: 30 * time.Minute, AddrFailures: 20, AddrWindow: 10 * time.Minute}

// failureMemory is how long failures in a row are remembered after the
// latest: a name's count starts again after a day without failures.
const failureMemory = 24 * time.Hour

func (l Lockout) orDefaults() Lockout {
	d := DefaultLockout
	if l.After > 0 {
		d.After = l.After
	}
	if l.For > 0 {
		d.For = l.For
	}
	if l.AddrFailures > 0 {
		d.AddrFailures = l.AddrFailures
	}
	if l.AddrWindow > 0 {
		d.AddrWindow = l.AddrWindow
	}
	return d
}

// errLocked answers a sign-in while its name is locked, saying until when
// (China Standard Time, rounded up to the minute).
func errLocked(until time.Time) error {
	at := until.In(CST).Add(time.Minute - time.Nanosecond).Truncate(time.Minute).Format("2006-01-02 15:04")
	return models.Errorf(models.ELocked, "登录失败次数过多，此账号已锁定至 %s（北京时间）；请到时再试，或请管理员解锁 / too many failed sign-ins: this login is locked until %s (China Standard Time); try again then, or ask an administrator to unlock it", at, at)
}

// SignIn checks a name and password as Authenticate does, under the
// lockout l, counting in the database (so across restarts and processes):
//   - an address with l.AddrFailures failed sign-ins within l.AddrWindow is
//     refused (rate_limited) before anything else;
//   - while the name is locked, the answer is locked, whatever the password
//     (it is not even compared);
//   - a failure counts for the address and for the name, whether or not a
//     login has that name, so that an unknown name is answered as a known
//     one; the l.After-th failure in a row locks the name for l.For and is
//     answered locked;
//   - a success forgets the name's failures.
func (db *DB) SignIn(ctx context.Context, name, password, addr string, l Lockout) (models.User, error) {
	l = l.orDefaults()
	now := db.Now()
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM login_addr_failures WHERE addr=? AND at>?`, addr, ts(now.Add(-l.AddrWindow))).Scan(&n); err != nil {
		return models.User{}, Wrap("failed sign-ins from "+addr, err)
	}
	if n >= l.AddrFailures {
		m := int((l.AddrWindow + time.Minute - 1) / time.Minute)
		return models.User{}, models.Errorf(models.ERateLimited, "此地址登录失败次数过多，请 %d 分钟后再试 / too many failed sign-ins from this address: try again in %d minutes", m, m)
	}
	var locked sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE name=?`, name).Scan(&locked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return models.User{}, Wrap("failed sign-ins of "+name, err)
	}
	counted := err == nil
	if locked.Valid {
		if until := parseTS(locked.String); now.Before(until) {
			return models.User{}, errLocked(until)
		}
	}
	u, err := db.Authenticate(ctx, name, password)
	if err == nil {
		if counted {
			if err := db.forgetFailures(ctx, name); err != nil {
				return models.User{}, err
			}
		}
		return u, nil
	}
	if models.ErrorCode(err) != models.EUnauth || u.Disabled {
		return u, err // a disabled login with its right password is no failure to count
	}
	var until time.Time
	werr := db.Write(ctx, func(tx *sql.Tx) error {
		at := db.Now()
		if _, err := tx.Exec(`DELETE FROM login_addr_failures WHERE at<=?`, ts(at.Add(-l.AddrWindow))); err != nil {
			return fmt.Errorf("forget old failures by address: %w", err)
		}
		if _, err := tx.Exec(`DELETE FROM login_failures WHERE last_at<=? AND (locked_until IS NULL OR locked_until<=?)`, ts(at.Add(-failureMemory)), ts(at)); err != nil {
			return fmt.Errorf("forget old failures by name: %w", err)
		}
		if _, err := tx.Exec(`INSERT INTO login_addr_failures(addr, at) VALUES(?,?)`, addr, ts(at)); err != nil {
			return fmt.Errorf("count the failure of %s: %w", addr, err)
		}
		var f int
		if err := tx.QueryRow(`INSERT INTO login_failures(name, failures, last_at) VALUES(?,1,?)
			ON CONFLICT(name) DO UPDATE SET failures=login_failures.failures+1, last_at=excluded.last_at RETURNING failures`, name, ts(at)).Scan(&f); err != nil {
			return fmt.Errorf("count the failure of %s: %w", name, err)
		}
		if f < l.After {
			return nil
		}
		until = at.Add(l.For)
		if _, err := tx.Exec(`UPDATE login_failures SET failures=0, locked_until=? WHERE name=?`, ts(until), name); err != nil {
			return fmt.Errorf("lock %s: %w", name, err)
		}
		return nil
	})
	if werr != nil {
		return u, Wrap("count a failed sign-in of "+name, werr)
	}
	if !until.IsZero() {
		return u, errLocked(until)
	}
	return u, err
}

// forgetFailures ends the count (and any lock) of a name.
func (db *DB) forgetFailures(ctx context.Context, name string) error {
	return Wrap("forget the failed sign-ins of "+name, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM login_failures WHERE name=?`, name)
		return err
	}))
}

// UnlockUser ends the lock of the login id and forgets its failed sign-ins;
// not_found when there is no such login.
func (db *DB) UnlockUser(ctx context.Context, id int64) (models.User, error) {
	var u models.User
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = userInTx(tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM login_failures WHERE name=?`, u.Name); err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "user.unlock", "user", u.Name, nil)
	})
	return u, Wrap(fmt.Sprintf("unlock user %d", id), err)
}

// LockedNames are the names locked now after failed sign-ins, with until when.
func (db *DB) LockedNames(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, locked_until FROM login_failures WHERE locked_until>?`, ts(db.Now()))
	if err != nil {
		return nil, Wrap("locked names", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var n, u string
		if err := rows.Scan(&n, &u); err != nil {
			return nil, Wrap("locked names", err)
		}
		out[n] = parseTS(u)
	}
	return out, Wrap("locked names", rows.Err())
}
