# CPU accounting from /proc for the drain benchmarks (python3 bench/lib/cpu.py …).
# snapshot OUT name=pid...: CPU ticks of each root (a postmaster counts with its children) and of the machine.
# diff A B: CPU seconds per kind of process between two snapshots, as "label<TAB>seconds<TAB>% of one core" lines
# (the percentage over the time between the two snapshots).
# Environment: CPU_THREADS=1 also counts each thread of a root that is not a server, by thread name ("pgmove thread
# .NET TP Worker", "pgmove thread main"); CPU_DIGITS: decimals of the seconds (default 1).
import json, os, re, sys, time
HZ = os.sysconf("SC_CLK_TCK")
def stat(pid):
    text = open(f"/proc/{pid}/stat").read()
    f = text[text.rindex(")") + 2:].split()
    return int(f[1]), int(f[11]) + int(f[12])
def title(pid):
    return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace").strip()
if sys.argv[1] == "snapshot":
    roots = dict(a.split("=") for a in sys.argv[3:])
    # Walsenders named by the database of their slot ("pid database" lines in $WALSENDERS).
    slots = {}
    if os.environ.get("WALSENDERS") and os.path.exists(os.environ["WALSENDERS"]):
        for line in open(os.environ["WALSENDERS"]):
            if len(line.split()) == 2:
                slots[line.split()[0]] = f" [slot of database {line.split()[1]}]"
    out = {}
    for name, root in roots.items():
        if not os.path.exists(f"/proc/{root}"):
            continue
        try:
            out[root] = [name + " " + ("postmaster" if name in ("source", "target") else "process"), stat(root)[1]]
        except OSError:
            pass
        if name not in ("source", "target") and os.environ.get("CPU_THREADS") == "1":
            # A thread that ends between two snapshots drops out of this breakdown (its time stays in the process's).
            try:
                tids = os.listdir(f"/proc/{root}/task")
            except OSError:
                tids = []
            for tid in tids:
                try:
                    thread = "main" if tid == root else open(f"/proc/{root}/task/{tid}/comm").read().strip()
                    out[f"{root}/{tid}"] = [f"{name} thread {thread}", stat(f"{root}/task/{tid}")[1]]
                except (OSError, IndexError, ValueError):
                    pass
        if name in ("source", "target"):
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        ppid, ticks = stat(pid)
                        if str(ppid) == root:
                            out[pid] = [name + " " + title(pid) + slots.get(pid, ""), ticks]
                    except (OSError, IndexError, ValueError):
                        pass
    cpu = open("/proc/stat").readline().split()[1:]
    out["machine"] = ["machine", sum(int(x) for x in cpu[:8]) - int(cpu[3]) - int(cpu[4])]
    out["time"] = ["time", time.time()]
    json.dump(out, open(sys.argv[2], "w"))
else:
    a, b = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
    seconds = b.pop("time")[1] - a.pop("time")[1]
    AUX = ("checkpointer", "background writer", "walwriter", "autovacuum launcher", "autovacuum worker",
           "logical replication launcher", "logical replication apply worker", "logical replication tablesync worker",
           "logical replication worker", "stats collector", "archiver", "walsender", "startup")
    def kind(label):
        if label == "machine":
            return "machine (every process)"
        side, _, rest = label.partition(" ")
        if side not in ("source", "target"):
            return label if rest.startswith("thread ") else side
        if rest == "postmaster":
            return f"{side}: postmaster"
        rest = rest.split("postgres: ", 1)[-1]
        for aux in AUX:
            if rest.startswith(aux):
                return f"{side}: {aux}" + (rest[rest.index(" [slot"):] if aux == "walsender" and " [slot" in rest else "")
        words = rest.split()   # user database host(port) state
        return f"{side}: backend {words[1] if len(words) > 1 else '?'}"
    total = {}
    for pid, (label, ticks) in b.items():
        before = a[pid][1] if pid in a else 0
        total[kind(label)] = total.get(kind(label), 0) + (ticks - before) / HZ
    for label, cpu in sorted(total.items(), key=lambda kv: -kv[1]):
        if cpu >= 0.05 or label.startswith("machine"):
            print(f"{label}\t{cpu:.{int(os.environ.get('CPU_DIGITS', '1'))}f}\t{100 * cpu / seconds:.0f}")
