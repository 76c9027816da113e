package handlers

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestOpenAPIErrorCodes: the error codes the OpenAPI document lists are
// exactly those the server answers with (statusOf), so that a client that
// checks answers against the document meets no code it does not know.
func TestOpenAPIErrorCodes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties struct {
					Error struct {
						Properties struct {
							Code struct {
								Enum []string `json:"enum"`
							} `json:"code"`
						} `json:"properties"`
					} `json:"error"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	listed := doc.Components.Schemas["Error"].Properties.Error.Properties.Code.Enum
	var served []string
	for code := range statusOf {
		served = append(served, code)
	}
	slices.Sort(listed)
	slices.Sort(served)
	if !slices.Equal(listed, served) {
		t.Fatalf("the OpenAPI document lists the error codes %v; the server answers with %v", listed, served)
	}
}
