package normalize

import (
	"errors"
	"net"
	"net/url"
	"path"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// trackingParams are query keys (lower case) that identify a campaign or a
// click, never the article: dropping them makes one article shared through
// a newsletter, Facebook and an RSS feed one URL.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "igshid": true,
	"mc_cid": true, "mc_eid": true, "xtor": true, "xtref": true,
	"_ga": true, "_gl": true, "mkt_tok": true, "vero_id": true, "vero_conv": true,
	"wt_mc": true, "wt_zmc": true, "cmpid": true, "ocid": true, "s_cid": true,
	"s_kwcid": true, "ref_src": true, "ref_url": true,
	"fb_action_ids": true, "fb_action_types": true, "fb_source": true, "fb_ref": true,
}

// trackingPrefixes are key prefixes of tracking families: Google Analytics
// (utm_), AT Internet (at_, used by French media), Matomo (pk_, mtm_),
// HubSpot (_hs, hsa_), Outbrain (oly_).
var trackingPrefixes = []string{"utm_", "at_", "pk_", "mtm_", "_hs", "hsa_", "oly_"}

func isTracking(key string) bool {
	key = strings.ToLower(key)
	if trackingParams[key] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

var (
	errEmptyURL    = errors.New("empty URL")
	errNotHTTP     = errors.New("not an http or https URL")
	errNoBase      = errors.New("relative URL without an absolute base")
	errInvalidHost = errors.New("invalid host")
)

// CanonicalURL returns the form of raw under which one article is known
// whatever feed or campaign carried it: raw resolved against base (the
// feed's site URL, may be empty when raw is absolute), scheme and host in
// lower case, default port, user info, fragment and tracking parameters
// dropped, dot segments removed, remaining query parameters sorted.
// Only http and https URLs are accepted. CanonicalURL is idempotent.
func CanonicalURL(raw, base string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errEmptyURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" {
		b, err := url.Parse(strings.TrimSpace(base))
		if err != nil || !b.IsAbs() || b.Host == "" {
			return "", errNoBase
		}
		u = b.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errNotHTTP
	}
	if u.Opaque != "" || u.Host == "" {
		return "", errInvalidHost
	}

	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", errInvalidHost
	}
	if ascii, err := idna.Lookup.ToASCII(host); err == nil {
		host = ascii
	} else if strings.ContainsFunc(host, func(r rune) bool { return r >= 0x80 }) {
		return "", errInvalidHost
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	switch {
	case port != "":
		u.Host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		u.Host = "[" + host + "]"
	default:
		u.Host = host
	}

	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	} else if strings.Contains(u.Path, "/.") {
		cleaned := path.Clean(u.Path)
		if strings.HasSuffix(u.Path, "/") && cleaned != "/" {
			cleaned += "/"
		}
		u.Path, u.RawPath = cleaned, ""
	}
	u.RawQuery = canonicalQuery(u.RawQuery)
	u.ForceQuery = false
	return u.String(), nil
}

// canonicalQuery drops tracking and empty parameters and sorts the rest by
// key, keeping each parameter's original encoding so that the result parses
// back to the same values.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ key, raw string }
	var params []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, _, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if key == "" || isTracking(key) {
			continue
		}
		params = append(params, param{key, part})
	}
	slices.SortStableFunc(params, func(a, b param) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.raw, b.raw)
	})
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.raw
	}
	return strings.Join(parts, "&")
}
