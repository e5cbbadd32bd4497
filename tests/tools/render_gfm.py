#!/usr/bin/env python3
"""Render a Markdown file the way GitHub does and report its structure.

Usage: render_gfm.py FILE

Renders with cmark-gfm (GitHub's Markdown implementation, via the
`cmarkgfm` package) with the table extension and raw HTML passed through
unchanged, so any markup our escaping lets through shows up as a tag.
Prints JSON: {"tags": [sorted tag names], "headings": [texts of h2/h3],
"code": [texts of inline <code> outside <pre>], "pre": [texts of <pre>],
"rows": [[cell texts] per table row], "comments": [HTML comments],
"links": [href of each <a>]}.

Needs `pip install cmarkgfm`.
"""

import json
import sys
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options


class Structure(HTMLParser):
    CAPTURED = ("h2", "h3", "pre", "code", "td", "th")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = set()
        self.found = {"h2": [], "h3": [], "pre": [], "code": [], "comments": [], "links": []}
        self.rows = []
        self.row = None
        self.stack = []  # (tag, text buffer or None)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "a":
            self.found["links"].append(dict(attrs).get("href"))
        if tag == "tr":
            self.row = []
        in_pre = any(t == "pre" for t, _ in self.stack)
        captured = tag in self.CAPTURED and not (tag == "code" and in_pre)
        self.stack.append((tag, [] if captured else None))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, buf = self.stack.pop()
            if buf is not None:
                text = "".join(buf)
                if open_tag in ("td", "th"):
                    self.row.append(text)
                else:
                    self.found[open_tag].append(text)
            if open_tag == tag:
                break
        if tag == "tr":
            self.rows.append(self.row)

    def handle_data(self, data):
        for _, buf in self.stack:
            if buf is not None:
                buf.append(data)

    def handle_comment(self, data):
        self.found["comments"].append(data)


def main(path):
    with open(path, encoding="utf-8") as f:
        md = f.read()
    html = cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)
    s = Structure()
    s.feed(html)
    json.dump(
        {
            "tags": sorted(s.tags),
            "headings": s.found["h2"] + s.found["h3"],
            "code": s.found["code"],
            "pre": s.found["pre"],
            "rows": s.rows,
            "comments": s.found["comments"],
            "links": s.found["links"],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: render_gfm.py FILE")
    main(sys.argv[1])
