package db

// The life of a login after it is made: its person changes its password, an
// admin resets it (to be changed at the next sign-in), disables, enables or
// deletes it; a person ends all their sessions at once. Each is audited in
// its own transaction, and each that takes away access forgets the cached
// owners of tokens (db.sessions) after its commit, so that it holds at once.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"budgetpoint/models"
)

// userInTx reads the login id, not deleted, inside a transaction.
func userInTx(tx *sql.Tx, id int64) (models.User, error) {
	u, err := scanUser(tx.QueryRow(`SELECT `+userCols+` FROM users u WHERE u.id=? AND u.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, models.NotFound("用户", "user")
	}
	return u, err
}

// UserByID finds a login by id; a deleted one is not found.
func (db *DB) UserByID(ctx context.Context, id int64) (models.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id=? AND u.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, models.NotFound("用户", "user")
	}
	return u, Wrap(fmt.Sprintf("user %d", id), err)
}

// Messages of the account pages and API.
const (
	MsgWrongCurrent  = "当前密码不对 / the current password is wrong"
	MsgSamePassword  = "新密码不能与当前密码相同 / the new password must differ from the current one"
	MsgLastAdmin     = "这是最后一个可用的管理员账号，不能停用或删除 / this is the last administrator who can sign in: it cannot be disabled or deleted"
	MsgNotYourself   = "不能停用或删除自己的账号 / you cannot disable or delete your own login"
	MsgChangeFirst   = "请先修改密码：初始密码或重置的密码只能用来设置新密码 / change your password first: a generated or reset password serves only to set a new one"
	msgAccountHolder = "用户"
)

// ChangePassword sets the login's own new password after checking the
// current one as a sign-in would (SignIn under l, from the actor's address):
// a wrong one is 422 naming current and counts towards the lockout, so that
// a stolen session cannot try passwords without end; a locked name is 423.
// The new one must pass the rule and differ from the current one (422
// naming password). It ends every other session and token of the login,
// keeping keep (the request's own), and clears must_change. It returns how
// many sessions and tokens it ended.
func (db *DB) ChangePassword(ctx context.Context, userID int64, current, next string, keep int64, l Lockout) (ended int64, err error) {
	var name string
	if err := db.r.QueryRowContext(ctx, `SELECT name FROM users WHERE id=? AND deleted_at IS NULL AND disabled_at IS NULL`, userID).Scan(&name); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, models.NotFound(msgAccountHolder, "user")
		}
		return 0, Wrap("change password", err)
	}
	if _, err := db.SignIn(ctx, name, current, models.ActorOf(ctx).Addr, l); err != nil {
		if models.ErrorCode(err) == models.EUnauth {
			// The refusal is audited with the request (handlers.AuditRefused).
			return 0, models.Invalid(msgAccountHolder, map[string]string{"current": MsgWrongCurrent})
		}
		return 0, err
	}
	if current == next {
		return 0, models.Invalid(msgAccountHolder, map[string]string{"password": MsgSamePassword})
	}
	h, err := hashPassword(name, next)
	if err != nil {
		return 0, err
	}
	defer db.sessions.Clear()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		now := ts(db.Now())
		if _, err := tx.Exec(`UPDATE users SET password_hash=?, must_change=FALSE, password_changed_at=? WHERE id=?`, h, now, userID); err != nil {
			return err
		}
		res, err := tx.Exec(`UPDATE tokens SET revoked_at=? WHERE user_id=? AND id<>? AND revoked_at IS NULL`, now, userID, keep)
		if err != nil {
			return err
		}
		if ended, err = res.RowsAffected(); err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "user.password.change", "user", name, map[string]any{"ended": ended})
	})
	return ended, Wrap("change password of "+name, err)
}

// ResetPassword sets a new password for the login id, and every session
// and token of the login ends. With mustChange (an admin's reset, a
// generated password) it must be changed at the next sign-in.
func (db *DB) ResetPassword(ctx context.Context, id int64, password string, mustChange bool) (models.User, error) {
	var u models.User
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = userInTx(tx, id)
		return err
	})
	if err != nil {
		return u, Wrap(fmt.Sprintf("reset password of user %d", id), err)
	}
	h, err := hashPassword(u.Name, password)
	if err != nil {
		return u, err
	}
	defer db.sessions.Clear()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		now := ts(db.Now())
		res, err := tx.Exec(`UPDATE users SET password_hash=?, must_change=?, password_changed_at=? WHERE id=? AND deleted_at IS NULL`, h, mustChange, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, models.NotFound(msgAccountHolder, "user"))
		}
		ended, err := revokeAll(tx, id, now)
		if err != nil {
			return err
		}
		// A new password ends a lock too: the admin who forgot theirs, and
		// was locked out trying, gets back in with `user password`.
		if _, err := tx.Exec(`DELETE FROM login_failures WHERE name=?`, u.Name); err != nil {
			return err
		}
		u.MustChangePassword = mustChange
		return db.auditChange(ctx, tx, "user.password.reset", "user", u.Name, map[string]any{"ended": ended, "must_change_password": mustChange})
	})
	return u, Wrap(fmt.Sprintf("reset password of user %d", id), err)
}

// revokeAll ends every live session and token of a login.
func revokeAll(tx *sql.Tx, userID int64, now string) (int64, error) {
	res, err := tx.Exec(`UPDATE tokens SET revoked_at=? WHERE user_id=? AND revoked_at IS NULL`, now, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// revokeSessions ends every live session (not API token) of a login.
func revokeSessions(tx *sql.Tx, userID int64, now string) (int64, error) {
	res, err := tx.Exec(`UPDATE tokens SET revoked_at=? WHERE user_id=? AND kind=? AND revoked_at IS NULL`, now, userID, TokenSession)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// keepAnAdmin refuses to take away the login id when it is the last admin
// who can sign in, and refuses an admin's own login (by is who acts).
func keepAnAdmin(tx *sql.Tx, u models.User, by int64) error {
	if u.ID == by {
		return models.Errorf(models.EConflict, MsgNotYourself)
	}
	if u.Role != "admin" || u.Disabled {
		return nil
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE role='admin' AND id<>? AND disabled_at IS NULL AND deleted_at IS NULL`, u.ID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return models.Errorf(models.EConflict, MsgLastAdmin)
	}
	return nil
}

// SetDisabled disables or enables the login id (by is the admin who acts).
// A disabled login is refused everywhere at once: every session and token
// of it ends (a login disabled because its token was stolen gets no token
// back when enabled: it signs in again, and makes new ones). Neither one's
// own login nor the last admin can be disabled (conflict).
func (db *DB) SetDisabled(ctx context.Context, id, by int64, disabled bool) (models.User, error) {
	var u models.User
	var ended int64
	defer db.sessions.Clear()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = userInTx(tx, id); err != nil {
			return err
		}
		if u.Disabled == disabled {
			return nil // already so: nothing changes, nothing to audit
		}
		now := ts(db.Now())
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if err := keepAnAdmin(tx, u, by); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE users SET disabled_at=? WHERE id=?`, now, id); err != nil {
				return err
			}
			if ended, err = revokeAll(tx, id, now); err != nil {
				return err
			}
		} else if _, err := tx.Exec(`UPDATE users SET disabled_at=NULL WHERE id=?`, id); err != nil {
			return err
		}
		u.Disabled = disabled
		var detail map[string]any
		if disabled {
			detail = map[string]any{"ended": ended}
		}
		return db.auditChange(ctx, tx, action, "user", u.Name, detail)
	})
	return u, Wrap(fmt.Sprintf("disable user %d", id), err)
}

// DeleteUser deletes the login id (by is the admin who acts): it can no
// longer sign in and every token ends, but its row stays, so that what it
// did stays attributed to its name and the name is not given to another.
// Neither one's own login nor the last admin can be deleted (conflict).
func (db *DB) DeleteUser(ctx context.Context, id, by int64) (models.User, error) {
	var u models.User
	defer db.sessions.Clear()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = userInTx(tx, id); err != nil {
			return err
		}
		if err := keepAnAdmin(tx, u, by); err != nil {
			return err
		}
		now := ts(db.Now())
		if _, err := tx.Exec(`UPDATE users SET deleted_at=?, disabled_at=coalesce(disabled_at, ?), password_hash='' WHERE id=?`, now, now, id); err != nil {
			return err
		}
		ended, err := revokeAll(tx, id, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM login_failures WHERE name=?`, u.Name); err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "user.delete", "user", u.Name, map[string]any{"role": u.Role, "ended": ended})
	})
	return u, Wrap(fmt.Sprintf("delete user %d", id), err)
}

// EndSessions ends every session of the login ("sign out everywhere"), the
// one asking included; its API tokens stay (each is revoked on its own).
func (db *DB) EndSessions(ctx context.Context, userID int64) (ended int64, err error) {
	defer db.sessions.Clear()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if ended, err = revokeSessions(tx, userID, ts(db.Now())); err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "logout.everywhere", "user", models.ActorOf(ctx).User, map[string]any{"ended": ended})
	})
	return ended, Wrap(fmt.Sprintf("end the sessions of user %d", userID), err)
}
