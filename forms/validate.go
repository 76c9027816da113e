// Package forms holds what arrives from outside: request structs with json,
// form and binding tags, their conversion to models, and the validator set-up
// with Chinese and English messages.
package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	en_tr "github.com/go-playground/validator/v10/translations/en"
	zh_tr "github.com/go-playground/validator/v10/translations/zh"

	"budgetpoint/models"
)

var (
	setupOnce sync.Once
	zhT, enT  ut.Translator
)

// Setup registers Chinese and English translations on Gin's validator engine
// and names fields by their json names. It is safe to call more than once.
func Setup() {
	setupOnce.Do(func() {
		v, ok := binding.Validator.Engine().(*validator.Validate)
		if !ok {
			panic("gin validator engine is not validator/v10")
		}
		uni := ut.New(zh.New(), zh.New(), en.New())
		zhT, _ = uni.GetTranslator("zh")
		enT, _ = uni.GetTranslator("en")
		if err := zh_tr.RegisterDefaultTranslations(v, zhT); err != nil {
			panic(err)
		}
		if err := en_tr.RegisterDefaultTranslations(v, enT); err != nil {
			panic(err)
		}
		v.RegisterTagNameFunc(func(f reflect.StructField) string {
			name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
			if name == "-" {
				return ""
			}
			if name == "" {
				name = strings.SplitN(f.Tag.Get("form"), ",", 2)[0]
			}
			return name
		})
		// Clearer words than the defaults for the tags used most.
		translate := func(tag string) validator.TranslationFunc {
			return func(t ut.Translator, fe validator.FieldError) string {
				param := fe.Param()
				if tag == "datetime" {
					param = layoutExample(param) // 2026-11-20, not Go's 2006-01-02
				}
				s, err := t.T(tag, fe.Field(), param)
				if err != nil {
					return fe.Error() // the validator's own words rather than nothing
				}
				return s
			}
		}
		override := func(tag, zhMsg, enMsg string) {
			if err := v.RegisterTranslation(tag, zhT, func(t ut.Translator) error { return t.Add(tag, zhMsg, true) }, translate(tag)); err != nil {
				panic(err) // fixed messages: a build defect
			}
			if err := v.RegisterTranslation(tag, enT, func(t ut.Translator) error { return t.Add(tag, enMsg, true) }, translate(tag)); err != nil {
				panic(err)
			}
		}
		override("required", "{0}为必填项", "{0} is required")
		override("oneof", "{0}应为以下之一：{1}", "{0} must be one of: {1}")
		override("uuid", "{0}应为 UUID", "{0} must be a UUID")
		override("datetime", "{0}应为日期，格式 {1}", "{0} must be a date in the form {1}")
		// The defaults print numbers with thousands separators ("2,000").
		override("gte", "{0}不能小于 {1}", "{0} must be at least {1}")
		override("lte", "{0}不能大于 {1}", "{0} must be at most {1}")
	})
}

// labels returns a field's Chinese and English labels from its label tag ("标题,title").
func labels(sf reflect.StructField, jsonName string) (string, string) {
	l := sf.Tag.Get("label")
	if l == "" {
		return jsonName, jsonName
	}
	zhL, enL, ok := strings.Cut(l, ",")
	if !ok {
		enL = jsonName
	}
	return zhL, enL
}

// jsonPath turns a validator namespace of Go names into a json path and
// returns the labels of its last field.
func jsonPath(root reflect.Type, ns string) (path, zhL, enL string) {
	parts := strings.Split(ns, ".")[1:] // drop the struct name
	t := root
	var out []string
	for _, p := range parts {
		name, idx, _ := strings.Cut(p, "[")
		if idx != "" {
			idx = "[" + idx
		}
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		sf, ok := t.FieldByName(name)
		if !ok || t.Kind() != reflect.Struct {
			out = append(out, p)
			zhL, enL = p, p
			continue
		}
		js := strings.SplitN(sf.Tag.Get("json"), ",", 2)[0]
		if js == "" {
			js = strings.SplitN(sf.Tag.Get("form"), ",", 2)[0]
		}
		if js == "" {
			js = name
		}
		out = append(out, js+idx)
		zhL, enL = labels(sf, js)
		t = sf.Type
	}
	return strings.Join(out, "."), zhL, enL
}

// Check validates a request struct with Gin's engine and returns
// validation_failed naming each bad field by its json path, with a message
// in Chinese and English that uses the field's label.
func Check(what string, req any) error {
	Setup()
	err := binding.Validator.ValidateStruct(req)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return models.Invalid(what, map[string]string{"": err.Error()})
	}
	root := reflect.TypeOf(req)
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	fields := map[string]string{}
	for _, fe := range ves {
		path, zhL, enL := jsonPath(root, fe.StructNamespace())
		zm := strings.Replace(fe.Translate(zhT), fe.Field(), zhL, 1)
		em := strings.Replace(fe.Translate(enT), fe.Field(), enL, 1)
		fields[path] = zm + " / " + em
	}
	return models.Invalid(what, fields)
}

// Decode reads a JSON body into req and checks it. A body over the limit is
// too_large, one that is not JSON or not the expected shape is bad_request
// (naming the field of a wrong type), an invalid one is validation_failed
// (a count given as 2.5 among them: see decode).
func Decode(c *gin.Context, what string, req any) error {
	if err := decode(c.Request.Body, what, req); err != nil {
		return err
	}
	return Check(what, req)
}

// DecodeOnly reads JSON into req without checking it (but for whole numbers: see decode).
func DecodeOnly(body io.Reader, req any) error { return decode(body, "请求", req) }

// MsgWhole is the message of a number with a fraction (2.5) where a whole
// number (a count) is expected.
const MsgWhole = "应为整数 / must be a whole number"

// decode reads JSON into req. A whole number written as 2.0 or 1e2 is taken
// as the integer it is (JSON Schema's integer, as the OpenAPI document says);
// a number with a fraction (2.5) for an integer field is validation_failed
// naming the field (what is the thing, for the message), not a wrong type: it
// is a number, just not a count. A string ("2.5") stays a wrong type.
func decode(body io.Reader, what string, req any) error {
	b, err := io.ReadAll(body)
	if err == nil {
		err = decodeBytes(b, req)
		if te, ok := numberIntoInteger(err); ok {
			if nb, changed := wholeNumbers(b); changed {
				// The first try may have filled some fields: start again from zero.
				if rv := reflect.ValueOf(req); rv.Kind() == reflect.Pointer && !rv.IsNil() {
					rv.Elem().SetZero()
				}
				err = decodeBytes(nb, req)
				te, ok = numberIntoInteger(err)
			}
			if ok {
				f := te.Field
				if f == "" {
					f = "body"
				}
				return models.Invalid(what, map[string]string{f: MsgWhole})
			}
		}
	}
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return models.Errorf(models.ETooLarge, models.MsgBodyTooLarge, mbe.Limit, mbe.Limit)
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "body"
		}
		return &models.Error{Code: models.EBadRequest,
			Message: fmt.Sprintf("字段 %s 的类型不对，应为 %s / field %s has the wrong type, expected %s", f, jsonKind(te.Type), f, jsonKind(te.Type)),
			Fields:  map[string]string{f: fmt.Sprintf("应为 %s / expected %s", jsonKind(te.Type), jsonKind(te.Type))}}
	case errors.Is(err, io.EOF):
		return models.Errorf(models.EBadRequest, "请求内容为空，应为 JSON / the body is empty: send JSON")
	default:
		return models.Errorf(models.EBadRequest, "请求内容不是有效的 JSON：%v / the body is not valid JSON: %v", err, err)
	}
}

// decodeBytes decodes one JSON value into req; anything after it is an error.
func decodeBytes(b []byte, req any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	err := dec.Decode(req)
	if err == nil {
		// Anything after the first value is not the expected shape.
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data")
		}
	}
	return err
}

// numberIntoInteger is the type error of a JSON number that an integer field
// could not take (2.5, 2.0, 1e2, or one too large).
func numberIntoInteger(err error) (*json.UnmarshalTypeError, bool) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || !strings.HasPrefix(te.Value, "number") {
		return nil, false
	}
	switch te.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return te, true
	}
	return nil, false
}

// wholeNumbers rewrites the numbers of a JSON document that are whole but
// written with a fraction or an exponent (2.0, 1e2) as integers (2, 100),
// exactly (big.Rat), and reports whether it changed any.
func wholeNumbers(b []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return b, false
	}
	changed := false
	var walk func(x any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case json.Number:
			s := string(t)
			if !strings.ContainsAny(s, ".eE") {
				return t
			}
			// A huge exponent would make big.Rat build a huge number.
			if i := strings.IndexAny(s, "eE"); i >= 0 {
				if e, err := strconv.Atoi(s[i+1:]); err != nil || e > 40 || e < -40 {
					return t
				}
			}
			r, ok := new(big.Rat).SetString(s)
			if !ok || !r.IsInt() {
				return t
			}
			changed = true
			return json.Number(r.Num().String())
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		case map[string]any:
			for k := range t {
				t[k] = walk(t[k])
			}
		}
		return x
	}
	v = walk(v)
	if !changed {
		return b, false
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, false
	}
	return out.Bytes(), true
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32, reflect.Uint, reflect.Uint64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

// layoutExample writes a Go time layout as an example date people read.
func layoutExample(layout string) string {
	return strings.NewReplacer("2006", "2026", "01", "11", "02", "20", "15", "09", "04", "30", "05", "00").Replace(layout)
}
