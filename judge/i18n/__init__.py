"""Languages of the candidate-facing text: English (the source) and Chinese.

Runtime needs only the standard library's ``gettext`` and the compiled catalog
``judge/locale/<lang>/LC_MESSAGES/judge.mo`` (committed, and shipped in the
wheel as package data). Babel is a development tool: it extracts the strings
into ``judge/locale/judge.pot`` and compiles the ``.po`` (docs/i18n.md).

- ``normalize(lang)``: ``en`` or ``zh`` from what a user typed (``zh_CN.UTF-8``,
  ``zh-Hans``, ``en_US``…); ``None`` means the locale of the environment.
- ``from_env()``: the language the locale asks for (``LC_ALL`` > ``LC_MESSAGES``
  > ``LANG``; a ``zh*`` locale gives ``zh``, anything else ``en``).
- ``translator(lang)``: a ``gettext``-like function ``_(msgid) -> str``.
- ``statement_path(problem, lang)``: ``spec.md`` or ``spec.zh.md``.

Strings are marked in the code with ``_("...")`` (a translator passed in) or
``N_("...")`` (marked for extraction, translated later).
"""
from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from ..errors import UsageError

LANGS = ("en", "zh")
DEFAULT = "en"
DOMAIN = "judge"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")
STATEMENT = {"en": "spec.md", "zh": "spec.zh.md"}
HTML_LANG = {"en": "en", "zh": "zh-CN"}


class Translator:
    """``_(msgid)``: the translation in ``lang``, or the msgid itself (English)."""

    def __init__(self, lang: str, catalog: gettext.NullTranslations):
        self.lang = lang
        self._catalog = catalog

    def __call__(self, message: str) -> str:
        return self._catalog.gettext(message) if message else message

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.lang]

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def _parse(value: str) -> str | None:
    """``zh_CN.UTF-8`` → ``zh``; ``C``/``POSIX`` → ``en``; unknown → None."""
    base = value.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if base in ("c", "posix"):
        return "en"
    head = base.split("_")[0]
    return head if head in LANGS else None


def from_env(environ: Mapping[str, str] | None = None) -> str:
    """The language of the locale: the first of LC_ALL, LC_MESSAGES, LANG that is set decides."""
    env = os.environ if environ is None else environ
    for var in LOCALE_VARS:
        value = env.get(var, "")
        if value:
            return _parse(value) or DEFAULT
    return DEFAULT


def normalize(lang: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``en`` or ``zh``; ``None`` or ``""`` takes the locale's. Anything else is a usage error."""
    if not lang:
        return from_env(environ)
    found = _parse(lang)
    if found is None:
        raise UsageError(f"unknown language {lang!r} (choose from {', '.join(LANGS)})")
    return found


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    lang = normalize(lang)
    if lang == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])
    except OSError as exc:  # a broken install: say so instead of silently showing English
        raise UsageError(f"the {lang} message catalog is missing ({exc}); reinstall the judge") from None


@lru_cache(maxsize=None)
def _translator(lang: str) -> Translator:
    return Translator(lang, translations(lang))


def translator(lang: str | None = None) -> Translator:
    """``_(msgid)`` for ``lang``: the translation, or the msgid when the catalog has none.
    A Translator passed in is returned as is."""
    if isinstance(lang, Translator):
        return lang
    return _translator(normalize(lang))


EN = Translator("en", gettext.NullTranslations())


def statement_path(problem, lang: str | None = None) -> Path:
    """The statement of ``problem`` (a judge.problem.Problem, or a problem folder) in ``lang``."""
    folder = Path(getattr(problem, "dir", problem))
    return folder / STATEMENT[normalize(lang)]


def statement(problem, lang: str | None = None) -> tuple[Path, str]:
    """(path, language) of the statement to show: the asked language's, else the English one."""
    lang = normalize(lang)
    path = statement_path(problem, lang)
    if lang != "en" and not path.is_file():
        return statement_path(problem, "en"), "en"
    return path, lang


__all__ = ["EN", "LANGS", "LOCALE_DIR", "N_", "Translator", "from_env", "normalize", "statement",
           "statement_path", "translations", "translator"]
