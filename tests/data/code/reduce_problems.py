"""A shared set of small stdio problems, written for this repository (no outside source), with a correct and
two wrong solutions in every required language, for tests/test_languages.py and
benchmarks/sandbox_languages.py.

Every problem reads `n` and then `n` integers, folds them with one arithmetic step, and prints the result.
The problems differ in the step; the solutions differ in the language. Wrong solution 1 starts from the
wrong initial value (an off-by-one), wrong solution 2 drops the first number (a classic indexing slip).
Tests come from a fixed seed, expected outputs from the Python reference step.
"""
from __future__ import annotations

import random

# name: (initial value, step as an expression of acc and x valid in every language below, Python reference)
PROBLEMS = {
    "sum": ("0", "acc + x", lambda acc, x: acc + x),
    "sum_of_squares": ("0", "acc + x * x", lambda acc, x: acc + x * x),
    "sum_of_cubes": ("0", "acc + x * x * x", lambda acc, x: acc + x * x * x),
    "sum_mod_prime": ("0", "(acc + x) % 1000003", lambda acc, x: (acc + x) % 1000003),
    "rolling_hash": ("0", "(acc * 31 + x) % 1000000007", lambda acc, x: (acc * 31 + x) % 1000000007),
    "poly_hash": ("7", "(acc * 131 + x) % 998244353", lambda acc, x: (acc * 131 + x) % 998244353),
    "count": ("0", "acc + 1", lambda acc, x: acc + 1),
    "sum_mod_seven": ("0", "acc + x % 7", lambda acc, x: acc + x % 7),
    "odd_map_sum": ("0", "acc + 2 * x + 1", lambda acc, x: acc + 2 * x + 1),
    "xor_all": ("0", "acc ^ x", lambda acc, x: acc ^ x),
    "product_mod": ("1", "(acc * (x % 1000 + 1)) % 1000000007", lambda acc, x: (acc * (x % 1000 + 1)) % 1000000007),
}

# {init}, {step}, {start} (0 for correct; 1 skips the first number)
TEMPLATES = {
    "python": "import sys\ndata = sys.stdin.read().split()\nn = int(data[0])\nacc = {init}\n"
              "for i in range({start}, n):\n    x = int(data[1 + i])\n    acc = {step}\nprint(acc)\n",
    "c": "#include <stdio.h>\nint main(void) {{\n  long long n, x, acc = {init};\n  if (scanf(\"%lld\", &n) != 1) return 1;\n"
         "  for (long long i = 0; i < n; i++) {{\n    if (scanf(\"%lld\", &x) != 1) return 1;\n"
         "    if (i < {start}) continue;\n    acc = {step};\n  }}\n  printf(\"%lld\\n\", acc);\n  return 0;\n}}\n",
    "cpp": "#include <bits/stdc++.h>\nusing namespace std;\nint main() {{\n  ios::sync_with_stdio(false);\n"
           "  long long n, x, acc = {init};\n  cin >> n;\n  for (long long i = 0; i < n; i++) {{\n    cin >> x;\n"
           "    if (i < {start}) continue;\n    acc = {step};\n  }}\n  cout << acc << '\\n';\n}}\n",
    "java": "import java.io.*;\nimport java.util.*;\npublic class Main {{\n  public static void main(String[] args) throws IOException {{\n"
            "    StreamTokenizer in = new StreamTokenizer(new BufferedInputStream(System.in));\n"
            "    in.nextToken(); long n = (long) in.nval; long acc = {init};\n"
            "    for (long i = 0; i < n; i++) {{\n      in.nextToken(); long x = (long) in.nval;\n"
            "      if (i < {start}) continue;\n      acc = {step};\n    }}\n    System.out.println(acc);\n  }}\n}}\n",
    "nodejs": "const data = require('fs').readFileSync(0, 'utf8').split(/\\s+/).filter(Boolean).map(Number);\n"
              "const n = data[0];\nlet acc = {init};\nfor (let i = {start}; i < n; i++) {{\n  const x = data[1 + i];\n"
              "  acc = {step};\n}}\nconsole.log(String(acc));\n",
    "typescript": "const data: number[] = require('fs').readFileSync(0, 'utf8').split(/\\s+/).filter(Boolean).map(Number);\n"
                  "const n: number = data[0];\nlet acc: number = {init};\nfor (let i = {start}; i < n; i++) {{\n"
                  "  const x: number = data[1 + i];\n  acc = {step};\n}}\nconsole.log(String(acc));\n",
    "go": "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {{\n\tr := bufio.NewReader(os.Stdin)\n"
          "\tvar n int64\n\tfmt.Fscan(r, &n)\n\tvar acc int64 = {init}\n\tfor i := int64(0); i < n; i++ {{\n"
          "\t\tvar x int64\n\t\tfmt.Fscan(r, &x)\n\t\tif i < {start} {{\n\t\t\tcontinue\n\t\t}}\n\t\tacc = {step}\n\t}}\n"
          "\tfmt.Println(acc)\n}}\n",
    "rust": "use std::io::Read;\nfn main() {{\n  let mut s = String::new();\n  std::io::stdin().read_to_string(&mut s).unwrap();\n"
            "  let v: Vec<i64> = s.split_whitespace().map(|t| t.parse().unwrap()).collect();\n  let n = v[0] as usize;\n"
            "  let mut acc: i64 = {init};\n  for i in {start}..n {{\n    let x = v[1 + i];\n    acc = {step};\n  }}\n"
            "  println!(\"{{}}\", acc);\n}}\n",
    "bash": "read -r n\nread -r -a xs\nacc={init}\nfor ((i = {start}; i < n; i++)); do\n  x=${{xs[$i]}}\n"
            "  acc=$(( {step} ))\ndone\necho \"$acc\"\n",
}
REQUIRED_LANGUAGES = ("python", "c", "cpp", "java", "nodejs", "typescript", "go", "rust", "bash")
KINDS = ("correct", "wrong_init", "wrong_skip")


def solution(problem: str, language: str, kind: str = "correct") -> str:
    init, step, _ = PROBLEMS[problem]
    init = str(int(init) + 1) if kind == "wrong_init" else init
    return TEMPLATES[language].format(init=init, step=step, start=1 if kind == "wrong_skip" else 0)


def tests(problem: str, count: int = 3, seed: int = 15) -> list[dict]:
    """`count` stdin/stdout tests; numbers in [1, 1000] so every language's 64-bit (or double) arithmetic is exact."""
    rng = random.Random(f"{problem}-{seed}")
    init, _, step = PROBLEMS[problem]
    out = []
    for k in range(count):
        xs = [rng.randint(1, 1000) for _ in range(rng.randint(3, 40) if k else 5)]
        acc = int(init)
        for x in xs:
            acc = step(acc, x)
        out.append({"input": f"{len(xs)}\n{' '.join(map(str, xs))}\n", "output": f"{acc}\n"})
    return out
