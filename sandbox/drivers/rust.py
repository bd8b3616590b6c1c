"""The Rust driver: a trait picks each argument's conversion from the parameter type the candidate's function
declares (i64/i32/isize/usize/..., f64/f32, bool, String, Vec, HashMap/BTreeMap, Option, tuples up to 4),
and another writes the result as JSON."""
from __future__ import annotations

import json

from sandbox.calltypes import Type

DRIVER = r"""
#[allow(dead_code, unused_imports)]
mod vgdrv {
    pub enum V { Null, Bool(bool), Int(i64), Float(f64), Str(String), Arr(Vec<V>) }
    pub struct P<'a> { s: &'a [u8], i: usize }
    impl<'a> P<'a> {
        pub fn new(s: &'a str) -> Self { P { s: s.as_bytes(), i: 0 } }
        fn ws(&mut self) { while self.i < self.s.len() && (self.s[self.i] as char).is_whitespace() { self.i += 1; } }
        pub fn parse(&mut self) -> V {
            self.ws();
            match self.s[self.i] {
                b'n' => { self.i += 4; V::Null }
                b't' => { self.i += 4; V::Bool(true) }
                b'f' => { self.i += 5; V::Bool(false) }
                b'"' => {
                    self.i += 1;
                    let mut out: Vec<u8> = Vec::new();
                    while self.s[self.i] != b'"' {
                        if self.s[self.i] != b'\\' { out.push(self.s[self.i]); self.i += 1; continue; }
                        let c = self.s[self.i + 1];
                        self.i += 2;
                        match c {
                            b'n' => out.push(b'\n'), b't' => out.push(b'\t'), b'r' => out.push(b'\r'),
                            b'b' => out.push(8), b'f' => out.push(12),
                            b'u' => {
                                let hex = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
                                let cp = u32::from_str_radix(hex, 16).unwrap();
                                self.i += 4;
                                let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                            other => out.push(other),
                        }
                    }
                    self.i += 1;
                    V::Str(String::from_utf8_lossy(&out).into_owned())
                }
                b'[' => {
                    self.i += 1;
                    let mut items = Vec::new();
                    self.ws();
                    if self.s[self.i] == b']' { self.i += 1; return V::Arr(items); }
                    loop {
                        items.push(self.parse());
                        self.ws();
                        let c = self.s[self.i];
                        self.i += 1;
                        if c != b',' { break; }
                    }
                    V::Arr(items)
                }
                _ => {
                    let start = self.i;
                    while self.i < self.s.len() && b"+-0123456789.eE".contains(&self.s[self.i]) { self.i += 1; }
                    let t = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                    if t.contains(|c| c == '.' || c == 'e' || c == 'E') { V::Float(t.parse().unwrap()) } else { V::Int(t.parse().unwrap()) }
                }
            }
        }
    }
    pub fn items(v: &V) -> &Vec<V> { match v { V::Arr(a) => a, _ => panic!("verigrade driver: not a list") } }
    pub trait FromV: Sized { fn from_v(v: &V) -> Self; }
    macro_rules! ints { ($($t:ty),*) => { $(impl FromV for $t { fn from_v(v: &V) -> Self { match v { V::Int(i) => *i as $t, _ => panic!("verigrade driver: not an int") } } })* } }
    ints!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
    impl FromV for f64 { fn from_v(v: &V) -> Self { match v { V::Int(i) => *i as f64, V::Float(f) => *f, _ => panic!("verigrade driver: not a float") } } }
    impl FromV for f32 { fn from_v(v: &V) -> Self { f64::from_v(v) as f32 } }
    impl FromV for bool { fn from_v(v: &V) -> Self { match v { V::Bool(b) => *b, _ => panic!("verigrade driver: not a bool") } } }
    impl FromV for String { fn from_v(v: &V) -> Self { match v { V::Str(s) => s.clone(), _ => panic!("verigrade driver: not a str") } } }
    impl<T: FromV> FromV for Vec<T> { fn from_v(v: &V) -> Self { items(v).iter().map(T::from_v).collect() } }
    impl<T: FromV> FromV for Option<T> { fn from_v(v: &V) -> Self { match v { V::Null => None, x => Some(T::from_v(x)) } } }
    impl<K: FromV + Eq + std::hash::Hash, T: FromV> FromV for std::collections::HashMap<K, T> {
        fn from_v(v: &V) -> Self { items(v).iter().map(|e| { let p = items(e); (K::from_v(&p[0]), T::from_v(&p[1])) }).collect() }
    }
    impl<K: FromV + Ord, T: FromV> FromV for std::collections::BTreeMap<K, T> {
        fn from_v(v: &V) -> Self { items(v).iter().map(|e| { let p = items(e); (K::from_v(&p[0]), T::from_v(&p[1])) }).collect() }
    }
    impl<A: FromV, B: FromV> FromV for (A, B) { fn from_v(v: &V) -> Self { let a = items(v); (A::from_v(&a[0]), B::from_v(&a[1])) } }
    impl<A: FromV, B: FromV, C: FromV> FromV for (A, B, C) { fn from_v(v: &V) -> Self { let a = items(v); (A::from_v(&a[0]), B::from_v(&a[1]), C::from_v(&a[2])) } }
    impl<A: FromV, B: FromV, C: FromV, D: FromV> FromV for (A, B, C, D) { fn from_v(v: &V) -> Self { let a = items(v); (A::from_v(&a[0]), B::from_v(&a[1]), C::from_v(&a[2]), D::from_v(&a[3])) } }

    pub trait ToJ { fn to_j(&self, o: &mut String); }
    macro_rules! int_out { ($($t:ty),*) => { $(impl ToJ for $t { fn to_j(&self, o: &mut String) { o.push_str(&self.to_string()); } })* } }
    int_out!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
    impl ToJ for f64 {
        fn to_j(&self, o: &mut String) {
            if self.is_nan() { o.push_str("NaN") } else if self.is_infinite() { o.push_str(if *self > 0.0 { "Infinity" } else { "-Infinity" }) } else { o.push_str(&format!("{:e}", self)) }
        }
    }
    impl ToJ for f32 { fn to_j(&self, o: &mut String) { (*self as f64).to_j(o) } }
    impl ToJ for bool { fn to_j(&self, o: &mut String) { o.push_str(if *self { "true" } else { "false" }) } }
    impl ToJ for str {
        fn to_j(&self, o: &mut String) {
            o.push('"');
            for c in self.chars() {
                match c { '"' => o.push_str("\\\""), '\\' => o.push_str("\\\\"), c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)), c => o.push(c) }
            }
            o.push('"');
        }
    }
    impl ToJ for String { fn to_j(&self, o: &mut String) { self.as_str().to_j(o) } }
    impl ToJ for char { fn to_j(&self, o: &mut String) { self.to_string().to_j(o) } }
    impl<T: ToJ + ?Sized> ToJ for &T { fn to_j(&self, o: &mut String) { (**self).to_j(o) } }
    impl<T: ToJ> ToJ for [T] { fn to_j(&self, o: &mut String) { o.push('['); for (i, x) in self.iter().enumerate() { if i > 0 { o.push(',') } x.to_j(o) } o.push(']') } }
    impl<T: ToJ> ToJ for Vec<T> { fn to_j(&self, o: &mut String) { self.as_slice().to_j(o) } }
    impl<T: ToJ> ToJ for Option<T> { fn to_j(&self, o: &mut String) { match self { None => o.push_str("null"), Some(x) => x.to_j(o) } } }
    fn pairs<'a, K: ToJ + 'a, T: ToJ + 'a>(it: impl Iterator<Item = (&'a K, &'a T)>, o: &mut String) {
        o.push('[');
        for (i, (k, v)) in it.enumerate() { if i > 0 { o.push(',') } o.push('['); k.to_j(o); o.push(','); v.to_j(o); o.push(']') }
        o.push(']')
    }
    impl<K: ToJ, T: ToJ> ToJ for std::collections::HashMap<K, T> { fn to_j(&self, o: &mut String) { pairs(self.iter(), o) } }
    impl<K: ToJ, T: ToJ> ToJ for std::collections::BTreeMap<K, T> { fn to_j(&self, o: &mut String) { pairs(self.iter(), o) } }
    impl<A: ToJ, B: ToJ> ToJ for (A, B) { fn to_j(&self, o: &mut String) { o.push('['); self.0.to_j(o); o.push(','); self.1.to_j(o); o.push(']') } }
    impl<A: ToJ, B: ToJ, C: ToJ> ToJ for (A, B, C) { fn to_j(&self, o: &mut String) { o.push('['); self.0.to_j(o); o.push(','); self.1.to_j(o); o.push(','); self.2.to_j(o); o.push(']') } }
    impl<A: ToJ, B: ToJ, C: ToJ, D: ToJ> ToJ for (A, B, C, D) { fn to_j(&self, o: &mut String) { o.push('['); self.0.to_j(o); o.push(','); self.1.to_j(o); o.push(','); self.2.to_j(o); o.push(','); self.3.to_j(o); o.push(']') } }
}

fn main() {
    use std::io::Write;
    use std::os::unix::io::FromRawFd;
    let vg_argv: Vec<String> = std::env::args().collect();
    let vg_index: usize = vg_argv[1].parse().unwrap();
    let vg_fd: i32 = vg_argv[vg_argv.len() - 1].parse().unwrap();
    let vg_all = vgdrv::P::new(%(hashes)s"%(args)s"%(hashes_end)s).parse();
    let vg_a = vgdrv::items(&vgdrv::items(&vg_all)[vg_index]);
    let vg_result = %(fn)s(%(call)s);
    let mut vg_out = String::new();
    vgdrv::ToJ::to_j(&vg_result, &mut vg_out);
    vg_out.push('\n');
    let mut vg_file = unsafe { std::fs::File::from_raw_fd(vg_fd) };
    vg_file.write_all(vg_out.as_bytes()).unwrap();
}
"""


def driver(code: str, fn: str, params: list[Type], returns: Type, args: list[list]) -> str:
    text = json.dumps(args, ensure_ascii=False)
    hashes = "#"
    while f'"{hashes}' in text:
        hashes += "#"
    call = ", ".join(f"vgdrv::FromV::from_v(&vg_a[{i}])" for i in range(len(params)))
    return code + "\n" + DRIVER % {"hashes": "r" + hashes, "hashes_end": hashes, "args": text, "fn": fn, "call": call}
