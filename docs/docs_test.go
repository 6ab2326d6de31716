// Package docs holds no code: it is the documentation's test, so that
// `go test ./...` notices a link that no longer resolves and a package map
// that no longer matches the module.
package docs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository root, seen from this package's directory.
const repoRoot = ".."

// documents are the pages whose relative links must resolve: the front
// door, the measured numbers and every page of docs/.
func documents(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pages {
		pages[i] = filepath.Join("docs", p)
	}
	return append([]string{"README.md", "BENCHMARKS.md"}, pages...)
}

// linkPattern matches a Markdown link or image, [text](target) or
// ![alt](target), capturing the target; an optional "title" is allowed.
var linkPattern = regexp.MustCompile(`\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)

// inlineCode matches a code span, whose text is not Markdown.
var inlineCode = regexp.MustCompile("`+[^`]*`+")

// link is one relative link of a page, with its line for error messages.
type link struct {
	line   int
	target string
}

// proseLines returns the lines of a Markdown page outside fenced code
// blocks, each with its 1-based line number.
func proseLines(src []byte) (lines []string, numbers []int) {
	fenced := false
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(text), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		lines = append(lines, text)
		numbers = append(numbers, n)
	}
	return lines, numbers
}

// relativeLinks returns the links of a page that point into the
// repository: everything but URLs with a scheme (https:, mailto:).
func relativeLinks(src []byte) []link {
	var links []link
	lines, numbers := proseLines(src)
	for i, text := range lines {
		text = inlineCode.ReplaceAllString(text, "``")
		for _, m := range linkPattern.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(strings.SplitN(target, "#", 2)[0], ":") {
				continue
			}
			links = append(links, link{line: numbers[i], target: target})
		}
	}
	return links
}

// headingSlug is the anchor GitHub gives a heading: lower case, code spans
// and punctuation other than '-' and '_' dropped, spaces made hyphens.
func headingSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the heading anchors of a Markdown page, numbered as
// GitHub numbers repeats (name, name-1, ...).
func anchors(src []byte) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	lines, _ := proseLines(src)
	for _, text := range lines {
		if !strings.HasPrefix(text, "#") {
			continue
		}
		heading := strings.TrimSpace(strings.TrimLeft(text, "#"))
		slug := headingSlug(strings.ReplaceAll(heading, "`", ""))
		if k := seen[slug]; k > 0 {
			out[fmt.Sprintf("%s-%d", slug, k)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// checkLink returns why a relative link of page does not resolve to a
// file of the repository (or to a heading of it), or "" when it does.
func checkLink(page string, l link) string {
	path, anchor, _ := strings.Cut(l.target, "#")
	target := page
	if path != "" {
		if filepath.IsAbs(path) {
			return "is an absolute path"
		}
		target = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
		if target == ".." || strings.HasPrefix(target, ".."+string(filepath.Separator)) {
			return "points outside the repository"
		}
	}
	info, err := os.Stat(filepath.Join(repoRoot, target))
	if err != nil {
		return "names no file of the repository"
	}
	if anchor == "" {
		return ""
	}
	if info.IsDir() || filepath.Ext(target) != ".md" {
		return "has an anchor on something that is not a Markdown page"
	}
	src, err := os.ReadFile(filepath.Join(repoRoot, target))
	if err != nil {
		return err.Error()
	}
	if !anchors(src)[anchor] {
		return fmt.Sprintf("names no heading of %s", target)
	}
	return ""
}

func TestEveryRelativeLinkResolvesToAFileOfTheRepository(t *testing.T) {
	checked := 0
	for _, page := range documents(t) {
		src, err := os.ReadFile(filepath.Join(repoRoot, page))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range relativeLinks(src) {
			checked++
			if why := checkLink(page, l); why != "" {
				t.Errorf("%s:%d: link %q %s", page, l.line, l.target, why)
			}
		}
	}
	// The README alone links every page of docs/: far fewer links found
	// means the parser, not the pages, went wrong.
	if checked < 20 {
		t.Errorf("found only %d relative links in README.md, BENCHMARKS.md and docs/*.md; expected the README's links to docs/ at least", checked)
	}
}

func TestReadmeLinksEveryPageOfDocs(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, l := range relativeLinks(src) {
		path, _, _ := strings.Cut(l.target, "#")
		linked[filepath.Clean(path)] = true
	}
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if !linked[filepath.Join("docs", p)] {
			t.Errorf("README.md does not link docs/%s: a page no one finds from the front door", p)
		}
	}
}

func TestLinkCheckerRejectsBrokenAndOutsideLinks(t *testing.T) {
	for _, c := range []struct {
		target string
		broken bool
	}{
		{"docs/cli.md", false},
		{"docs/factory.md#backbones", false},
		{"docs/cli.md#no-such-heading", true},
		{"docs/no_such_page.md", true},
		{"../shared/STYLE.md", true},
		{"/etc/passwd", true},
		{"#the-go-api", false},
		{"#nowhere", true},
	} {
		why := checkLink("README.md", link{target: c.target})
		if (why != "") != c.broken {
			t.Errorf("checkLink(README.md, %q) = %q; want broken = %v", c.target, why, c.broken)
		}
	}
}

func TestRelativeLinksSkipsURLsAndCode(t *testing.T) {
	src := []byte("see [a](a.md), ![b](b.png \"title\") and [web](https://example.org/x.md)\n" +
		"`[not](code.md)`\n```\n[fenced](fenced.md)\n```\n[c](c.md#part)\n")
	var got []string
	for _, l := range relativeLinks(src) {
		got = append(got, fmt.Sprintf("%d:%s", l.line, l.target))
	}
	want := []string{"1:a.md", "1:b.png", "6:c.md#part"}
	if !slices.Equal(got, want) {
		t.Errorf("relativeLinks = %q, want %q", got, want)
	}
}

func TestHeadingSlugsFollowGitHub(t *testing.T) {
	src := []byte("# The Go API\n## `models/vae`: VAE, β-VAE\n## Speed: `dcgan` workload\n## Notes\n## Notes\n")
	for _, want := range []string{"the-go-api", "modelsvae-vae-β-vae", "speed-dcgan-workload", "notes", "notes-1"} {
		if !anchors(src)[want] {
			t.Errorf("anchors(...) lacks %q; has %v", want, anchors(src))
		}
	}
}

// packageMap reads the package paths of docs/packages.md: the first word
// of each line of its first fenced block.
func packageMap(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("packages.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), "```\n")
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/packages.md has no fenced block with the package map")
	}
	var paths []string
	for _, line := range strings.Split(block, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			paths = append(paths, fields[0])
		}
	}
	return paths
}

// modulePackages lists the module's packages as `go list ./...` does, each
// with the module's packages it imports, all relative to the module path
// ("." for the root package).
func modulePackages(t *testing.T) (paths []string, imports map[string][]string) {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the module's packages: %v", err)
	}
	cmd := exec.Command(goCmd, "list", "-e", "-f", `{{.Module.Path}} {{.ImportPath}} {{join .Imports " "}}`, "./...")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v", err)
	}
	imports = map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			t.Fatalf("go list printed %q; want \"MODULE IMPORTPATH IMPORTS...\"", line)
		}
		module := fields[0]
		rel := func(path string) (string, bool) {
			if path == module {
				return ".", true
			}
			r, ok := strings.CutPrefix(path, module+"/")
			return r, ok
		}
		p, _ := rel(fields[1])
		paths = append(paths, p)
		for _, imp := range fields[2:] {
			if q, ours := rel(imp); ours {
				imports[p] = append(imports[p], q)
			}
		}
	}
	return paths, imports
}

func TestPackageMapListsExactlyTheModulesPackages(t *testing.T) {
	mapped := packageMap(t)
	listed, _ := modulePackages(t)
	seen := map[string]int{}
	for _, p := range mapped {
		seen[p]++
		if seen[p] == 2 {
			t.Errorf("docs/packages.md lists %s twice", p)
		}
	}
	for _, p := range listed {
		if seen[p] == 0 {
			t.Errorf("docs/packages.md does not list package %s (go list ./...)", p)
		}
	}
	for _, p := range mapped {
		if !slices.Contains(listed, p) {
			t.Errorf("docs/packages.md lists %s, which go list ./... does not", p)
		}
	}
}

func TestPackageMapImportsPointDown(t *testing.T) {
	mapped := packageMap(t)
	_, imports := modulePackages(t)
	for i, p := range mapped {
		for _, q := range imports[p] {
			if j := slices.Index(mapped, q); j >= 0 && j <= i {
				t.Errorf("%s imports %s, which docs/packages.md lists above it: move one, or the import", p, q)
			}
		}
	}
}
