"""Runs *inside the candidate's interpreter*: load the candidate's code, then answer call requests.

Nothing here is trusted: the candidate can patch or replace all of it. It only ever hands back plain
literal values (see literal.py) over a pipe; the verdict is decided elsewhere. Stdlib only.
Usage: python3 -I candidate.py <code_path> <module_name> <ctrl_in_fd> <ctrl_out_fd>
"""
import json
import os
import sys


def _send(out, message: dict) -> None:
    out.write((json.dumps(message) + "\n").encode())
    out.flush()


def _short_tb(exc: BaseException) -> str:
    import traceback

    lines = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4)
    return "".join(lines)[-2000:]


def main() -> None:
    code_path, module_name = sys.argv[1], sys.argv[2]
    ctrl_in = os.fdopen(int(sys.argv[3]), "rb")
    ctrl_out = os.fdopen(int(sys.argv[4]), "wb")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import literal  # noqa: E402 - our own directory, after the path insert

    sys.path.pop(0)
    sys.path.insert(0, os.path.dirname(code_path))
    sys.argv = [code_path]
    with open(code_path, encoding="utf-8") as fh:
        source = fh.read()
    namespace = {"__name__": module_name, "__file__": code_path, "__builtins__": __builtins__}
    try:
        exec(compile(source, "solution.py", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001 - report everything, including SystemExit
        _send(ctrl_out, {"ready": False, "error": f"{type(exc).__name__}: {exc}"[:500], "tb": _short_tb(exc)})
        return
    _send(ctrl_out, {"ready": True})
    for line in ctrl_in:
        request = json.loads(line)
        name = request["fn"]
        fn = namespace.get(name)
        if not callable(fn):
            _send(ctrl_out, {"ok": False, "error": f"NameError: the code does not define a function {name!r}",
                             "exc_type": "NameError"})
            continue
        try:
            args = literal.decode_trusted(request["args"])
            kwargs = literal.decode_trusted(request.get("kwargs", "{}"))
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            _send(ctrl_out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
                             "exc_type": type(exc).__name__, "tb": _short_tb(exc)})
            continue
        try:
            encoded = literal.encode(value)
        except (TypeError, ValueError, RecursionError) as exc:
            _send(ctrl_out, {"ok": False, "error": f"return value rejected: {exc}"[:500], "exc_type": "NotTransportable"})
            continue
        _send(ctrl_out, {"ok": True, "value": encoded})


if __name__ == "__main__":
    main()
