// Package handlers serves budgetpoint over HTTP: routes in one place, one file
// per resource, errors mapped to status codes once.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/models"
)

// MaxBody is the largest request body accepted, in bytes.
const MaxBody = 1 << 20

// Config is what a server is told at construction: which installation it
// serves, and the routes of other packages that take larger bodies.
type Config struct {
	// PointID is the contact point's id; at the hub it is "hub".
	PointID string
	// Hub: the server serves the committee hub (committee logins only, no
	// point API); otherwise a contact point.
	Hub bool
	Log *slog.Logger
	// BodyLimits raises MaxBody for some routes (gin full path → bytes),
	// such as the hub's sync batches and the paper import.
	BodyLimits map[string]int64
	// Lockout is what failed sign-ins cost (zero fields: db.DefaultLockout's).
	Lockout db.Lockout
	// SessionIdle ends a session unused for this long (zero: db.DefaultSessionIdle);
	// it is set on the database, whose UserByToken checks it.
	SessionIdle time.Duration
	// TrustedProxies are the peers (--trusted-proxy) whose X-Forwarded-For
	// and X-Forwarded-Proto are believed; none by default.
	TrustedProxies []netip.Prefix
	// UnitExists says whether a unit (承办单位) exists, at the hub, for the
	// unit logins added through the API (the hub keeps the units).
	UnitExists func(ctx context.Context, id string) (bool, error)
}

// Server holds what the handlers need.
type Server struct {
	DB      *db.DB
	PointID string
	Version string
	Log     *slog.Logger

	hub         bool
	unitExists  func(ctx context.Context, id string) (bool, error)
	bodyLimits  map[string]int64
	publicLimit *Limiters
	lockout     db.Lockout
	// refusalAudits bounds the audit entries of sign-ins refused for an
	// address's many failures (rate_limited): 5, then 1 a minute, each.
	refusalAudits *Limiters
	proxies       []netip.Prefix
}

// NewServer prepares the API server of a contact point or of the hub.
func NewServer(d *db.DB, cfg Config) *Server {
	forms.Setup()
	limits := map[string]int64{}
	for k, v := range cfg.BodyLimits {
		limits[k] = v
	}
	if cfg.SessionIdle > 0 {
		d.SessionIdle = cfg.SessionIdle
	}
	return &Server{DB: d, PointID: cfg.PointID, Version: "0.1.0", Log: cfg.Log, hub: cfg.Hub, unitExists: cfg.UnitExists, bodyLimits: limits,
		publicLimit: NewLimiters(rate.Every(time.Second), 60), lockout: cfg.Lockout,
		refusalAudits: NewLimiters(rate.Every(time.Minute), 5),
		proxies:       append([]netip.Prefix(nil), cfg.TrustedProxies...)}
}

var statusOf = map[string]int{
	models.EBadRequest:       http.StatusBadRequest,
	models.EUnauth:           http.StatusUnauthorized,
	models.EForbidden:        http.StatusForbidden,
	models.ENotFound:         http.StatusNotFound,
	models.EConflict:         http.StatusConflict,
	models.EAlreadyAnswered:  http.StatusConflict,
	models.ETopicClosed:      http.StatusConflict,
	models.ETooLarge:         http.StatusRequestEntityTooLarge,
	models.EInvalid:          http.StatusUnprocessableEntity,
	models.ERateLimited:      http.StatusTooManyRequests,
	models.ELocked:           http.StatusLocked,
	models.EUnavailable:      http.StatusServiceUnavailable,
	models.EMethodNotAllowed: http.StatusMethodNotAllowed,
	models.EInternal:         http.StatusInternalServerError,
}

// AuditUnauthenticated reports whether a refusal of an unauthenticated
// request from addr (a sign-in refused for the address's failures, a sync
// request the hub refuses) is to be audited now: 5, then one a minute per
// address, so that one address cannot fill the log by itself. The others
// are only logged by the caller.
func (s *Server) AuditUnauthenticated(addr string) bool { return s.refusalAudits.Allow(addr) }

// codeOf is the error code of an HTTP status, or "": the general one where
// two share a status (conflict, not already_answered).
func codeOf(status int) string {
	if status == http.StatusConflict {
		return models.EConflict
	}
	for code, st := range statusOf {
		if st == status {
			return code
		}
	}
	return ""
}

// Status returns the HTTP status of an error code.
func Status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Fail answers an error in the contract's shape. Anything that is not an
// application error is logged with detail and answered as internal; an
// application error with a cause (unavailable: the database cannot take
// data) is answered with its own code and message, and its cause is logged.
func (s *Server) Fail(c *gin.Context, err error) {
	e, ok := models.AsError(err)
	switch {
	case ok && e.Err != nil:
		s.Log.Error("request failed", "code", e.Code, "method", c.Request.Method, "path", c.FullPath(), "err", err)
	case !ok:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e = models.Errorf(models.ETooLarge, "请求内容超过上限 / the request body is over the limit")
		} else {
			s.Log.Error("internal error", "method", c.Request.Method, "path", c.FullPath(), "err", err)
			e = models.Errorf(models.EInternal, "服务器内部错误，请稍后再试；如果一再发生，请联系管理员 / internal error: try again later, and tell the administrator if it persists")
		}
	}
	c.Set(errorCodeKey, e.Code)
	c.AbortWithStatusJSON(Status(e.Code), gin.H{"error": e})
}

// errorCodeKey holds the code of the error a request was answered with.
const errorCodeKey = "budgetpoint.error_code"

// AuditRefused records, after a request of a signed-in person that would
// change data (not GET or HEAD) was answered with an error, that it was
// refused (4xx) or failed (5xx): its route as the action, the path as the
// object, and the status and error code. A change that succeeds is audited
// by its store, in its own transaction; so is a sign-in. A failure to
// audit goes to the server's log.
func (s *Server) AuditRefused(c *gin.Context, sess db.Session) {
	st := c.Writer.Status()
	if st < 400 || c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		return
	}
	result := models.AuditRefused
	if st >= 500 {
		result = models.AuditFailed
	}
	code, ok := c.Get(errorCodeKey)
	if !ok {
		code = codeOf(st) // a page that answered the error itself
	}
	route := c.FullPath()
	if route == "" {
		route = c.Request.URL.Path
	}
	ctx := models.WithActor(c.Request.Context(), models.Actor{User: sess.User.Name, Role: sess.User.Role, Addr: ClientIP(c)})
	if err := s.DB.Audit(ctx, c.Request.Method+" "+route, "path", c.Request.URL.Path, result, map[string]any{"status": st, "code": code}); err != nil {
		s.Log.Error("audit a refused request", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
}

func (s *Server) recovery(c *gin.Context, p any) {
	s.Log.Error("panic", "method", c.Request.Method, "path", c.FullPath(), "panic", p)
	s.Fail(c, models.Errorf(models.EInternal, "服务器内部错误，请稍后再试 / internal error: try again later"))
}

// breakOffKey marks an answer BreakOff could not close the connection of.
const breakOffKey = "bp.breakoff"

// BreakOff ends an answer already under way (a streamed export that failed
// half-way) so that the client sees it incomplete, never as a short file
// that looks whole. Over HTTP/1.1 the connection is closed before the end
// of the chunked body. Over HTTP/2, where there is no connection of its own
// to close, breakOffs panics with http.ErrAbortHandler once the handlers
// are done and net/http resets the stream: outside gin's recovery, which
// takes ErrAbortHandler for a broken pipe and lets the answer end as if
// complete.
func BreakOff(c *gin.Context) {
	c.Abort()
	var w http.ResponseWriter = c.Writer
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		w = u.Unwrap() // gin's writer refuses to hand over a connection once a body is written
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	c.Set(breakOffKey, true)
}

// breakOffs is the first middleware: see BreakOff.
func breakOffs(c *gin.Context) {
	c.Next()
	if c.GetBool(breakOffKey) {
		panic(http.ErrAbortHandler)
	}
}

// limitBody refuses bodies over MaxBody (or the route's BodyLimits entry)
// with 413 and caps what is read.
func (s *Server) limitBody(c *gin.Context) {
	limit := int64(MaxBody)
	if n, ok := s.bodyLimits[c.FullPath()]; ok {
		limit = n
	}
	if c.Request.ContentLength > limit {
		s.Fail(c, models.Errorf(models.ETooLarge, models.MsgBodyTooLarge, limit, limit))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// apiHeaders marks every answer under /api/ (success, error, 404, 405, 413;
// the hub's sync and committee routes too) as not to be sniffed as another
// type nor kept by a browser or proxy: the answers carry tokens, personal
// data and summaries. Set before anything runs, so that answers written by a
// middleware that stops the chain (limitBody, Require, recovery, NoRoute,
// NoMethod) carry them as well. Pages set their own headers (web/render.go).
func apiHeaders(c *gin.Context) {
	if p := c.Request.URL.Path; p == "/api" || strings.HasPrefix(p, "/api/") {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	if st := c.Writer.Status(); st >= 500 {
		s.Log.Warn("request", "method", c.Request.Method, "path", c.Request.URL.Path, "status", st, "dur", time.Since(start))
	}
}

// Router builds the router with every route of the API (routes.go), those
// that apis serve included. main then adds the pages, whose routes each page
// package lists in its Routes.
func (s *Server) Router(apis APIs) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Only the --trusted-proxy peers are believed (none by default):
	// otherwise gin's c.ClientIP() believes any X-Forwarded-For, and a
	// client that sends a new one with each request escapes the
	// per-address rate limits.
	setTrustedProxies(r, s.proxies)
	r.Use(breakOffs, s.trustProxies, apiHeaders, gin.CustomRecovery(s.recovery), s.logRequests, newCompress(), s.limitBody)
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) {
		s.Fail(c, models.Errorf(models.ENotFound, "没有这个地址 / no such path"))
	})
	r.NoMethod(func(c *gin.Context) {
		s.Fail(c, models.Errorf(models.EMethodNotAllowed, "不支持此请求方法 / method not allowed"))
	})
	s.routes(r, apis)
	return r
}

// PageParams reads ?limit= (default 50, at most 500) and ?after=; a bad
// limit is a bad request naming it.
func PageParams(c *gin.Context) (int, string, error) {
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return 0, "", &models.Error{Code: models.EBadRequest, Message: "limit 应为 1 到 500 之间的整数 / limit must be a whole number from 1 to 500",
				Fields: map[string]string{"limit": "1–500"}}
		}
		limit = n
	}
	return limit, c.Query("after"), nil
}

// errTooManySubmissions answers a public submission over the per-address limit.
func errTooManySubmissions() error {
	return models.Errorf(models.ERateLimited, "提交过于频繁，请稍后再试 / too many submissions: wait a moment and try again")
}

// Limiters keeps a rate limiter per key (a client address), forgetting idle ones.
type Limiters struct {
	mu    sync.Mutex
	r     rate.Limit
	burst int
	m     map[string]*limiterEntry
	last  time.Time
}

type limiterEntry struct {
	l    *rate.Limiter
	seen time.Time
}

// NewLimiters makes a limiter set with the given rate and burst per key.
func NewLimiters(r rate.Limit, burst int) *Limiters {
	return &Limiters{r: r, burst: burst, m: map[string]*limiterEntry{}}
}

// Allow reports whether key may act now.
func (l *Limiters) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.last) > time.Minute {
		for k, e := range l.m {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.m, k)
			}
		}
		l.last = now
	}
	e, ok := l.m[key]
	if !ok {
		e = &limiterEntry{l: rate.NewLimiter(l.r, l.burst)}
		l.m[key] = e
	}
	e.seen = now
	return e.l.Allow()
}

// ListPage answers one page of a whole list that is already in memory (a
// short list such as the hub's points), taking ?limit= and ?after= like every
// list: after is the cursor of the last item of the previous page.
func ListPage[T any](c *gin.Context, all []T, key func(T) string) (models.Page[T], error) {
	limit, after, err := PageParams(c)
	if err != nil {
		return models.Page[T]{}, err
	}
	start := 0
	if after != "" {
		k, err := db.DecodeCursor(after)
		if err != nil {
			return models.Page[T]{}, err
		}
		start = -1
		for i, it := range all {
			if key(it) == k {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return models.Page[T]{}, &models.Error{Code: models.EBadRequest, Message: models.MsgBadCursor, Fields: map[string]string{"after": models.MsgInvalid}}
		}
	}
	p := models.Page[T]{Items: all[start:]}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.Next = db.EncodeCursor(key(p.Items[limit-1]))
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p, nil
}

// AllowPublic reports whether the client of a submission without login (a
// public link, an evaluation code; through the API or a page) may submit
// now: one limit per client address for all of them.
func (s *Server) AllowPublic(c *gin.Context) bool { return s.publicLimit.Allow(clientIP(c)) }

// Attachment makes the answer a download named name: filename* carries the
// name in UTF-8 (Chinese names included), filename an ASCII stand-in for
// clients that read only that one.
func Attachment(c *gin.Context, name string) {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	c.Header("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(name))
}

// CreatedOr200 is the status of an idempotent creation: 201 the first
// time, 200 for the same thing again.
func CreatedOr200(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}
