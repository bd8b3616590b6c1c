"""The Go driver: its imports (aliased, so they never clash with the candidate's) go after the package clause;
the arguments are converted by reflection to the parameter types the candidate's function declares
(int of any size, float32/64, bool, string, slices, maps, pointers for Optional); several return values
come back as one tuple."""
from __future__ import annotations

import json
import re

from sandbox.calltypes import Type

IMPORTS = """
import (
\tvgjson "encoding/json"
\tvgmath "math"
\tvgos "os"
\tvgreflect "reflect"
\tvgstrconv "strconv"
\tvgstrings "strings"
)
"""

DRIVER = r"""
func vgConv(v interface{}, t vgreflect.Type) vgreflect.Value {
	switch t.Kind() {
	case vgreflect.Int, vgreflect.Int8, vgreflect.Int16, vgreflect.Int32, vgreflect.Int64:
		i, _ := v.(vgjson.Number).Int64()
		return vgreflect.ValueOf(i).Convert(t)
	case vgreflect.Uint, vgreflect.Uint8, vgreflect.Uint16, vgreflect.Uint32, vgreflect.Uint64:
		i, _ := v.(vgjson.Number).Int64()
		return vgreflect.ValueOf(uint64(i)).Convert(t)
	case vgreflect.Float32, vgreflect.Float64:
		f, _ := v.(vgjson.Number).Float64()
		return vgreflect.ValueOf(f).Convert(t)
	case vgreflect.Bool:
		return vgreflect.ValueOf(v.(bool)).Convert(t)
	case vgreflect.String:
		return vgreflect.ValueOf(v.(string)).Convert(t)
	case vgreflect.Slice:
		l := v.([]interface{})
		s := vgreflect.MakeSlice(t, len(l), len(l))
		for i, x := range l {
			s.Index(i).Set(vgConv(x, t.Elem()))
		}
		return s
	case vgreflect.Map:
		m := vgreflect.MakeMap(t)
		for _, e := range v.([]interface{}) {
			p := e.([]interface{})
			m.SetMapIndex(vgConv(p[0], t.Key()), vgConv(p[1], t.Elem()))
		}
		return m
	case vgreflect.Ptr:
		if v == nil {
			return vgreflect.Zero(t)
		}
		p := vgreflect.New(t.Elem())
		p.Elem().Set(vgConv(v, t.Elem()))
		return p
	case vgreflect.Interface:
		if v == nil {
			return vgreflect.Zero(t)
		}
		return vgreflect.ValueOf(v)
	}
	panic("verigrade driver: unsupported parameter type " + t.String())
}

func vgOut(b []byte, v vgreflect.Value) []byte {
	switch v.Kind() {
	case vgreflect.Int, vgreflect.Int8, vgreflect.Int16, vgreflect.Int32, vgreflect.Int64:
		return vgstrconv.AppendInt(b, v.Int(), 10)
	case vgreflect.Uint, vgreflect.Uint8, vgreflect.Uint16, vgreflect.Uint32, vgreflect.Uint64:
		return vgstrconv.AppendUint(b, v.Uint(), 10)
	case vgreflect.Float32, vgreflect.Float64:
		f := v.Float()
		if vgmath.IsNaN(f) {
			return append(b, "NaN"...)
		}
		if vgmath.IsInf(f, 1) {
			return append(b, "Infinity"...)
		}
		if vgmath.IsInf(f, -1) {
			return append(b, "-Infinity"...)
		}
		return vgstrconv.AppendFloat(b, f, 'g', -1, 64)
	case vgreflect.Bool:
		return vgstrconv.AppendBool(b, v.Bool())
	case vgreflect.String:
		s, _ := vgjson.Marshal(v.String())
		return append(b, s...)
	case vgreflect.Slice, vgreflect.Array:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = vgOut(b, v.Index(i))
		}
		return append(b, ']')
	case vgreflect.Map:
		b = append(b, '[')
		for i, k := range v.MapKeys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = vgOut(b, k)
			b = append(b, ',')
			b = vgOut(b, v.MapIndex(k))
			b = append(b, ']')
		}
		return append(b, ']')
	case vgreflect.Ptr, vgreflect.Interface:
		if v.IsNil() {
			return append(b, "null"...)
		}
		return vgOut(b, v.Elem())
	}
	return append(b, "{}"...)
}

func main() {
	dec := vgjson.NewDecoder(vgstrings.NewReader(%(args)s))
	dec.UseNumber()
	var all []interface{}
	if err := dec.Decode(&all); err != nil {
		panic(err)
	}
	idx, _ := vgstrconv.Atoi(vgos.Args[1])
	fd, _ := vgstrconv.Atoi(vgos.Args[len(vgos.Args)-1])
	fn := vgreflect.ValueOf(%(fn)s)
	given := all[idx].([]interface{})
	in := make([]vgreflect.Value, fn.Type().NumIn())
	for i := range in {
		in[i] = vgConv(given[i], fn.Type().In(i))
	}
	outs := fn.Call(in)
	var b []byte
	if len(outs) == 1 {
		b = vgOut(b, outs[0])
	} else {
		b = append(b, '[')
		for i, o := range outs {
			if i > 0 {
				b = append(b, ',')
			}
			b = vgOut(b, o)
		}
		b = append(b, ']')
	}
	b = append(b, '\n')
	vgos.NewFile(uintptr(fd), "result").Write(b)
}
"""

_PACKAGE = re.compile(r"^\s*package\s+\w+\s*$", re.M)


def driver(code: str, fn: str, params: list[Type], returns: Type, args: list[list]) -> str:
    body = DRIVER % {"args": json.dumps(json.dumps(args), ensure_ascii=False), "fn": fn}
    match = _PACKAGE.search(code)
    if match is None:
        return "package main\n" + IMPORTS + code + "\n" + body
    return "package main\n" + code[:match.start()] + IMPORTS + code[match.end():] + "\n" + body
