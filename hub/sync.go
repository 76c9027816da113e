package hub

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"budgetpoint/forms"
	"budgetpoint/handlers"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// authenticate checks a sync request's point and timestamp window, then
// reads its body and checks the signature over it: all before anything is
// stored. On failure it answers 401, logs the point and the reason, and
// returns false. A body over the route's limit is 413.
func (a *API) authenticate(c *gin.Context) (*Point, []byte, bool) {
	id := c.GetHeader(syncproto.HeaderPointID)
	stamp := c.GetHeader(syncproto.HeaderTimestamp)
	reason := ""
	var body []byte
	p, ok := a.h.point(id)
	switch {
	case id == "":
		reason = "missing " + syncproto.HeaderPointID
	case !ok:
		reason = "unknown point"
	default:
		if err := syncproto.CheckTimestamp(stamp, a.h.Store.Now()); err != nil {
			reason = err.Error()
			break
		}
		// Only a known point within the window gets its body read.
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			// Over the route's limit: 413 (Fail sees the MaxBytesError through).
			a.s.Fail(c, fmt.Errorf("sync %s from point %s: read body: %w", c.Request.URL.Path, id, err))
			return nil, nil, false
		}
		body = b
		version, good := syncproto.Verify(p.Secret, c.Request, body)
		switch {
		case !good:
			reason = "bad signature"
		case version == 1 && !a.h.AcceptSignatureV1:
			reason = "signature version 1 (the hub takes version 2 only; --accept-signature-v1 takes both while points are upgraded)"
		case version == 1:
			// Taken, and recorded: who still signs the old way, from where.
			addr := handlers.ClientIP(c)
			ctx := models.WithActor(c.Request.Context(), models.Actor{User: id, Role: "point", Addr: addr})
			if err := a.s.DB.Audit(ctx, "sync.signature_v1", "point", id, models.AuditOK, map[string]any{"path": c.Request.URL.Path}); err != nil {
				a.s.Fail(c, fmt.Errorf("audit of a version 1 signature from point %s: %w", id, err))
				return nil, nil, false
			}
		}
	}
	if reason == "" {
		// Contact, whatever the request then brings.
		if err := a.h.Store.RecordContact(c.Request.Context(), p.ID, c.Request.Method == http.MethodGet); err != nil {
			a.s.Fail(c, err)
			return nil, nil, false
		}
		return p, body, true
	}
	a.h.Log.Warn("sync request refused", "point", id, "reason", reason, "method", c.Request.Method,
		"path", c.Request.URL.Path, "remote", c.Request.RemoteAddr)
	// A refused sync request is audited (who claimed to be which point, from
	// where, why): 5, then one a minute per address, the rest only logged
	// above, so that a stranger cannot fill the log by itself.
	if addr := handlers.ClientIP(c); a.s.AuditUnauthenticated(addr) {
		ctx := models.WithActor(c.Request.Context(), models.Actor{User: id, Role: "point", Addr: addr})
		if err := a.s.DB.Audit(ctx, "sync.refused", "point", id, models.AuditRefused, map[string]any{"reason": reason, "path": c.Request.URL.Path}); err != nil {
			a.h.Log.Error("audit of a refused sync request", "point", id, "err", err)
		}
	}
	a.s.Fail(c, models.Errorf(models.EUnauth, "同步请求未通过验证（联系点、时间戳或签名不对）/ sync request refused: unknown point, timestamp outside the window or bad signature"))
	return nil, nil, false
}

// PostBatch is POST /api/v1/sync/batches: a point's signed batch.
func (a *API) PostBatch(c *gin.Context) {
	p, body, ok := a.authenticate(c)
	if !ok {
		return
	}
	var b syncproto.Batch
	if err := forms.DecodeOnly(bytes.NewReader(body), &b); err != nil {
		a.s.Fail(c, err)
		return
	}
	if err := checkBatch(p.ID, &b); err != nil {
		a.h.Log.Warn("sync batch invalid", "point", p.ID, "batch", b.BatchID, "err", err)
		a.s.Fail(c, err)
		return
	}
	dup, err := a.h.Ingest(c.Request.Context(), p.ID, &b)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	if dup {
		a.h.Log.Info("sync batch replayed", "point", p.ID, "batch", b.BatchID)
	}
	c.JSON(http.StatusOK, syncproto.BatchAck{BatchID: b.BatchID, Duplicate: dup})
}

// checkBatch refuses a batch whose shape the hub cannot store.
func checkBatch(pointID string, b *syncproto.Batch) error {
	f := map[string]string{}
	if b.BatchID == "" || len(b.BatchID) > 64 {
		f["batch_id"] = "必填，最长 64 个字符 / required, at most 64 characters"
	}
	if b.PointID != pointID {
		f["point_id"] = models.MsgDiffersFromPointID
	}
	for i, s := range b.Summaries {
		if s.TopicID == "" || len(s.TopicID) > 64 {
			f["summaries["+strconv.Itoa(i)+"].topic_id"] = models.MsgRequired
		}
		if s.PointID != "" && s.PointID != pointID {
			f["summaries["+strconv.Itoa(i)+"].point_id"] = models.MsgDiffersFromPointID
		}
	}
	for i, a := range b.Activities {
		p := "activities[" + strconv.Itoa(i) + "]."
		if a.ID == "" || len(a.ID) > 64 {
			f[p+"id"] = models.MsgRequired
		}
		if a.TopicID == "" {
			f[p+"topic_id"] = models.MsgRequired
		}
		if !models.In(a.Kind, models.ActivityKinds) {
			f[p+"kind"] = "未知类别 / unknown kind"
		}
	}
	for i, o := range b.Opinions {
		p := "opinions[" + strconv.Itoa(i) + "]."
		if o.ID == "" || len(o.ID) > 64 {
			f[p+"id"] = models.MsgRequired
		}
		if o.TopicID == "" {
			f[p+"topic_id"] = models.MsgRequired
		}
		if !models.In(o.Source, models.OpinionSources) {
			f[p+"source"] = "未知来源 / unknown source"
		}
		if o.Status != "" && !models.In(o.Status, models.OpinionStatuses) {
			f[p+"status"] = "未知状态 / unknown status"
		}
	}
	if len(f) > 0 {
		return models.Invalid("请求", f)
	}
	return nil
}

// GetUpdates is GET /api/v1/sync/updates?since=: what the committee
// published or changed for the signing point since the cursor.
func (a *API) GetUpdates(c *gin.Context) {
	p, _, ok := a.authenticate(c)
	if !ok {
		return
	}
	var since int64
	if v := c.Query("since"); v != "" {
		var err error
		since, err = strconv.ParseInt(v, 10, 64)
		if err != nil || since < 0 {
			a.s.Fail(c, &models.Error{Code: models.EBadRequest, Message: "since 参数无效 / invalid since cursor",
				Fields: map[string]string{"since": "应为上次答复中的 next / must be the next of an earlier answer"}})
			return
		}
	}
	u, err := a.h.Updates(c.Request.Context(), p.ID, since, MaxChanges)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}
