package clientmeta

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gatehouse/domain"
)

// IsMetadataURL reports whether clientID has the shape of a Client ID
// Metadata Document URL: an http(s) URL with a host and a path other than
// "/". It only classifies; whether the URL is acceptable (https, allow-listed
// http, no fragment, userinfo or dot segments) is decided by FetchClient, so
// that a malformed metadata URL is refused with a clear error instead of
// being looked up as an ordinary client id.
func IsMetadataURL(clientID string) bool {
	u, err := url.Parse(clientID)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return false
	}
	return u.Path != "" && u.Path != "/"
}

// checkURL applies the client identifier rules of the draft (section 3):
// https, a path, no fragment, no userinfo, no dot segments. Plain http is a
// development escape hatch limited to allow-listed hosts.
func (f *Fetcher) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, urlError(err)
	}
	switch {
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, urlError(errors.New("no host"))
	case u.User != nil:
		return nil, urlError(errors.New("userinfo present"))
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, urlError(errors.New("fragment present"))
	case u.Path == "" || u.Path == "/":
		return nil, urlError(errors.New("no path"))
	}
	if err := checkDotSegments(u.EscapedPath()); err != nil {
		return nil, urlError(err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !f.cfg.AllowHTTP || !f.allow.contains(u.Hostname(), u.Port()) {
			return nil, domain.ErrInvalidClient("client_id metadata document URL must use https").
				WithCause(fmt.Errorf("clientmeta: http not allowed for host %q", u.Host))
		}
	default:
		return nil, urlError(fmt.Errorf("scheme %q", u.Scheme))
	}
	return u, nil
}

// checkDotSegments looks at the escaped path because url.Parse keeps "." and
// ".." verbatim, and percent-encoded dots ("%2e") name the same segments.
func checkDotSegments(escaped string) error {
	for seg := range strings.SplitSeq(escaped, "/") {
		s, err := url.PathUnescape(seg)
		if err != nil {
			return err
		}
		if s == "." || s == ".." {
			return errors.New("dot segment in path")
		}
	}
	return nil
}

func urlError(cause error) *domain.OAuthError {
	return domain.ErrInvalidClient("client_id is not a valid client metadata document URL").
		WithCause(fmt.Errorf("clientmeta: %w", cause))
}
