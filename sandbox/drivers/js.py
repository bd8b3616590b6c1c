"""The JavaScript / TypeScript driver: calls the entry point with one test's arguments (JSON) and writes the
result, by the declared return type, as one JSON line to the control pipe (the last argv entry)."""
from __future__ import annotations

import json

from sandbox.calltypes import Type

TEMPLATE = """
;(function () {
  const vgArgs = %(args)s;
  const vgType = %(type)s;
  const vgFs = require("fs");
  const vgParams = %(params)s;
  function vgIn(v, t) {
    if (v === null) return null;
    if (t[0] === "optional") return vgIn(v, t[1]);
    if (t[0] === "list") return v.map((x) => vgIn(x, t[1]));
    if (t[0] === "tuple") return v.map((x, i) => vgIn(x, t[1][i]));
    if (t[0] === "dict") { const o = {}; for (const [k, x] of v) o[k] = vgIn(x, t[2]); return o; }
    return v;
  }
  function vgOut(v, t) {
    if (t[0] === "optional") return v === null || v === undefined ? "null" : vgOut(v, t[1]);
    if (t[0] === "int") {
      if (typeof v === "bigint") return v.toString();
      return typeof v === "number" && Number.isInteger(v) ? String(v) : JSON.stringify(String(v));
    }
    if (t[0] === "float") {
      if (typeof v !== "number") return JSON.stringify(String(v));
      if (Number.isNaN(v)) return "NaN";
      if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
      return String(v);
    }
    if (t[0] === "bool") return typeof v === "boolean" ? String(v) : JSON.stringify(String(v));
    if (t[0] === "str") return typeof v === "string" ? JSON.stringify(v) : "null";
    if (t[0] === "list" || t[0] === "tuple") {
      if (!Array.isArray(v)) return "{}";
      return "[" + v.map((x, i) => vgOut(x, t[0] === "list" ? t[1] : t[1][i] || ["str"])).join(",") + "]";
    }
    const entries = v instanceof Map ? Array.from(v.entries()) : Object.entries(v || {});
    return "[" + entries.map(([k, x]) => {
      const key = typeof k === "string" && t[1][0] === "int" && /^-?[0-9]+$/.test(k) ? Number(k) : k;
      return "[" + vgOut(key, t[1]) + "," + vgOut(x, t[2]) + "]";
    }).join(",") + "]";
  }
  const vgIndex = Number(process.argv[2]);
  const vgFd = Number(process.argv[process.argv.length - 1]);
  const vgCall = vgArgs[vgIndex].map((x, i) => vgIn(x, vgParams[i]));
  const vgResult = (%(fn)s%(cast)s)(...vgCall);
  vgFs.writeSync(vgFd, vgOut(vgResult, vgType) + "\\n");
})();
"""


def _jtype(t: Type) -> list:
    if t[0] == "tuple":
        return ["tuple", [_jtype(x) for x in t[1]]]
    return [t[0]] + [_jtype(x) for x in t[1:]]


def driver(code: str, fn: str, params: list[Type], returns: Type, args: list[list], cast: str = "") -> str:
    return code + "\n" + TEMPLATE % {"args": json.dumps(args), "type": json.dumps(_jtype(returns)), "fn": fn,
                                     "params": json.dumps([_jtype(p) for p in params]), "cast": cast}


def ts_driver(code: str, fn: str, params: list[Type], returns: Type, args: list[list]) -> str:
    program = driver(code, fn, params, returns, args, cast=" as any")
    return program.replace("function vgIn(v, t)", "function vgIn(v: any, t: any): any").replace(
        "function vgOut(v, t)", "function vgOut(v: any, t: any): string").replace(
        "const o = {};", "const o: any = {};").replace("(x) =>", "(x: any) =>").replace(
        "(x, i) =>", "(x: any, i: number) =>").replace("([k, x]) =>", "([k, x]: any) =>").replace(
        "const vgArgs =", "const vgArgs: any =").replace("const vgParams =", "const vgParams: any =").replace(
        "const vgType =", "const vgType: any =")
