#!/usr/bin/env python3
"""Probe-sweep benchmark (on demand, never in CI): N 爱山东 service items probed against the simulator on
loopback by `ybz probe` (AsyncHTTPClient, full evidence, verdicts and storage), by URLSession (libcurl), and by
`curl --parallel --parallel-max 256` over the same signed URLs, with and without connection reuse.

    swift build -c release --product ybz
    apt-get install -y libcurl4-openssl-dev     # for the URLSession side
    python3 bench/probe_sweep.py --probes 10000
"""
import argparse, hashlib, hmac, json, os, shutil, socket, subprocess, sys, tempfile, time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YBZ = os.path.join(ROOT, ".build", "release", "ybz")
SECRET = "bench-secret"
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(body):
    return body + CHARSET[(31 - sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS)) % 31) % 31]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_headers(path):
    ts, nonce = str(int(time.time())), str(uuid.uuid4())
    sig = hmac.new(SECRET.encode(), f"GET\n{path}\n{ts}\n{nonce}".encode(), hashlib.sha256).hexdigest()
    return [("X-Ybz-AppKey", "ybz-tengzhou"), ("X-Ybz-Timestamp", ts), ("X-Ybz-Nonce", nonce), ("X-Ybz-Signature", sig)]


def timed(cmd, env=None):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"failed: {cmd[:3]}\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}")
    return time.perf_counter() - start, result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--probes", type=int, default=10000)
    parser.add_argument("--parallel", type=int, default=256)
    parser.add_argument("--json", help="also write the measurements to this file (bench/all.py reads it)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="ybz-sweep-")
    try:
        per_system = 100
        items = [f"3704819{n:07d}" for n in range(args.probes)]
        unit = uscc("11370481" + "000000001")
        systems = [{"code": f"BENCH-{s:04d}", "name": f"压测系统{s}", "unitUSCC": unit, "status": "运行",
                    "appCategories": ["政务服务类"], "platformIds": {"aishandongItems": items[s * per_system:(s + 1) * per_system]}}
                   for s in range(args.probes // per_system)]
        ledger = {"units": [{"uscc": unit, "name": "滕州市压测单位", "kind": "行政机关", "region": "市直"}], "systems": systems}
        scenario = {"secrets": {"aishandong": SECRET}, "aishandongItems": {i: {"online": True} for i in items}}
        json.dump(ledger, open(f"{work}/ledger.json", "w"), ensure_ascii=False)
        json.dump(scenario, open(f"{work}/scenario.json", "w"))
        timed([YBZ, "import", "--data", f"{work}/data", f"{work}/ledger.json"])
        port = free_port()
        simulator = subprocess.Popen([YBZ, "simulate", "--port", str(port), "--scenario", f"{work}/scenario.json"], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if simulator.poll() is not None:
                    sys.exit("the simulator did not start")
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}/aishandong"
        env = dict(os.environ, YBZ_AISHANDONG_URL=base, YBZ_AISHANDONG_SECRET=SECRET)
        results = []
        try:
            for concurrency in (16, 64):
                # The summary table (as curl prints only status codes); every verdict and attempt is stored either way.
                seconds, out = timed([YBZ, "probe", "--data", f"{work}/data", "--platform", "aishandong",
                                      "--concurrency", str(concurrency)], env=env)
                passed = int(next(line for line in out.splitlines() if line.startswith("爱山东")).split()[1])
                results.append((f"ybz probe (AsyncHTTPClient, {concurrency}/host, evidence + verdicts + SQLite)", seconds, passed))
            lines, config, config_close = [], [], []
            for item in items:
                path = f"/aishandong/items/{item}"
                headers = signed_headers(path)
                lines.append("\t".join([base + f"/items/{item}"] + [f"{k}: {v}" for k, v in headers]))
                # Options in a config file are global unless `next` starts a new transfer with its own options.
                entry = [f'url = "{base}/items/{item}"', "output = /dev/null", 'write-out = "%{http_code}\\n"'] + \
                    [f'header = "{k}: {v}"' for k, v in headers]
                config += entry + ["next"]
                config_close += entry + ['header = "Connection: close"', "next"]
            open(f"{work}/urls.tsv", "w").write("\n".join(lines))
            open(f"{work}/curl.cfg", "w").write("\n".join(config))
            open(f"{work}/curl-close.cfg", "w").write("\n".join(config_close))
            for name, cfg in (("curl --parallel-max 256 (connection reuse)", "curl.cfg"), ("curl --parallel-max 256 (Connection: close)", "curl-close.cfg")):
                start = time.perf_counter()
                done = subprocess.run(["curl", "--no-progress-meter", "--parallel", "--parallel-max", str(args.parallel),
                                       "-K", f"{work}/{cfg}"], capture_output=True, text=True)
                seconds = time.perf_counter() - start
                results.append((name, seconds, done.stdout.split().count("200")))
            swift = shutil.which("swiftc")
            if swift and subprocess.run(["dpkg", "-s", "libcurl4-openssl-dev"], capture_output=True).returncode == 0:
                subprocess.run([swift, "-O", os.path.join(ROOT, "bench/URLSessionSweep.swift"), "-o", f"{work}/urlsession"], check=True,
                               capture_output=True)
                seconds, out = timed([f"{work}/urlsession", f"{work}/urls.tsv", str(args.parallel)])
                results.append((f"URLSession/libcurl ({args.parallel} in flight, bodies read, no evidence)", seconds, int(out.split()[0])))
            else:
                print("(URLSession side skipped: install libcurl4-openssl-dev)")
        finally:
            simulator.terminate()
            simulator.wait()
        reference = next(s for n, s, _ in results if n.startswith("curl") and "reuse" in n)
        print(f"{'client':<76} {'s':>7} {'probes/s':>9} {'ok':>6} {'vs curl':>8}")
        for name, seconds, ok in results:
            print(f"{name:<76} {seconds:7.2f} {args.probes / seconds:9.0f} {ok:6d} {reference / seconds:7.2f}x")
        if args.json:
            best = min(s for n, s, _ in results if n.startswith("ybz probe"))
            with open(args.json, "w") as f:
                json.dump({"probe sweep": {"value": round(best, 2), "unit": "s", "reference": round(reference, 2),
                                           "reference_name": "curl --parallel-max 256 (reuse)", "ratio": round(reference / best, 2),
                                           "target": ">= 0.8x curl throughput", "met": reference / best >= 0.8,
                                           "detail": f"{args.probes} signed probes"}}, f, ensure_ascii=False, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
