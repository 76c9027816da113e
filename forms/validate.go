// Package forms holds what arrives from outside: request structs with json,
// form and binding tags, their conversion to models, and the validator set-up
// with Chinese and English messages.
package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
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
// (naming the field of a wrong type), an invalid one is validation_failed.
func Decode(c *gin.Context, what string, req any) error {
	if err := DecodeOnly(c.Request.Body, req); err != nil {
		return err
	}
	return Check(what, req)
}

// DecodeOnly reads JSON into req without checking it.
func DecodeOnly(body io.Reader, req any) error {
	dec := json.NewDecoder(body)
	err := dec.Decode(req)
	if err == nil {
		// Anything after the first value is not the expected shape.
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data")
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
