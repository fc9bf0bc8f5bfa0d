package browser

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/net/html"
)

// CheckLinks reads every .html file in dir and returns a problem for each
// href that does not resolve: a relative file that is missing (or outside
// dir), or a #fragment with no element of that id in its target page.
// External links (with a scheme) are problems too: the site is
// self-contained.
func CheckLinks(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .html file", dir)
	}
	ids := map[string]map[string]bool{}
	links := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, err := html.Parse(strings.NewReader(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		name := filepath.Base(f)
		ids[name] = map[string]bool{}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				if v, ok := attrOK(n, "id"); ok {
					ids[name][v] = true
				}
				if v, ok := attrOK(n, "href"); ok {
					links[name] = append(links[name], v)
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	}
	var problems []string
	for _, from := range sortedNames(links) {
		for _, href := range links[from] {
			u, err := url.Parse(href)
			if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/") {
				problems = append(problems, fmt.Sprintf("%s: link %q is not a relative link inside the site", from, href))
				continue
			}
			target := from
			if u.Path != "" {
				clean := filepath.Clean(filepath.FromSlash(u.Path))
				if strings.HasPrefix(clean, "..") {
					problems = append(problems, fmt.Sprintf("%s: link %q leaves the site", from, href))
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, clean)); err != nil {
					problems = append(problems, fmt.Sprintf("%s: link %q: no such file", from, href))
					continue
				}
				target = clean
			}
			if u.Fragment != "" && ids[target] != nil && !ids[target][u.Fragment] {
				problems = append(problems, fmt.Sprintf("%s: link %q: %s has no element with id %q", from, href, target, u.Fragment))
			}
		}
	}
	return problems, nil
}

func sortedNames(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
