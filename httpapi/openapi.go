package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)(\.\.\.)?\}`)

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

// schemaGen builds JSON Schemas (OpenAPI 3.1 dialect) of Go types from their
// json tags, collecting named structs as components.
type schemaGen struct {
	components map[string]any
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	s := g.base(t)
	if nullable {
		if ref, ok := s["$ref"]; ok {
			return map[string]any{"oneOf": []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}}
		}
		if typ, ok := s["type"].(string); ok {
			s["type"] = []any{typ, "null"}
		}
	}
	return s
}

func (g *schemaGen) base(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawMessageType:
		return map[string]any{}
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		// Types with their own JSON form (ClockTime "HH:MM", Weekday "Mon").
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return g.object(t)
		}
		if _, ok := g.components[name]; !ok {
			g.components[name] = map[string]any{} // guard recursion
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" && derefType(f.Type).Kind() == reflect.Struct {
			if emb, ok := g.object(derefType(f.Type))["properties"].(map[string]any); ok {
				for k, v := range emb {
					props[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
	}
	return map[string]any{"type": "object", "properties": props}
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// OpenAPI returns the OpenAPI 3.1 document of exactly the routes this
// server registered.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{components: map[string]any{}}
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"tags":        []any{rt.Tag},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch {
		case rt.Public:
			op["security"] = []any{}
		case rt.DemoUser:
			// A token, or none when the server has a demo user.
			op["security"] = []any{map[string]any{"bearer": []any{}}, map[string]any{}}
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": !rt.OptionalBody, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Request))}}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := map[string]any{"description": http.StatusText(status)}
		if rt.Response != nil {
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Response))}}
		}
		errSchema := any(map[string]any{"$ref": "#/components/schemas/Error"})
		if rt.ErrorSchema != nil {
			errSchema = g.schema(reflect.TypeOf(rt.ErrorSchema))
		}
		responses := map[string]any{fmt.Sprint(status): resp,
			"default": map[string]any{"description": "Error", "content": map[string]any{
				"application/json": map[string]any{"schema": errSchema}}}}
		op["responses"] = responses
		item[strings.ToLower(rt.Method)] = op
	}
	g.components["Error"] = g.object(reflect.TypeFor[errorBody]())
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Flux API",
			"version":     s.version,
			"description": "The HTTP API of fluxd, the Flux reference server.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

func operationID(rt Route) string {
	p := pathParam.ReplaceAllString(rt.Path, "by_$1")
	p = strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(strings.Trim(p, "/"))
	return strings.ToLower(rt.Method) + "_" + p
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flux API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h2{margin-top:2em;border-bottom:1px solid #ddd}code{background:#f4f4f4;padding:1px 4px;border-radius:3px}
.m{display:inline-block;width:4.5em;font-weight:600}.pub{color:#777;font-size:85%}</style></head>
<body><h1>Flux API <small>{{.Version}}</small></h1>
<p>Every route needs <code>Authorization: Bearer &lt;token&gt;</code> unless marked public.
Errors are <code>{"detail", "code"}</code>. The machine-readable form is <a href="/openapi.json">/openapi.json</a>.</p>
{{range .Tags}}<h2>{{.Name}}</h2>{{range .Routes}}
<p><span class="m">{{.Method}}</span><code>{{.Path}}</code> {{.Summary}}{{if .Public}} <span class="pub">(public)</span>{{end}}</p>{{end}}{{end}}
</body></html>`))

func (s *Server) docsHTML() []byte {
	type tag struct {
		Name   string
		Routes []Route
	}
	byTag := map[string][]Route{}
	for _, rt := range s.routes {
		byTag[rt.Tag] = append(byTag[rt.Tag], rt)
	}
	var tags []tag
	for n, rs := range byTag {
		tags = append(tags, tag{n, rs})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Name < tags[j].Name })
	var b bytes.Buffer
	_ = docsTemplate.Execute(&b, map[string]any{"Version": s.version, "Tags": tags})
	return b.Bytes()
}
