#!/usr/bin/env python3
"""Times every list and dashboard page at the generated county scale (on demand, never in CI).

Imports the generated files into a fresh data folder, probes every system against the simulator (with the files'
scenario), runs two funding evaluations, then serves the ledger and asks each page `--rounds` times after one warm-up.
Prints median and 95th percentile per page and the goal (300 ms, issue 15), with `/healthz` (a constant answer)
first as the same-run reference of what a request costs; `--json` writes them.

    swift build -c release --product ybz
    python3 scripts/generate_demo.py --scale county --seed 7 --out /tmp/gen-county
    python3 bench/pages.py --files /tmp/gen-county [--rounds 20]
"""
import argparse, csv, json, os, socket, statistics, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YBZ = os.path.join(ROOT, ".build", "release", "ybz")
PLATFORMS = ["aishandong", "shandongtong", "citybrain", "county-node", "sharing-platform"]
GOAL_MS = 300


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


def first_value(path, column=0):
    with open(path, encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        next(rows)
        return next(rows)[column]


def typical_unit(path):
    """The unit with the median number of systems (the first unit of a generated county is its largest)."""
    with open(path, encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = next(rows)
        column = header.index("建设单位代码")
        counts = {}
        for row in rows:
            counts[row[column]] = counts.get(row[column], 0) + 1
    ordered = sorted(counts, key=lambda unit: (counts[unit], unit))
    return ordered[len(ordered) // 2], max(counts.values()), counts[ordered[len(ordered) // 2]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", required=True, help="a folder scripts/generate_demo.py wrote")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", help="also write the timings to this file")
    args = parser.parse_args()
    if not os.path.exists(YBZ):
        sys.exit("build first: swift build -c release --product ybz")
    work = tempfile.mkdtemp(prefix="ybz-pages-")
    data = os.path.join(work, "data")
    files = [os.path.join(args.files, f"{name}.csv") for name in ("units", "projects", "systems", "resources", "data-items")]
    subprocess.run([YBZ, "import", "--data", data, *files], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    sim_port, port = free_port(), free_port()
    env = dict(os.environ)
    for platform in PLATFORMS:
        env[f"YBZ_{platform.upper().replace('-', '_')}_URL"] = f"http://127.0.0.1:{sim_port}/{platform}"
    simulator = subprocess.Popen([YBZ, "simulate", "--port", str(sim_port), "--scenario", os.path.join(args.files, "scenario.json")],
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = None
    try:
        wait_for(sim_port)
        started = time.time()
        subprocess.run([YBZ, "probe", "--data", data], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"probe run of the county: {time.time() - started:.0f} s")
        for _ in range(2):
            subprocess.run([YBZ, "funding", "--data", data, "--year", "2027"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([YBZ, "user", "add", "bench", "--role", "admin", "--data", data], cwd=ROOT, check=True,
                       input="benchmark-password\n", text=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        token = subprocess.run([YBZ, "token", "create", "bench", "--data", data], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout.strip()
        server = subprocess.Popen([YBZ, "serve", "--data", data, "--port", str(port)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(port)
        system = first_value(files[2])
        resource = first_value(files[3])
        unit = first_value(files[0])
        median_unit, largest, median = typical_unit(files[2])
        print(f"units: the largest has {largest} systems, the median one {median}")
        q = urllib.parse.quote
        pages = ["/healthz", "/admin", "/units", "/systems", "/systems?sort=-name&page=5", f"/systems?unit={unit}", "/resources",
                 "/resources?page=200", f"/resources?state={q('待审核')}", f"/resources?name={q('登记')}", "/projects",
                 "/review", "/reviews", "/funding", "/funding?sort=-cap&status=ineligible", "/funding/batches",
                 "/integrations", "/integrations?page=5", f"/systems/{system}", f"/resources/{q(resource, safe='')}",
                 f"/unit?unit={unit}", f"/unit?unit={median_unit}", f"/search?q={q('社保')}"]
        results = {}
        print(f"{'page':<44} {'median':>8} {'p95':>8}  goal {GOAL_MS} ms")
        for page in pages:
            times = []
            for attempt in range(args.rounds + 1):
                request = urllib.request.Request(f"http://127.0.0.1:{port}{page}", headers={"Authorization": f"Bearer {token}"})
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    if response.status != 200:
                        sys.exit(f"{page}: {response.status}")
                if attempt:
                    times.append((time.perf_counter() - start) * 1000)
            times.sort()
            median, p95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
            results[page] = {"median_ms": round(median, 1), "p95_ms": round(p95, 1), "met": p95 < GOAL_MS}
            print(f"{page:<44} {median:>6.0f}ms {p95:>6.0f}ms  {'yes' if p95 < GOAL_MS else 'NO'}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, ensure_ascii=False, indent=1)
    finally:
        if server:
            server.terminate()
            server.wait()
        simulator.terminate()
        simulator.wait()


if __name__ == "__main__":
    main()
