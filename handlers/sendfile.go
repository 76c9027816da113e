package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// XLSX is a workbook's content type.
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SendMade sends a file as an attachment named name, made whole by write
// before any byte goes out, and only once audit (the export's audit entry)
// has succeeded. A failure of either is returned for the caller's error
// page, with nothing sent. The file goes out with its length, so that a
// download broken off half-way ends short and the browser reports it
// failed, instead of saving a partial file that looks whole (without a
// length, a large answer is chunked, and its end cannot be told from a
// break).
func (s *Server) SendMade(c *gin.Context, name, ctype string, write func(*bytes.Buffer) error, audit func() error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	if err := audit(); err != nil {
		return err
	}
	Attachment(c, name)
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", ctype)
	c.Header("Content-Length", strconv.Itoa(buf.Len()))
	c.Status(http.StatusOK)
	if n, err := buf.WriteTo(c.Writer); err != nil {
		s.Log.Info("export not received whole", "file", name, "sent", n, "err", err)
	}
	return nil
}
