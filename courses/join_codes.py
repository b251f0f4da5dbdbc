"""Join codes: the short code a teacher writes on the board, with which pupils enroll themselves in the class.

A code is ``JOIN_CODE_LENGTH`` characters drawn with ``secrets`` from ``JOIN_CODE_ALPHABET``: capital letters
and digits without those a child (or a teacher's handwriting) confuses, I, L, 1, O and 0; the temporary
passwords' symbols (``learners.classroom``) in capitals. 31 symbols, 8 of them: about 40 bits, 8.5 * 10^11
codes, so that guessing at the rate limit (``JOIN_CODE_THROTTLE_RATE``) finds no class. It is shown in two
groups of four (``7KQM-3XDF``), and read back whatever its capitals, spaces and dashes.
"""

import re
import secrets
import unicodedata

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
JOIN_CODE_EXAMPLE = "7KQM-3XDF"
_JOIN_CODE = re.compile(f"[{JOIN_CODE_ALPHABET}]{{{JOIN_CODE_LENGTH}}}")
# What a pupil may type between the characters: spaces of any kind, and any dash or hyphen of any keyboard.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")


def new_join_code() -> str:
    """A fresh join code: ``JOIN_CODE_LENGTH`` characters of ``JOIN_CODE_ALPHABET`` drawn with ``secrets``."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str:
    """A code as typed, in the form it is stored in: full-width or other compatibility characters read as
    their plain ones (NFKC), separators left out, capitals."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def is_join_code(code: str) -> bool:
    """Whether a normalised code has the shape of a join code (and can be looked up)."""
    return bool(_JOIN_CODE.fullmatch(code))


def join_code_display(code: str) -> str:
    """A code as it is shown, for the board: two groups of four (``7KQM-3XDF``)."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
