import Foundation
import Logging

/// Probes every platform at a fixed interval until cancelled; a run in progress when the server stops is
/// cancelled with it and nothing half-written is kept (each run is recorded in one transaction).
public struct ProbeSchedule: Sendable {
    public let service: ProbeService
    public let interval: Double
    public let logger: Logger

    public init(service: ProbeService, interval: Double, logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    public func run() async {
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
