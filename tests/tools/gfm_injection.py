#!/usr/bin/env python3
"""Check rendered Markdown for anything its writer did not put there.

Usage: gfm_injection.py < cases.json

Reads a JSON array of {"markdown": str, "links": [allowed hrefs],
"comments": [allowed HTML comments]} from stdin, renders each with
cmark-gfm (GitHub's Markdown implementation, via the `cmarkgfm` package;
tables, autolinks, strikethrough and the other GFM extensions on, raw HTML
passed through so any markup that gets through shows up) and prints a JSON
array with one list of violations per case (empty when clean):

- an element testrelay never writes (img, details, em, del, br, h1, ...),
  or an attribute it never writes;
- a link whose href is not one of the case's "links" (autolinks included);
- an HTML comment that is not one of the case's "comments";
- a **strong** text other than a case status;
- an @-mention (GitHub's pattern: `@` after a non-word character, then a
  letter or digit) in text outside code, pre and links, where GitHub would
  notify someone.

Needs `pip install cmarkgfm`.
"""

import json
import re
import sys
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

ALLOWED = {
    "h2": set(), "h3": set(), "p": set(), "ul": set(), "li": set(),
    "table": set(), "thead": set(), "tbody": set(), "tr": set(),
    "th": {"align"}, "td": {"align"}, "code": set(), "pre": set(),
    "strong": set(), "a": {"href"},
}
STRONG = {"failed", "error"}
MENTION = re.compile(r"(?:^|[^\w])@[a-z0-9]", re.IGNORECASE)


class Checker(HTMLParser):
    def __init__(self, links, comments):
        super().__init__(convert_charrefs=True)
        self.links = set(links)
        self.comments = set(comments)
        self.stack = []
        self.strong = None
        self.problems = []

    def handle_starttag(self, tag, attrs):
        allowed = ALLOWED.get(tag)
        if allowed is None:
            self.problems.append(f"element <{tag}>")
        else:
            for name, value in attrs:
                if name not in allowed:
                    self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            if tag == "a":
                href = dict(attrs).get("href")
                if href not in self.links:
                    self.problems.append(f"link to {href!r}")
        if tag == "strong":
            self.strong = []
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "strong" and self.strong is not None:
            text = "".join(self.strong)
            if text not in STRONG:
                self.problems.append(f"strong text {text!r}")
            self.strong = None
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.strong is not None:
            self.strong.append(data)
        if not any(t in ("code", "pre", "a") for t in self.stack):
            if MENTION.search(data):
                self.problems.append(f"mention in {data!r}")

    def handle_comment(self, data):
        if data not in self.comments:
            self.problems.append(f"comment {data!r}")

    def unknown_decl(self, data):
        self.problems.append(f"declaration {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data!r}")


def check(case):
    html = cmarkgfm.github_flavored_markdown_to_html(
        case["markdown"], options=Options.CMARK_OPT_UNSAFE
    )
    checker = Checker(case.get("links", []), case.get("comments", []))
    checker.feed(html)
    checker.close()
    return checker.problems


def main():
    cases = json.load(sys.stdin)
    json.dump([check(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
