package db_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestDeputiesSealed: phones and ID numbers are stored sealed under
// DIR/keys/deputies.key (0600 in a 0700 directory), come back whole from
// DeputyContact and masked from the list; a value moved to another row does
// not open; without its key, or with another, the database does not open;
// values stored in clear before are sealed at the next open; --key-file
// (OpenPoint) is used instead of the directory's key.
func TestDeputiesSealed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []models.Deputy{
		{ID: "d-a", Name: "李明", Level: "county", Phone: "13908771234", IDNumber: "530423197801012345"},
		{ID: "d-b", Name: "王芳", Level: "county", Phone: "13887712345", IDNumber: "530423198203154321"},
	} {
		if err := d.CreateDeputy(ctx, &x); err != nil {
			t.Fatal(err)
		}
	}
	key := filepath.Join(dir, "keys", db.KeyFileName)
	for path, want := range map[string]os.FileMode{key: 0o600, filepath.Dir(key): 0o700} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %o", path, st.Mode().Perm(), err, want)
		}
	}
	raw, err := sql.Open("sqlite3", db.DSN(d.Path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var phone, idn string
	if err := raw.QueryRow(`SELECT phone, id_number FROM deputies WHERE id='d-a'`).Scan(&phone, &idn); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phone, "gcm1:") || strings.Contains(phone+idn, "13908771234") || strings.Contains(phone+idn, "530423197801012345") {
		t.Fatalf("stored: %q %q", phone, idn)
	}
	whole, err := d.DeputyContact(ctx, "d-a")
	if err != nil || whole.Phone != "13908771234" || whole.IDNumber != "530423197801012345" {
		t.Fatalf("DeputyContact: %+v %v", whole, err)
	}
	list, err := d.Deputies(ctx, 10, "")
	if err != nil || list.Items[0].Phone != "139****1234" || list.Items[0].IDNumber != "5304**********2345" {
		t.Fatalf("list: %+v %v", list.Items, err)
	}
	// A sealed value moved to another deputy does not open there.
	if _, err := raw.Exec(`UPDATE deputies SET phone=? WHERE id='d-b'`, phone); err != nil {
		t.Fatal(err)
	}
	if _, err := d.DeputyContact(ctx, "d-b"); err == nil {
		t.Error("d-a's sealed phone opened as d-b's")
	}
	if _, err := raw.Exec(`DELETE FROM deputies WHERE id='d-b'`); err != nil {
		t.Fatal(err)
	}
	// A value stored in clear (as before sealing) is sealed at the next open.
	if _, err := raw.Exec(`INSERT INTO deputies(id, name, level, phone, id_number, created_at) VALUES('d-c','赵丽','county','13577701122','530428198811113366','2026-12-01T00:00:00.000000Z')`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d, err = db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.RawOf(t, d).QueryRow(`SELECT phone FROM deputies WHERE id='d-c'`).Scan(&phone); err != nil || !strings.HasPrefix(phone, "gcm1:") {
		t.Errorf("a clear phone after reopening: %q %v", phone, err)
	}
	if c, err := d.DeputyContact(ctx, "d-c"); err != nil || c.Phone != "13577701122" {
		t.Errorf("the sealed-at-open phone: %+v %v", c, err)
	}
	d.Close()

	// The key moved away: the database does not open (a new key would not
	// open the stored values), and says which file it needs.
	elsewhere := filepath.Join(t.TempDir(), "deputies.key")
	if err := os.Rename(key, elsewhere); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Open(dir); err == nil || !strings.Contains(err.Error(), db.KeyFileName) {
		t.Errorf("opened without its key: %v", err)
	}
	if _, err := os.Stat(key); err == nil {
		t.Error("a new key was made while sealed values are stored")
	}
	// Another directory's key does not open them.
	other := t.TempDir()
	o, err := db.Open(other)
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	if _, err := db.OpenPoint(dir, filepath.Join(other, "keys", db.KeyFileName)); err == nil {
		t.Error("opened with another directory's key")
	}
	// --key-file with the right key.
	d, err = db.OpenPoint(dir, elsewhere)
	if err != nil {
		t.Fatalf("with --key-file: %v", err)
	}
	defer d.Close()
	if c, err := d.DeputyContact(ctx, "d-a"); err != nil || c.IDNumber != "530423197801012345" {
		t.Errorf("with --key-file: %+v %v", c, err)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"13908771234": "139****1234", "": "", "123": "***"} {
		if got := models.Mask(in, 3, 4); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	if got := models.Mask("530421197912125511", 4, 4); got != "5304**********5511" {
		t.Errorf("ID number masked as %q", got)
	}
}
