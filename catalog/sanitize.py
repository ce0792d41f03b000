"""Text that is safe to publish: plain text (no HTML at all), no e-mail addresses.

Source descriptions are typed or imported by each tenant's staff and may hold HTML pasted from
anywhere. The catalogs keep plain text only: pages render it autoescaped with line breaks, so
there is no markup to get wrong. Tags are removed by a real HTML parser (nh3, the Rust ammonia
sanitiser), never by a regex, and the text of <script>/<style> is dropped with the tag.
"""

import html
import re

import nh3

# Block-level ends become line breaks before the tags are stripped, so paragraphs stay apart.
BLOCK_END = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(p|div|li|h[1-6]|tr|blockquote|pre|ul|ol)\s*>", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
EMAIL_REMOVED = "[e-mail removed]"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value) -> str:
    """`value` (text or HTML, possibly None) as plain text without tags, entities or e-mails."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = CONTROL.sub("", text)
    if "<" in text or "&" in text:
        text = BLOCK_END.sub("\n", text)
        # Unescaping can reveal markup that was written escaped ("&lt;script&gt;"): strip until
        # no tag can be left (no "<" at all, or a round that changes nothing).
        for _round in range(5):
            cleaned = html.unescape(nh3.clean(text, tags=set()))
            if cleaned == text or "<" not in cleaned:
                text = cleaned
                break
            text = cleaned
    if "@" in text:
        text = EMAIL.sub(EMAIL_REMOVED, text)  # a pasted contact or candidate address never goes public
    # Runs of spaces become one space; more than one empty line in a row becomes one.
    lines, blank = [], True
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line or not blank:
            lines.append(line)
        blank = not line
    return "\n".join(lines).strip()


def excerpt(text: str, limit: int) -> str:
    """The start of `text`, cut at a word boundary, with an ellipsis when something was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(",;:.-") + "…"
