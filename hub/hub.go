// Package hub is the committee's side of budgetpoint: it receives signed
// batches from the contact points, keeps each point's newest summary per
// topic and all their activities and opinions, serves the committee API
// (cross-point summaries summed exactly, opinions along the closed loop,
// publishing topics and questionnaires, the xlsx export) and answers the
// points' pulls of what the committee published or changed for them.
package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// Point is one contact point as the points file lists it.
type Point struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// PointsFile is the hub's points file: {"points": [{"id","name","secret"}]}.
type PointsFile struct {
	Points []Point `json:"points"`
}

// MinSecretLength is the shortest secret the hub accepts.
const MinSecretLength = 16

// BatchMemory is how long the hub remembers batch ids (far longer than
// syncproto.Window, so a captured batch replayed is always recognised).
const BatchMemory = 90 * 24 * time.Hour

// LoadPoints reads and checks a points file: it must parse, list at least
// one point, with valid unique ids and secrets of at least MinSecretLength.
func LoadPoints(path string) ([]Point, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("无法读取联系点文件 / cannot read the points file: %w", err)
	}
	return ParsePoints(b)
}

// ParsePoints checks the content of a points file (see LoadPoints).
func ParsePoints(b []byte) ([]Point, error) {
	// Other fields (name_en, level…) are allowed; the shape must parse.
	var f PointsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("联系点文件不是有效的 JSON / the points file does not parse: %v", err)
	}
	if len(f.Points) == 0 {
		return nil, errors.New(`联系点文件没有列出联系点 / the points file lists no points: expected {"points": [{"id": "hongta", "name": "…", "secret": "…"}]}`)
	}
	seen := map[string]bool{}
	for i, p := range f.Points {
		switch {
		case !models.ValidID(p.ID):
			return nil, fmt.Errorf("联系点文件第 %d 项的 id 无效 / points[%d]: bad id %q", i+1, i, p.ID)
		case seen[p.ID]:
			return nil, fmt.Errorf("联系点 %s 重复 / points[%d]: duplicate id %s", p.ID, i, p.ID)
		case len(p.Secret) < MinSecretLength:
			return nil, fmt.Errorf("联系点 %s 的密钥太短（至少 %d 个字符）/ points[%d] (%s): the secret needs at least %d characters", p.ID, MinSecretLength, i, p.ID, MinSecretLength)
		}
		seen[p.ID] = true
		if f.Points[i].Name == "" {
			f.Points[i].Name = p.ID
		}
	}
	return f.Points, nil
}

// Hub serves the committee and the points' sync on top of a handlers.Server.
type Hub struct {
	S      *handlers.Server
	DB     *db.DB
	Log    *slog.Logger
	Points []Point
	byID   map[string]*Point

	purgeMu   sync.Mutex
	lastPurge time.Time
}

// New makes a hub serving the given points and registers its routes on s
// (which becomes a hub server: committee logins only).
func New(s *handlers.Server, points []Point) *Hub {
	h := &Hub{S: s, DB: s.DB, Log: s.Log, Points: points, byID: map[string]*Point{}}
	for i := range points {
		h.byID[points[i].ID] = &points[i]
	}
	s.Hub = true
	if s.BodyLimits == nil {
		s.BodyLimits = map[string]int64{}
	}
	s.BodyLimits[syncproto.PathBatches] = syncproto.MaxBatchBytes
	s.Mount = append(s.Mount, h.Mount)
	return h
}

// Mount adds the hub's routes: sync (signed by points) and the committee API.
func (h *Hub) Mount(r *gin.Engine, s *handlers.Server) {
	r.POST(syncproto.PathBatches, h.postBatch)
	r.GET(syncproto.PathUpdates, h.getUpdates)

	c := r.Group("/api/v1/committee", s.Require(handlers.Committee...))
	c.GET("/points", h.listPoints)
	c.GET("/topics", h.listTopics)
	c.POST("/topics", h.publishTopic)
	c.GET("/topics/:id/summary", h.topicSummary)
	c.GET("/topics/:id/export.xlsx", h.exportTopic)
	c.POST("/questionnaires", h.publishQuestionnaire)
	c.GET("/opinions", h.listOpinions)
	c.GET("/activities", h.listActivities)
	c.PATCH("/opinions/:id", h.patchOpinion)
}

// point returns a configured point by id.
func (h *Hub) point(id string) (*Point, bool) {
	p, ok := h.byID[id]
	return p, ok
}

const tsLayout = "2006-01-02T15:04:05.000000Z07:00"

// ts formats a time for storage like package db: UTC, fixed width.
func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s string) time.Time {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.In(db.CST)
}
