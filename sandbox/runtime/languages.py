"""The languages the sandbox runs: source file, compile command, run command, memory handling, image family.

Part of the trusted harness (and read by the host too). Stdlib only. Names follow SandboxFusion's
language strings where it has one (python cpp nodejs go java php csharp bash typescript rust lua perl
ruby); `ALIASES` maps what datasets and fenced code blocks also say (c++, js, ts, golang, rs, ...).

Memory: `address_space` languages get RLIMIT_AS = the memory limit, so a bomb fails inside the process.
Managed runtimes reserve far more address space than they use (JVM, V8, Go, Mono), so they get a heap
flag instead, and the container's cgroup (with the candidate first in line for the OOM killer) bounds
the rest.
"""
import re

# {mem} is the per-process memory limit in MiB
LANGUAGES = {
    "python": {"family": "python", "source": "solution.py", "run": ["python3", "-I", "-B", "solution.py"],
               "version": ["python3", "--version"]},
    "c": {"family": "native", "source": "main.c",
          "compile": ["gcc", "-std=gnu11", "-O2", "-pipe", "-o", "main", "main.c", "-lm"], "run": ["./main"],
          "version": ["gcc", "-dumpfullversion"]},
    "cpp": {"family": "native", "source": "main.cpp",
            "compile": ["g++", "-std=gnu++17", "-O2", "-pipe", "-o", "main", "main.cpp"], "run": ["./main"],
            "version": ["g++", "-dumpfullversion"]},
    "cpp20": {"family": "native", "source": "main.cpp",
              "compile": ["g++", "-std=gnu++20", "-O2", "-pipe", "-o", "main", "main.cpp"], "run": ["./main"],
              "version": ["g++", "-dumpfullversion"]},
    "java": {"family": "jvm", "source": "Main.java",
             "compile": ["javac", "-J-XX:-UsePerfData", "-J-XX:+UseSerialGC", "-J-Xss16m", "-encoding", "UTF-8",
                         "-nowarn", "{source}"],
             "run": ["java", "-XX:-UsePerfData", "-XX:+UseSerialGC", "-Xss64m", "-Xmx{mem}m", "-cp", ".", "{main_class}"],
             "address_space": False, "version": ["javac", "-version"]},
    "nodejs": {"family": "node", "source": "main.js",
               "run": ["node", "--stack-size=65500", "--max-old-space-size={mem}", "main.js"],
               "address_space": False, "version": ["node", "--version"]},
    "typescript": {"family": "node", "source": "main.ts",
                   "compile": ["tsc", "--target", "es2020", "--module", "commonjs", "--lib", "es2020,dom",
                               "--strict", "false", "--skipLibCheck", "--pretty", "false",
                               "--outDir", ".", "/opt/verigrade/node-globals.d.ts", "main.ts"],
                   "run": ["node", "--stack-size=65500", "--max-old-space-size={mem}", "main.js"],
                   "address_space": False, "version": ["tsc", "--version"]},
    "go": {"family": "go", "source": "main.go",
           "compile": ["go", "build", "-o", "main", "main.go"], "run": ["./main"],
           "env": {"GOCACHE": "{workdir}/.gocache", "GOPATH": "{workdir}/.gopath", "GO111MODULE": "off",
                   "CGO_ENABLED": "0", "GOTMPDIR": "{workdir}", "GOTOOLCHAIN": "local"},
           "address_space": False, "version": ["go", "version"]},
    "rust": {"family": "rust", "source": "main.rs",
             "compile": ["rustc", "--edition", "2021", "-O", "-o", "main", "main.rs"], "run": ["./main"],
             "version": ["rustc", "--version"]},
    "bash": {"family": "python", "source": "main.sh", "run": ["bash", "main.sh"], "version": ["bash", "--version"]},
    "ruby": {"family": "scripting", "source": "main.rb", "run": ["ruby", "main.rb"], "version": ["ruby", "--version"]},
    "php": {"family": "scripting", "source": "main.php", "run": ["php", "-n", "main.php"],
            "version": ["php", "--version"]},
    "lua": {"family": "scripting", "source": "main.lua", "run": ["lua5.4", "main.lua"], "version": ["lua5.4", "-v"]},
    "perl": {"family": "scripting", "source": "main.pl", "run": ["perl", "main.pl"], "version": ["perl", "-e", "print $^V"]},
    "csharp": {"family": "dotnet", "source": "main.cs",
               "compile": ["mcs", "-optimize+", "-nowarn:0162,0168,0219,0414", "-out:main.exe", "main.cs"],
               "run": ["mono", "main.exe"], "address_space": False, "version": ["mono", "--version"]},
}

# (pids, inodes) one step may use before the runner counts its container as dirty (see hygiene.StepPadding):
# the compile, then each test. Managed runtimes start threads of their own; native binaries one process.
BUDGETS = {
    "default": {"compile": (64, 64), "test": (8, 8)},
    "bash": {"test": (8, 8)},
    "java": {"compile": (192, 192), "test": (64, 8)},
    "nodejs": {"test": (32, 8)},
    "typescript": {"compile": (64, 32), "test": (32, 8)},
    "go": {"compile": (128, 1024), "test": (32, 8)},
    "rust": {"compile": (96, 64), "test": (8, 8)},
    "csharp": {"compile": (64, 32), "test": (32, 8)},
    "python": {"test": (16, 8)},
}

ALIASES = {
    "py": "python", "python3": "python", "c++": "cpp", "cxx": "cpp", "cc": "cpp", "cpp17": "cpp", "c++17": "cpp",
    "gnu++17": "cpp", "c++20": "cpp20", "gnu++20": "cpp20", "js": "nodejs", "javascript": "nodejs", "node": "nodejs",
    "ts": "typescript", "golang": "go", "rs": "rust", "sh": "bash", "shell": "bash", "rb": "ruby", "pl": "perl",
    "cs": "csharp", "c#": "csharp", "java17": "java", "gcc": "c", "h": "c",
}

# the Debian packages of each image family (python3 is in every base)
FAMILY_PACKAGES = {
    "python": (),
    "native": ("gcc", "g++", "libc6-dev"),
    "jvm": ("openjdk-17-jdk-headless",),
    "node": ("nodejs", "node-typescript"),
    "go": ("golang-go",),
    "rust": ("rustc",),
    "scripting": ("ruby", "php-cli", "lua5.4", "perl"),
    "dotnet": ("mono-mcs", "mono-runtime"),
}
REQUIRED = ("python", "c", "cpp", "cpp20", "java", "nodejs", "typescript", "go", "rust", "bash")


def canonical(name):
    """The language's canonical name, or None when unknown (case-insensitive; aliases allowed)."""
    key = str(name or "").strip().lower()
    key = ALIASES.get(key, key)
    return key if key in LANGUAGES else None


_JAVA_PUBLIC = re.compile(r"^\s*public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)", re.M)
_JAVA_CLASS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)")
_JAVA_MAIN = re.compile(r"public\s+static\s+void\s+main\s*\(")


def java_names(code):
    """(file stem, main class) for a Java source: the public class names the file; the class whose body
    declares `public static void main` is run (Main when nothing says otherwise)."""
    public = _JAVA_PUBLIC.search(code)
    stem = public.group(1) if public else "Main"
    main_class = stem
    at = _JAVA_MAIN.search(code)
    if at:
        owners = [m for m in _JAVA_CLASS.finditer(code, 0, at.start())]
        if owners:
            main_class = owners[-1].group(1)
    return stem, main_class


def plan(language, code, memory_mb, workdir, main_class=None):
    """What the runner does for one sample: {source, compile (argv or None), run (argv), env, address_space}.
    `main_class` (Java) overrides the class found in the source (a function-call driver's)."""
    spec = LANGUAGES[language]
    source = spec["source"]
    if language == "java":
        stem, found = java_names(code)
        source = stem + ".java"
        main_class = main_class or found
    main_class = main_class or "Main"
    fill = {"mem": str(max(16, int(memory_mb))), "source": source, "main_class": main_class, "workdir": workdir}

    def expand(argv):
        return [part.format(**fill) for part in argv] if argv else None

    env = {k: v.format(**fill) for k, v in spec.get("env", {}).items()}
    budgets = dict(BUDGETS["default"], **BUDGETS.get(language, {}))
    return {"source": source, "compile": expand(spec.get("compile")), "run": expand(spec["run"]), "env": env,
            "address_space": spec.get("address_space", True), "budgets": budgets}
