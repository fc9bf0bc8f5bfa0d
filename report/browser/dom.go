package browser

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/net/html"
)

// Chart is one metric chart found in a rendered DOM.
type Chart struct {
	Metric string
	// Versions lists the data-version values of its markers, in order.
	Versions []string
}

// MetricCharts returns every figure.metric of the DOM with its markers.
func MetricCharts(dom string) ([]Chart, error) {
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		return nil, err
	}
	var out []Chart
	var walk func(n *html.Node, in *Chart)
	walk = func(n *html.Node, in *Chart) {
		if n.Type == html.ElementNode {
			if n.Data == "figure" && hasClass(n, "metric") {
				out = append(out, Chart{Metric: attr(n, "data-metric")})
				in = &out[len(out)-1]
			}
			if v, ok := attrOK(n, "data-version"); ok && in != nil {
				in.Versions = append(in.Versions, v)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, nil)
	return out, nil
}

// External lists what in the DOM would need something beyond the page
// itself: src attributes, stylesheets, and links to other schemes than
// relative files and fragments. A self-contained report has none.
func External(dom string) ([]string, error) {
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		return nil, err
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if v, ok := attrOK(n, "src"); ok {
				out = append(out, fmt.Sprintf("<%s src=%q>", n.Data, v))
			}
			if v, ok := attrOK(n, "href"); ok && (strings.Contains(v, ":") || strings.HasPrefix(v, "//")) {
				out = append(out, fmt.Sprintf("<%s href=%q>", n.Data, v))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out, nil
}

// PNGOK checks that path is a non-empty PNG file.
func PNGOK(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(b) < 1000 || string(b[:8]) != "\x89PNG\r\n\x1a\n" {
		return fmt.Errorf("%s: not a PNG screenshot (%d bytes)", path, len(b))
	}
	return nil
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}
