"""Formulas in exercise texts: TeX between dollars, rendered on the server as MathML.

Authors of mathematics courses write ``$\\frac{3}{4}$`` in a prompt, a hint or an explanation; browsers lay
out MathML themselves (MathML Core) and screen readers read it, so the pages need no script, which the
Content-Security-Policy would refuse anyway. The delimiters follow pandoc's ``tex_math_dollars`` so that
prices stay text: an opening ``$`` is followed by a non-space character, a closing one is preceded by one
and not followed by a digit ("It costs $3 and $4" has no formula). ``\\$`` is a dollar sign.
"""

import re
from xml.etree.ElementTree import Element

from latex2mathml import commands, exceptions
from latex2mathml.converter import convert_to_element
from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

# Every element and attribute latex2mathml 3.81 writes that has a meaning in MathML Core or in Chromium's
# rendering. Not its ``href`` (\href), ``class`` (\class) or ``style`` (\style): a formula links nowhere and
# styles nothing, so those commands keep only their content.
MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "mfrac", "msqrt", "mroot", "msup", "msub",
    "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
    "menclose",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "math": {"display"},
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mo": {
        "accent", "fence", "form", "largeop", "lspace", "mathvariant", "maxsize", "minsize", "movablelimits",
        "rspace", "separator", "stretchy",
    },
    "mover": {"accent"},
    "mfrac": {"linethickness"},
    "menclose": {"notation"},
    "mspace": {"width", "height", "depth", "linebreak", "mathbackground"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset", "mathbackground"},
    "mstyle": {"displaystyle", "scriptlevel", "mathcolor", "mathsize"},
    "mtable": {"columnlines", "columnspacing", "displaystyle", "rowlines", "rowspacing"},
    "mtd": {"columnalign"},
}  # fmt: skip

# $$display$$ first, then $inline$ by pandoc's rule, \(inline\), \[display\]; never after a backslash (\$).
_FORMULA = (  # compiled by Markdown, with re.DOTALL
    r"(?<!\\)\$\$(?P<dollars>(?:\\.|[^\\$])+?)\$\$"
    r"|(?<!\\)\$(?=\S)(?P<dollar>(?:\\.|[^\\$])+?)(?<=\S)\$(?!\d)"
    r"|(?<!\\)\\\((?P<parenthesis>.+?)\\\)"
    r"|(?<!\\)\\\[(?P<bracket>.+?)\\\]"
)
# A paragraph that is one displayed formula, $$ or \[ \] on lines of their own or not.
_DISPLAY_BLOCK = re.compile(
    r"\$\$(?P<dollars>(?:(?!\$\$).)+)\$\$|\\\[(?P<bracket>(?:(?!\\\]).)+)\\\]", re.DOTALL
)
_DISPLAYED = ("dollars", "bracket")

_BRACE = re.compile(r"\\.|[{}]", re.DOTALL)  # \{ and \} are braces shown, not TeX's groups
_ENVIRONMENT = re.compile(r"\\begin\s*\{([^}]*)\}")
_COMMAND_LEFT = re.compile(r"\\[A-Za-z]*")  # what latex2mathml copies as it is when it does not know it
_CHARACTER_REFERENCE = re.compile(r"&#x([0-9A-Fa-f]+);")
# The parts MathML requires of an element (\frac{1} would give a fraction without its denominator).
_PARTS = {
    "mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "munder": 2, "mover": 2, "msubsup": 3, "munderover": 3,
}  # fmt: skip
_LIBRARY_ERRORS = {
    exceptions.NumeratorNotFoundError: "a fraction without its numerator",
    exceptions.DenominatorNotFoundError: "a fraction without its denominator",
    exceptions.ExtraLeftOrMissingRightError: "a \\left without its \\right, or a \\right without its \\left",
    exceptions.MissingSuperScriptOrSubscriptError: "a ^ or _ with nothing after it",
    exceptions.DoubleSubscriptsError: "two subscripts in a row (x_1_2): put braces round one, x_{1_2}",
    exceptions.DoubleSuperscriptsError: "two superscripts in a row (x^2^3): put braces round one, x^{2^3}",
    exceptions.NoAvailableTokensError: "a command without its argument",
    exceptions.MissingEndError: "a \\begin without its \\end",
    exceptions.LimitsMustFollowMathOperatorError: "\\limits after no operator such as \\sum or \\int",
}


class FormulaError(ValueError):
    """A formula that cannot be shown as MathML; the message says what is wrong in an author's words."""


def _check_braces(tex: str) -> None:
    depth = 0
    for token in _BRACE.findall(tex):
        if token == "{":
            depth += 1
        elif token == "}":
            if depth == 0:
                raise FormulaError("a } without its {")
            depth -= 1
    if depth:
        raise FormulaError("a { without its }")


def formula_mathml(tex: str, display: bool) -> Element:
    """The MathML of the TeX formula ``tex`` (a ``<math>`` element, ``display="block"`` when ``display``),
    its texts atomic so that Markdown leaves them alone; raise FormulaError where latex2mathml cannot read it
    or would show something else than TeX does (it accepts an unclosed brace, and copies an unknown command
    as it is)."""
    _check_braces(tex)
    for name in _ENVIRONMENT.findall(tex):
        if f"\\{name}" not in commands.MATRICES:
            raise FormulaError(f"unknown environment {name}")
    try:
        math = convert_to_element(tex, display="block" if display else "inline")
    except Exception as error:  # a third-party parser of what authors type: whatever it raises is their TeX
        raise FormulaError(_LIBRARY_ERRORS.get(type(error), "not TeX that latex2mathml reads")) from error
    for element in math.iter():
        if element.tag in _PARTS and len(element) != _PARTS[element.tag]:
            raise FormulaError("a command without all of its arguments, as \\frac{1} for \\frac{1}{2}")
        if element.text is not None:
            if unknown := _COMMAND_LEFT.search(element.text):
                raise FormulaError(f"unknown command {unknown[0]}")
            # latex2mathml writes characters as references (&#x0003C;) into its texts, which the Markdown
            # serialiser would escape again; the characters themselves come out escaped where they must be.
            element.text = AtomicString(_CHARACTER_REFERENCE.sub(lambda m: chr(int(m[1], 16)), element.text))
    return math


class FormulaExtension(Extension):
    """Formulas of a Markdown text as MathML; one that cannot be is shown as its source in a ``<code>``
    element, and its problem kept in ``problems`` (``"$\\foo$: unknown command \\foo"``). With
    ``as_source``, every formula is shown as its source: for where a text is shown without its markup,
    since a fraction's MathML without its tags reads "34"."""

    def __init__(self, as_source: bool = False):
        super().__init__()
        self.as_source = as_source
        self.problems: list[str] = []

    def extendMarkdown(self, md: Markdown) -> None:
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, "$"]
        # After code spans (190), which keep their dollars, and before escapes (180), which would take the
        # backslashes of TeX.
        md.inlinePatterns.register(_InlineFormula(self), "formula", 185)
        # Before headings (70) and lists, which a line of TeX could look like; after indented code (80).
        md.parser.blockprocessors.register(_DisplayFormula(md.parser, self), "formula", 75)

    def shown(self, match: re.Match) -> Element:
        """The formula ``match`` found, as MathML or as its source."""
        source = match[0]
        if not self.as_source:
            kind = match.lastgroup
            try:
                return formula_mathml(match[kind], display=kind in _DISPLAYED)
            except FormulaError as error:
                self.problems.append(f"{' '.join(source.split())}: {error}")  # a message is one line
        code = Element("code")
        code.text = AtomicString(source)
        return code


class _InlineFormula(InlineProcessor):
    def __init__(self, extension: FormulaExtension):
        super().__init__(_FORMULA)
        self.extension = extension

    def handleMatch(self, m: re.Match, data: str) -> tuple[Element, int, int]:
        return self.extension.shown(m), m.start(0), m.end(0)


class _DisplayFormula(BlockProcessor):
    def __init__(self, parser: BlockParser, extension: FormulaExtension):
        super().__init__(parser)
        self.extension = extension

    def test(self, parent: Element, block: str) -> bool:
        return _DISPLAY_BLOCK.fullmatch(block.strip()) is not None

    def run(self, parent: Element, blocks: list[str]) -> None:
        shown = self.extension.shown(_DISPLAY_BLOCK.fullmatch(blocks.pop(0).strip()))
        if shown.tag == "code":  # a formula shown as its source, kept as it was written
            pre = Element("pre")
            pre.append(shown)
            shown = pre
        parent.append(shown)
