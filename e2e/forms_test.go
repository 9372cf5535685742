package e2e

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// htmlForm is a <form> as a browser sees it: where it posts and which
// controls it holds.
type htmlForm struct {
	Action   string
	Method   string
	Controls []control
}

type control struct {
	Tag     string // input | button | textarea | select
	Type    string // lower-cased type attribute, with HTML's defaults
	Name    string
	Value   string
	Checked bool
}

// parseForms returns every form of an HTML page, in document order.
func parseForms(page string) []htmlForm {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil
	}
	var forms []htmlForm
	// cur is the index of the form being read, -1 outside any form; the
	// HTML parser never nests forms.
	var walk func(n *html.Node, cur int)
	walk = func(n *html.Node, cur int) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				forms = append(forms, htmlForm{
					Action: attr(n, "action"),
					Method: strings.ToLower(attr(n, "method")),
				})
				cur = len(forms) - 1
			case "input", "button", "textarea", "select":
				if cur >= 0 {
					forms[cur].Controls = append(forms[cur].Controls, newControl(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur)
		}
	}
	walk(doc, -1)
	return forms
}

func newControl(n *html.Node) control {
	c := control{Tag: n.Data, Type: strings.ToLower(attr(n, "type")), Name: attr(n, "name"), Value: attr(n, "value")}
	_, c.Checked = attrOK(n, "checked")
	switch n.Data {
	case "input":
		if c.Type == "" {
			c.Type = "text"
		}
	case "button":
		if c.Type == "" {
			c.Type = "submit"
		}
	case "textarea":
		c.Value = textOf(n)
	case "select":
		c.Value = selectedOption(n)
	}
	return c
}

// has reports whether the form holds a control matching the predicate.
func (f htmlForm) has(match func(control) bool) bool {
	for _, c := range f.Controls {
		if match(c) {
			return true
		}
	}
	return false
}

func (f htmlForm) isLogin() bool {
	return f.has(func(c control) bool { return c.Tag == "input" && c.Name == "password" })
}

func (f htmlForm) isConsent() bool {
	return f.has(func(c control) bool { return c.Tag == "button" && c.Name == "decision" })
}

// values is what a browser submits when the user fills fill and activates
// the submit button matching click (nil: the first submit button).
func (f htmlForm) values(fill map[string]string, click func(control) bool) url.Values {
	v := url.Values{}
	clicked := false
	for _, c := range f.Controls {
		if c.Name == "" {
			continue
		}
		switch {
		case c.Type == "submit" || c.Type == "image":
			if !clicked && (click == nil || click(c)) {
				v.Add(c.Name, c.Value)
				clicked = true
			}
		case c.Type == "button" || c.Type == "reset" || c.Type == "file":
		case c.Type == "checkbox" || c.Type == "radio":
			if c.Checked {
				val := c.Value
				if val == "" {
					val = "on"
				}
				v.Add(c.Name, val)
			}
		default:
			v.Add(c.Name, c.Value)
		}
	}
	for k, val := range fill {
		v.Set(k, val)
	}
	return v
}

// target resolves the form's action against the page it came from.
func (f htmlForm) target(page *url.URL) (*url.URL, error) {
	if f.Action == "" {
		return page, nil
	}
	ref, err := url.Parse(f.Action)
	if err != nil {
		return nil, err
	}
	return page.ResolveReference(ref), nil
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

func selectedOption(n *html.Node) string {
	first, found := "", false
	var walk func(*html.Node) (string, bool)
	walk = func(m *html.Node) (string, bool) {
		for c := m.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "option" {
				val, ok := attrOK(c, "value")
				if !ok {
					val = strings.TrimSpace(textOf(c))
				}
				if !found {
					first, found = val, true
				}
				if _, sel := attrOK(c, "selected"); sel {
					return val, true
				}
			}
			if v, ok := walk(c); ok {
				return v, true
			}
		}
		return "", false
	}
	if v, ok := walk(n); ok {
		return v
	}
	return first
}
