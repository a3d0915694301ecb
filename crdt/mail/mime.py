"""MIME structure and decoding for mail import, over bytes.

The standard library's feed parser walks a message line by line in Python and
costs more than everything else an import does with a typical message. Here the
header block and multipart bodies are split with ``bytes.find``; the parts of
the standards that are easy to get wrong (RFC 2231 parameters, dates, address
lists) are still left to the ``email`` package.

Nothing here raises on bad input: mail in the wild breaks every rule, and one
odd message must never stop an import.
"""

from __future__ import annotations

import binascii
import codecs
import re
from dataclasses import dataclass, field
from email.utils import decode_params, unquote
from functools import lru_cache

MAX_DEPTH = 100  # levels of parts read; a real client's nesting stays far below this
MAX_PARTS = 1000  # parts read in one message, so a crafted one cannot take the import

_FIELD_NAME = re.compile(rb"[!-9;-~]+[ \t]*")
_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:((?:[^\n]*)(?:\n[ \t][^\n]*)*)", re.MULTILINE)
_LEADING_BLANK = re.compile(rb"\r?\n")
_BLANK_LINE = re.compile(rb"\n\r?\n")
_PARAM = re.compile(r';\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_QUOTED_PAIR = re.compile(r"\\(.)")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")

# Labels seen in mail that Python does not know, or knows as a smaller set.
_LABELS: dict[str, str | None] = {
    "x-unknown": None,
    "unknown": None,
    "unknown-8bit": None,
    "x-user-defined": None,
    "default": None,
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-8-e": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
}
# Encodings that shift into other characters with ASCII escapes.
_SEVEN_BIT = frozenset(
    {"iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3"}
    | {"iso2022_jp_ext", "iso2022_kr", "utf-7", "hz"}
)
# Codecs where a byte is not a character: trusted before the UTF-8 guess.
_MULTIBYTE = frozenset(
    {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-7"}
    | {"gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950"}
    | {"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213"}
    | {"euc_jp", "euc_jis_2004", "euc_jisx0213", "euc_kr", "cp949", "johab"}
    | {"iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3"}
    | {"iso2022_jp_ext", "iso2022_kr"}
)


class Headers:
    """Header fields by lower-case name, values unfolded, in message order."""

    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def get(self, name: str, default: str = "") -> str:
        values = self._fields.get(name)
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return self._fields.get(name, [])

    def __contains__(self, name: object) -> bool:
        return name in self._fields


@dataclass(slots=True)
class Part:
    """One MIME entity; ``body`` is still transfer-encoded."""

    headers: Headers
    body: bytes
    ctype: str
    params: dict[str, str]
    children: list[Part] = field(default_factory=list)
    cut: str = ""  # the root's: what was left unread, and why (see parse_part)

    def decoded(self) -> bytes:
        return decode_transfer(self.body, self.headers.get("content-transfer-encoding"))

    def text(self) -> str:
        """The body as text with ``\\n`` line ends, whatever the charset claims."""
        text = decode_text(self.decoded(), self.params.get("charset"))
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def parse_part(data: bytes, default_type: str = "text/plain") -> Part:
    """The MIME tree of a message, built without recursion (a message may nest parts as
    deep as it likes). Past MAX_DEPTH levels or MAX_PARTS parts the rest is not read,
    and the root's ``cut`` says so: a message is never emptied without a word."""
    root = _part(data, default_type)
    pending = [(root, 0)]  # multiparts and enclosed messages whose children are to come
    parts = 1
    while pending:
        part, depth = pending.pop()
        if not _expands(part):
            continue
        if depth >= MAX_DEPTH:
            root.cut = root.cut or f"MIME parts nested deeper than {MAX_DEPTH} levels not read"
            continue
        if part.ctype.startswith("multipart/"):
            pieces = split_multipart(part.body, part.params.get("boundary", ""))
            if pieces is None:  # no usable boundary: show what is there as text
                part.ctype, part.params = "text/plain", {}
                continue
            child_type = "message/rfc822" if part.ctype == "multipart/digest" else "text/plain"
        else:
            pieces, child_type = [part.decoded()], "text/plain"
        if parts + len(pieces) > MAX_PARTS:
            root.cut = root.cut or f"more than {MAX_PARTS} MIME parts: the rest not read"
            pieces = pieces[: max(MAX_PARTS - parts, 0)]
        parts += len(pieces)
        part.children = [_part(p, child_type) for p in pieces]
        pending.extend((kid, depth + 1) for kid in reversed(part.children))
    return root


def _part(data: bytes, default_type: str) -> Part:
    headers, body = split_head(data)
    ctype, params = parse_params(headers.get("content-type"))
    if "/" not in ctype:
        ctype, params = default_type, {}
    return Part(headers, body, ctype, params)


def _expands(part: Part) -> bool:
    return part.ctype.startswith("multipart/") or part.ctype in ("message/rfc822", "message/global")


def split_head(data: bytes) -> tuple[Headers, bytes]:
    """Split a header block from its body.

    Like the standard parser, a line that is neither a field nor a continuation
    ends the headers and starts the body, so a missing blank line loses nothing.
    """
    if data[:1] in (b"\n", b"\r"):
        blank = _LEADING_BLANK.match(data)
        return Headers({}), data[blank.end() :] if blank else data
    end, body_start = _head_end(data)
    text = decode_text(data[:end], None)
    found = _FIELD.findall(text)
    lines = text.count("\n") + 1 - text.count("\n ") - text.count("\n\t")
    if len(found) != lines:  # junk, an mbox envelope or a missing blank line
        return _split_head_slowly(data)
    fields: dict[str, list[str]] = {}
    for name, value in found:
        if "\n" in value:
            value = value.replace("\r", "").replace("\n", "")
        value = value.strip()
        if "\t" in value:
            value = value.replace("\t", " ")
        fields.setdefault(name.lower(), []).append(value)
    return Headers(fields), data[body_start:]


def _head_end(data: bytes) -> tuple[int, int]:
    """Where the header block ends and where the body starts."""
    blank = _BLANK_LINE.search(data)  # starts with a literal: the engine skips ahead fast
    return (blank.start(), blank.end()) if blank else (len(data), len(data))


def _split_head_slowly(data: bytes) -> tuple[Headers, bytes]:
    fields: dict[str, list[str]] = {}
    name = ""
    value: list[bytes] = []
    pos, size = 0, len(data)
    while pos < size:
        nl = data.find(b"\n", pos)
        end = size if nl < 0 else nl
        line = data[pos:end]
        if line[-1:] == b"\r":
            line = line[:-1]
        if not line:
            pos = end + 1
            break
        if line[0] in (32, 9):
            if name:
                value.append(line)
            pos = end + 1
            continue
        colon = line.find(b":")
        if colon > 0 and _FIELD_NAME.fullmatch(line, 0, colon):
            _store(fields, name, value)
            name = line[:colon].rstrip().decode("ascii").lower()
            value = [line[colon + 1 :]]
        elif not (pos == 0 and line.startswith(b"From ")):  # an mbox envelope line is skipped
            break
        pos = end + 1
    _store(fields, name, value)
    return Headers(fields), data[pos:]


def _store(fields: dict[str, list[str]], name: str, value: list[bytes]) -> None:
    if name:
        text = decode_text(b"".join(value), None).strip().replace("\t", " ")
        fields.setdefault(name, []).append(text)


def split_multipart(body: bytes, boundary: str) -> list[bytes] | None:
    """The non-empty parts between boundary lines; None when no line is a boundary.

    A missing close delimiter takes the rest as the last part, as mail clients do.
    """
    if not boundary:
        return None
    delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    parts: list[bytes] = []
    start = -1
    seen = False
    pos = 0
    while (i := body.find(delimiter, pos)) >= 0:
        after = i + len(delimiter)
        nl = body.find(b"\n", after)
        line_end = len(body) if nl < 0 else nl
        closing = body.startswith(b"--", after)
        if (i > 0 and body[i - 1] != 10) or body[after + 2 * closing : line_end].strip():
            pos = after  # the boundary text inside a line is no delimiter
            continue
        seen = True
        if start >= 0:
            end = i - 1 if i > start else i  # the line break before a delimiter is its own
            if end > start and body[end - 1] == 13:
                end -= 1
            parts.append(body[start:end])
        start = -1 if closing else line_end + 1
        if closing:
            break
        pos = start
    if start >= 0:
        parts.append(body[start:])
    return [p for p in parts if p] if seen else None


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """``type/sub; a=b`` into the lower-cased value and its parameters (RFC 2231 decoded)."""
    main, _, rest = value.partition(";")
    found = [(m[1].lower(), m[2].strip()) for m in _PARAM.finditer(";" + rest)] if rest else []
    params: dict[str, str] = {}
    if any("*" in name for name, _ in found):
        try:
            for name, raw in decode_params([("", ""), *found])[1:]:
                params[name] = _rfc2231_text(raw)
        except (TypeError, ValueError, LookupError):  # mixed-up continuations: keep plain ones
            params = {n: _unquote(v) for n, v in found if "*" not in n}
    else:
        params = {n: _unquote(v) for n, v in found}
    return main.strip().lower(), params


def _rfc2231_text(value: str | tuple[str | None, str | None, str]) -> str:
    if isinstance(value, str):
        return unquote(value)
    charset, _, text = value
    text = unquote(text)
    try:  # percent-decoding left one character per byte
        return decode_text(text.encode("latin-1"), charset)
    except UnicodeEncodeError:
        return text


def _unquote(value: str) -> str:
    if value.startswith('"'):
        value = value[1:-1] if value.endswith('"') and len(value) > 1 else value[1:]
        return _QUOTED_PAIR.sub(r"\1", value) if "\\" in value else value
    return value


def decode_transfer(body: bytes, encoding: str) -> bytes:
    cte = encoding.strip().lower()
    if cte == "base64":
        return decode_base64(body)
    if cte == "quoted-printable":
        return binascii.a2b_qp(body)
    return body


def decode_base64(data: bytes) -> bytes:
    """Base64 that tolerates junk, missing padding and truncation."""
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        clean = _NOT_BASE64.sub(b"", data)
        clean = clean[: len(clean) - len(clean) % 4] if len(clean) % 4 == 1 else clean
        try:
            return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))
        except binascii.Error:
            return b""


@lru_cache(maxsize=256)
def codec_for(label: str) -> str | None:
    """A Python text codec for a charset label, or None when it names nothing usable."""
    name = label.strip().strip("\"'").lower()
    if name in _LABELS:
        return _LABELS[name]
    try:
        canonical = codecs.lookup(name).name
        b"\0".decode(canonical, "replace")  # refuses codecs that are not text (base64 ...)
    except (LookupError, ValueError):
        return None
    return _LABELS.get(canonical, canonical)


def decode_text(data: bytes, label: str | None) -> str:
    """Bytes to text that never fails and is right as often as possible.

    Valid UTF-8 beyond ASCII is almost never an accident, so it wins over any
    single-byte label; Latin-1 and ASCII labels are read as windows-1252 (what
    their senders mean). Multi-byte labels are trusted first.
    """
    codec = codec_for(label) if label else None
    if data.isascii() and codec not in _SEVEN_BIT:
        return data.decode("ascii")
    if codec is not None and codec in _MULTIBYTE:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    for candidate in ("utf-8", codec, "cp1252"):
        if candidate:
            try:
                return data.decode(candidate)
            except UnicodeDecodeError:
                continue
    return data.decode("latin-1")


def decode_words(value: str) -> str:
    """RFC 2047 encoded words to text; whitespace between adjacent words is dropped
    and adjacent words in one charset are joined first, so a character split across
    two words survives."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = b""
    charset = ""
    pos = 0
    for m in _ENCODED_WORD.finditer(value):
        gap = value[pos : m.start()]
        word_charset = m[1].partition("*")[0].lower()
        keep_gap = bool(gap) and not (pos and gap.isspace())  # pos > 0: after a word
        if pending and (keep_gap or word_charset != charset):
            out.append(decode_text(pending, charset))
            pending = b""
        if keep_gap:
            out.append(gap)
        charset = word_charset
        pending += _word_bytes(m[2], m[3])
        pos = m.end()
    if pending:
        out.append(decode_text(pending, charset))
    out.append(value[pos:])
    return "".join(out)


def _word_bytes(encoding: str, text: str) -> bytes:
    raw = text.encode("utf-8", "surrogateescape")
    if encoding in "Bb":
        return decode_base64(raw)
    return binascii.a2b_qp(raw, header=True)


def unflow(text: str, *, delsp: bool = False) -> str:
    """Rejoin RFC 3676 format=flowed lines, so paragraphs read as written."""
    out: list[str] = []
    depth, joined = 0, ""
    open_paragraph = False
    for line in text.split("\n"):
        quote = len(line) - len(line.lstrip(">"))
        content = line[quote:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        flowed = content.endswith(" ") and content != "-- "
        if delsp and flowed:
            content = content[:-1]
        if open_paragraph and quote != depth:
            out.append(_quoted(depth, joined))
            open_paragraph = False
        joined = joined + content if open_paragraph else content
        depth = quote
        open_paragraph = flowed
        if not flowed:
            out.append(_quoted(depth, joined))
    if open_paragraph:
        out.append(_quoted(depth, joined))
    return "\n".join(out)


def _quoted(depth: int, text: str) -> str:
    return (">" * depth + " " + text) if depth else text
