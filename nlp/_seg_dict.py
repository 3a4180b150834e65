"""Reading the domain dictionary that every segmenter backend adds to jieba's own dictionary.

The file is ``nlp/data/user_dict.txt`` in jieba's user-dictionary format: one ``word freq tag``
entry a line, UTF-8, no comments (jieba's format has none). It holds police-call and dispute
vocabulary: land (宅基地, 界桩, 流转), neighbour disputes (漏水, 噪音, 占道), debts (欠条,
高利贷), wages (讨薪, 包工头), institutions and procedure (派出所, 司法所, 调解未果), violence
and self-harm cues (菜刀, 喝农药, 同归于尽), family and traffic disputes.

How the frequencies were chosen: ``max(jieba's own frequency, 2 * f_split, 500)``, where
``f_split`` is the frequency at which the word would tie with its best split into jieba dictionary
words; the factor 2 and the floor of 500 keep a word whole next to neighbours that would otherwise
take one of its characters. Tags are jieba's where jieba knows the word. Changing this file changes
segmentation: register new segmenter versions (``.v2``) rather than silently changing ``.v1``.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from nlp.errors import InputFileError

_ENTRY = re.compile(r"(?P<word>[^\s\ufeff]+) (?P<freq>[1-9][0-9]*) (?P<tag>[a-z]+)")


class UserDictEntry(NamedTuple):
    """One dictionary entry."""

    word: str
    freq: int
    tag: str


def user_dict_path() -> Path:
    """Path of the domain dictionary shipped inside the ``nlp`` package."""
    return Path(str(resources.files("nlp") / "data" / "user_dict.txt"))


def read_user_dict(path: Path) -> tuple[UserDictEntry, ...]:
    """Parse a user dictionary strictly.

    Args:
        path: a UTF-8 file of ``word freq tag`` lines (freq a positive integer, tag in a-z).

    Returns:
        The entries in file order.

    Raises:
        InputFileError: the file is missing, not UTF-8, empty, or a line is malformed or repeats a
            word; the message names the file and the line.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"cannot read the segmentation dictionary {path}: {exc.strerror}; "
            "reinstall the package or restore the file"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the segmentation dictionary {path} is not UTF-8 (byte {exc.start}); save it as UTF-8"
        ) from None
    entries: list[UserDictEntry] = []
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        match = _ENTRY.fullmatch(line)
        if match is None:
            raise InputFileError(
                f"{path} line {lineno}: expected 'word freq tag' separated by single spaces, "
                "with a positive integer freq and a lowercase tag; fix or remove the line"
            )
        word = match["word"]
        if word in seen:
            raise InputFileError(
                f"{path} line {lineno}: the word repeats an earlier line; keep one"
            )
        seen.add(word)
        entries.append(UserDictEntry(word, int(match["freq"]), match["tag"]))
    if not entries:
        raise InputFileError(f"the segmentation dictionary {path} has no entries; restore the file")
    return tuple(entries)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, for recording which dictionary a model was trained with."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
