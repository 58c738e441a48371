"""Linear-time text matching for screening rules, on RE2 (google-re2).

RE2 guarantees time linear in the text's length for any pattern (no backtracking), refuses
constructs that would need it (backreferences, lookaround) and bounds each compiled program's
memory, so no pattern an admin writes can hang or exhaust the server. Every rule compiles to
one case-insensitive RE2 program; the two built-in detectors (payment card numbers, outside
e-mail addresses) add a cheap check per candidate (Luhn, domain) bounded by MAX_HITS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import re2
from django.conf import settings
from django.utils.translation import gettext as _

MAX_PATTERN_LENGTH = 2_000
MAX_PROGRAM_MEMORY = 2 << 20  # bytes RE2 may use for one compiled rule
MAX_TEXT_LENGTH = 100_000  # characters screened; longer texts are refused by their own forms
MAX_HITS = 20  # matches examined per rule and text

# Letters, digits and "_" in any script: what "whole word" means around a term.
_WORD_CHAR = r"\pL\pN_"
_CARD_CANDIDATE = r"\b(?:\d[ -]?){12,18}\d\b"
_EMAIL = r"[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})"


class PatternError(ValueError):
    """A rule's terms cannot be compiled; the message says why (shown in admin)."""


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = MAX_PROGRAM_MEMORY
    options.log_errors = False
    return options


def _compile(pattern: str) -> re2._Regexp:
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(_("This pattern cannot be used: %(reason)s.") % {"reason": reason}) from None


def _lines(terms: str) -> list[str]:
    return [" ".join(line.split()) for line in terms.splitlines() if line.strip()]


def _literal(term: str) -> str:
    """A literal term as RE2 syntax; inner whitespace matches any run of whitespace."""
    return r"\s+".join(re.escape(word) for word in term.split())


def company_email_domains() -> list[str]:
    """The company's own e-mail domains: addresses there are not "outside" addresses.

    The one place that reads them (the site policy may replace this body with its admin row).
    """
    return [d.lower() for d in settings.SIGNUP_EMAIL_DOMAINS]


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask_card_number(digits: str) -> str:
    return "•••• " + digits[-4:]


@dataclass(frozen=True)
class CompiledRule:
    """A compiled rule: `hits(text)` returns what matched (card numbers masked), at most MAX_HITS."""

    kind: str
    regex: re2._Regexp
    group: int

    def hits(self, text: str) -> list[str]:
        text = text[:MAX_TEXT_LENGTH]
        found: list[str] = []
        for count, match in enumerate(self.regex.finditer(text)):
            if count >= MAX_HITS:
                break
            value = match.group(self.group)
            if self.kind == "card_numbers":
                digits = re.sub(r"\D", "", value)
                if 13 <= len(digits) <= 19 and luhn_valid(digits):
                    found.append(mask_card_number(digits))
            elif self.kind == "outside_emails":
                domain = (match.group(1) or "").lower()
                if not any(domain == d or domain.endswith("." + d) for d in company_email_domains()):
                    found.append(value)
            else:
                found.append(value)
        return found


@lru_cache(maxsize=512)
def compile_rule(*, kind: str, terms: str, whole_word: bool) -> CompiledRule:
    """Compile a rule's terms; raises PatternError (with the reason) if RE2 refuses them."""
    if len(terms) > 20_000 or (kind == "pattern" and len(terms) > MAX_PATTERN_LENGTH):
        raise PatternError(_("This pattern is too long."))
    if kind == "card_numbers":
        return CompiledRule(kind, _compile(_CARD_CANDIDATE), 0)
    if kind == "outside_emails":
        return CompiledRule(kind, _compile(_EMAIL), 0)
    if kind == "pattern":
        body = terms.strip()
    elif kind in ("words", "phrases"):
        body = "|".join(_literal(term) for term in _lines(terms))
        if not body:
            raise PatternError(_("Enter at least one word or phrase."))
    else:
        raise PatternError(_("Unknown kind of rule."))
    # Validate the admin's own pattern first so the reason shown refers to what they wrote.
    if _compile(body).search("") is not None:
        raise PatternError(_("This pattern matches empty text, so it would match everything."))
    pattern = f"(?:^|[^{_WORD_CHAR}])({body})(?:[^{_WORD_CHAR}]|$)" if whole_word else f"({body})"
    return CompiledRule(kind, _compile(pattern), 1)
