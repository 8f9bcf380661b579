import Connectors
import Foundation
import LedgerStore
import Logging
import ServiceLifecycle

/// Work done at a fixed interval until the server shuts down (a probe of every platform, a harvest of every source): a
/// service of the server's service group. Work in progress when the server stops is cancelled with it and nothing
/// half-written is kept (each probe run and each harvest is recorded in one transaction); a failed round is logged
/// and the next one comes at its time. Servers that share a ledger share its schedules: a round is done by the server
/// that takes the schedule's lease for the interval (`LeaseRepository`), so each interval has one round, not one per
/// server.
public struct Schedule: Service {
    /// What is done, for the log and the lease (`probe run`, `harvest`).
    public let name: String
    public let interval: Double
    public let logger: Logger
    public let leases: any LeaseRepository
    /// Who this server is to the leases (`LeaseHolder.thisProcess`).
    public let holder: String
    /// One round; what it returns is logged.
    public let work: @Sendable () async throws -> Logger.Metadata

    public init(
        _ name: String, every interval: Double, leases: any LeaseRepository, holder: String, logger: Logger,
        work: @escaping @Sendable () async throws -> Logger.Metadata
    ) {
        self.name = name
        self.interval = interval
        self.leases = leases
        self.holder = holder
        self.logger = logger
        self.work = work
    }

    /// Probes every platform with `service`.
    public static func probes(_ service: ProbeService, every interval: Double, holder: String, logger: Logger) -> Schedule {
        Schedule("probe run", every: interval, leases: service.ledger.leases, holder: holder, logger: logger) {
            let (id, result) = try await service.run(trigger: "schedule")
            return ["run": "\(id)", "verdicts": "\(result.verdicts.count)"]
        }
    }

    /// Harvests every source in turn; one that fails does not stop the others (its run says why).
    public static func harvests(_ service: HarvestService, every interval: Double, logger: Logger) -> Schedule {
        Schedule("harvest", every: interval, leases: service.ledger.leases, holder: service.holder, logger: logger) {
            var metadata: Logger.Metadata = [:]
            for source in try await service.ledger.harvests.sources() {
                try Task.checkCancellation()
                do {
                    let run = try await service.run(source.name, by: HarvestService.scheduled)
                    metadata[source.name] = "\(HarvestResult.allCases.map { "\($0.rawValue) \(run.count($0))" }.joined(separator: ", "))"
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    metadata[source.name] = "failed: \(error)"
                }
            }
            return metadata
        }
    }

    /// Runs until the service group shuts down gracefully, or the task is cancelled.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await untilCancelled() }
    }

    private func untilCancelled() async {
        while !Task.isCancelled {
            do {
                if try await leases.claim("schedule \(name)", holder: holder, seconds: interval) {
                    let metadata = try await work()
                    if Task.isCancelled { return }
                    logger.info("scheduled \(name) done", metadata: metadata)
                } else {
                    logger.debug("scheduled \(name) left to the server that holds its lease")
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("scheduled \(name) failed", metadata: ["error": "\(error)"])
            }
            do {
                try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
            } catch {
                return
            }
        }
    }
}

/// The probes' HTTP client as a service of the server's service group: it waits for the group to shut down and
/// then closes the client, after the services started after it (the server, the schedule) have stopped using it.
public struct ProbeTransportService: Service {
    public let transport: AsyncHTTPTransport

    public init(transport: AsyncHTTPTransport) {
        self.transport = transport
    }

    public func run() async throws {
        try? await gracefulShutdown()  // cancelled or shut down, the client is closed either way
        try await transport.shutdown()
    }
}
