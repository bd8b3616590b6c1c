"""What the trusted runner does between tests and samples so nothing one sample does reaches the next.

Part of the trusted harness (harness.py); container mode only (IN_CONTAINER). Stdlib only.

* `kill_everything`: after every test, every process of the sandbox uid dies (setsid escapees too).
* `remove_stored_state`: after every sample, anything stored outside its work dir: files in /tmp, /dev/shm and
  /work, POSIX message queues (/dev/mqueue) and SysV IPC objects (shared memory, semaphores, message
  queues). All of it is removed, and the sample gets a violation.
* `StateMarks`: counters the kernel keeps for the container (the last pid handed out, the inode counters
  of the tmpfs mounts, the network namespace's sockets and statistics). A sample that moved any of them
  beyond what the runner itself did (one process per test, its work dir and source file) is "dirty":
  the runner ends the job after it, and the host runs the rest of the job in another container.
"""
import hashlib
import os
import signal
import subprocess
import time

IN_CONTAINER = os.environ.get("VERIGRADE_IN_SANDBOX") == "1" and os.getuid() != 0
SCRATCH = ("/tmp", "/dev/shm")
MQUEUE_DIR = "/dev/mqueue"
SYSV_KINDS = ("shm", "sem", "msg")
# the network namespace's own state (sockets, TIME_WAIT entries, interface and protocol counters); not
# sockstat, whose counters are host-wide
NET_FILES = ("dev", "snmp", "snmp6", "netstat", "tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6",
             "unix", "packet", "icmp", "icmp6")


# -- processes --------------------------------------------------------------------------------------------
def same_uid_others():
    """Live processes of our uid other than us (container mode only)."""
    me, uid, found = os.getpid(), os.getuid(), []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/status") as fh:
                status = fh.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith("Z"):
            found.append(int(name))
    return found


def kill_everything(child):
    """Kill the candidate and everything it started (setsid escapees included in a container).

    Returns how many processes besides the candidate itself were still alive (container mode): a
    process that outlives its test is a violation.
    """
    leftovers = 0
    if IN_CONTAINER:
        leftovers = len([p for p in same_uid_others() if child is None or p != child.proc.pid])
        try:
            os.kill(-1, signal.SIGKILL)  # every process of our uid except us; keeper and init run as another uid
        except ProcessLookupError:
            pass
    elif child is not None:
        try:
            os.killpg(child.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if child is not None:
        child.close()
        try:
            child.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    if IN_CONTAINER:
        end = time.monotonic() + 3
        while same_uid_others() and time.monotonic() < end:
            time.sleep(0.005)
    return leftovers


# -- stored state -----------------------------------------------------------------------------------------
def outside_files(work_root, own_dir):
    """Anything in /tmp, /dev/shm, /dev/mqueue or the work root other than the sample's own dir."""
    found = []
    for place in SCRATCH + (MQUEUE_DIR, work_root):
        try:
            entries = os.listdir(place)
        except OSError:
            continue
        found += [os.path.join(place, name) for name in entries if os.path.join(place, name) != own_dir]
    return found


def sysv_objects():
    """(kind, id) of every SysV IPC object in our IPC namespace."""
    found = []
    for kind in SYSV_KINDS:
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            continue
        found += [(kind, int(row.split()[1])) for row in rows if len(row.split()) > 1]
    return found


def remove_sysv(objects):
    """IPC_RMID each object: the sandbox uid created it (a candidate can change an object's owner, never
    its creator), so the runner may remove it."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    ipc_rmid = 0
    for kind, ident in objects:
        if kind == "shm":
            libc.shmctl(ident, ipc_rmid, None)
        elif kind == "sem":
            libc.semctl(ident, 0, ipc_rmid)
        else:
            libc.msgctl(ident, ipc_rmid, None)


def wipe(path):
    if os.path.isdir(path) and not os.path.islink(path):
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except OSError:
            pass


def remove_stored_state(work_root, own_dir):
    """Remove everything a sample stored outside its work dir; returns descriptions of what was there, and
    whether anything survived the removal."""
    files = outside_files(work_root, own_dir)
    ipc = sysv_objects()
    for path in files:
        wipe(path)
    remove_sysv(ipc)
    found = [f"wrote outside its work dir: {', '.join(sorted(files)[:5])}"] if files else []
    if ipc:
        counts = {kind: sum(1 for k, _ in ipc if k == kind) for kind in SYSV_KINDS}
        found.append("left SysV IPC objects: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n))
    survived = bool(outside_files(work_root, own_dir) or sysv_objects())
    return found, survived


# -- counters ---------------------------------------------------------------------------------------------
def _last_pid():
    try:
        with open("/proc/sys/kernel/ns_last_pid") as fh:
            return int(fh.read())
    except (OSError, ValueError):
        return -1


def _next_inode(place):
    """The inode number the mount hands out next (tmpfs counts up), by creating and removing a file."""
    import tempfile

    try:
        fd, path = tempfile.mkstemp(dir=place, prefix=".probe-")
    except OSError:
        return -1
    try:
        return os.fstat(fd).st_ino
    finally:
        os.close(fd)
        os.unlink(path)


def _net_digest():
    h = hashlib.sha256()
    for name in NET_FILES:
        try:
            with open(f"/proc/net/{name}", "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"-")
    return h.hexdigest()


class StepPadding:
    """Toolchains and managed runtimes start processes, threads and files the runner can't predict (javac's
    threads, go build's tools, a JVM's GC threads). After each step (a compile, a test) of such a sample,
    the runner moves the pid counter and the work mount's inode counter on to a fixed budget past where
    the step began (threads and probe files that end at once), so the counters the next sample can see
    say nothing about what this one did. A step that used more than its budget leaves the container
    dirty (replaced, as before)."""

    def __init__(self, work_root):
        self.work_root = work_root
        self.pids = 0          # pids the runner accounts for (what StateMarks.changes expects)
        self.inodes = 0        # inodes the runner accounts for in the work mount
        self.over = []         # steps that went past their budget

    def step(self, name, run, pid_budget, inode_budget):
        pid0 = _last_pid()
        inode0 = _next_inode(self.work_root)
        try:
            return run()
        finally:
            if not self._pad_pids(pid0, pid_budget) or not self._pad_inodes(inode0, inode_budget):
                self.over.append(name)
            self.pids += pid_budget
            self.inodes += inode_budget + 1

    @staticmethod
    def _pad_pids(start, budget):
        import threading

        used = _last_pid() - start
        if start < 0 or not 0 <= used <= budget:
            return False
        for _ in range(budget - used):
            thread = threading.Thread(target=int)
            thread.start()
            thread.join()
        return _last_pid() == start + budget

    def _pad_inodes(self, start, budget):
        """`start` came from the probe at the step's start; probe until the probe itself gets start + budget."""
        if start < 0:
            return False
        while True:
            now = _next_inode(self.work_root)
            if now < 0 or now > start + budget:
                return False
            if now == start + budget:
                return True


class StateMarks:
    """Kernel counters before a sample, to tell afterwards whether it changed more than the runner did."""

    def __init__(self, work_root):
        self.work_root = work_root
        self.inodes = {place: _next_inode(place) for place in (work_root,) + SCRATCH}
        self.net = _net_digest()
        self.pid = _last_pid()  # last: the probes above start no process, but keep the order obvious

    def changes(self, spawned, runner_inodes):
        """What moved beyond `spawned` processes and `runner_inodes` inodes the runner made in the work root."""
        moved = []
        pid = _last_pid()
        if pid != self.pid + spawned or pid < 0:
            moved.append("started processes or threads")
        for place, before in self.inodes.items():
            made = runner_inodes if place == self.work_root else 0
            # +1: the probe that measured `before` took that number itself
            if before < 0 or _next_inode(place) != before + 1 + made:
                moved.append(f"created files in {place}")
        if _net_digest() != self.net:
            moved.append("used the network namespace")
        return moved
