/// Bounds concurrent probes: one global limit plus a limit per host, waiting in arrival order.
actor Limiter {
    private let global: Int
    private let perHost: Int
    private var running = 0
    private var runningByHost: [String: Int] = [:]
    private var waiting: [(host: String, continuation: CheckedContinuation<Void, Never>)] = []

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
        if canRun(host) && waiting.isEmpty {
            take(host)
            return
        }
        await withCheckedContinuation { waiting.append((host, $0)) }
    }

    private func take(_ host: String) {
        running += 1
        runningByHost[host, default: 0] += 1
    }

    private func release(_ host: String) {
        running -= 1
        runningByHost[host, default: 0] -= 1
        var index = 0
        while index < waiting.count {
            if canRun(waiting[index].host) {
                let next = waiting.remove(at: index)
                take(next.host)
                next.continuation.resume()
            } else {
                index += 1
            }
        }
    }
}
