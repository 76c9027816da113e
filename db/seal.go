package db

// Deputies' ID numbers and phones are stored sealed (AES-256-GCM) under a
// key of the data directory (DIR/keys/deputies.key, made at the first start)
// or of --key-file: the database file, its WAL and its backups alone do not
// give them away. Each value is bound to its deputy and field (the GCM
// additional data), so that a sealed value moved to another row or column
// does not open. Whoever holds the key and the database reads them: keep the
// key apart from the backups (docs/security.md).

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sealPrefix marks a sealed value (and its scheme, for a later change).
const sealPrefix = "gcm1:"

// KeyFileName is the key's file under DIR/keys.
const KeyFileName = "deputies.key"

// sealer seals and opens the deputies' contact details.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the key must be 32 bytes (AES-256), it is %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: a}, nil
}

// errNoKey answers a use of the deputies' contact details in a database
// opened without their key (OpenPointWithoutKey).
var errNoKey = errors.New("opened without the key of the deputies' contact details")

// seal returns the sealed form of v for the deputy's field ("" stays "").
func (s *sealer) seal(deputy, field, v string) string {
	if v == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce) // never fails: crypto/rand ends the program rather than return an error
	out := s.aead.Seal(nonce, nonce, []byte(v), []byte(deputy+"\x00"+field))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// open returns the value of a sealed one; one that is not sealed (stored
// before sealing existed, sealed at the next start) is returned as it is.
func (s *sealer) open(deputy, field, v string) (string, error) {
	if !strings.HasPrefix(v, sealPrefix) {
		return v, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(v[len(sealPrefix):])
	n := s.aead.NonceSize()
	if err != nil || len(b) < n {
		return "", fmt.Errorf("deputy %s: %s is not a sealed value", deputy, field)
	}
	p, err := s.aead.Open(nil, b[:n], b[n:], []byte(deputy+"\x00"+field))
	if err != nil {
		return "", fmt.Errorf("deputy %s: %s does not open with this key (another data directory's key, or changed): %w", deputy, field, err)
	}
	return string(p), nil
}

// readKey reads a key file: 32 bytes as base64 (as made here) or raw.
func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		warnOpenMode(path, "key file")
	}
	if len(b) == 32 {
		return b, nil
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("密钥文件 %s 应为 32 字节（或其 base64） / the key file %s must hold 32 bytes (or their base64)", path, path)
	}
	return k, nil
}

// makeKey creates DIR/keys/deputies.key (0600, in a 0700 directory) unless
// it exists; processes starting at once end up with the same key (the
// first link wins, the others read it).
func makeKey(dir string) (string, error) {
	kd := filepath.Join(dir, "keys")
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return "", fmt.Errorf("密钥目录无法创建 / cannot create %s: %w", kd, err)
	}
	path := filepath.Join(kd, KeyFileName)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	f, err := os.CreateTemp(kd, ".key-*")
	if err != nil {
		return "", fmt.Errorf("cannot create the key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	k := make([]byte, 32)
	rand.Read(k)
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
		return "", fmt.Errorf("cannot write the key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("cannot create the key %s: %w", path, err)
	}
	return path, nil
}

// useKey loads the key of a point's database: keyFile when given (it must
// exist), else DIR/keys/deputies.key, made when missing unless sealed values
// are already stored (then a missing key is an error: a new one would not
// open them). Values stored before sealing are sealed now.
func (db *DB) useKey(ctx context.Context, dir, keyFile string) error {
	if keyFile == "" {
		var sealed int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM deputies WHERE phone LIKE 'gcm1:%' OR id_number LIKE 'gcm1:%'`).Scan(&sealed); err != nil {
			return Wrap("sealed deputies", err)
		}
		keyFile = filepath.Join(dir, "keys", KeyFileName)
		if _, err := os.Stat(keyFile); errors.Is(err, fs.ErrNotExist) && sealed == 0 {
			if keyFile, err = makeKey(dir); err != nil {
				return err
			}
		}
	}
	k, err := readKey(keyFile)
	if err != nil {
		return fmt.Errorf("代表联系方式的密钥无法读取 / cannot read the key of the deputies' contact details %s: %w", keyFile, err)
	}
	if db.seal, err = newSealer(k); err != nil {
		return err
	}
	return db.sealPlain(ctx)
}

// sealPlain seals the contact details stored in clear (before sealing),
// and checks that the key opens the stored ones (one sealed value tried).
func (db *DB) sealPlain(ctx context.Context) error {
	return Wrap("seal deputies' contact details", db.Write(ctx, func(tx *sql.Tx) error {
		var id, phone, idn string
		err := tx.QueryRow(`SELECT id, phone, id_number FROM deputies WHERE phone LIKE 'gcm1:%' OR id_number LIKE 'gcm1:%' LIMIT 1`).Scan(&id, &phone, &idn)
		if err == nil {
			if _, err := db.seal.open(id, "phone", phone); err != nil {
				return err
			}
			if _, err := db.seal.open(id, "id_number", idn); err != nil {
				return err
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.Query(`SELECT id, phone, id_number FROM deputies WHERE (phone<>'' AND phone NOT LIKE 'gcm1:%') OR (id_number<>'' AND id_number NOT LIKE 'gcm1:%')`)
		if err != nil {
			return err
		}
		type plain struct{ id, phone, idn string }
		var ps []plain
		for rows.Next() {
			var p plain
			if err := rows.Scan(&p.id, &p.phone, &p.idn); err != nil {
				rows.Close()
				return err
			}
			ps = append(ps, p)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, p := range ps {
			ph, in := p.phone, p.idn
			if !strings.HasPrefix(ph, sealPrefix) {
				ph = db.seal.seal(p.id, "phone", ph)
			}
			if !strings.HasPrefix(in, sealPrefix) {
				in = db.seal.seal(p.id, "id_number", in)
			}
			if _, err := tx.Exec(`UPDATE deputies SET phone=?, id_number=? WHERE id=?`, ph, in, p.id); err != nil {
				return err
			}
		}
		return nil
	}))
}
