"""Text that is safe to publish: plain text (no HTML at all), no e-mail addresses.

Source descriptions are typed or imported by each tenant's staff and may hold HTML pasted from
anywhere. The catalogs keep plain text only: pages render it autoescaped with line breaks, so
there is no markup to get wrong. Tags are removed by a real HTML parser (nh3, the Rust ammonia
sanitiser), never by a regex, and the text of <script>/<style> is dropped with the tag.

The bulk sync runs this for every description it copies, so each step takes the cheap road
where it gives the same text: text without "<" or "&" has no markup to parse (the parser would
only escape and unescape it again), control characters are looked for in ASCII text as bytes,
and one parser configuration serves every call. tests/catalog/test_rows.py checks the result
against the plain reading of each rule on generated text.
"""

import html
import re
from collections import deque
from collections.abc import Iterator
from itertools import islice

import nh3

# Block-level ends become line breaks before the tags are stripped, so paragraphs stay apart.
# (One "<" prefix for both forms, "<br>" and "</p>"..., so the search skips to each "<".)
BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/\s*(?:p|div|li|h[1-6]|tr|blockquote|pre|ul|ol))\s*>", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
EMAIL_REMOVED = "[e-mail removed]"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
BLANK_LINES = re.compile(r"\n{3,}")
# Every tag and comment is removed (text kept); <script>, <style> and the like lose their text
# too (ammonia's default clean_content_tags). Made once: building it costs as much as a short text.
STRIP_TAGS = nh3.Cleaner(tags=set())


def without_control_characters(text: str) -> str:
    if text.isascii():  # O(1) for str; then a byte table does what the regex does, ~10x faster
        data = text.encode("ascii")
        kept = data.translate(None, CONTROL_BYTES)
        return text if len(kept) == len(data) else kept.decode("ascii")
    return CONTROL.sub("", text)


def plain_text(value) -> str:
    """`value` (text or HTML, possibly None) as plain text without tags, entities or e-mails."""
    text = _before_parsing(value)
    if "<" in text or "&" in text:
        text = _stripped(text)
    return _finished(text)


def plain_texts(values, pool) -> Iterator[str]:
    """plain_text() of each of `values`, in order, with the HTML parsing done by `pool`'s thread
    ahead of the caller: nh3 lets go of the GIL while it parses, so the parsing runs beside the
    caller's work instead of in it (the steps around it stay in the caller's thread, where they
    need the GIL anyway). The thread is kept PARSE_AHEAD chunks of PARSE_CHUNK texts ahead."""
    chunks = (values[start : start + PARSE_CHUNK] for start in range(0, len(values), PARSE_CHUNK))

    def submit(chunk):
        texts = [_before_parsing(value) for value in chunk]
        return texts, pool.submit(_parse_all, [text for text in texts if "<" in text or "&" in text])

    pending = deque(submit(chunk) for chunk in islice(chunks, PARSE_AHEAD))
    while pending:
        texts, future = pending.popleft()
        following = next(chunks, None)
        if following is not None:
            pending.append(submit(following))
        parsed = iter(future.result())
        for text in texts:
            if "<" in text or "&" in text:
                text = _stripped(text, next(parsed))
            yield _finished(text)


PARSE_CHUNK = 200
PARSE_AHEAD = 3


def _parse_all(texts: list[str]) -> list[str]:
    return [STRIP_TAGS.clean(text) for text in texts]


def _before_parsing(value) -> str:
    text = str(value or "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = without_control_characters(text)
    if "<" in text or "&" in text:
        text = BLOCK_END.sub("\n", text)
    return text


def _stripped(text: str, parsed: str | None = None) -> str:
    """`text` without tags and entities; `parsed`: STRIP_TAGS.clean(text) if made already."""
    # Unescaping can reveal markup that was written escaped ("&lt;script&gt;"): strip until
    # no tag can be left (no "<" at all, or a round that changes nothing).
    for _round in range(5):
        cleaned = html.unescape(parsed if parsed is not None else STRIP_TAGS.clean(text))
        parsed = None
        if cleaned == text or "<" not in cleaned:
            return cleaned
        text = cleaned
    return text


def _finished(text: str) -> str:
    if "@" in text:
        text = EMAIL.sub(EMAIL_REMOVED, text)  # a pasted contact or candidate address never goes public
    # Runs of spaces become one space; more than one empty line in a row becomes one (and none
    # at either end).
    text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
    if "\n\n\n" in text:
        text = BLANK_LINES.sub("\n\n", text)
    return text.strip()


def excerpt(text: str, limit: int) -> str:
    """The start of `text`, cut at a word boundary, with an ellipsis when something was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(",;:.-") + "…"
