package config

import (
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "sqlite:coopdesk.db" || c.Addr != "127.0.0.1:8080" || c.TZ.String() != "Europe/Paris" ||
		!c.Introspection || c.FetchAllowPrivate || c.ShutdownTimeout != 15*time.Second {
		t.Errorf("defaults: %+v", c)
	}
}

func TestInvalidValues(t *testing.T) {
	env := map[string]string{
		"COOPDESK_DATABASE_URL":        "mysql://x",
		"COOPDESK_TZ":                  "Mars/Olympus",
		"COOPDESK_FETCH_ALLOW_PRIVATE": "maybe",
		"COOPDESK_DB_MAX_OPEN_CONNS":   "-3",
		"COOPDESK_SHUTDOWN_TIMEOUT":    "soon",
	}
	_, err := Load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for k := range env {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error does not name %s: %v", k, err)
		}
	}
}
