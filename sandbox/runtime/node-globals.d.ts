// Node's globals for TypeScript programs (Debian ships no @types/node): loosely typed, enough for
// reading stdin and writing stdout the way competitive-programming and MultiPL-E code does.
declare var require: any;
declare var process: any;
declare var module: any;
declare var exports: any;
declare var Buffer: any;
declare var __dirname: string;
declare var __filename: string;
