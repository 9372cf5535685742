package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sync"

	"golang.org/x/crypto/argon2"
)

// flowFloor is the floor of the authorization code flow: the same four
// exchanges on the same paths with the same form fields, holding pending
// requests and codes in maps, with the one expensive step the flow needs
// by design, the argon2id password check at Gatehouse's parameters
// (adapters/password.DefaultParams: 19 MiB, t=2, p=1). No client lookup,
// no scope or redirect rules, no sessions, no consent store, no JWT.
type flowFloor struct {
	mu       sync.Mutex
	requests map[string]flowRequest
	codes    map[string]flowRequest
	salt     []byte
	key      []byte
}

type flowRequest struct {
	redirectURI, state, challenge, browser, csrf string
}

const (
	argonTime, argonMemory, argonThreads, argonKeyLen = 2, 19 * 1024, 1, 32
	demoPassword                                      = "password"
)

func newFlowFloor() *flowFloor {
	salt := []byte("gatehouse-bench!")
	return &flowFloor{
		requests: map[string]flowRequest{},
		codes:    map[string]flowRequest{},
		salt:     salt,
		key:      argon2.IDKey([]byte(demoPassword), salt, argonTime, argonMemory, argonThreads, argonKeyLen),
	}
}

func (f *flowFloor) routes(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("GET "+prefix+"/auth/authorize", f.authorize)
	mux.HandleFunc("POST "+prefix+"/auth/login", f.login)
	mux.HandleFunc("POST "+prefix+"/auth/consent", f.consent)
	mux.HandleFunc("POST "+prefix+"/auth/token", f.token)
}

func (f *flowFloor) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := flowRequest{redirectURI: q.Get("redirect_uri"), state: q.Get("state"), challenge: q.Get("code_challenge"), browser: newSecret()}
	if req.redirectURI == "" || req.challenge == "" || q.Get("client_id") == "" {
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return
	}
	id := newSecret()[:22]
	f.mu.Lock()
	f.requests[id] = req
	f.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "gh_browser", Value: req.browser, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	writePage(w, `<form method="post" action="/auth/login"><input type="hidden" name="request_id" value="%s">`+
		`<input type="text" name="username"><input type="password" name="password"><button type="submit">Sign in</button></form>`, id)
}

// pending returns the browser's pending request; ok is false when the
// answer has been written.
func (f *flowFloor) pending(w http.ResponseWriter, r *http.Request) (string, flowRequest, bool) {
	id := r.PostFormValue("request_id")
	f.mu.Lock()
	req, ok := f.requests[id]
	f.mu.Unlock()
	ck, err := r.Cookie("gh_browser")
	if !ok || err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(req.browser)) != 1 {
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return "", flowRequest{}, false
	}
	return id, req, true
}

func (f *flowFloor) login(w http.ResponseWriter, r *http.Request) {
	id, req, ok := f.pending(w, r)
	if !ok {
		return
	}
	key := argon2.IDKey([]byte(r.PostFormValue("password")), f.salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if r.PostFormValue("username") == "" || subtle.ConstantTimeCompare(key, f.key) != 1 {
		http.Error(w, "login failed", http.StatusUnauthorized)
		return
	}
	req.csrf = newSecret()
	f.mu.Lock()
	f.requests[id] = req
	f.mu.Unlock()
	writePage(w, `<form method="post" action="/auth/consent"><input type="hidden" name="request_id" value="%s">`+
		`<input type="hidden" name="csrf_token" value="%s"><button type="submit" name="decision" value="allow">Allow</button></form>`,
		id, req.csrf)
}

func (f *flowFloor) consent(w http.ResponseWriter, r *http.Request) {
	id, req, ok := f.pending(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("decision") != "allow" || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf_token")), []byte(req.csrf)) != 1 {
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return
	}
	code := newSecret()
	f.mu.Lock()
	delete(f.requests, id)
	f.codes[code] = req
	f.mu.Unlock()
	to := req.redirectURI + "?" + url.Values{"code": {code}, "state": {req.state}, "iss": {"http://" + r.Host}}.Encode()
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (f *flowFloor) token(w http.ResponseWriter, r *http.Request) {
	code := r.PostFormValue("code")
	f.mu.Lock()
	req, ok := f.codes[code]
	delete(f.codes, code)
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge || r.PostFormValue("redirect_uri") != req.redirectURI {
		writeJSONError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	writeTokenResponse(w, newSecret())
}

func writePage(w http.ResponseWriter, format string, args ...any) {
	esc := make([]any, len(args))
	for i, a := range args {
		esc[i] = html.EscapeString(fmt.Sprint(a))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "<!doctype html><html><body>"+format+"</body></html>", esc...)
}
