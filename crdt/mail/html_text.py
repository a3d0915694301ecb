"""Readable plain text from the HTML of a mail, for agents, previews and search.

Only what a reader sees is kept: no scripts, styles or hidden preheaders. Line
structure follows the blocks, lists keep a bullet and links keep their target
where it is not already the link's text, because in support mail the URL often
is the point (and, in phishing, the giveaway).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "head", "title", "template"})
_BLOCK = frozenset(
    {"address", "article", "aside", "caption", "center", "dd", "details", "dialog", "div"}
    | {"dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "li"}
    | {"main", "nav", "section", "summary", "tr"}
)
_PARAGRAPH = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol"}
)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0\u200b\u200c\u200d\ufeff]+")
_BLANK_RUN = re.compile(r"\n{3,}")
_QUOTE_PREFIX = re.compile(r"(?:> ?)+")
_NO_TARGET = ("#", "javascript:", "cid:", "data:")


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.at_line_start = True
        self.newlines = 2  # trailing line breaks written; 2 = nothing to separate from
        self.space = False
        self.skip_tag = ""
        self.skip_depth = 0
        self.quote = 0
        self.quoted = False
        self.pre = 0
        self.lists = 0
        self.bullet = ""
        self.link: tuple[str, list[str]] | None = None

    # -- writing ------------------------------------------------------------

    def write(self, text: str) -> None:
        if self.at_line_start:
            self.out.append("> " * self.quote + self.bullet)
            self.bullet = ""
            self.at_line_start = False
        elif self.space:
            self.out.append(" ")
        self.space = False
        self.out.append(text)
        self.newlines = 0
        if self.link is not None:
            self.link[1].append(text)

    def newline(self) -> None:
        if self.bullet:  # an empty list item still shows its bullet
            self.write("")
        self.out.append("\n")
        self.at_line_start = True
        self.space = False
        self.newlines += 1

    def block(self) -> None:
        if self.newlines == 0 and not self.bullet:  # a pending bullet already starts a line
            self.newline()

    def paragraph(self) -> None:
        """A blank line before and after, except inside a list, where items stay tight."""
        self.block()
        if self.newlines < 2 and not self.lists and not self.bullet:
            self.newline()

    # -- parser callbacks ---------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth += 1
            elif tag == "body" and self.skip_tag == "head":  # a head never closed
                self.skip_depth = 0
            return
        style = next((v for k, v in attrs if k == "style" and v), "")
        if tag in _SKIP or (tag not in _VOID and style and _HIDDEN.search(style)):
            self.skip_tag, self.skip_depth = tag, 1
            return
        self._open(tag, attrs)

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.newline()
        elif tag == "hr":
            self.block()
            self.write("---")
            self.newline()
        elif tag in ("ul", "ol"):
            self._list_edge()
            self.lists += 1
        elif tag == "li":
            self.block()
            self.bullet = "  " * max(self.lists - 1, 0) + "- "
        elif tag in _PARAGRAPH:
            self.paragraph()
            if tag == "blockquote":
                self.quote += 1
                self.quoted = True
            elif tag == "pre":
                self.pre += 1
        elif tag in _BLOCK:
            self.block()
        elif tag in ("td", "th"):
            self.space = not self.at_line_start
        elif tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            self.link = (href.strip(), [])

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth -= 1
            return
        if tag in ("ul", "ol"):
            self.lists = max(self.lists - 1, 0)
            self._list_edge()
        elif tag in _PARAGRAPH:
            self.block()
            if tag == "blockquote":
                self.quote = max(self.quote - 1, 0)
            elif tag == "pre":
                self.pre = max(self.pre - 1, 0)
            self.paragraph()
        elif tag in _BLOCK:
            self.block()
        elif tag in ("td", "th"):
            self.space = True
        elif tag == "a":
            self._close_link()

    def _list_edge(self) -> None:
        """A nested list continues its item's lines; an outer one is a paragraph."""
        if self.lists:
            self.block()
        else:
            self.paragraph()

    def _close_link(self) -> None:
        if self.link is None:
            return
        href, parts = self.link
        self.link = None
        text = " ".join("".join(parts).split())
        target = href[7:] if href.lower().startswith("mailto:") else href
        shown = text and target and not href.lower().startswith(_NO_TARGET)
        if shown and _bare(text) != _bare(target):
            self.space = True
            self.write(f"({target})")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre:
            lines = data.replace("\r\n", "\n").split("\n")
            for i, line in enumerate(lines):
                if i:
                    self.newline()
                if line:
                    self.write(line.replace("\u00a0", " "))
            return
        text = _SPACE.sub(" ", data)
        if not text.strip():
            self.space = self.space or (bool(text) and not self.at_line_start)
            return
        if text[0] == " " and not self.at_line_start:
            self.space = True
        self.write(text.strip())
        self.space = text[-1] == " "


def _bare(url: str) -> str:
    url = url.lower().rstrip("/")
    for prefix in ("https://", "http://", "mailto:", "www."):
        url = url.removeprefix(prefix)
    return url


def html_to_text(html: str) -> str:
    """Plain text of ``html``: blocks on their own lines, one blank line at most."""
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    writer._close_link()
    text = _BLANK_RUN.sub("\n\n", "\n".join(x.rstrip() for x in "".join(writer.out).split("\n")))
    if not writer.quoted:
        return text.strip("\n")
    lines = text.strip("\n").split("\n")
    _quote_blank_lines(lines)
    return "\n".join(lines)


def _quote_blank_lines(lines: list[str]) -> None:
    """A blank line between two quoted lines belongs to the quote, as mail clients show it."""
    depths = [len(m[0].replace(" ", "")) if (m := _QUOTE_PREFIX.match(x)) else 0 for x in lines]
    before = 0
    after = [0] * len(lines)
    for i in range(len(lines) - 2, -1, -1):
        after[i] = depths[i + 1] if lines[i + 1] else after[i + 1]
    for i, line in enumerate(lines):
        if line:
            before = depths[i]
        elif depth := min(before, after[i]):
            lines[i] = ("> " * depth).rstrip()
