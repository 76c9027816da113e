package syncer

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A 2xx that is not the hub's acknowledgement of this batch (a proxy's or a
// wrong --hub's answer such as {} or {"status":"ok"}) must not empty the
// outbox: contract.md, "A point removes an outbox entry only after the
// hub's 2xx" for that batch, {"batch_id": "...", "duplicate": ...}.
func TestAckMustNameTheBatch(t *testing.T) {
	d, _, _ := setup(t)
	respond(t, d, "建议")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	sy := New(d, Config{Hub: srv.URL, Secret: secret, PointID: "hongta", Interval: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := sy.RunOnce(context.Background()); err == nil {
		t.Error("an answer without batch_id was taken as success")
	}
	n, _, err := d.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the outbox was emptied by an answer that acknowledges nothing")
	}
}
