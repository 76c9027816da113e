package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
)

// compressedTypes are the answers worth compressing: pages, styles,
// scripts, JSON and SVG. Workbooks (xlsx, already a zip), PNG and the like
// go out as they are.
var compressedTypes = []string{"text/html", "text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml", "text/plain"}

// newCompress is the middleware that gzips an answer of compressedTypes of
// 1 KiB or more when the client accepts gzip (github.com/klauspost/compress/gzhttp).
// Every answer it sees says Vary: Accept-Encoding; a compressed one loses
// its Content-Length (the length is the compressed stream's, sent chunked)
// and Accept-Ranges. The sync routes are left alone (the two ends sign
// their bodies and keep batches small), and so are downloads by name
// (.xlsx, .png): they stream as they did.
//
// BREACH: a page carries a secret (the session's CSRF token) beside what
// a request can make it repeat (a filter, a name typed in a form), so that
// the size of a compressed page could tell the token a byte at a time.
// The token is therefore masked anew for every page (MaskCSRF: a random pad
// and the token XOR the pad), so no two pages carry the same bytes of it;
// on top of that gzhttp's RandomJitter pads each compressed answer by up to
// 32 bytes chosen from its content, which blurs the size of anything else
// that repeats (docs/security.md).
func newCompress() gin.HandlerFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.ContentTypes(compressedTypes),
		gzhttp.EnableZstd(false), gzhttp.RandomJitter(32, 0, false))
	if err != nil {
		panic(err) // fixed options: a build defect
	}
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		if strings.HasPrefix(p, "/api/v1/sync/") || strings.HasSuffix(p, ".xlsx") || strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".png") {
			c.Next()
			return
		}
		orig := c.Writer
		wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			gw := &compressWriter{ResponseWriter: orig, w: w, status: orig.Status()}
			c.Writer = gw
			defer func() {
				c.Writer = orig
				// A status set without a body (204, a redirect written by
				// gin) reaches the compressor before it closes.
				gw.WriteHeaderNow()
			}()
			c.Next()
		})).ServeHTTP(orig, c.Request)
	}
}

// compressWriter is gin's ResponseWriter over gzhttp's: what is written
// goes through the compressor; status and size are the handler's, as gin
// counts them (before compression).
type compressWriter struct {
	gin.ResponseWriter                     // underneath: Hijack, CloseNotify, Pusher
	w                  http.ResponseWriter // the compressor
	status, size       int
	written            bool
}

func (g *compressWriter) Header() http.Header { return g.w.Header() }

// WriteHeader records the status until the first write, as gin's does.
func (g *compressWriter) WriteHeader(code int) {
	if code > 0 && !g.written {
		g.status = code
	}
}

func (g *compressWriter) WriteHeaderNow() {
	if !g.written {
		g.written = true
		g.w.WriteHeader(g.status)
	}
}

func (g *compressWriter) Write(b []byte) (int, error) {
	g.WriteHeaderNow()
	n, err := g.w.Write(b)
	g.size += n
	return n, err
}

func (g *compressWriter) WriteString(s string) (int, error) { return g.Write([]byte(s)) }
func (g *compressWriter) Status() int                       { return g.status }
func (g *compressWriter) Written() bool                     { return g.written }

func (g *compressWriter) Size() int {
	if !g.written {
		return -1 // gin's "nothing written"
	}
	return g.size
}

func (g *compressWriter) Flush() {
	g.WriteHeaderNow()
	if f, ok := g.w.(http.Flusher); ok {
		f.Flush()
	}
}
