#!/usr/bin/env python3
"""Measures a ledger on PostgreSQL next to the same ledger on SQLite (issue 18; on demand, never in CI), in one run:
importing generated files with `ybz import` into each store, `psql \\copy` of the same resource and data-item rows into
plain tables (what PostgreSQL itself takes for those rows: the reference), and Chinese search over the API of a server
on each store (p50 and p95 of the same queries).

    swift build -c release --product ybz
    createdb ybz_bench                      # an empty database the servers may own
    python3 bench/postgres.py --database postgres://USER@HOST:PORT/ybz_bench [--scale county] [--rounds 30]
"""
import argparse, csv, json, os, socket, statistics, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YBZ = os.path.join(ROOT, ".build", "release", "ybz")
QUERIES = [{"q": "不动产"}, {"q": "不动产登记", "kind": "resource"}, {"q": "社会保障卡", "shareType": "无条件共享"},
           {"q": "登记", "kind": "resource"}, {"q": "公民身份号码", "kind": "resource", "limit": "20"}]


def store_args(target):
    return ["--database", target] if target.startswith("postgres://") else ["--data", target]


def timed(command, **options):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    return time.perf_counter() - start


def copy_reference(folder, database):
    """`psql \\copy` of the resource and data-item rows, as the CSV files hold them, into plain text tables."""
    columns = {}
    for name in ("resources", "data-items"):
        with open(os.path.join(folder, f"{name}.csv"), encoding="utf-8-sig") as f:
            columns[name] = len(next(csv.reader(f)))
    setup = ";".join(
        f"DROP TABLE IF EXISTS copy_{name.replace('-', '_')}; CREATE TABLE copy_{name.replace('-', '_')} ("
        + ", ".join(f"c{i} text" for i in range(count)) + ")" for name, count in columns.items())
    subprocess.run(["psql", database, "-qc", setup], check=True)
    start = time.perf_counter()
    for name in columns:
        path = os.path.join(folder, f"{name}.csv")
        subprocess.run(["psql", database, "-qc", f"\\copy copy_{name.replace('-', '_')} FROM '{path}' WITH (FORMAT csv, HEADER true)"],
                       check=True)
    seconds = time.perf_counter() - start
    subprocess.run(["psql", database, "-qc", "DROP TABLE copy_resources; DROP TABLE copy_data_items"], check=True)
    return seconds


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def search(target, rounds):
    """p50 and p95 in milliseconds of each query, over the API of a server on `target`, and the hits it counted."""
    subprocess.run([YBZ, "user", "add", "bench", "--role", "admin", *store_args(target)], cwd=ROOT, input="benchmark-password\n",
                   text=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    token = subprocess.run([YBZ, "token", "create", "bench", *store_args(target)], cwd=ROOT, check=True, capture_output=True,
                           text=True).stdout.strip()
    port = free_port()
    server = subprocess.Popen([YBZ, "serve", *store_args(target), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        results = {}
        for query in QUERIES:
            url = f"http://127.0.0.1:{port}/api/v1/search?" + urllib.parse.urlencode(query)
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                body = urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}), timeout=60).read()
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            results[json.dumps(query, ensure_ascii=False)] = (json.loads(body)["total"], statistics.median(times),
                                                              times[max(0, int(len(times) * 0.95) - 1)])
        return results
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="an empty PostgreSQL database (postgres://…)")
    parser.add_argument("--scale", default="county", choices=["county", "city", "province"])
    parser.add_argument("--files", help="a folder the generator already wrote for this scale")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not os.path.exists(YBZ):
        sys.exit("build first: swift build -c release --product ybz")
    with tempfile.TemporaryDirectory() as work:
        folder = args.files or os.path.join(work, "csv")
        if not args.files:
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts/generate_demo.py"), "--scale", args.scale, "--seed", "3",
                            "--out", folder], check=True, stdout=subprocess.DEVNULL)
        files = [os.path.join(folder, f"{name}.csv") for name in ("units", "projects", "systems", "resources", "data-items")]
        sqlite = os.path.join(work, "data")
        imports = {"SQLite": timed([YBZ, "import", "--data", sqlite, *files], cwd=ROOT),
                   "PostgreSQL": timed([YBZ, "import", "--database", args.database, *files], cwd=ROOT)}
        reference = copy_reference(folder, args.database)
        print(f"import of {args.scale} files: SQLite {imports['SQLite']:.1f} s, PostgreSQL {imports['PostgreSQL']:.1f} s; "
              f"psql \\copy of the same resource and item rows into plain tables {reference:.1f} s (reference)")
        print(f"  ratios to the reference: SQLite {imports['SQLite'] / reference:.1f}x, PostgreSQL {imports['PostgreSQL'] / reference:.1f}x")
        found = {store: search(target, args.rounds) for store, target in (("SQLite", sqlite), ("PostgreSQL", args.database))}
        print("| query | hits | SQLite p50 / p95 | PostgreSQL p50 / p95 |")
        print("|---|---|---|---|")
        for query in found["SQLite"]:
            (hits, p50, p95), (pg_hits, pg50, pg95) = found["SQLite"][query], found["PostgreSQL"][query]
            same = "" if hits == pg_hits else f" (PostgreSQL {pg_hits:,})"
            print(f"| {query} | {hits:,}{same} | {p50:.1f} / {p95:.1f} ms | {pg50:.1f} / {pg95:.1f} ms |")


if __name__ == "__main__":
    main()
