"""Stdin/stdout programs in every sandbox language, for the code families and controls of `io` rows written
in a language other than Python: a lookup table from the (trimmed) input to an output, with a default for
inputs not in it. The table holds the row's expected outputs (a right answer), bent outputs (a wrong one), or
nothing at all (a constant program).

`table_program(language, pairs, default)` returns None when a text can't be written safely as a literal of
that language (control characters other than tab and newline, non-ASCII text, or a table too large for a Java
constant): the family then builds nothing for the row instead of a program that fails to compile.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

FENCE_NAMES = {"cpp20": "cpp", "nodejs": "javascript"}
MAX_TABLE_CHARS = 30_000          # Java string constants stop at 65,535 bytes; stay well below for every language
_UNSAFE = re.compile(r"[^\x20-\x7e\t\n\r]")


def fence(code: str, language: str = "python") -> str:
    return f"```{FENCE_NAMES.get(language, language)}\n{code.rstrip()}\n```"


def _c_like(text: str) -> str:
    """A double-quoted literal for C, C++, Java, Go, Rust, C#, JavaScript, TypeScript and Lua."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") \
        .replace("\r", "\\r") + '"'


def _ruby(text: str) -> str:
    return _c_like(text).replace("#", "\\#")


def _php(text: str) -> str:
    return _c_like(text).replace("$", "\\$")


def _perl(text: str) -> str:
    return _c_like(text).replace("$", "\\$").replace("@", "\\@")


def _bash(text: str) -> str:
    return "$'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t") \
        .replace("\r", "\\r") + "'"


@dataclass(frozen=True)
class Syntax:
    """How one language reads stdin into a trimmed `s`, tests `s` against a literal and prints a literal."""

    head: str                      # reads stdin into `s`, trimmed
    test: str                      # condition, a format string of {k}
    put: str                       # statement printing {v}
    tail: str = "\n"
    literal: Callable[[str], str] | None = None     # None: C-like double quotes
    first: str = "if ({test}) {{ {put}"             # the first branch
    then: str = "}} else if ({test}) {{ {put}"      # every next branch
    otherwise: str = "}} else {{ {put} }}"          # the default after branches
    alone: str = "{put}"                            # the default when there are no branches


_NO_PARENS = {"first": "if {test} {{ {put}", "then": "}} else if {test} {{ {put}"}
_C_TRIM = ("  while (*s && isspace((unsigned char)*s)) s++;\n  char *e = s + strlen(s);\n"
           "  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;\n")
SYNTAX = {
    "c": Syntax("#include <ctype.h>\n#include <stdio.h>\n#include <string.h>\nstatic char d[1 << 22];\n"
                "int main(void) {\n  size_t n = fread(d, 1, sizeof d - 1, stdin); d[n] = 0;\n  char *s = d;\n" + _C_TRIM,
                "strcmp(s, {k}) == 0", "fputs({v}, stdout);", "\n  return 0;\n}\n"),
    "cpp": Syntax("#include <iostream>\n#include <iterator>\n#include <string>\nint main() {\n"
                  "  std::string d((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());\n"
                  "  const char *ws = \" \\t\\r\\n\\v\\f\";\n  size_t a = d.find_first_not_of(ws);\n"
                  "  std::string s = a == std::string::npos ? \"\" : d.substr(a, d.find_last_not_of(ws) - a + 1);\n",
                  "s == {k}", "std::cout << {v};", "\n  return 0;\n}\n"),
    "java": Syntax("public class Main {\n  public static void main(String[] args) throws Exception {\n    String s = "
                   "new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();\n",
                   "s.equals({k})", "System.out.print({v});", "\n    System.out.flush();\n  }\n}\n"),
    "go": Syntax("package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"os\"\n\t\"strings\"\n)\n\nfunc main() {\n"
                 "\tb, _ := io.ReadAll(os.Stdin)\n\ts := strings.TrimSpace(string(b))\n",
                 "s == {k}", "fmt.Print({v})", "\n}\n", **_NO_PARENS),
    "rust": Syntax("use std::io::Read;\n\nfn main() {\n    let mut d = String::new();\n"
                   "    std::io::stdin().read_to_string(&mut d).unwrap();\n    let s = d.trim();\n",
                   "s == {k}", "print!(\"{{}}\", {v});", "\n}\n", **_NO_PARENS),
    "nodejs": Syntax("const s = require('fs').readFileSync(0, 'utf8').trim();\n", "s === {k}",
                     "process.stdout.write({v});"),
    # the image declares Node's globals (require, process) for tsc
    "typescript": Syntax("const s: string = require('fs').readFileSync(0, 'utf8').trim();\n", "s === {k}",
                         "process.stdout.write({v});"),
    "csharp": Syntax("class Program {\n  static void Main() {\n    string s = System.Console.In.ReadToEnd().Trim();\n",
                     "s == {k}", "System.Console.Out.Write({v});", "\n    System.Console.Out.Flush();\n  }\n}\n"),
    "php": Syntax("<?php\n$s = trim(stream_get_contents(STDIN));\n", "$s === {k}", "echo {v};", literal=_php),
    "perl": Syntax("local $/;\nmy $s = <STDIN>;\n$s = '' unless defined $s;\n$s =~ s/^\\s+|\\s+$//g;\n",
                   "$s eq {k}", "print {v};", literal=_perl, then="}} elsif ({test}) {{ {put}"),
    "ruby": Syntax("s = STDIN.read.strip\n", "s == {k}", "print {v}", literal=_ruby, first="if {test} then {put}",
                   then="elsif {test} then {put}", otherwise="else {put}\nend"),
    "lua": Syntax('local s = (io.read("a") or ""):match("^%s*(.-)%s*$")\n', "s == {k}", "io.write({v})",
                  first="if {test} then {put}", then="elseif {test} then {put}", otherwise="else {put}\nend"),
    "bash": Syntax('s=$(cat; printf x); s=${s%x}\ns="${s#"${s%%[![:space:]]*}"}"\ns="${s%"${s##*[![:space:]]}"}"\n',
                   '[[ "$s" == {k} ]]', "printf '%s' {v}", literal=_bash, first="if {test}; then {put}",
                   then="elif {test}; then {put}", otherwise="else {put}\nfi"),
}
SYNTAX["cpp20"] = SYNTAX["cpp"]


def _program(language: str, pairs: list[tuple[str, str]], default: str) -> str | None:
    if language == "python":
        table = "{" + ", ".join(f"{k!r}: {v!r}" for k, v in pairs) + "}"
        return f"import sys\nd = sys.stdin.read().strip()\nsys.stdout.write({table}.get(d, {default!r}))\n"
    syntax = SYNTAX.get(language)
    if syntax is None:
        return None
    quote = syntax.literal or _c_like

    def branch(template: str, value: str, key: str = "") -> str:
        return template.format(test=syntax.test.format(k=quote(key)), put=syntax.put.format(v=quote(value)))

    lines = [branch(syntax.first if i == 0 else syntax.then, v, k) for i, (k, v) in enumerate(pairs)]
    lines.append(branch(syntax.otherwise if pairs else syntax.alone, default))
    return syntax.head + "\n".join(lines) + syntax.tail


def table_program(language: str, pairs: list[tuple[str, str]], default: str = "") -> str | None:
    """A program printing the output paired with its stripped stdin (`default` for any other input)."""
    pairs = [(k.strip(), v) for k, v in pairs]
    texts = [t for pair in pairs for t in pair] + [default]
    if any(_UNSAFE.search(t) for t in texts) or sum(map(len, texts)) > MAX_TABLE_CHARS:
        return None
    return _program(language, pairs, default)
