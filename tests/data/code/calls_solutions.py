"""Function-call (MultiPL-E style) solutions written for this repository: `count_words` and `mean_and_max` in
every language with a driver, a correct and a wrong (off-by-one / wrong aggregate) version of each."""
from __future__ import annotations

COUNT_WORDS_SIGNATURE = "def count_words(text: str, min_len: int) -> dict[str, int]"
COUNT_WORDS_TESTS = [[["a bb bb ccc", 2], {"bb": 2, "ccc": 1}], [["x y z", 1], {"x": 1, "y": 1, "z": 1}],
                     [["hello hello world", 6], {}], [["naïve café naïve", 5], {"naïve": 2}], [["café café", 4], {"café": 2}]]
MEAN_AND_MAX_SIGNATURE = "def mean_and_max(xs: list[float]) -> tuple[float, float]"
MEAN_AND_MAX_TESTS = [[[[1.0, 2.0, 4.5]], [2.5, 4.5]], [[[-3.0]], [-3.0, -3.0]], [[[0.1, 0.2]], [0.15, 0.2]]]

COUNT_WORDS = {
    "cpp": "#include <bits/stdc++.h>\nstd::map<std::string, long> count_words(std::string text, long min_len) {\n"
           "  std::map<std::string, long> m; std::istringstream in(text); std::string w;\n"
           "  while (in >> w) { long n = 0; for (unsigned char c : w) n += (c & 0xC0) != 0x80;\n"
           "    if (n >= min_len) m[w]++; }\n  return m;\n}\n",
    "java": "import java.util.*;\nclass Solution {\n  public static Map<String, Long> count_words(String text, long minLen) {\n"
            "    Map<String, Long> m = new HashMap<>();\n    for (String w : text.trim().split(\"\\\\s+\"))\n"
            "      if (!w.isEmpty() && w.length() >= minLen) m.merge(w, 1L, Long::sum);\n    return m;\n  }\n}\n",
    "go": "package main\n\nimport (\n\t\"strings\"\n\t\"unicode/utf8\"\n)\n\nfunc count_words(text string, minLen int) map[string]int {\n"
          "\tm := map[string]int{}\n\tfor _, w := range strings.Fields(text) {\n\t\tif utf8.RuneCountInString(w) >= minLen {\n"
          "\t\t\tm[w]++\n\t\t}\n\t}\n\treturn m\n}\n",
    "rust": "use std::collections::HashMap;\nfn count_words(text: String, min_len: i64) -> HashMap<String, i64> {\n"
            "    let mut m = HashMap::new();\n    for w in text.split_whitespace() {\n"
            "        if w.chars().count() as i64 >= min_len { *m.entry(w.to_string()).or_insert(0) += 1; }\n    }\n    m\n}\n",
    "nodejs": "function count_words(text, minLen) {\n  const m = {};\n  for (const w of text.split(/\\s+/).filter(Boolean))\n"
              "    if ([...w].length >= minLen) m[w] = (m[w] || 0) + 1;\n  return m;\n}\n",
    "typescript": "function count_words(text: string, minLen: number): { [w: string]: number } {\n"
                  "  const m: { [w: string]: number } = {};\n  for (const w of text.split(/\\s+/).filter(Boolean))\n"
                  "    if (Array.from(w).length >= minLen) m[w] = (m[w] || 0) + 1;\n  return m;\n}\n",
}

MEAN_AND_MAX = {
    "cpp": "#include <bits/stdc++.h>\nstd::pair<double, double> mean_and_max(std::vector<double> xs) {\n"
           "  double s = 0, mx = xs[0]; for (double x : xs) { s += x; mx = std::max(mx, x); }\n  return {s / xs.size(), mx};\n}\n",
    "java": "import java.util.*;\nclass Solution {\n  static double[] mean_and_max(List<Double> xs) {\n"
            "    double s = 0, mx = xs.get(0); for (double x : xs) { s += x; mx = Math.max(mx, x); }\n"
            "    return new double[] {s / xs.size(), mx};\n  }\n}\n",
    "go": "package main\n\nfunc mean_and_max(xs []float64) (float64, float64) {\n\ts, mx := 0.0, xs[0]\n"
          "\tfor _, x := range xs {\n\t\ts += x\n\t\tif x > mx {\n\t\t\tmx = x\n\t\t}\n\t}\n\treturn s / float64(len(xs)), mx\n}\n",
    "rust": "fn mean_and_max(xs: Vec<f64>) -> (f64, f64) {\n    let s: f64 = xs.iter().sum();\n"
            "    let mx = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);\n    (s / xs.len() as f64, mx)\n}\n",
    "nodejs": "function mean_and_max(xs) {\n  return [xs.reduce((a, b) => a + b, 0) / xs.length, Math.max(...xs)];\n}\n",
    "typescript": "function mean_and_max(xs: number[]): [number, number] {\n"
                  "  return [xs.reduce((a, b) => a + b, 0) / xs.length, Math.max(...xs)];\n}\n",
}


def wrong_count_words(language: str) -> str:
    """Off by one: words must be longer than min_len."""
    return COUNT_WORDS[language].replace(">= min_len", "> min_len").replace(">= minLen", "> minLen")


def wrong_mean_and_max(language: str) -> str:
    """The mean divides by one element too many."""
    code = MEAN_AND_MAX[language]
    for old, new in (("s / xs.size()", "s / (xs.size() + 1)"), ("s / float64(len(xs))", "s / float64(len(xs)+1)"),
                     ("s / xs.len() as f64", "s / (xs.len() + 1) as f64"), ("/ xs.length", "/ (xs.length + 1)")):
        code = code.replace(old, new)
    return code
