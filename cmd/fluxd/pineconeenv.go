package main

import (
	"errors"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/rag/pinecone"
)

// pineconeConfigFromEnv reads the Pinecone settings through getenv:
//
//	PINECONE_API_KEY           the API key; Pinecone is used only when it is set
//	PINECONE_INDEX_NAME        the index (flux-articles)
//	PINECONE_HOST              the index host; skips DescribeIndex
//	PINECONE_NAMESPACE         the namespace (the default one)
//	PINECONE_CONTROLLER_HOST   the control plane (https://api.pinecone.io)
//	PINECONE_TIMEOUT           per-call timeout as a Go duration (30s)
//
// An http:// URL in PINECONE_HOST or PINECONE_CONTROLLER_HOST sets
// Insecure: plaintext, as Pinecone Local and test fakes speak.
//
// Malformed values are an EInvalid *flux.Error naming each variable.
func pineconeConfigFromEnv(getenv func(string) string) (pinecone.Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := pinecone.Config{
		APIKey:     get("PINECONE_API_KEY"),
		IndexName:  cmpOr(get("PINECONE_INDEX_NAME"), pinecone.DefaultIndexName),
		Host:       get("PINECONE_HOST"),
		Namespace:  get("PINECONE_NAMESPACE"),
		ControlURL: get("PINECONE_CONTROLLER_HOST"),
	}
	var fields []flux.FieldError
	if v := get("PINECONE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fields = append(fields, flux.FieldError{Field: "PINECONE_TIMEOUT", Message: "must be a positive duration such as 30s"})
		} else {
			c.Timeout = d
		}
	}
	if strings.HasPrefix(strings.ToLower(c.Host), "http://") || strings.HasPrefix(strings.ToLower(c.ControlURL), "http://") {
		c.Insecure = true
	}
	if err := c.Validate(); err != nil {
		var fe *flux.Error
		if !errors.As(err, &fe) {
			return pinecone.Config{}, err
		}
		envName := map[string]string{"index_name": "PINECONE_INDEX_NAME", "host": "PINECONE_HOST",
			"control_url": "PINECONE_CONTROLLER_HOST", "timeout": "PINECONE_TIMEOUT"}
		for _, f := range fe.Fields {
			f.Field = cmpOr(envName[f.Field], f.Field)
			fields = append(fields, f)
		}
	}
	if len(fields) > 0 {
		return pinecone.Config{}, flux.Invalid("invalid Pinecone settings", fields...)
	}
	return c, nil
}
