import Connectors
import Foundation
import Logging
import ServiceLifecycle

/// Probes every platform at a fixed interval until the server shuts down: a service of the server's service group.
/// A run in progress when the server stops is cancelled with it and nothing half-written is kept (each run is recorded
/// in one transaction).
public struct ProbeSchedule: Service {
    public let service: ProbeService
    public let interval: Double
    public let logger: Logger

    public init(service: ProbeService, interval: Double, logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    /// Runs until the service group shuts down gracefully, or the task is cancelled.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await probeUntilCancelled() }
    }

    private func probeUntilCancelled() async {
        while !Task.isCancelled {
            do {
                let (id, result) = try await service.run(trigger: "schedule")
                if Task.isCancelled { return }
                logger.info("probe run recorded", metadata: ["run": "\(id)", "verdicts": "\(result.verdicts.count)"])
            } catch is CancellationError {
                return
            } catch {
                logger.error("scheduled probe run failed", metadata: ["error": "\(error)"])
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
