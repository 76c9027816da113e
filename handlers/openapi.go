package handlers

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDoc is the OpenAPI 3.1 document of the whole API, of a point and of
// the hub alike (each operation's x-installation says where it exists).
// It is written by hand; openapi_test.go keeps it equal to the routes of
// routes.go at a real point and a real hub.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the OpenAPI document (a copy).
func OpenAPI() []byte { return append([]byte(nil), openAPIDoc...) }

// openAPI is GET /api/v1/openapi.json, without login.
func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDoc)
}
