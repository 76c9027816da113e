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
			// Taken, and recorded, each use (contract.md): who still signs
			// the old way, from where.
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
		a.h.NoteContact(c.Request.Context(), p.ID, c.Request.Method == http.MethodGet)
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
	ack, err := a.h.Ingest(c.Request.Context(), p.ID, &b)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	if ack.Duplicate {
		a.h.Log.Info("sync batch replayed", "point", p.ID, "batch", b.BatchID)
	}
	c.JSON(http.StatusOK, ack)
}

// checkBatch refuses a batch that is not this point's (422 naming the
// field); what is wrong with an item of it is that item's rejection
// (splitBatch), not the batch's.
func checkBatch(pointID string, b *syncproto.Batch) error {
	f := map[string]string{}
	if b.BatchID == "" || len(b.BatchID) > models.MaxIDLength {
		f["batch_id"] = "必填，最长 64 个字符 / required, at most 64 characters"
	}
	if b.PointID != pointID {
		f["point_id"] = models.MsgDiffersFromPointID
	}
	for i, s := range b.Summaries {
		if s.PointID != "" && s.PointID != pointID {
			f["summaries["+strconv.Itoa(i)+"].point_id"] = models.MsgDiffersFromPointID
		}
	}
	if len(f) > 0 {
		return models.Invalid("请求", f)
	}
	return nil
}

// splitBatch takes out of b every item over the limits a point keeps to
// (models' Problems), and returns their rejections.
func splitBatch(b *syncproto.Batch) []syncproto.Rejection {
	var out []syncproto.Rejection
	b.Summaries = within(b.Summaries, syncproto.KindSummary, func(s *models.Summary) string { return s.TopicID }, (*models.Summary).Problems, &out)
	b.Activities = within(b.Activities, syncproto.KindActivity, func(a *models.Activity) string { return a.ID }, (*models.Activity).Problems, &out)
	b.Opinions = within(b.Opinions, syncproto.KindOpinion, func(o *models.Opinion) string { return o.ID }, (*models.Opinion).Problems, &out)
	b.Topics = within(b.Topics, syncproto.KindTopic, func(t *models.Topic) string { return t.ID }, (*models.Topic).Problems, &out)
	return out
}

// within keeps the items without problems, adding a rejection of kind for
// each of the others to out.
func within[T any](items []T, kind string, id func(*T) string, problems func(*T) map[string]string, out *[]syncproto.Rejection) []T {
	kept := items[:0]
	for i := range items {
		f := problems(&items[i])
		if len(f) == 0 {
			kept = append(kept, items[i])
			continue
		}
		ref := id(&items[i])
		if len(ref) > models.MaxIDLength {
			ref = ref[:models.MaxIDLength] // named, not stored
		}
		*out = append(*out, syncproto.Rejection{Kind: kind, ID: ref, Code: models.EInvalid,
			Message: "超出联系点的字段限制，未保存 / over the limits a point keeps to, not stored: " + models.ProblemsText(f)})
	}
	return kept
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
