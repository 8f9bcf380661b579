/// Bounds concurrent probes: one global limit plus a limit per host. Waiters queue per host in arrival order,
/// so a release costs time in the number of hosts, not the number of waiting probes.
actor Limiter {
    private let global: Int
    private let perHost: Int
    private var running = 0
    private var runningByHost: [String: Int] = [:]
    private var queues: [String: Queue] = [:]
    /// Hosts in the order they first had to wait, for fairness between hosts.
    private var hostOrder: [String] = []

    /// A FIFO of waiting continuations with an advancing head (no O(n) removal at the front).
    private struct Queue {
        var items: [CheckedContinuation<Void, Never>] = []
        var head = 0
        var isEmpty: Bool { head == items.count }
        mutating func pop() -> CheckedContinuation<Void, Never> {
            defer { head += 1 }
            return items[head]
        }
    }

    init(global: Int, perHost: Int) {
        self.global = max(1, global)
        self.perHost = max(1, perHost)
    }

    /// Runs `body` when a slot for `host` is free.
    func withSlot<T: Sendable>(host: String, _ body: @Sendable () async -> T) async -> T {
        await acquire(host)
        let result = await body()
        release(host)
        return result
    }

    private func canRun(_ host: String) -> Bool {
        running < global && runningByHost[host, default: 0] < perHost
    }

    private func acquire(_ host: String) async {
        if canRun(host) && (queues[host]?.isEmpty ?? true) {
            take(host)
            return
        }
        await withCheckedContinuation { continuation in
            if queues[host] == nil { hostOrder.append(host) }
            queues[host, default: Queue()].items.append(continuation)
        }
    }

    private func take(_ host: String) {
        running += 1
        runningByHost[host, default: 0] += 1
    }

    private func release(_ host: String) {
        running -= 1
        runningByHost[host, default: 0] -= 1
        for candidate in [host] + hostOrder where canRun(candidate) && !(queues[candidate]?.isEmpty ?? true) {
            let next = queues[candidate]!.pop()  // in place: no copy of the queue
            if queues[candidate]!.isEmpty { queues[candidate] = Queue() }
            take(candidate)
            next.resume()
            return
        }
    }
}
