package db

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"budgetpoint/models"
)

// TestAuditAnchorShowsRewrite: an intruder with the file changes an entry
// and computes every later hash again: the chain alone is whole again
// (VerifyAudit finds nothing, which is why anchors exist), but the newest
// entry's hash kept from before no longer matches (CheckAuditAnchors names
// it), and an untouched log matches its anchor.
func TestAuditAnchorShowsRewrite(t *testing.T) {
	ctx := models.WithActor(context.Background(), models.Actor{User: "admin", Role: "admin", Addr: "10.0.0.1"})
	dir := t.TempDir()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"user.create", "user.disable", "export", "user.enable"} {
		if err := d.Audit(ctx, a, "user", "clerk", models.AuditOK, nil); err != nil {
			t.Fatal(err)
		}
	}
	anchor, err := d.AuditHead(ctx)
	if err != nil || anchor.Seq != 4 {
		t.Fatalf("head %+v %v", anchor, err)
	}
	d.Close()
	if brk, err := CheckAuditAnchors(ctx, dir, []AuditAnchor{anchor}); err != nil || brk != nil {
		t.Fatalf("the untouched log against its anchor: %+v %v", brk, err)
	}

	w, err := sql.Open("sqlite3", DSN(dir+"/"+FileName, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`UPDATE audit_log SET actor_user='staff' WHERE seq=2`); err != nil {
		t.Fatal(err)
	}
	rows, err := w.Query(`SELECT ` + auditCols + ` FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var all []auditRow
	for rows.Next() {
		e, err := scanAuditRow(rows)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	rows.Close()
	prev := ""
	for _, e := range all {
		h := e.hash(prev)
		if _, err := w.Exec(`UPDATE audit_log SET hash=? WHERE seq=?`, h, e.Seq); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
	if _, brk, err := VerifyAudit(ctx, dir); err != nil || brk != nil {
		t.Fatalf("the rewritten chain: %+v %v (this test expects the chain alone not to show it)", brk, err)
	}
	brk, err := CheckAuditAnchors(ctx, dir, []AuditAnchor{anchor})
	if err != nil || brk == nil || brk.Seq != 4 {
		t.Fatalf("the rewritten log against the anchor kept before: %+v %v, want a break at entry 4", brk, err)
	}
	if brk, _ := CheckAuditAnchors(ctx, dir, []AuditAnchor{{Seq: 99, Hash: strings.Repeat("0", 64)}}); brk == nil {
		t.Error("an anchor past the newest entry matched")
	}
	for _, bad := range []string{"", "4", "4:abc", "x:" + anchor.Hash, "0:" + anchor.Hash} {
		if _, err := ParseAuditAnchor(bad); err == nil {
			t.Errorf("ParseAuditAnchor(%q) took it", bad)
		}
	}
	if a, err := ParseAuditAnchor(anchor.String()); err != nil || a != anchor {
		t.Errorf("ParseAuditAnchor(%q) = %+v %v", anchor.String(), a, err)
	}
}
