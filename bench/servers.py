#!/usr/bin/env python3
"""Measures API throughput with one server and with two servers on one data folder (issue 18; on demand, never in
CI), each against its same-run reference: one server first, then two on the same ledger, with wrk from Debian. With
`--database URL` (an empty PostgreSQL database) the same is measured on PostgreSQL after SQLite, in the same run.

Reads are `GET /api/v1/systems/TZ-SYS-001`; writes are `POST /api/v1/systems` of new systems (each request a new
code). With two servers the connections are split between them (two wrk processes at once) and the rates summed.
After the runs every acknowledged write must be in the ledger and the audit chain must verify.

    swift build -c release --product ybz
    python3 bench/servers.py [--seconds 10] [--connections 20] [--database postgres://USER@HOST:PORT/DB]
"""
import argparse, json, os, re, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request
from contextlib import closing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YBZ = os.path.join(ROOT, ".build", "release", "ybz")
WRITE_SCRIPT = """
local counter = 0
local prefix = os.getenv("YBZ_PREFIX")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("YBZ_TOKEN")
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local code = string.format("TZ-WB-%s-%07d", prefix, counter)
  local body = '{"code":"' .. code .. '","name":"压测系统' .. code .. '","unitUSCC":"' .. os.getenv("YBZ_UNIT")
    .. '","status":"建设中","appCategories":["辅助决策类"]}'
  return wrk.format("POST", "/api/v1/systems", nil, body)
end
"""
READ_SCRIPT = """
wrk.headers["Authorization"] = "Bearer " .. os.getenv("YBZ_TOKEN")
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_args(data):
    """`--data FOLDER`, or `--database URL` for a PostgreSQL ledger."""
    return ["--database", data] if data.startswith("postgres://") else ["--data", data]


class Server:
    def __init__(self, data):
        self.port = free_port()
        self.process = subprocess.Popen([YBZ, "serve", *store_args(data), "--demo", "--port", str(self.port)], cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.token = None
        while self.token is None:
            line = self.process.stdout.readline()
            if not line:
                sys.exit("servers: the server stopped while starting")
            match = re.search(r"^\s*admin\s.*令牌 (\S+)", line)
            self.token = match.group(1) if match else None
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait()


def wrk(servers, script, seconds, connections, unit, work, label):
    """Runs one wrk per server at once, `connections` split between them: requests per second summed, the answers not
    2xx, those that were, and each wrk's mean latency."""
    path = os.path.join(work, "script.lua")
    with open(path, "w") as f:
        f.write(script)
    share = max(1, connections // len(servers))
    runs = [subprocess.Popen(["wrk", "-t1", f"-c{share}", f"-d{seconds}s", "-s", path, f"http://127.0.0.1:{s.port}/api/v1/systems/TZ-SYS-001"],
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "YBZ_TOKEN": s.token, "YBZ_UNIT": unit, "YBZ_PREFIX": f"{label}{n}"})
            for n, s in enumerate(servers)]
    rate, failed, done, latencies = 0.0, 0, 0, []
    for run in runs:
        out = run.communicate()[0]
        rate += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        failed += int(bad.group(1)) if bad else 0
        done += int(re.search(r"(\d+) requests in", out).group(1))
        latencies.append(re.search(r"Latency\s+(\S+)", out).group(1))
    return rate, failed, done - failed, latencies


def measure(data, args, work, label):
    """One server on `data` (it loads the demo), then two: reads and writes, rows (store, servers, kind, rate, not 2xx,
    latencies); checks that every acknowledged write is stored and that the audit chain verifies."""
    rows = []
    first = Server(data)
    unit = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{first.port}/api/v1/units?limit=1", headers={"Authorization": "Bearer " + first.token})).read())["items"][0]["uscc"]
    acknowledged = 0
    for count in (1, 2):
        servers = [first] if count == 1 else [first, Server(data)]
        for kind, script in (("read", READ_SCRIPT), ("write", WRITE_SCRIPT)):
            rate, failed, succeeded, latencies = wrk(servers, script, args.seconds, args.connections, unit, work, f"{label}{kind[0]}{count}")
            rows.append((label, count, kind, rate, failed, latencies))
            acknowledged += succeeded if kind == "write" else 0
            print(f"{label}, {count} server(s), {kind}: {rate:,.0f} requests/s, {failed} not 2xx, mean latency {' / '.join(latencies)}",
                  flush=True)
        if count == 2:
            servers[1].stop()
    first.stop()
    if data.startswith("postgres://"):
        stored = int(subprocess.run(["psql", data, "-Atc", "SELECT count(*) FROM system WHERE key LIKE 'TZ-WB-%'"],
                                    capture_output=True, text=True, check=True).stdout)
    else:
        with closing(sqlite3.connect(os.path.join(data, "ledger.sqlite"))) as db:
            stored = db.execute("SELECT count(*) FROM system WHERE key LIKE 'TZ-WB-%'").fetchone()[0]
    verify = subprocess.run([YBZ, "audit", "verify", *store_args(data)], cwd=ROOT, capture_output=True, text=True)
    print(f"{label}: writes acknowledged {acknowledged:,}, in the ledger {stored:,}; audit verify: {verify.stdout.strip()[-60:]}")
    return rows, verify.returncode == 0 and stored >= acknowledged


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--database", help="also measure on this empty PostgreSQL database (postgres://…)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        rows, sound = measure(os.path.join(work, "data"), args, work, "SQLite")
        if args.database:
            more, pg_sound = measure(args.database, args, work, "PostgreSQL")
            rows, sound = rows + more, sound and pg_sound
    reference = {kind: next(r[3] for r in rows if r[0] == "SQLite" and r[1] == 1 and r[2] == kind) for kind in ("read", "write")}
    print()
    print("| store | servers | reads/s | writes/s |")
    print("|---|---|---|---|")
    for store in dict.fromkeys(r[0] for r in rows):
        for count in (1, 2):
            reads, writes = (next(r for r in rows if r[0] == store and r[1] == count and r[2] == kind) for kind in ("read", "write"))
            print(f"| {store} | {count} | {reads[3]:,.0f} ({reads[3] / reference['read']:.2f}x) | {writes[3]:,.0f} ({writes[3] / reference['write']:.2f}x) |")
    sys.exit(1 if any(r[4] for r in rows) or not sound else 0)


if __name__ == "__main__":
    main()
