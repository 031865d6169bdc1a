// Package ent is generated from ent/schema by ent and entgql; do not edit it by hand.
package ent

//go:generate go run -mod=mod entc.go
