// Package auth issues and checks API tokens, carries the request's user in its context,
// and decides what each role may do.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/apitoken"
	"coopdesk/ent/user"
)

// Role is an API role.
type Role = user.Role

// The roles, from most to least powerful.
const (
	Admin  = user.RoleAdmin
	Staff  = user.RoleStaff
	Viewer = user.RoleViewer
)

// rank orders roles so that a higher role includes the rights of the lower ones.
func rank(r Role) int {
	switch r {
	case Admin:
		return 3
	case Staff:
		return 2
	case Viewer:
		return 1
	}
	return 0
}

// Allows reports whether role r includes the rights of role need.
func Allows(r, need Role) bool { return rank(r) >= rank(need) && rank(need) > 0 }

// ParseRole reads a role name (admin, staff, viewer), case-insensitively.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if err := user.RoleValidator(r); err != nil {
		return "", fmt.Errorf("unknown role %q (want admin, staff or viewer)", s)
	}
	return r, nil
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID  int
	Name    string
	Role    Role
	TokenID int
	// Expires is the token's expiry, if it has one.
	Expires *time.Time
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, or nil for an anonymous request.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// tokenPrefix marks coopdesk tokens so that they are recognisable in logs and secret scanners.
const tokenPrefix = "cdk_"

// NewToken returns a fresh random token and the digest to store. Tokens carry 256 bits of
// entropy, so a plain SHA-256 digest is enough to make a stolen table useless; a slow
// password hash would only add latency to every request.
func NewToken() (token, digest string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("token: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, Digest(token), nil
}

// Digest is the stored form of a token.
func Digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ErrInvalidToken is returned for unknown, revoked or expired tokens.
var ErrInvalidToken = errors.New("invalid, revoked or expired token")

// CreateToken stores a new token for the user and returns it: the only time it is visible.
func CreateToken(ctx context.Context, client *ent.Client, userID int, name string) (string, *ent.APIToken, error) {
	token, digest, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	t, err := client.APIToken.Create().
		SetName(name).SetHash(digest).SetPrefix(token[:len(tokenPrefix)+6]).SetUserID(userID).
		Save(ctx)
	if err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// CreateUserWithToken creates a user of the given role and a first token for it.
func CreateUserWithToken(ctx context.Context, client *ent.Client, name string, role Role) (string, *ent.User, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return "", nil, err
	}
	u, err := tx.User.Create().SetName(name).SetRole(role).Save(ctx)
	if err != nil {
		return "", nil, rollback(tx, err)
	}
	token, _, err := CreateToken(ctx, tx.Client(), u.ID, name)
	if err != nil {
		return "", nil, rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return "", nil, err
	}
	return token, u, nil
}

func rollback(tx *ent.Tx, err error) error {
	if rerr := tx.Rollback(); rerr != nil {
		return fmt.Errorf("%w (rollback: %v)", err, rerr)
	}
	return err
}

// Authenticate resolves a bearer token to its principal.
func Authenticate(ctx context.Context, client *ent.Client, token string) (*Principal, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return nil, ErrInvalidToken
	}
	t, err := client.APIToken.Query().
		Where(apitoken.Hash(Digest(token)), apitoken.RevokedAtIsNil()).
		WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	now := time.Now()
	if t.ExpiresAt != nil && now.After(*t.ExpiresAt) || t.Edges.User.Disabled {
		return nil, ErrInvalidToken
	}
	return &Principal{UserID: t.Edges.User.ID, Name: t.Edges.User.Name, Role: t.Edges.User.Role, TokenID: t.ID, Expires: t.ExpiresAt}, nil
}

// BearerToken extracts the token of an `Authorization: Bearer` header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
