"""Similarity of submissions within a batch: token k-grams, winnowed (as MOSS does).

Method (docs/reports.md has the reasoning and the calibration):

1. **Normalise** each submission's Python files with the ``tokenize`` module:
   comments, blank lines, docstrings, indentation and layout vanish (a
   statement end is ``;``, none after a block's colon); every number becomes ``0`` and every string
   ``S``; every name the submission itself binds (variables, parameters,
   functions, classes, attributes it assigns, import aliases) becomes ``N``.
   Keywords, builtins and library names (``np.einsum``, ``.reshape``) stay,
   so renaming and reformatting change nothing, while two solutions that
   call different library functions stay apart.
2. **Fingerprint**: hash every run of ``K`` consecutive tokens and keep the
   minimum hash of each window of ``WINDOW`` hashes (robust winnowing,
   Schleimer, Wilkerson and Aiken, SIGMOD 2003): any shared run of at least
   ``K + WINDOW - 1`` tokens is guaranteed to be seen.
3. **Discount the starter**: fingerprints that also occur in the problem's
   starter files are dropped from every submission.
4. **Score** a pair by the Dice coefficient of the two fingerprint sets,
   ``2·|A∩B| / (|A| + |B|)`` (JPlag's "average similarity"), and flag it when
   the score is at least ``THRESHOLD`` and both sides keep at least
   ``MIN_FINGERPRINTS`` fingerprints (below that there is too little code of
   one's own to tell copying from coincidence).
"""
from __future__ import annotations

import ast
import hashlib
import io
import itertools
import keyword
import re
import tokenize
from dataclasses import dataclass, field

from .static import parse

K = 8
WINDOW = 4
THRESHOLD = 0.6  # calibrated in docs/reports.md: disguised copies 0.83–0.98, independent solutions ≤ 0.42
MIN_FINGERPRINTS = 8


@dataclass(frozen=True)
class Token:
    text: str
    file: str
    line: int


@dataclass
class Fingerprint:
    name: str
    tokens: list[Token]
    prints: dict[int, list[int]]  # hash -> token positions where a selected k-gram starts
    spans: dict[tuple[int, int], frozenset[tuple[str, int]]] = field(default_factory=dict, repr=False,
                                                                      compare=False)

    def lines_of(self, h: int, k: int) -> frozenset[tuple[str, int]]:
        """(file, line) of every token in this fingerprint's k-grams of hash ``h`` (kept: a
        submission is compared with every other one)."""
        got = self.spans.get((h, k))
        if got is None:
            got = self.spans[h, k] = frozenset((t.file, t.line) for pos in self.prints[h]
                                               for t in self.tokens[pos:pos + k])
        return got

    @property
    def size(self) -> int:
        return len(self.prints)


@dataclass
class Pair:
    a: str
    b: str
    similarity: float
    shared: int
    sizes: tuple[int, int]
    flagged: bool
    lines_a: dict[str, list[int]] = field(default_factory=dict)  # file -> matching lines
    lines_b: dict[str, list[int]] = field(default_factory=dict)


# ---- 1. normalise ---------------------------------------------------------
def bound_names(source: str) -> set[str] | None:
    """Names the source binds itself; None when it does not parse."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_FALLBACK = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\"[^\"\n]*\"|'[^'\n]*'|[-+*/%&|^<>!=]=|\*\*|//|->|\S")
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<=", ":="}


def _raw_tokens(source: str) -> list[tuple[int, str, int]]:
    """(type, text, line) with Python's tokenizer; a regex split for code that does not tokenize."""
    try:
        return [(t.type, t.string, t.start[0]) for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type not in _SKIP]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        out = []
        for n, line in enumerate(source.splitlines(), start=1):
            for m in _FALLBACK.finditer(line.split("#", 1)[0]):
                text = m.group()
                kind = (tokenize.NAME if text[0].isalpha() or text[0] == "_" else
                        tokenize.NUMBER if text[0].isdigit() else
                        tokenize.STRING if text[0] in "'\"" else tokenize.OP)
                out.append((kind, text, n))
            out.append((tokenize.NEWLINE, "\n", n))
        return out


def guess_bound_names(raw: list[tuple[int, str, int]]) -> set[str]:
    """For code that does not parse: the names it seems to bind, read off the tokens."""
    names: set[str] = set()
    depth, in_def, in_for = 0, False, False
    for i, (kind, text, _) in enumerate(raw):
        prev = raw[i - 1][1] if i else ""
        nxt = raw[i + 1][1] if i + 1 < len(raw) else ""
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth = max(0, depth - 1)
        elif kind == tokenize.NEWLINE:
            depth, in_def, in_for = 0, False, False
        if kind != tokenize.NAME or keyword.iskeyword(text):
            in_def = in_def or text == "def"
            in_for = (in_for or text == "for") and text != "in"
            continue
        if prev in ("def", "class", "as", "import", "global", "nonlocal") or in_for:
            names.add(text)
        elif in_def and depth == 1 and nxt in (",", ")", "=", ":"):
            names.add(text)  # a parameter
        elif depth == 0 and nxt in _ASSIGN | {","}:
            names.add(text)  # an assignment target (or one of a tuple's)
    return names


def normalise(source: str, file: str = "") -> list[Token]:
    raw = [r for r in _raw_tokens(source) if r[0] not in (tokenize.INDENT, tokenize.DEDENT)]
    bound = bound_names(source)
    if bound is None:
        bound = guess_bound_names(raw)
    out: list[Token] = []
    skip_newline = False
    for i, (kind, text, line) in enumerate(raw):
        if kind == tokenize.STRING:
            before = raw[i - 1][0] if i else tokenize.NEWLINE
            after = raw[i + 1][0] if i + 1 < len(raw) else tokenize.NEWLINE
            if before == tokenize.NEWLINE and after == tokenize.NEWLINE:
                skip_newline = True  # a docstring or a bare string statement: gone with its line end
                continue
            norm = "S"
        elif kind == tokenize.NUMBER:
            norm = "0"
        elif kind == tokenize.NAME:
            if keyword.iskeyword(text) or keyword.issoftkeyword(text):
                norm = text
            elif text in bound:
                norm = "N"
            else:
                norm = text
        elif text == "," and i + 1 < len(raw) and raw[i + 1][1] in (")", "]", "}"):
            continue  # a trailing comma, as formatters add
        elif kind == tokenize.NEWLINE or text == ";":
            # one statement end; none after a block's colon, so `for x in y: f(x)` on one
            # line or two reads the same
            if skip_newline or not out or out[-1].text in (";", ":"):
                skip_newline = False
                continue
            norm = ";"
        else:
            norm = text
        skip_newline = False
        out.append(Token(norm, file, line))
    return out


def normalise_files(files: dict[str, str]) -> list[Token]:
    toks: list[Token] = []
    for name in sorted(files):
        toks += normalise(files[name], name)
    return toks


# ---- 2. fingerprint -------------------------------------------------------
def _hash(texts: list[str]) -> int:
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest(), "big")


def winnow(hashes: list[int], window: int = WINDOW) -> list[int]:
    """Positions selected by robust winnowing: each window's minimum (the rightmost on ties)."""
    if len(hashes) <= window:
        return list(range(len(hashes)))
    chosen: list[int] = []
    for start in range(len(hashes) - window + 1):
        win = hashes[start:start + window]
        low = min(win)
        pos = start + max(i for i, h in enumerate(win) if h == low)
        if not chosen or chosen[-1] != pos:
            chosen.append(pos)
    return chosen


def fingerprint(name: str, files: dict[str, str], discount: set[int] | None = None,
                k: int = K, window: int = WINDOW) -> Fingerprint:
    toks = normalise_files(files)
    texts = [t.text for t in toks]
    hashes = [_hash(texts[i:i + k]) for i in range(len(texts) - k + 1)]
    prints: dict[int, list[int]] = {}
    for pos in winnow(hashes, window):
        if discount and hashes[pos] in discount:
            continue
        prints.setdefault(hashes[pos], []).append(pos)
    return Fingerprint(name=name, tokens=toks, prints=prints)


def starter_hashes(files: dict[str, str], k: int = K) -> set[int]:
    """Every k-gram hash of the starter (not only the winnowed ones), to discount."""
    texts = [t.text for t in normalise_files(files)]
    return {_hash(texts[i:i + k]) for i in range(len(texts) - k + 1)}


# ---- 3. compare -----------------------------------------------------------
def similarity(a: Fingerprint, b: Fingerprint) -> float:
    if not a.prints or not b.prints:
        return 0.0
    shared = len(a.prints.keys() & b.prints.keys())
    return 2.0 * shared / (len(a.prints) + len(b.prints))


def _lines(fp: Fingerprint, hashes: set[int], k: int) -> dict[str, list[int]]:
    lines: dict[str, set[int]] = {}
    for h in hashes:
        for file, line in fp.lines_of(h, k):
            lines.setdefault(file, set()).add(line)
    return {f: sorted(v) for f, v in lines.items()}


def compare_pair(a: Fingerprint, b: Fingerprint, threshold: float = THRESHOLD, k: int = K) -> Pair:
    shared = a.prints.keys() & b.prints.keys()
    sim = similarity(a, b)
    flagged = sim >= threshold and min(a.size, b.size) >= MIN_FINGERPRINTS
    pair = Pair(a=a.name, b=b.name, similarity=round(sim, 4), shared=len(shared), sizes=(a.size, b.size),
                flagged=flagged)
    if flagged:
        pair.lines_a, pair.lines_b = _lines(a, shared, k), _lines(b, shared, k)
    return pair


def compare_all(submissions: dict[str, dict[str, str]], starter: dict[str, str] | None = None,
                threshold: float = THRESHOLD) -> list[Pair]:
    """Every pair of submissions (name → files → text), most similar first."""
    discount = starter_hashes(starter) if starter else set()
    prints = [fingerprint(name, files, discount) for name, files in sorted(submissions.items())]
    pairs = [compare_pair(a, b, threshold) for a, b in itertools.combinations(prints, 2)]
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))
