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


def _chain(pairs, default, literal, branch, otherwise) -> str:
    lines = [branch(i, literal(k), literal(v)) for i, (k, v) in enumerate(pairs)]
    return "\n".join(lines + [otherwise(literal(default), bool(lines))])


def _if_else(cond: str, out: str, parens: bool = True, elif_: str = "else if"):
    """`if (cond) { out } else if ...` for the brace languages: `cond` and `out` are format strings of k / v."""
    test = "({})" if parens else "{}"

    def branch(i, k, v):
        return f"{'if' if i == 0 else '} ' + elif_} {test.format(cond.format(k=k))} {{ {out.format(v=v)}"

    def otherwise(d, any_branch):
        return (f"}} else {{ {out.format(v=d)} }}" if any_branch else out.format(v=d))
    return branch, otherwise


def _program(language: str, pairs: list[tuple[str, str]], default: str) -> str | None:
    if language == "python":
        table = "{" + ", ".join(f"{k!r}: {v!r}" for k, v in pairs) + "}"
        return f"import sys\nd = sys.stdin.read().strip()\nsys.stdout.write({table}.get(d, {default!r}))\n"
    if language in ("c",):
        b, o = _if_else("strcmp(s, {k}) == 0", "fputs({v}, stdout);")
        return ("#include <ctype.h>\n#include <stdio.h>\n#include <string.h>\nstatic char d[1 << 22];\n"
                "int main(void) {\n  size_t n = fread(d, 1, sizeof d - 1, stdin); d[n] = 0;\n  char *s = d;\n"
                "  while (*s && isspace((unsigned char)*s)) s++;\n  char *e = s + strlen(s);\n"
                "  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;\n"
                + _chain(pairs, default, _c_like, b, o) + "\n  return 0;\n}\n")
    if language in ("cpp", "cpp20"):
        b, o = _if_else("s == {k}", "std::cout << {v};")
        return ("#include <iostream>\n#include <iterator>\n#include <string>\nint main() {\n"
                "  std::string d((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());\n"
                "  const char *ws = \" \\t\\r\\n\\v\\f\";\n  size_t a = d.find_first_not_of(ws);\n"
                "  std::string s = a == std::string::npos ? \"\" : d.substr(a, d.find_last_not_of(ws) - a + 1);\n"
                + _chain(pairs, default, _c_like, b, o) + "\n  return 0;\n}\n")
    if language == "java":
        b, o = _if_else("s.equals({k})", "System.out.print({v});")
        return ("public class Main {\n  public static void main(String[] args) throws Exception {\n"
                "    String s = new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();\n"
                + _chain(pairs, default, _c_like, b, o) + "\n    System.out.flush();\n  }\n}\n")
    if language == "go":
        b, o = _if_else("s == {k}", "fmt.Print({v})", parens=False)
        body = _chain(pairs, default, _c_like, b, o)
        return ("package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"os\"\n\t\"strings\"\n)\n\nfunc main() {\n"
                "\tb, _ := io.ReadAll(os.Stdin)\n\ts := strings.TrimSpace(string(b))\n" + body + "\n}\n")
    if language == "rust":
        b, o = _if_else("s == {k}", "print!(\"{{}}\", {v});", parens=False)
        body = _chain(pairs, default, _c_like, b, o)
        return ("use std::io::Read;\n\nfn main() {\n    let mut d = String::new();\n"
                "    std::io::stdin().read_to_string(&mut d).unwrap();\n    let s = d.trim();\n" + body + "\n}\n")
    if language in ("nodejs", "typescript"):
        b, o = _if_else("s === {k}", "process.stdout.write({v});")
        typed = ": string" if language == "typescript" else ""     # the image declares Node's globals for tsc
        return f"const s{typed} = require('fs').readFileSync(0, 'utf8').trim();\n" + _chain(pairs, default, _c_like, b, o) + "\n"
    if language == "csharp":
        b, o = _if_else("s == {k}", "System.Console.Out.Write({v});")
        return ("class Program {\n  static void Main() {\n    string s = System.Console.In.ReadToEnd().Trim();\n"
                + _chain(pairs, default, _c_like, b, o) + "\n    System.Console.Out.Flush();\n  }\n}\n")
    if language == "ruby":
        lines = [f"{'if' if i == 0 else 'elsif'} s == {_ruby(k)} then print {_ruby(v)}" for i, (k, v) in enumerate(pairs)]
        tail = [f"else print {_ruby(default)}", "end"] if lines else [f"print {_ruby(default)}"]
        return "s = STDIN.read.strip\n" + "\n".join(lines + tail) + "\n"
    if language == "php":
        b, o = _if_else("$s === {k}", "echo {v};")
        return "<?php\n$s = trim(stream_get_contents(STDIN));\n" + _chain(pairs, default, _php, b, o) + "\n"
    if language == "perl":
        b, o = _if_else("$s eq {k}", "print {v};", elif_="elsif")
        return ("local $/;\nmy $s = <STDIN>;\n$s = '' unless defined $s;\n$s =~ s/^\\s+|\\s+$//g;\n"
                + _chain(pairs, default, _perl, b, o) + "\n")
    if language == "lua":
        lines = [f"{'if' if i == 0 else 'elseif'} s == {_c_like(k)} then io.write({_c_like(v)})"
                 for i, (k, v) in enumerate(pairs)]
        tail = [f"else io.write({_c_like(default)})", "end"] if lines else [f"io.write({_c_like(default)})"]
        return 'local s = (io.read("a") or ""):match("^%s*(.-)%s*$")\n' + "\n".join(lines + tail) + "\n"
    if language == "bash":
        lines = [f"{'if' if i == 0 else 'elif'} [[ \"$s\" == {_bash(k)} ]]; then printf '%s' {_bash(v)}"
                 for i, (k, v) in enumerate(pairs)]
        tail = [f"else printf '%s' {_bash(default)}", "fi"] if lines else [f"printf '%s' {_bash(default)}"]
        return ('s=$(cat; printf x); s=${s%x}\ns="${s#"${s%%[![:space:]]*}"}"\ns="${s%"${s##*[![:space:]]}"}"\n'
                + "\n".join(lines + tail) + "\n")
    return None


def table_program(language: str, pairs: list[tuple[str, str]], default: str = "") -> str | None:
    """A program printing the output paired with its stripped stdin (`default` for any other input)."""
    pairs = [(k.strip(), v) for k, v in pairs]
    texts = [t for pair in pairs for t in pair] + [default]
    if any(_UNSAFE.search(t) for t in texts) or sum(map(len, texts)) > MAX_TABLE_CHARS:
        return None
    return _program(language, pairs, default)
