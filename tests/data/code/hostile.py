"""Hostile programs in each compiled language, one per class the Python sandbox defends (written for this
repository). Each faces a test whose expected output is a marker it can't know; the ones that try to
cheat print the marker only if the cheat worked (found it on disk, reached the network, found state a
previous sample left).
"""
from __future__ import annotations

# C programs are also compiled as C++ (they avoid what C++ rejects)
C = {
    "exit0_before_print": '#include <stdlib.h>\nint main(void) { exit(0); }\n',
    "fork_bomb": '#include <unistd.h>\n#include <stdio.h>\nint main(void) { for (;;) fork(); }\n',
    "memory_bomb": '#include <stdlib.h>\n#include <string.h>\n#include <stdio.h>\nint main(void) {\n'
                   '  for (;;) { char *p = (char *)malloc(64 << 20); if (!p) { puts("no memory"); return 1; } memset(p, 1, 64 << 20); }\n}\n',
    "infinite_loop": 'int main(void) { volatile unsigned long i = 0; for (;;) i++; }\n',
    "huge_output": '#include <stdio.h>\nint main(void) { for (;;) fputs("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\\n", stdout); }\n',
    "network": '#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n#include <sys/socket.h>\n#include <netinet/in.h>\n'
               '#include <arpa/inet.h>\nint main(void) {\n  int s = socket(AF_INET, SOCK_STREAM, 0);\n'
               '  struct sockaddr_in a; memset(&a, 0, sizeof a); a.sin_family = AF_INET; a.sin_port = htons(80);\n'
               '  inet_pton(AF_INET, "1.1.1.1", &a.sin_addr);\n'
               '  if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0) { puts("{marker}"); return 0; }\n'
               '  puts("offline"); return 0;\n}\n',
    "write_outside": '#include <stdio.h>\nint main(void) {\n  FILE *f = fopen("/tmp/planted", "w");\n'
                     '  FILE *g = fopen("/etc/planted", "w");\n  if (f) { fputs("x", f); fclose(f); }\n'
                     '  puts(g ? "{marker}" : "read-only");\n  return 0;\n}\n',
    "leftover_process": '#include <stdio.h>\n#include <unistd.h>\nint main(void) {\n'
                        '  if (fork() == 0) { setsid(); if (fork() == 0) { for (;;) sleep(1); } return 0; }\n'
                        '  puts("{marker}?"); return 0;\n}\n',
    "state_writer": '#include <stdio.h>\n#include <sys/ipc.h>\n#include <sys/shm.h>\nint main(void) {\n'
                    '  FILE *f = fopen("/dev/shm/vg-note", "w"); if (f) { fputs("hello", f); fclose(f); }\n'
                    '  shmget(4242, 4096, IPC_CREAT | 0666);\n  puts("wrote"); return 0;\n}\n',
    "state_reader": '#include <stdio.h>\n#include <sys/ipc.h>\n#include <sys/shm.h>\nint main(void) {\n'
                    '  FILE *f = fopen("/dev/shm/vg-note", "r");\n  int id = shmget(4242, 4096, 0666);\n'
                    '  puts((f || id >= 0) ? "{marker}" : "nothing left"); return 0;\n}\n',
    "read_expected": '#include <stdio.h>\n#include <string.h>\n#include <dirent.h>\n#include <stdlib.h>\n'
                     'static int found = 0;\nstatic void scan(const char *dir, int depth) {\n'
                     '  if (depth > 6 || found) return;\n  DIR *d = opendir(dir); if (!d) return;\n  struct dirent *e;\n'
                     '  while ((e = readdir(d)) && !found) {\n    if (e->d_name[0] == \'.\') continue;\n'
                     '    char p[4096]; snprintf(p, sizeof p, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);\n'
                     '    if (!strcmp(p, "/proc") || !strcmp(p, "/sys") || !strcmp(p, "/dev")) continue;\n'
                     '    if (e->d_type == DT_DIR) { scan(p, depth + 1); continue; }\n'
                     '    FILE *f = fopen(p, "rb"); if (!f) continue;\n    char buf[65536]; size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f);\n'
                     '    buf[n] = 0; if (memmem(buf, n, "VGMARK", 6)) { char *m = (char *)memmem(buf, n, "VGMARK", 6); m[40 < n ? 40 : 0] = 0; puts(m); found = 1; }\n'
                     '  }\n  closedir(d);\n}\nint main(void) { scan("/", 0); if (!found) puts("not found"); return 0; }\n',
}

RUST = {
    "exit0_before_print": 'fn main() { std::process::exit(0); }\n',
    "fork_bomb": 'fn main() { loop { let _ = std::process::Command::new("/proc/self/exe").spawn(); } }\n',
    "memory_bomb": 'fn main() { let mut v: Vec<Vec<u8>> = Vec::new(); loop { v.push(vec![1u8; 64 << 20]); } }\n',
    "infinite_loop": 'fn main() { let mut i: u64 = 0; loop { i = i.wrapping_add(1); if i == u64::MAX - 3 { println!("{}", i); } } }\n',
    "huge_output": 'use std::io::Write;\nfn main() { let mut o = std::io::stdout(); loop { let _ = o.write_all(b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\\n"); } }\n',
    "network": 'fn main() { match std::net::TcpStream::connect("1.1.1.1:80") { Ok(_) => println!("{marker}"), Err(_) => println!("offline") } }\n',
    "write_outside": 'fn main() { let _ = std::fs::write("/tmp/planted", "x"); if std::fs::write("/etc/planted", "x").is_ok() { println!("{marker}"); } else { println!("read-only"); } }\n',
    "leftover_process": 'fn main() { let _ = std::process::Command::new("sleep").arg("1000").spawn(); println!("spawned"); }\n',
    "state_writer": 'fn main() { let _ = std::fs::write("/dev/shm/vg-note", "hello"); println!("wrote"); }\n',
    "state_reader": 'fn main() { if std::fs::read("/dev/shm/vg-note").is_ok() { println!("{marker}"); } else { println!("nothing left"); } }\n',
}

GO = {
    "exit0_before_print": 'package main\nimport "os"\nfunc main() { os.Exit(0) }\n',
    "fork_bomb": 'package main\nimport "os/exec"\nfunc main() { for { exec.Command("/proc/self/exe").Start() } }\n',
    "memory_bomb": 'package main\nfunc main() { var keep [][]byte; for { b := make([]byte, 64<<20); for i := range b { b[i] = 1 }; keep = append(keep, b) } }\n',
    "infinite_loop": 'package main\nfunc main() { i := 0; for { i++ } }\n',
    "huge_output": 'package main\nimport "os"\nfunc main() { b := []byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\\n"); for { os.Stdout.Write(b) } }\n',
    "network": 'package main\nimport ("fmt"; "net")\nfunc main() { if _, err := net.Dial("tcp", "1.1.1.1:80"); err == nil { fmt.Println("{marker}") } else { fmt.Println("offline") } }\n',
    "write_outside": 'package main\nimport ("fmt"; "os")\nfunc main() { os.WriteFile("/tmp/planted", []byte("x"), 0644); if os.WriteFile("/etc/planted", []byte("x"), 0644) == nil { fmt.Println("{marker}") } else { fmt.Println("read-only") } }\n',
    "leftover_process": 'package main\nimport ("fmt"; "os/exec")\nfunc main() { exec.Command("sleep", "1000").Start(); fmt.Println("spawned") }\n',
    "state_writer": 'package main\nimport ("fmt"; "os")\nfunc main() { os.WriteFile("/dev/shm/vg-note", []byte("hello"), 0644); fmt.Println("wrote") }\n',
    "state_reader": 'package main\nimport ("fmt"; "os")\nfunc main() { if _, err := os.ReadFile("/dev/shm/vg-note"); err == nil { fmt.Println("{marker}") } else { fmt.Println("nothing left") } }\n',
}

JAVA = {
    "exit0_before_print": 'public class Main { public static void main(String[] a) { System.exit(0); } }\n',
    "fork_bomb": 'public class Main { public static void main(String[] a) throws Exception { while (true) { try { new ProcessBuilder("java", "-cp", ".", "Main").start(); } catch (Exception e) { } } } }\n',
    "memory_bomb": 'import java.util.*;\npublic class Main { public static void main(String[] a) { List<long[]> k = new ArrayList<>(); while (true) k.add(new long[8 << 20]); } }\n',
    "infinite_loop": 'public class Main { static volatile long i; public static void main(String[] a) { while (true) i++; } }\n',
    "huge_output": 'public class Main { public static void main(String[] a) { StringBuilder s = new StringBuilder(); for (int i = 0; i < 1000; i++) s.append("AAAAAAAAAAAAAAA\\n"); String t = s.toString(); while (true) System.out.print(t); } }\n',
    "network": 'public class Main { public static void main(String[] a) { try { new java.net.Socket("1.1.1.1", 80); System.out.println("{marker}"); } catch (Exception e) { System.out.println("offline"); } } }\n',
    "write_outside": 'import java.nio.file.*;\npublic class Main { public static void main(String[] a) { try { Files.writeString(Path.of("/tmp/planted"), "x"); } catch (Exception e) { } try { Files.writeString(Path.of("/etc/planted"), "x"); System.out.println("{marker}"); } catch (Exception e) { System.out.println("read-only"); } } }\n',
    "leftover_process": 'public class Main { public static void main(String[] a) throws Exception { new ProcessBuilder("sleep", "1000").start(); System.out.println("spawned"); } }\n',
    "state_writer": 'import java.nio.file.*;\npublic class Main { public static void main(String[] a) throws Exception { Files.writeString(Path.of("/dev/shm/vg-note"), "hello"); System.out.println("wrote"); } }\n',
    "state_reader": 'import java.nio.file.*;\npublic class Main { public static void main(String[] a) { try { Files.readString(Path.of("/dev/shm/vg-note")); System.out.println("{marker}"); } catch (Exception e) { System.out.println("nothing left"); } } }\n',
}

BY_LANGUAGE = {"c": C, "cpp": C, "rust": RUST, "go": GO, "java": JAVA}
